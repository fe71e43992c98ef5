"""Damaged, hand-edited and hostile snapshots are refused whole; a restore never
writes where a snapshot should not lead it; versions that are gone."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass
from tests.history.snapshot_helpers import digest, edit_snapshot, set_field, snapshot_ids

# --- damaged and hostile snapshots ----------------------------------------------------------


HOSTILE = [
    (
        set_field("version_files", "0", "path", value="/etc/passwd"),
        "version_files[0].path '/etc/passwd' is not a .go-version file",
    ),
    (
        set_field("version_files", "0", "path", value="project/.go-version"),
        "version_files[0].path 'project/.go-version' is not an absolute, normalised path",
    ),
    (
        set_field("version_files", "0", "path", value="/tmp/x/../../root/.go-version"),
        "version_files[0].path '/tmp/x/../../root/.go-version' is not an absolute, normalised path",
    ),
    (set_field("installed", value=["../../evil"]), "installed[0] '../../evil' is not a Go version"),
    (set_field("installed", value="1.21.13"), "installed must be a list, not str"),
    (
        set_field("tools", "files", value=[{"name": "../evil", "size": 1, "sha256": "0" * 64}]),
        "tools.files[0].name '../evil' is not a plain file name",
    ),
    (
        set_field("tools", "files", value=[{"name": "x", "size": 1, "sha256": "../../etc"}]),
        "tools.files[0].sha256 is not a sha256 digest",
    ),
    (
        set_field("tools", "files", value=[{"name": "x", "size": -1, "sha256": "0" * 64}]),
        "tools.files[0].size must not be negative",
    ),
    (
        set_field("process_env", "LD_PRELOAD", value="/tmp/x.so"),
        "process_env.LD_PRELOAD is not one of",
    ),
    (
        set_field("scope", value=["everything"]),
        "scope[0] 'everything' is not one of installed, global, version_files,",
    ),
    (set_field("scope", value="global"), "scope must be a list, not str"),
    (
        set_field("global", "state", value="weird"),
        "global.state must be present, absent or unrecorded",
    ),
    (
        set_field("global", value={"state": "present", "content": 7}),
        "global.content must be a str, not int",
    ),
    (
        set_field("module_list", value={"dir": "rel", "go_version": "1.22.10", "modules": []}),
        "module_list.dir 'rel' is not an absolute, normalised path",
    ),
    (
        set_field("module_list", value={"dir": "/p", "go_version": "../x", "modules": []}),
        "module_list.go_version '../x' is not a Go version",
    ),
    (
        set_field("module_list", value={"dir": "/p", "go_version": "1.22.10", "modules": [1]}),
        "module_list.modules[0] must be a str",
    ),
    (set_field("extra", value=1), "unknown field extra"),
    (set_field("format", value=2), "format 2 is not 1 (written by another gvw?)"),
    (set_field("id", value="20000101-000000-000"), "id '20000101-000000-000' does not match"),
    (set_field("os", value="darwin"), None),  # valid, but taken elsewhere
]


@pytest.mark.parametrize(("change", "problem"), HOSTILE)
def test_damaged_or_hostile_snapshot_is_refused_whole_and_skipped_in_the_listing(
    store: GvwEnv, tmp_path: Path, change: Callable[[dict[str, Any]], None], problem: str | None
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "local", "1.21", cwd=project)
    run_ok(store, "global", "1.22")
    bad = snapshot_ids(store)[-2]
    path = edit_snapshot(store, bad, change)
    before = store.store_listing()
    result = store.run("restore", bad)
    assert result.returncode == 15
    if problem is None:
        assert result.stderr_lines[0] == f"gvw: snapshot {bad} was taken on darwin; this is linux"
        return
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {bad}.toml is damaged: {problem}")
    assert result.stderr_lines[1] == f"gvw: set it aside with: gvw snapshots discard {bad}"
    assert path.exists()
    assert store.store_listing() == before  # nothing applied, no snapshot taken
    assert (project / ".go-version").read_text() == "1.21\n"
    listed = store.run("snapshots")
    assert listed.returncode == 0
    assert listed.stderr_lines[0].startswith(f"gvw: warning: snapshot {bad}.toml is damaged")
    assert listed.stderr_lines[0].endswith(
        f"(skipped; set it aside with: gvw snapshots discard {bad})"
    )
    assert bad not in listed.stdout
    assert len(listed.stdout.splitlines()) == 3  # header, the two good ones
    assert (tmp_path / "evil").exists() is False


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda raw: raw[: len(raw) // 2], "its content does not match its checksum"),
        (lambda raw: b"", "it has no checksum line (not written by gvw?)"),
        (lambda raw: raw.split(b"\n", 1)[1], "it has no checksum line (not written by gvw?)"),
        (lambda raw: raw.replace(b"[global]", b"[global"), "its content does not match"),
        (lambda raw: raw.replace(b'"absent"', b'"present"'), "its content does not match"),
    ],
)
def test_truncated_or_garbled_snapshot_files(
    store: GvwEnv, damage: Callable[[bytes], bytes], problem: str
) -> None:
    run_ok(store, "global", "1.22")
    newest = snapshot_ids(store)[-1]
    path = store.root / "snapshots" / f"{newest}.toml"
    path.write_bytes(damage(path.read_bytes()))
    (store.root / "snapshots" / "notes.toml").write_text("hand-made")
    (store.root / "snapshots" / f".{newest}.toml.123.abcd1234.tmp").write_bytes(b"format = ")
    listed = store.run("snapshots")
    assert listed.returncode == 0
    assert listed.stderr_lines[0].startswith(
        f"gvw: warning: snapshot {newest}.toml is damaged: {problem}"
    )
    assert (
        listed.stderr_lines[1] == "gvw: warning: notes.toml is not named like a snapshot (ignored)"
    )
    assert len(listed.stdout.splitlines()) == 2
    # the damaged one may have been the last change: rollback says so instead of guessing
    result = store.run("rollback")
    assert result.returncode == 15
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {newest}.toml is damaged")
    assert (store.root / "version").read_text() == "1.22\n"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'format = 1\nid = "x', "not valid TOML"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"", "format is missing"),
    ],
)
def test_garbage_under_a_valid_checksum_is_still_refused(
    store: GvwEnv, body: bytes, problem: str
) -> None:
    from gvw.history.snapshots.fileformat import seal

    newest = snapshot_ids(store)[-1]
    (store.root / "snapshots" / f"{newest}.toml").write_bytes(seal(body))
    result = store.run("restore", newest)
    assert result.returncode == 15
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {newest}.toml is damaged: {problem}")


def test_a_hand_edited_snapshot_is_noticed_by_its_checksum(store: GvwEnv) -> None:
    run_ok(store, "global", "1.22")
    target = snapshot_ids(store)[-1]
    edit_snapshot(
        store,
        target,
        set_field("global", value={"state": "present", "content": "1.21\n"}),
        reseal=False,
    )
    result = store.run("restore", target)
    assert result.returncode == 15
    assert result.stderr_lines[0] == (
        f"gvw: snapshot {target}.toml is damaged: its content does not match its checksum "
        "(cut short or edited)"
    )
    assert (store.root / "version").read_text() == "1.22\n"


def test_restore_never_writes_the_go_env_file_or_gopath_bin_a_snapshot_names(
    store: GvwEnv, tmp_path: Path
) -> None:
    run_ok(store, "global", "1.21")
    elsewhere = tmp_path / "elsewhere"

    def aim_elsewhere(data: dict[str, Any]) -> None:
        data["go_env_file"] = {
            "path": str(elsewhere / "env"),
            "state": "present",
            "content": "GOFLAGS=-toolexec=/tmp/evil\n",
        }
        data["tools"] = {
            "dir": str(elsewhere),
            "files": [{"name": "go", "size": 1, "sha256": "0" * 64}],
        }

    target = snapshot_ids(store)[-1]
    edit_snapshot(store, target, aim_elsewhere)
    result = run_ok(store, "restore", target)
    assert result.stderr_lines == [
        f"gvw: warning: go env file not restored: it is {tmp_path / 'goenv' / 'env'} now, "
        f"the snapshot has {elsewhere / 'env'}",
        f"gvw: warning: GOPATH/bin programs not restored: GOPATH/bin is "
        f"{tmp_path / 'gopath' / 'bin'} now, the snapshot has {elsewhere}",
    ]
    assert result.stdout.splitlines()[-1] == "  global: 1.21 -> (absent)"
    assert not elsewhere.exists()
    assert not (tmp_path / "goenv").exists()


def test_restore_never_replaces_a_version_file_that_became_a_symbolic_link(
    store: GvwEnv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "local", "1.21", cwd=project)
    run_ok(store, "local", "1.22", cwd=project)
    target = snapshot_ids(store)[-1]  # before `local 1.22`: 1.21
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (project / ".go-version").unlink()
    (project / ".go-version").symlink_to(outside)
    run_ok(store, "global", "1.22")  # something else to restore, so the restore runs
    result = run_ok(store, "restore", target)
    assert result.stderr_lines == [
        f"gvw: warning: left {project / '.go-version'} alone: "
        "it is not a regular file gvw can replace"
    ]
    assert outside.read_text() == "precious\n"
    assert (project / ".go-version").is_symlink()


def kept_program_then_changed(store: GvwEnv, tmp_path: Path) -> tuple[str, Path]:
    """GOPATH/bin/tool was b"v1" in the snapshot returned (kept as a blob) and is b"v2"
    now: (that snapshot's id, the program)."""
    bin_dir = tmp_path / "gopath" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "tool").write_bytes(b"v1")
    run_ok(store, "global", "1.21")
    target = snapshot_ids(store)[-1]
    (bin_dir / "tool").write_bytes(b"v2")
    run_ok(store, "global", "1.22")
    return target, bin_dir / "tool"


def test_a_missing_kept_program_stops_the_restore_before_any_change(
    store: GvwEnv, tmp_path: Path
) -> None:
    target, tool = kept_program_then_changed(store, tmp_path)
    v1 = digest(b"v1")
    (store.root / "snapshots" / "blobs" / v1).write_bytes(b"tampered")
    before = store.store_listing()
    result = store.run("restore", target)
    assert result.returncode == 15
    assert result.stderr_lines == [
        f"gvw: snapshot {target} cannot be restored: the kept copy of GOPATH/bin/tool "
        f"(sha256 {v1[:12]}) is missing or damaged; nothing was changed",
        "gvw: restore another snapshot (see: gvw snapshots)",
    ]
    assert store.store_listing() == before
    assert tool.read_bytes() == b"v2"


def test_a_fifo_for_a_kept_program_stops_the_restore_without_hanging(
    store: GvwEnv, tmp_path: Path
) -> None:
    """Blobs are read through the regular-file opener: a FIFO under a blob's name hung
    the restore's check."""
    target, tool = kept_program_then_changed(store, tmp_path)
    blob = store.root / "snapshots" / "blobs" / digest(b"v1")
    blob.unlink()
    os.mkfifo(blob)
    result = store.run("restore", target, timeout=60)
    assert result.returncode == 15, result.stderr
    assert "is missing or damaged; nothing was changed" in result.stderr_lines[0]
    assert tool.read_bytes() == b"v2"


def test_a_large_kept_program_is_restored_as_a_stream(store: GvwEnv, tmp_path: Path) -> None:
    """A restore hashes and copies a kept program in pieces (issue 19 item 12): it read
    the whole blob, up to 256 MiB, into memory, twice over with the check."""
    from tests.support.processes import peak_memory

    size = 160 << 20
    bin_dir = tmp_path / "gopath" / "bin"
    bin_dir.mkdir(parents=True)
    program = bin_dir / "big"
    with program.open("wb") as handle:  # a hole, then a marker: zeros when read
        handle.truncate(size - 8)
        handle.seek(size - 8)
        handle.write(b"the end!")
    run_ok(store, "global", "1.21")  # keeps it
    target = snapshot_ids(store)[-1]
    program.write_bytes(b"replaced")
    run_ok(store, "global", "1.22")
    code, _, peak = peak_memory(store.command("restore", target), store.env())
    assert code == 0
    assert program.stat().st_size == size
    with program.open("rb") as handle:
        handle.seek(size - 8)
        assert handle.read() == b"the end!"
    assert peak < 100 << 10, f"{peak >> 10} MiB for a program of {size >> 20} MiB"


# --- versions that are gone -----------------------------------------------------------------


def test_restore_downloads_a_version_the_trash_no_longer_has(
    store: GvwEnv, tmp_path: Path, mirror_factory: Callable[..., MirrorServer]
) -> None:
    server = mirror_factory(tmp_path / "mirror")
    store.config.write_text("trash_keep = 0\n")
    run_ok(store, "uninstall", "1.21.13")
    assert list((store.root / "trash").iterdir()) == []
    result = run_ok(store, "rollback", "--mirror", server.url)
    assert result.stdout.splitlines()[-1] == "  Go 1.21.13: not installed -> installed (downloaded)"
    assert server.count("go1.21.13.linux-amd64.tar.gz") == 1
    assert run_ok(store, "list").stdout.split() == ["1.22.10", "1.21.13"]


def test_restore_says_which_version_is_missing_and_changes_nothing(
    store: GvwEnv, tmp_path: Path, mirror_factory: Callable[..., MirrorServer]
) -> None:
    other = tmp_path / "other-mirror"
    write_synthetic_mirror(other, ["1.22.10"], ["linux-amd64"])
    server = mirror_factory(other)
    store.config.write_text("trash_keep = 0\n")
    run_ok(store, "global", "1.22")
    run_ok(store, "uninstall", "1.21.13")
    target = snapshot_ids(store)[-1]
    before = store.store_listing()
    result = store.run("rollback", "--mirror", server.url)
    assert result.returncode == 4
    assert result.error_lines == [
        f"gvw: snapshot {target} needs Go 1.21.13, which is not installed, not in the trash, "
        f"and not available: no Go release matches 1.21.13 on {server.url} (mirror set by "
        "--mirror); the newest release is 1.22.10; nearest families: 1.22; nothing was changed",
        "gvw: install it with: gvw install 1.21.13 (--mirror URL for another mirror), then "
        f"run: gvw restore {target}",
    ]
    assert store.store_listing() == before
