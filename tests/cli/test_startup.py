"""gvw starts fast: commands that need no network never import the HTTP client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv

PROBE = (
    "import sys\n"
    "from gvw.cli import run\n"
    "code = run(sys.argv[1:])\n"
    "heavy = sorted(m for m in ('http.client', 'ssl') if m in sys.modules)\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--json"],
        ["current"],
        ["which", "go"],
        ["--help"],
        ["install", "--help"],
        ["uninstall", "9.9.9"],
    ],
)
def test_offline_commands_do_not_import_the_http_client(
    gvw: GvwEnv, tmp_path: Path, args: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=gvw.env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "HEAVY=\n" in done.stderr, done.stderr


def test_installing_imports_the_http_client(gvw: GvwEnv, tmp_path: Path) -> None:
    # the probe itself is honest: a network command does load it
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "install", "--mirror", "http://127.0.0.1:9/", "1.22"],
        env=gvw.env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "http.client" in done.stderr.split("HEAVY=")[1]


def test_a_plain_http_install_builds_no_tls_context(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    from tests.support.mirror_fixtures import write_synthetic_mirror

    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    server = mirror_factory(tmp_path / "mirror")
    probe = (
        "import sys\n"
        "from gvw.cli import run\n"
        "code = run(sys.argv[1:])\n"
        "tls = sorted(m for m in ('gvw.base.tls', 'truststore', 'certifi') if m in sys.modules)\n"
        "print(f'CODE={code} TLS=' + ','.join(tls), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "install", "--mirror", server.url, "1.22.10"],
        env=gvw.env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "CODE=0 TLS=\n" in done.stderr, done.stderr
