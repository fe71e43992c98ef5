"""gvw.base.fsutil: atomic writes, as every file gvw writes is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gvw.base.errors import StoreError
from gvw.base.fsutil import atomic_write_bytes


def test_an_atomic_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "go"
    target.write_bytes(b"old")
    atomic_write_bytes(target, b"new program", mode=0o755)
    assert target.read_bytes() == b"new program"
    assert os.stat(target).st_mode & 0o777 == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go"]


def test_the_hook_before_the_rename_sees_the_new_file_complete_and_the_old_one_in_place(
    tmp_path: Path,
) -> None:
    """What the Windows rehash relies on: it moves the running shim aside only once the
    new one is written, so `go.exe` is missing for two renames, not for a whole write."""
    target = tmp_path / "go.exe"
    target.write_bytes(b"old")
    seen: list[tuple[bytes, list[bytes]]] = []

    def move_aside() -> None:
        others = [p.read_bytes() for p in tmp_path.iterdir() if p != target]
        seen.append((target.read_bytes(), others))
        target.rename(tmp_path / ".go.exe.old-1234")

    atomic_write_bytes(target, b"new program", mode=0o755, before_replace=move_aside)
    assert seen == [(b"old", [b"new program"])]
    assert target.read_bytes() == b"new program"
    assert (tmp_path / ".go.exe.old-1234").read_bytes() == b"old"


def test_a_failing_hook_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "go.exe"
    target.write_bytes(b"old")

    def refuse() -> None:
        raise PermissionError(13, "Access is denied", str(target))

    with pytest.raises(StoreError):
        atomic_write_bytes(target, b"new", before_replace=refuse)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go.exe"]
    assert target.read_bytes() == b"old"
