"""Hostile and broken archives are refused through the real install path, and
nothing is left in the store."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from gvw.install.archive import (
    MAX_COMPONENT_BYTES,
    MAX_ENTRIES,
    MAX_NAME_BYTES,
    MAX_NAME_DEPTH,
    MAX_TOTAL_BYTES,
    MIN_PACKED_BYTES,
    RATIO_FROM,
)
from tests.support.gvw_env import GvwEnv
from tests.support.hostile_archives import (
    tar_entry_bomb,
    tar_gz_in_two_members,
    tar_size_bomb,
    zip_entry_bomb,
    zip_size_bomb,
    zip_with_unix_mode,
)
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
            Member("go/s/out/planted", data=b"written outside"),  # refused before this
        )
    )
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert_refused(result, "go/s/out", "is a link to 'up/..', which leads outside the target")
    assert_store_untouched(gvw)
    assert not list(tmp_path.rglob("planted"))


def test_writing_through_a_link_in_another_letter_case_is_refused(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    # on a case-insensitive filesystem (macOS, Windows) go/d/A/x is go/d/a/x: through the link
    data = tar_gz_bytes(
        go_tree(
            Member("go/d", kind="dir", mode=0o755),
            Member("go/e", kind="dir", mode=0o755),
            Member("go/d/a", kind="symlink", target="../e"),
            Member("go/d/A/x", data=b"through the link"),
        )
    )
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert_refused(result, "go/d/A/x", "would be written through a link")
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


@pytest.mark.parametrize(
    "kind", [tarfile.FIFOTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE], ids=["fifo", "char", "block"]
)
def test_device_files_are_refused(gvw: GvwEnv, tmp_path: Path, kind: bytes) -> None:
    import io

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
        fifo.type = kind
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


@pytest.mark.parametrize(
    "mode",
    [stat.S_IFIFO | 0o644, stat.S_IFCHR | 0o600, stat.S_IFBLK | 0o600, stat.S_IFSOCK | 0o755],
    ids=["fifo", "char", "block", "socket"],
)
def test_zip_device_and_special_entries_are_refused_like_tar(
    gvw: GvwEnv, tmp_path: Path, mode: int
) -> None:
    data = zip_with_unix_mode("go/special", mode)
    result = install_bytes(gvw, tmp_path, WINDOWS_ZIP, data, GVW_PLATFORM="windows-amd64")
    assert result.returncode == 10, result.stderr
    assert result.error_lines == [
        f"gvw: {WINDOWS_ZIP} holds a device or special file 'go/special'; refusing it",
        "gvw: official Go archives never do: check where the file came from",
    ]
    assert_store_untouched(gvw)


# --- decompression bombs: refused from what the archive declares, nothing left behind


def assert_refused_as_bomb(result, name: str, why: str) -> None:
    assert result.returncode == 10, result.stderr
    assert result.error_lines == [
        f"gvw: {name} {why}; refusing it as a decompression bomb, nothing was installed",
        "gvw: a Go toolchain is far smaller: check where the file came from",
    ]


ENTRIES_WHY = f"holds more than {MAX_ENTRIES:,} entries"
SIZE_WHY = f"unpacks to more than {MAX_TOTAL_BYTES >> 30} GiB"


def padded_tar_bomb(entries: int) -> bytes:
    return tar_entry_bomb(entries, padded=True)


@pytest.mark.parametrize(
    ("name", "build", "argument", "why"),
    [
        # one entry past the limit on top of a valid Go tree, each file carrying enough
        # incompressible bytes to pass the compressed-bytes-per-entry check
        (LINUX_TAR, padded_tar_bomb, MAX_ENTRIES + 1, ENTRIES_WHY),
        (WINDOWS_ZIP, zip_entry_bomb, MAX_ENTRIES + 1, ENTRIES_WHY),
        # the tar header or zip central directory declares 8 GiB + 1 byte and the archive
        # carries none of it: reading any data would fail as truncated, not as a bomb
        (LINUX_TAR, tar_size_bomb, MAX_TOTAL_BYTES + 1, SIZE_WHY),
        (WINDOWS_ZIP, zip_size_bomb, MAX_TOTAL_BYTES + 1, SIZE_WHY),
    ],
    ids=["entries-tar.gz", "entries-zip", "size-tar.gz", "size-zip"],
)
def test_a_decompression_bomb_is_refused_and_leaves_nothing(
    gvw: GvwEnv, tmp_path: Path, name: str, build, argument: int, why: str
) -> None:
    # scripts/bench_archive_bombs.py measures how fast these refusals are
    data = build(argument)
    result = install_bytes(gvw, tmp_path, name, data, GVW_PLATFORM=_platform_of(name))
    assert_refused_as_bomb(result, name, why)
    assert_store_untouched(gvw)
    # nothing but locks, an empty staging area and the audit log's record of the refusal
    assert sorted(p.name for p in gvw.root.iterdir()) == [".locks", ".staging", "log"]
    assert list((gvw.root / ".staging").iterdir()) == []


def test_the_3_mb_bomb_of_issue_19_is_refused_at_the_ratio_check_long_before_the_limit(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    """210,000 one-byte files (14 compressed bytes each): refused at entry RATIO_FROM,
    after at most that many small files, not MAX_ENTRIES (a minute on a busy disk)."""
    data = tar_entry_bomb(210_000)
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert result.returncode == 10, result.stderr
    message = result.error_lines[0]
    entries, packed = (
        int(message.split(before)[1].split(after)[0].replace(",", ""))
        for before, after in ((" packs ", " entries"), (" its first ", " compressed"))
    )
    assert message == (
        f"gvw: {LINUX_TAR} packs {entries:,} entries into its first {packed:,} compressed "
        f"bytes (a Go tree needs more than {MIN_PACKED_BYTES} an entry); refusing it as a "
        "decompression bomb, nothing was installed"
    )
    # stopped where the check starts, give or take what the inflater read ahead
    assert RATIO_FROM <= entries <= RATIO_FROM + 512 and packed < MIN_PACKED_BYTES * entries
    assert_store_untouched(gvw)


@pytest.mark.slow  # reads a real Go archive
def test_a_real_tree_in_its_most_compressible_order_passes_the_ratio_check(
    gvw: GvwEnv, tmp_path: Path, real_mirror_dir: Path
) -> None:
    """A real Go 1.22.10 tree repacked in the densest order any archive of it can have:
    every directory first, then the smallest files, gzip -9 (its first 4,096 entries
    cost ~114 compressed bytes each, beside 14 for a bomb). It installs."""
    dirs, files = [], []
    with tarfile.open(real_mirror_dir / LINUX_TAR) as real:
        for member in real:
            if member.isdir():
                dirs.append((member, b""))
            elif member.isreg() and (member.size < 8192 or member.name == "go/bin/go"):
                extracted = real.extractfile(member)
                assert extracted is not None
                files.append((member, extracted.read()))
    files.sort(key=lambda pair: (pair[0].name == "go/bin/go", pair[0].size))
    raw = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as packed,
        tarfile.open(fileobj=packed, mode="w|") as tar,
    ):
        for member, data in dirs + files:
            tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    assert len(dirs) + len(files) > 2 * RATIO_FROM
    result = install_bytes(gvw, tmp_path, LINUX_TAR, raw.getvalue())
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # writes 20,000 files
def test_an_archive_at_the_entry_limit_installs(gvw: GvwEnv, tmp_path: Path) -> None:
    # the limit counts every entry, the Go tree's own included: exactly MAX_ENTRIES passes
    tree_entries = len(go_tree()) + 1  # + the go/bomb directory
    data = padded_tar_bomb(MAX_ENTRIES - tree_entries)
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert result.returncode == 0, result.stderr
    bombs = gvw.root / "versions" / "1.22.10" / "bomb"
    assert len(os.listdir(bombs)) == MAX_ENTRIES - tree_entries


def _platform_of(name: str) -> str:
    return "windows-amd64" if name.endswith(".zip") else "linux-amd64"


# --- extraction details the fast path must keep


def test_concatenated_gzip_members_and_highly_compressible_data_unpack_exactly(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    zeros = b"\0" * (24 << 20)  # inflates ~1000:1: many bounded zlib calls per read
    tail = os.urandom(100_000)
    tar = gzip.decompress(
        tar_gz_bytes(go_tree(Member("go/zeros.bin", zeros), Member("go/tail.bin", tail)))
    )
    split = tar.index(b"go/zeros.bin") + (12 << 20)  # the second member starts mid-file
    result = install_bytes(gvw, tmp_path, LINUX_TAR, tar_gz_in_two_members(tar, split))
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    assert hashlib.sha256((tree / "zeros.bin").read_bytes()).digest() == (
        hashlib.sha256(zeros).digest()
    )
    assert (tree / "tail.bin").read_bytes() == tail


def test_a_repeated_entry_replaces_the_earlier_one_and_never_writes_through_it(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    data = tar_gz_bytes(
        go_tree(
            Member("go/src/twice.txt", b"first"),
            Member("go/src/twice.txt", b"second"),
            Member("go/alias", kind="symlink", target="bin/go"),  # inside: allowed
            Member("go/alias", b"replaces the link, not bin/go"),
            Member("go/lib/deep/no/dir/entries", b"parents made on demand"),
        )
    )
    result = install_bytes(gvw, tmp_path, LINUX_TAR, data)
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    assert (tree / "src" / "twice.txt").read_bytes() == b"second"
    assert not (tree / "alias").is_symlink()
    assert (tree / "alias").read_bytes() == b"replaces the link, not bin/go"
    assert (tree / "bin" / "go").read_bytes().startswith(b"#!/bin/sh")
    assert (tree / "lib" / "deep" / "no" / "dir" / "entries").read_bytes() == (
        b"parents made on demand"
    )


def test_extracted_files_keep_the_archive_mtime(gvw: GvwEnv, tmp_path: Path) -> None:
    result = install_bytes(gvw, tmp_path, LINUX_TAR, tar_gz_bytes(go_tree()))
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    assert os.stat(tree / "src" / "go.mod").st_mtime == 946684800  # mirror_fixtures' mtime


# --- malformed archives: the archive's fault (exit 10), never the store's (12)


@pytest.mark.parametrize(
    ("extra", "entry", "why"),
    [
        (
            [Member("go/src/x", kind="dir"), Member("go/src/x", b"a file over it")],
            "go/src/x",
            "would replace a directory of an earlier entry",
        ),
        (
            [Member("go/src/y", b"a file"), Member("go/src/y/below", b"under a file")],
            "go/src/y/below",
            "clashes with an earlier entry (a file and a directory)",
        ),
        (
            [Member("go/src/y", b"a file"), Member("go/src/y", kind="dir")],
            "go/src/y/",  # as the tar names a directory
            "clashes with an earlier entry (a file and a directory)",
        ),
        (
            [Member("go/src/" + "n" * 300, b"a 300-byte name")],
            "go/src/" + "n" * 300,
            f"has a path element longer than {MAX_COMPONENT_BYTES} bytes",
        ),
    ],
    ids=["file over a directory", "directory under a file", "directory over a file", "300 bytes"],
)
def test_a_malformed_archive_is_a_bad_archive_not_a_store_error(
    gvw: GvwEnv, tmp_path: Path, extra: list[Member], entry: str, why: str
) -> None:
    result = install_bytes(gvw, tmp_path, LINUX_TAR, tar_gz_bytes(go_tree(*extra)))
    assert_refused(result, entry, why)
    assert_store_untouched(gvw)


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_an_entry_nested_3000_directories_deep_is_refused(
    gvw: GvwEnv, tmp_path: Path, fmt: str
) -> None:
    deep = "go/" + "d/" * 3000 + "f"
    build, name = (tar_gz_bytes, LINUX_TAR) if fmt == "tar.gz" else (zip_bytes, WINDOWS_ZIP)
    platform = "linux-amd64" if fmt == "tar.gz" else "windows-amd64"
    members = [*synthetic_members("1.22.10", platform), Member(deep, b"deep")]
    result = install_bytes(gvw, tmp_path, name, build(members), GVW_PLATFORM=platform)
    assert_refused(result, deep[:100] + "...", f"is longer than {MAX_NAME_BYTES} bytes", name)
    shallow = "go/" + "d/" * (MAX_NAME_DEPTH + 1) + "f"
    members[-1] = Member(shallow, b"deep")
    result = install_bytes(gvw, tmp_path, name, build(members), GVW_PLATFORM=platform)
    why = f"is nested more than {MAX_NAME_DEPTH} levels deep"
    assert_refused(result, shallow[:100] + "...", why, name)


# --- zips extracted on several threads: the checks zipfile makes, made too -----------------


def windows_tree_zip(*extra: Member) -> bytes:
    members = synthetic_members("1.22.10", "windows-amd64") + list(extra)
    return zip_bytes(members)


def corrupt_zip(gvw: GvwEnv, tmp_path: Path, data: bytes, why: str) -> None:
    result = install_bytes(gvw, tmp_path, WINDOWS_ZIP, data)
    assert result.returncode == 10, result.stderr
    assert result.error_lines[0].startswith(f"gvw: {WINDOWS_ZIP} is corrupt or truncated ({why}")
    assert_store_untouched(gvw)


def test_a_zip_whose_local_header_names_another_file_is_refused(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    data = windows_tree_zip(Member("go/src/aaaa.txt", b"x" * 100))
    local_name = data.index(b"go/src/aaaa.txt")  # the first copy is the local header's
    forged = data[:local_name] + b"go/src/bbbb.txt" + data[local_name + 15 :]
    corrupt_zip(gvw, tmp_path, forged, "file name in directory 'go/src/aaaa.txt' and header")


def test_a_zip_entry_whose_bytes_do_not_match_its_crc_is_refused(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    payload = os.urandom(4096)  # incompressible: stored as it is inside the deflate data
    data = windows_tree_zip(Member("go/src/random.bin", payload))
    where = data.index(payload[1000:1032])
    flipped = data[:where] + bytes([data[where] ^ 1]) + data[where + 1 :]
    corrupt_zip(gvw, tmp_path, flipped, "bad size or CRC-32 of 'go/src/random.bin'")


def test_a_zip_installs_the_same_tree_as_it_holds_on_several_threads(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    files = {f"go/src/pkg{i}/file{i}.go": os.urandom(i * 37) for i in range(200)}
    data = windows_tree_zip(*(Member(name, content) for name, content in files.items()))
    result = install_bytes(gvw, tmp_path, WINDOWS_ZIP, data, GVW_PLATFORM="windows-amd64")
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    for name, content in files.items():
        assert (tree / name.removeprefix("go/")).read_bytes() == content
    manifest = json.loads((tree / "gvw-manifest.json").read_text())["files"]
    assert manifest["src/pkg7/file7.go"] == {
        "size": 7 * 37,
        "sha256": hashlib.sha256(files["go/src/pkg7/file7.go"]).hexdigest(),
    }


def test_an_entry_name_that_is_not_utf8_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    # tar names are bytes; one that is not UTF-8 has no name on Windows
    members = go_tree(Member("go/src/caf\udce9.go", b"package x\n"))
    archive = tar_gz_bytes(members, tar_format=tarfile.GNU_FORMAT)
    result = install_bytes(gvw, tmp_path, LINUX_TAR, archive)
    assert_refused(result, "go/src/caf\udce9.go", "has an absolute or non-portable path")
    assert_store_untouched(gvw)
