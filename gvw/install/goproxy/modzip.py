"""The ``golang.org/toolchain`` module zip: its names, its ``h1:`` hash, and the Go tree
inside it.

Go's release process makes the zip from the go.dev archive (golang.org/x/build,
internal/task TarToModFiles): ``go/X`` becomes ``golang.org/toolchain@<version>/X``,
nested ``go.mod`` files become ``_go.mod`` (a module cannot hold modules), ``api/``,
``doc/``, ``misc/``, ``test/`` and ``.github/`` are left out, and no file modes are
stored. Unpacking undoes what can be undone, as the go command does after its own
download (cmd/go/internal/toolchain): ``_go.mod`` back to ``go.mod``, a root ``go.mod``
dropped, executable bits on ``bin/`` and ``pkg/tool/``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import zipfile
from pathlib import Path

from gvw.base.errors import ArchiveError
from gvw.base.platforms import Platform
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_release_name
from gvw.install.archive import MAX_ENTRIES, MAX_TOTAL_BYTES, extract_zip_below
from gvw.install.tree_manifest import Collector

MODULE = "golang.org/toolchain"
_VERSION_RE = re.compile(
    r"^v0\.0\.1-go(?P<release>[0-9a-z.]+)\.(?P<os>[a-z0-9]+)-(?P<arch>[a-z0-9]+)$"
)


def module_version(version: GoVersion, platform: Platform) -> str:
    return f"v0.0.1-go{version.name}.{platform.goos}-{platform.goarch}"


def parse_module_version(text: str) -> tuple[GoVersion, Platform] | None:
    """``v0.0.1-go1.22.10.linux-amd64`` -> (1.22.10, linux-amd64); None otherwise."""
    match = _VERSION_RE.match(text.strip())
    version = parse_release_name(match["release"]) if match else None
    if match is None or version is None:
        return None
    return version, Platform(match["os"], match["arch"])


def hash1(files: list[tuple[str, bytes]]) -> str:
    """dirhash.Hash1 of (name, sha256 digest) pairs."""
    summary = "".join(f"{digest.hex()}  {name}\n" for name, digest in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def zip_hash(path: Path, *, shown: str) -> str:
    """The module zip's ``h1:`` hash (dirhash.HashZip), with the archive size limits."""
    files: list[tuple[str, bytes]] = []
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                total += info.file_size
                if "\n" in info.filename or len(files) >= MAX_ENTRIES or total > MAX_TOTAL_BYTES:
                    raise ArchiveError(
                        f"{shown} is not a module zip Go would accept "
                        "(a file name with a newline, or too many or too large files)",
                        hint="check where the file came from",
                    )
                digest = hashlib.sha256()
                with archive.open(info) as data:
                    for block in iter(lambda: data.read(1 << 20), b""):
                        digest.update(block)
                files.append((info.filename, digest.digest()))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ArchiveError(f"{shown} is corrupt or truncated ({exc})", hint="try again") from None
    return hash1(files)


def extract_module_zip(
    path: Path,
    target: Path,
    *,
    modver: str,
    platform: Platform,
    reporter: Reporter,
    sink: Collector | None = None,
) -> None:
    """Unpack the verified module zip into the empty directory ``target`` as a Go tree;
    ``sink`` records what the tree ends up holding (the install manifest)."""
    shown = f"{MODULE}@{modver}"
    extract_zip_below(
        path,
        target,
        top=shown,
        name=f"{modver}.zip",
        reporter=reporter,
        label="Extracting",
        sink=sink,
    )
    try:
        root_mod = target / "go.mod"  # "module golang.org/toolchain": not part of Go's tree
        if root_mod.is_file():
            root_mod.unlink()
            if sink is not None:
                sink.remove("go.mod")
        for directory, _dirs, files in os.walk(target):
            if "_go.mod" in files:
                os.replace(os.path.join(directory, "_go.mod"), os.path.join(directory, "go.mod"))
                if sink is not None:
                    rel = os.path.relpath(directory, target).replace(os.sep, "/")
                    prefix = "" if rel == "." else rel + "/"
                    sink.rename(prefix + "_go.mod", prefix + "go.mod")
        if platform.goos != "windows":
            for sub in (target / "pkg" / "tool", target / "bin"):
                _allow_exec(sub)
    except OSError as exc:
        raise ArchiveError(f"cannot finish unpacking {shown}: {exc}") from exc
    exe = ".exe" if platform.goos == "windows" else ""
    if not (target / "bin" / f"go{exe}").is_file():
        raise ArchiveError(
            f"{shown} does not hold a Go toolchain (no bin/go{exe})",
            hint="check where the module came from",
        )


def _allow_exec(directory: Path) -> None:
    """Every file below ``directory`` executable, as cmd/go's allowExec does."""
    for parent, _dirs, files in os.walk(directory):
        for name in files:
            path = os.path.join(parent, name)
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            os.chmod(path, mode | 0o111)
