"""Real Go toolchains for shim tests, unpacked from the test mirror's archives.

``unpack_toolchain`` turns ``go<version>.<platform>.tar.gz`` / ``.zip`` (go.dev's layout:
everything under ``go/``) into ``<root>/versions/<version>``, keeping executable bits
(and restoring them for ``bin/`` and ``pkg/tool/`` when an archive lost them). It
is a stand-in for ``gvw install`` in tests that exercise the shims, not the installer:
it trusts its input (the mirror built by ``scripts/build_mirror.py``).
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path


def archive_name(version: str, platform: str = "linux-amd64") -> str:
    ext = "zip" if platform.startswith("windows-") else "tar.gz"
    return f"go{version}.{platform}.{ext}"


def unpack_toolchain(archive: Path, root: Path, version: str) -> Path:
    """Unpack ``archive`` as ``root/versions/<version>``; return that directory.

    Idempotent: an existing directory is kept. Staged in ``root`` and renamed into
    place, like the real store.
    """
    target = root / "versions" / version
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".unpack-{version}-", dir=root))
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zipped:
                for info in zipped.infolist():
                    path = Path(zipped.extract(info, staging))
                    mode = (info.external_attr >> 16) & 0o777
                    if mode and not info.is_dir():
                        path.chmod(mode)
        else:
            with tarfile.open(archive, "r:gz") as tarred:
                if hasattr(tarfile, "data_filter"):  # Python 3.12+, and security backports
                    tarred.extractall(staging, filter="data")
                else:
                    tarred.extractall(staging)
        tree = staging / "go"
        _ensure_executable(tree)
        os.replace(tree, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _ensure_executable(tree: Path) -> None:
    """Give bin/* and pkg/tool/*/* their exec bits (zip archives may have lost them)."""
    candidates = list((tree / "bin").glob("*")) + list((tree / "pkg" / "tool").glob("*/*"))
    for path in candidates:
        if path.is_file():
            mode = path.stat().st_mode
            path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
