"""The module proxy and checksum database fixtures, checked against the real go command:
Go 1.21.13 told to use go1.22.10 (GOTOOLCHAIN) downloads it from the fixture proxy,
verifies it with the fixture database and runs it, and refuses a tampered zip. If
these pass, the fixtures speak Go's protocol, so gvw's tests against them mean
something."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.support.goproxy_build import ModuleFiles
from tests.support.goproxy_fixtures import DB_NAME, WorldFactory
from tests.support.sumdb_fixture import make_key
from tests.support.toolchains import archive_name, unpack_toolchain

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def go121(real_mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("go121")
    tree = unpack_toolchain(real_mirror_dir / archive_name("1.21.13"), root, "1.21.13")
    return tree / "bin" / "go"


def _run_go(go: Path, home: Path, settings: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        HOME=str(home),
        GOPATH=str(home / "gopath"),
        GOCACHE=str(home / "gocache"),
        GOENV="off",
        GOFLAGS="-modcacherw",  # lets the test's tmp_path be removed
        GOTOOLCHAIN="go1.22.10",
        PATH="/usr/bin:/bin",  # no go1.22.10 on PATH: Go must download it
        **settings,
    )
    return subprocess.run(
        [str(go), "version"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _downloaded(home: Path) -> list[Path]:
    return list((home / "gopath" / "pkg" / "mod" / "golang.org").glob("toolchain@*"))


def test_go_downloads_and_runs_the_toolchain_from_the_proxy(
    go121: Path, linux_modules: list[ModuleFiles], proxy_world: WorldFactory, tmp_path: Path
) -> None:
    world = proxy_world(linux_modules)
    done = _run_go(go121, tmp_path, world.go_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "go version go1.22.10 linux/amd64"
    assert "go: downloading go1.22.10 (linux/amd64)" in done.stderr
    # the database was asked, not skipped
    assert world.server.count("/db/lookup/golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64")
    tree = _downloaded(tmp_path)[0]
    assert (tree / "src" / "go.mod").is_file()  # Go copies _go.mod back
    assert stat.S_IMODE((tree / "pkg" / "tool" / "linux_amd64" / "compile").stat().st_mode) & 0o111


def test_go_reads_the_database_through_the_proxy_when_gosumdb_names_no_url(
    go121: Path, linux_modules: list[ModuleFiles], proxy_world: WorldFactory, tmp_path: Path
) -> None:
    world = proxy_world(linux_modules)
    world.serve_sumdb_through_proxy()
    # without a URL in GOSUMDB Go asks the proxy first (https://<name> does not exist)
    done = _run_go(go121, tmp_path, {**world.go_env(), "GOSUMDB": world.key.verifier})
    assert done.returncode == 0, done.stderr
    assert world.server.count(f"/proxy/sumdb/{DB_NAME}/supported") == 1
    assert world.server.count("/db/latest") == 0
    assert not [r for r in world.server.requests if r.path.startswith("/db/")]


def test_go_refuses_a_tampered_zip_with_its_checksum_error(
    go121: Path, linux_modules: list[ModuleFiles], proxy_world: WorldFactory, tmp_path: Path
) -> None:
    world = proxy_world(linux_modules)
    world.tamper(linux_modules[1])
    done = _run_go(go121, tmp_path, world.go_env())
    assert done.returncode != 0
    assert "verifying module: checksum mismatch" in done.stderr
    assert "SECURITY ERROR" in done.stderr


def test_go_refuses_a_database_signed_by_another_key(
    go121: Path, linux_modules: list[ModuleFiles], proxy_world: WorldFactory, tmp_path: Path
) -> None:
    world = proxy_world(linux_modules)
    done = _run_go(go121, tmp_path, world.go_env(make_key(DB_NAME, "other")))
    assert done.returncode != 0
    assert "verifying module" in done.stderr
    assert not _downloaded(tmp_path)
