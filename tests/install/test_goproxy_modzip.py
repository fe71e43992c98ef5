"""The toolchain module zip: its h1 hash and the Go tree it unpacks to, with the rules
for untrusted archives."""

from __future__ import annotations

import json
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from gvw.base.errors import ArchiveError
from gvw.base.platforms import Platform
from gvw.base.reporting import SilentReporter
from gvw.base.versions import parse_release_name
from gvw.install.goproxy.modzip import extract_module_zip, parse_module_version, zip_hash
from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import Member, synthetic_members, zip_bytes
from tests.support.sumdb_fixture import zip_hash1
from tests.support.toolchains import archive_name, unpack_toolchain

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


# --- a name twice: Go's hash, and Go's refusal (issue 19 item 9)


def _zip_of(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    """A zip holding exactly ``entries``, in order, names repeated as given."""
    import warnings

    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": wanted here
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return path


@pytest.mark.slow  # runs the real go command
def test_the_h1_of_a_zip_with_a_name_twice_is_the_one_go_computes_and_go_refuses_it(
    tmp_path: Path, real_mirror_dir: Path
) -> None:
    go = unpack_toolchain(real_mirror_dir / archive_name("1.22.10"), tmp_path, "1.22.10")
    proxy = tmp_path / "proxy" / "example.com" / "dup" / "@v"
    prefix = "example.com/dup@v1.0.0/"
    zipped = _zip_of(
        proxy / "v1.0.0.zip",
        [
            (prefix + "go.mod", b"module example.com/dup\n"),
            (prefix + "a.txt", b"first\n"),
            (prefix + "a.txt", b"second\n"),
        ],
    )
    (proxy / "v1.0.0.mod").write_text("module example.com/dup\n")
    (proxy / "v1.0.0.info").write_text('{"Version": "v1.0.0", "Time": "2024-01-01T00:00:00Z"}')
    (proxy / "list").write_text("v1.0.0\n")
    env = {
        "HOME": str(tmp_path / "home"),
        "PATH": "/usr/bin:/bin",
        "GOPATH": str(tmp_path / "gopath"),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOFLAGS": "-modcacherw",
        "GOPROXY": (tmp_path / "proxy").as_uri(),
        "GONOSUMDB": "example.com",
        "GOTOOLCHAIN": "local",
    }
    done = subprocess.run(
        [str(go / "bin" / "go"), "mod", "download", "-json", "example.com/dup@v1.0.0"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    report = json.loads(done.stdout)
    assert 'multiple entries for file "a.txt"' in report["Error"]
    assert zip_hash(zipped, shown="example.com/dup@v1.0.0") == report["Sum"]
    assert zip_hash1(zipped) == report["Sum"]  # the test database's hash is Go's too


def _toolchain_proxy(base: Path, extra: list[tuple[str, bytes]]) -> Path:
    """A file:// proxy with golang.org/toolchain for go1.22.10 linux-amd64 whose zip
    holds a synthetic Go tree and then ``extra``."""
    versions = base / "proxy" / "golang.org" / "toolchain" / "@v"
    tree = [
        (f"{PREFIX}/{m.name.removeprefix('go/')}", m.data)
        for m in synthetic_members("1.22.10", "linux-amd64")
        if m.kind == "file"
    ]
    _zip_of(versions / f"{MODVER}.zip", tree + extra)
    (versions / f"{MODVER}.mod").write_text("module golang.org/toolchain\n")
    (versions / f"{MODVER}.info").write_text(f'{{"Version": "{MODVER}"}}')
    (versions / "list").write_text(f"{MODVER}\n")
    return base / "proxy"


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (
            [(f"{PREFIX}/src/a.go", b"first"), (f"{PREFIX}/src/a.go", b"second")],
            f"holds two entries named '{PREFIX}/src/a.go' (multiple entries for a file)",
        ),
        (
            [(f"{PREFIX}/src/A.go", b"first"), (f"{PREFIX}/src/a.go", b"second")],
            f"holds '{PREFIX}/src/A.go' and '{PREFIX}/src/a.go', names that differ only in case",
        ),
    ],
    ids=["a name twice", "names differing in case"],
)
def test_a_module_zip_go_refuses_to_unpack_is_refused(
    gvw: GvwEnv, tmp_path: Path, extra: list[tuple[str, bytes]], why: str
) -> None:
    proxy = _toolchain_proxy(tmp_path, extra)
    result = gvw.run(
        "install",
        "--mirror",
        "goproxy",
        "--skip-checksum",  # so that only the unpacking decides
        "1.22.10",
        env={"GOPROXY": proxy.as_uri(), "GVW_PLATFORM": "linux-amd64"},
    )
    assert result.returncode == 10, result.stderr
    assert result.error_lines == [
        f"gvw: golang.org/toolchain@{MODVER} {why}; Go refuses such a module zip, and so "
        "does gvw: nothing was installed",
        "gvw: the proxy serves a damaged or altered module; use another proxy",
    ]
    assert not (gvw.root / "versions" / "1.22.10").exists()
