"""Opt-in auto-install through the POSIX shim: off, the missing version is exit 4 as
always; on (GVW_AUTO_INSTALL=1 or ``auto_install = true``, recorded by rehash as
<root>/auto-install), the shim runs the gvw recorded in <root>/gvw-command to install
it, once even when several shims start at once, then runs it; an install that fails
ends the shim with install's error and exit code. Synthetic toolchains over a real
HTTP mirror on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer
from tests.support.posix_world import POSIX_SHIM

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"
SHELLS = ["dash", "bash", "busybox"]


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path, mirror_factory) -> tuple[GvwEnv, MirrorServer, Path]:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.21.13", "1.22.10"], ["linux-amd64"])
    server: MirrorServer = mirror_factory(directory)
    gvw.extra_env.update(GVW_MIRROR=server.url, PATH="/usr/bin:/bin")
    run_ok(gvw, "install", "1.21.13")  # writes the shims and <root>/gvw-command
    app = tmp_path / "app"
    app.mkdir()
    (app / ".go-version").write_text("1.22.10\n")
    server.clear_log()
    return gvw, server, app


def sh_shim(gvw: GvwEnv) -> Path:
    """The POSIX sh shim named go, beside the store (GVW_ROOT names the store): rehash
    installs the native shim on this platform, and the sh shim is what is tested here."""
    path = gvw.base / "sh-shims" / "go"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(POSIX_SHIM, path)
        path.chmod(0o755)
    return path


def shim(
    gvw: GvwEnv, app: Path, *, shell: str = "dash", **env: str
) -> subprocess.CompletedProcess[str]:
    argv = [shell, "sh"] if shell == "busybox" else [shell]
    return subprocess.run(
        [*argv, str(sh_shim(gvw)), "version"],
        cwd=app,
        env=gvw.env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rehash_records_how_to_run_gvw(store: tuple[GvwEnv, MirrorServer, Path]) -> None:
    gvw, _, _ = store
    words = (gvw.root / "gvw-command").read_text("utf-8").splitlines()
    done = subprocess.run([*words, "--version"], env=gvw.env(), capture_output=True, text=True)
    assert done.stdout.startswith("gvw, version ")
    assert not (gvw.root / "auto-install").exists()
    gvw.config.write_text("auto_install = true\n")
    run_ok(gvw, "rehash")
    assert (gvw.root / "auto-install").is_file()
    gvw.config.write_text("auto_install = false\n")
    run_ok(gvw, "rehash")
    assert not (gvw.root / "auto-install").exists()
    gvw.config.write_text('auto_install = "yes"\n')
    bad = gvw.run("rehash")
    assert (bad.returncode, bad.error_lines[0]) == (
        13,
        f"gvw: 'auto_install' in config file {gvw.config} must be true or false, not a string",
    )


@pytest.mark.parametrize("setting", ["", "0", "yes"])
def test_off_the_missing_version_is_exit_4_as_before(
    store: tuple[GvwEnv, MirrorServer, Path], setting: str
) -> None:
    gvw, server, app = store
    done = shim(gvw, app, GVW_AUTO_INSTALL=setting)
    assert done.returncode == 4
    assert done.stderr.splitlines() == [
        f"gvw: Go 1.22.10 is not installed (set by {app / '.go-version'})",
        "gvw: install it with: gvw install 1.22.10",
    ]
    assert server.count(ARCHIVE) == 0
    assert not (gvw.root / "versions" / "1.22.10").exists()


@pytest.mark.parametrize("content", [None, b"", b"\n\r\n"], ids=["absent", "empty", "blank"])
def test_on_without_a_gvw_command_says_how_to_record_one(
    store: tuple[GvwEnv, MirrorServer, Path], content: bytes | None
) -> None:
    gvw, server, app = store
    command = gvw.root / "gvw-command"
    command.unlink()
    if content is not None:
        command.write_bytes(content)
    done = shim(gvw, app, GVW_AUTO_INSTALL="1")
    assert done.returncode == 4
    assert done.stderr.splitlines() == [
        f"gvw: Go 1.22.10 is not installed (set by {app / '.go-version'})",
        "gvw: install it with: gvw install 1.22.10",
        f"gvw: auto-install is on but {gvw.root}/gvw-command is missing; run: gvw rehash",
    ]
    assert server.count(ARCHIVE) == 0


def test_a_gvw_command_with_crlf_and_a_bom_is_read_as_the_native_shims_read_it(
    store: tuple[GvwEnv, MirrorServer, Path],
) -> None:
    gvw, _, app = store
    command = gvw.root / "gvw-command"
    words = command.read_text("utf-8").splitlines()
    command.write_bytes(b"\xef\xbb\xbf" + b"".join(w.encode() + b"\r\n\r\n" for w in words))
    done = shim(gvw, app, GVW_AUTO_INSTALL="1")
    assert done.returncode == 0, done.stderr
    assert "go1.22.10" in done.stdout


@pytest.mark.parametrize("shell", SHELLS)
def test_on_the_shim_installs_then_runs(
    store: tuple[GvwEnv, MirrorServer, Path], shell: str
) -> None:
    gvw, server, app = store
    done = shim(gvw, app, shell=shell, GVW_AUTO_INSTALL="1")
    assert (done.returncode, done.stdout) == (0, "go version go1.22.10 linux/amd64\n"), done.stderr
    assert f"Installed Go 1.22.10 in {gvw.root / 'versions' / '1.22.10'}" in done.stderr
    assert server.count(ARCHIVE) == 1
    assert (gvw.root / "shims" / "go1.22.10").is_file()  # the install rehashed


def test_the_config_turns_it_on_and_the_environment_off(
    store: tuple[GvwEnv, MirrorServer, Path],
) -> None:
    gvw, _, app = store
    gvw.config.write_text("auto_install = true\n")
    run_ok(gvw, "rehash")
    assert shim(gvw, app, GVW_AUTO_INSTALL="0").returncode == 4
    done = shim(gvw, app)
    assert (done.returncode, done.stdout) == (0, "go version go1.22.10 linux/amd64\n"), done.stderr


def test_several_shims_at_once_install_once(store: tuple[GvwEnv, MirrorServer, Path]) -> None:
    gvw, server, app = store
    server.delay(f"/{ARCHIVE}", 1.0)  # keep the first download going while the others start
    starts = [
        subprocess.Popen(
            ["dash", str(sh_shim(gvw)), "version"],
            cwd=app,
            env=gvw.env({"GVW_AUTO_INSTALL": "1"}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.communicate(timeout=120), p.returncode) for p in starts]
    for (out, err), code in results:
        assert (code, out) == (0, "go version go1.22.10 linux/amd64\n"), err
    assert server.count(ARCHIVE) == 1
    installed_lines = [err for (_, err), _ in results if "Installed Go 1.22.10" in err]
    assert len(installed_lines) == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_install_that_fails_ends_the_shim_with_its_error_and_exit_code(
    store: tuple[GvwEnv, MirrorServer, Path],
) -> None:
    gvw, _, app = store
    mirror = f"http://127.0.0.1:{closed_port()}/"
    done = shim(gvw, app, GVW_AUTO_INSTALL="1", GVW_MIRROR=mirror, GVW_TIMEOUT="5")
    assert done.returncode == 8, done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if not line.startswith("gvw: warning:")]
    assert errors and mirror in errors[0]
    assert not (gvw.root / "versions" / "1.22.10").exists()
