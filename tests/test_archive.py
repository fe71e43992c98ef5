"""Hostile and broken archives are refused through the real install path, and
nothing is left in the store."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import (
    Member,
    synthetic_members,
    tar_gz_bytes,
    zip_bytes,
)

LINUX_TAR = "go1.22.10.linux-amd64.tar.gz"
WINDOWS_ZIP = "go1.22.10.windows-amd64.zip"


def install_bytes(gvw: GvwEnv, tmp_path: Path, name: str, data: bytes, **env: str):
    archive = tmp_path / "incoming" / name
    archive.parent.mkdir(exist_ok=True)
    archive.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    return gvw.run("install", "--from-file", str(archive), "--sha256", digest, env=env)


def go_tree(*extra: Member) -> list[Member]:
    return synthetic_members("1.22.10", "linux-amd64") + list(extra)


def assert_refused(result, entry: str, why: str, name: str = LINUX_TAR) -> None:
    assert result.returncode == 10, result.stderr
    assert result.error_lines == [
        f"gvw: {name} holds an entry {entry!r} that {why}; nothing was installed",
        "gvw: official Go archives never do: check where the file came from",
    ]


def assert_store_untouched(gvw: GvwEnv, outside: Path | None = None) -> None:
    assert not (gvw.root / "versions").exists()
    assert list((gvw.root / ".staging").iterdir()) == []
    if outside is not None:
        assert not outside.exists()


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("/tmp/gvw-evil", "has an absolute or non-portable path"),
        ("go/../../gvw-evil", "climbs out of the target with '..'"),
        ("go/bin/..\\..\\evil", "has an absolute or non-portable path"),
        ("C:/evil", "has an absolute or non-portable path"),
        ("elsewhere/file", "is outside the go/ directory"),
    ],
)
def test_entries_that_escape_are_refused(gvw: GvwEnv, tmp_path: Path, entry: str, why: str):
    data = tar_gz_bytes(go_tree(Member(entry, b"evil")))
    assert_refused(install_bytes(gvw, tmp_path, LINUX_TAR, data), entry, why)
    assert_store_untouched(gvw)


def test_symlink_pointing_outside_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    data = tar_gz_bytes(go_tree(Member("go/escape", kind="symlink", target="../../..")))
    assert_refused(
        install_bytes(gvw, tmp_path, LINUX_TAR, data),
        "go/escape",
        "is a link to '../../..', outside the target",
    )
    assert_store_untouched(gvw)


def test_absolute_symlink_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    data = tar_gz_bytes(go_tree(Member("go/etc", kind="symlink", target="/etc")))
    assert_refused(
        install_bytes(gvw, tmp_path, LINUX_TAR, data),
        "go/etc",
        "is a link to '/etc', outside the target",
    )


def test_writing_through_a_symlink_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    outside = tmp_path / "victim"
    data = tar_gz_bytes(
        go_tree(
            Member("go/link", kind="symlink", target="src"),  # inside: allowed by itself
            Member("go/link/file", b"x"),
        )
    )
    assert_refused(
        install_bytes(gvw, tmp_path, LINUX_TAR, data),
        "go/link/file",
        "would be written through a link",
    )
    assert_store_untouched(gvw, outside)


def test_a_chain_of_links_that_leads_outside_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    # each link looks harmless on its own: s/up -> .. (the top), s/out -> up/.. (lexically
    # s/, really the parent of the target)
    data = tar_gz_bytes(
        go_tree(
            Member("go/s", kind="dir", mode=0o755),
            Member("go/s/up", kind="symlink", target=".."),
            Member("go/s/out", kind="symlink", target="up/.."),
        )
    )
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert_refused(result, "go/s/out", "is a link that leads outside the target")
    assert_store_untouched(gvw)


def test_hard_link_to_a_file_outside_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    data = tar_gz_bytes(go_tree(Member("go/passwd", kind="hardlink", target="/etc/passwd")))
    assert_refused(
        install_bytes(gvw, tmp_path, LINUX_TAR, data),
        "/etc/passwd",
        "has an absolute or non-portable path",
    )


def test_safe_links_inside_the_tree_are_kept(gvw: GvwEnv, tmp_path: Path) -> None:
    data = tar_gz_bytes(
        go_tree(
            Member("go/misc", kind="dir", mode=0o755),
            Member("go/misc/gofmt-link", kind="symlink", target="../bin/gofmt"),
            Member("go/misc/go-hard", kind="hardlink", target="go/bin/go"),
        )
    )
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    assert os.readlink(tree / "misc" / "gofmt-link") == "../bin/gofmt"
    assert (tree / "misc" / "go-hard").read_bytes() == (tree / "bin" / "go").read_bytes()


def test_device_files_are_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    import io
    import tarfile

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for member in go_tree():
            info = tarfile.TarInfo(member.name)
            info.mode = member.mode
            if member.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(member.data)
                tar.addfile(info, io.BytesIO(member.data))
        fifo = tarfile.TarInfo("go/fifo")
        fifo.type = tarfile.FIFOTYPE
        tar.addfile(fifo)
    result = install_bytes(gvw, tmp_path, LINUX_TAR, raw.getvalue())
    assert result.returncode == 10
    assert result.error_lines[0] == (
        f"gvw: {LINUX_TAR} holds a device or special file 'go/fifo'; refusing it"
    )
    assert_store_untouched(gvw)


def test_zip_entries_that_escape_are_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    members = [*synthetic_members("1.22.10", "windows-amd64"), Member("go/../evil.exe", b"MZ")]
    result = install_bytes(
        gvw, tmp_path, WINDOWS_ZIP, zip_bytes(members), GVW_PLATFORM="windows-amd64"
    )
    assert_refused(result, "go/../evil.exe", "climbs out of the target with '..'", WINDOWS_ZIP)
    assert_store_untouched(gvw)


def test_zip_symlinks_are_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    members = [
        *synthetic_members("1.22.10", "windows-amd64"),
        Member("go/link", kind="symlink", target="../.."),
    ]
    result = install_bytes(gvw, tmp_path, WINDOWS_ZIP, zip_bytes(members))
    assert result.returncode == 10
    assert result.error_lines[0] == (
        f"gvw: {WINDOWS_ZIP} holds a symbolic link 'go/link'; links in zip archives are refused"
    )


def test_zip_install_keeps_unix_executable_bits(gvw: GvwEnv, tmp_path: Path) -> None:
    members = synthetic_members("1.22.10", "windows-amd64")
    result = install_bytes(gvw, tmp_path, WINDOWS_ZIP, zip_bytes(members))
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    assert os.access(tree / "bin" / "go.exe", os.X_OK)
    assert not os.access(tree / "VERSION", os.X_OK)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (LINUX_TAR, b"\x1f\x8b\x08\x00 definitely not gzip"),
        (LINUX_TAR, tar_gz_bytes(synthetic_members("1.22.10", "linux-amd64"))[:-40]),
        (WINDOWS_ZIP, b"PK\x03\x04 broken zip"),
    ],
    ids=["bad-gzip", "truncated-gzip", "bad-zip"],
)
def test_corrupt_archives(gvw: GvwEnv, tmp_path: Path, name: str, data: bytes) -> None:
    result = install_bytes(gvw, tmp_path, name, data)
    assert result.returncode == 10
    assert result.error_lines[0].startswith(f"gvw: {name} is corrupt or truncated (")
    assert result.error_lines[1] == "gvw: download it again"
    assert_store_untouched(gvw)


def test_archive_without_a_go_binary(gvw: GvwEnv, tmp_path: Path) -> None:
    data = tar_gz_bytes([Member("go", kind="dir", mode=0o755), Member("go/README", b"hi")])
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert result.returncode == 10
    assert result.error_lines[0] == (
        f"gvw: {LINUX_TAR} does not hold a Go toolchain (no go/bin/go)"
    )
    assert_store_untouched(gvw)
