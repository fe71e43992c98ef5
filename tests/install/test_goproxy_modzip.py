"""The toolchain module zip: its h1 hash and the Go tree it unpacks to, with the rules
for untrusted archives."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gvw.base.errors import ArchiveError
from gvw.base.platforms import Platform
from gvw.base.reporting import SilentReporter
from gvw.base.versions import parse_release_name
from gvw.install.goproxy.modzip import extract_module_zip, parse_module_version, zip_hash
from tests.support.mirror_fixtures import Member, zip_bytes
from tests.support.sumdb_fixture import zip_hash1

MODVER = "v0.0.1-go1.22.10.linux-amd64"
PREFIX = f"golang.org/toolchain@{MODVER}"
LINUX = Platform("linux", "amd64")


def _module_zip(tmp_path: Path, names: dict[str, bytes]) -> Path:
    path = tmp_path / f"{MODVER}.zip"
    path.write_bytes(zip_bytes([Member(name, data, mode=0) for name, data in names.items()]))
    return path


def _extract(zip_path: Path, target: Path) -> None:
    extract_module_zip(zip_path, target, modver=MODVER, platform=LINUX, reporter=SilentReporter())


def test_the_h1_hash_is_gos_dirhash(tmp_path: Path) -> None:
    path = _module_zip(tmp_path, {f"{PREFIX}/b": b"2", f"{PREFIX}/a": b"1"})
    assert zip_hash(path, shown="m") == zip_hash1(path)


def test_module_versions_name_a_release_and_a_platform() -> None:
    assert parse_module_version(MODVER) == (parse_release_name("1.22.10"), LINUX)
    assert parse_module_version("v0.0.1-go1.23rc1.windows-arm64") == (
        parse_release_name("1.23rc1"),
        Platform("windows", "arm64"),
    )
    assert parse_module_version("v1.0.0") is None


def test_the_tree_gets_its_go_mod_files_back_and_its_tools_executable(tmp_path: Path) -> None:
    path = _module_zip(
        tmp_path,
        {
            f"{PREFIX}/go.mod": b"module golang.org/toolchain\n",
            f"{PREFIX}/bin/go": b"#!/bin/sh\n",
            f"{PREFIX}/pkg/tool/linux_amd64/compile": b"x",
            f"{PREFIX}/src/_go.mod": b"module std\n",
            f"{PREFIX}/src/cmd/_go.mod": b"module cmd\n",
            f"{PREFIX}/src/make.bash": b"#!/bin/sh\n",
        },
    )
    target = tmp_path / "tree"
    target.mkdir()
    _extract(path, target)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == [
        "bin/go",
        "pkg/tool/linux_amd64/compile",
        "src/cmd/go.mod",
        "src/go.mod",
        "src/make.bash",
    ]
    mode = {f: stat.S_IMODE((target / f).stat().st_mode) & 0o111 for f in files}
    assert [f for f, bits in mode.items() if bits] == ["bin/go", "pkg/tool/linux_amd64/compile"]


@pytest.mark.parametrize(
    "name",
    [f"{PREFIX}/../escape", "golang.org/toolchain@v0.0.1-go1.21.13.linux-amd64/bin/go", "/abs"],
)
def test_entries_outside_the_module_prefix_are_refused(tmp_path: Path, name: str) -> None:
    path = _module_zip(tmp_path, {f"{PREFIX}/bin/go": b"x", name: b"evil"})
    target = tmp_path / "tree"
    target.mkdir()
    with pytest.raises(ArchiveError, match="nothing was installed"):
        _extract(path, target)
    assert not (tmp_path / "escape").exists()


def test_a_zip_without_a_go_command_is_not_a_toolchain(tmp_path: Path) -> None:
    path = _module_zip(tmp_path, {f"{PREFIX}/README.md": b"hi"})
    target = tmp_path / "tree"
    target.mkdir()
    with pytest.raises(ArchiveError, match="does not hold a Go toolchain"):
        _extract(path, target)
