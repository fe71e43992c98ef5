"""Small real filesystems for full-disk and read-only tests: tmpfs mounts of a given
size (root only; CI runs as root, elsewhere the tests skip and say why)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

MountTmpfs = Callable[..., Path]


def mount_tmpfs(path: Path, size: str, *options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True
    )
    return done.returncode == 0


def fill(directory: Path) -> Path:
    """Fill the filesystem of ``directory`` to the last byte with one file; returns it
    (delete it to make room again)."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        for size in (1 << 16, 4096, 1):  # big writes first, then the last part of a page
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) == size:
                    pass
    finally:
        os.close(fd)
    return filler


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[MountTmpfs]:
    """``tmpfs(name, size, *options)``: a fresh tmpfs mounted at tmp_path/name, unmounted
    after the test."""
    mounted: list[Path] = []

    def mount(name: str, size: str, *options: str) -> Path:
        path = tmp_path / name
        if not mount_tmpfs(path, size, *options):
            pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=True)
