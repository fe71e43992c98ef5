"""Module zips of ``golang.org/toolchain``, made from the real mirror's go.dev archives the
way Go's release process makes them (golang.org/x/build internal/task, TarToModFiles):

- every regular file ``go/X`` becomes ``golang.org/toolchain@v0.0.1-go<rel>.<os>-<arch>/X``;
- every ``go.mod`` below the root is renamed ``_go.mod`` (a module zip cannot hold
  nested modules);
- ``go/.github/``, ``go/api/``, ``go/doc/``, ``go/misc/`` and ``go/test/`` are left out;
- no directory entries and no file modes (Go sets the executable bits after download).

Beside each ``.zip`` go the ``.mod`` (``module golang.org/toolchain``) and ``.info``
files a proxy serves. Zips are cached under ``~/.cache/gvw-tests/goproxy`` (keyed by the
source archive's sha256), built under a lock shared by parallel test runs.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.support.mirror_fixtures import load_build_mirror

MODULE = "golang.org/toolchain"
OMITTED = ("go/.github/", "go/api/", "go/doc/", "go/misc/", "go/test/")
INFO_TIME = "2024-12-03T18:00:00Z"
FORMAT = 1  # bump when the conversion changes


def module_version(version: str, platform: str) -> str:
    return f"v0.0.1-go{version}.{platform}"


def module_name(name: str, prefix: str) -> str | None:
    """The module zip name of the go.dev archive entry ``name`` (None: left out)."""
    if not name.startswith("go/") or name.startswith(OMITTED):
        return None
    if name.endswith("/go.mod"):
        name = name[: -len("/go.mod")] + "/_go.mod"
    return prefix + name[len("go") :]


@dataclass(frozen=True)
class ModuleFiles:
    version: str  # "1.22.10"
    platform: str  # "linux-amd64"
    zip: Path
    mod: Path
    info: Path

    @property
    def module_version(self) -> str:
        return module_version(self.version, self.platform)


def _archive_files(archive: Path) -> Iterator[tuple[str, IO[bytes]]]:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    with zf.open(info) as data:
                        yield info.filename, data
        return
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isreg():
                data = tar.extractfile(member)
                assert data is not None
                yield member.name, data


def write_module_zip(archive: Path, target: Path, prefix: str) -> None:
    bm = load_build_mirror()
    with bm.atomic_output(target) as out, zipfile.ZipFile(out, "w") as zf:
        for name, data in _archive_files(archive):
            renamed = module_name(name, prefix)
            if renamed is None:
                continue
            info = zipfile.ZipInfo(renamed, date_time=(2024, 12, 3, 18, 0, 0))
            info.create_system = 0  # as Go's archive/zip writes it: no unix modes
            info.external_attr = 0
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as dest:
                while chunk := data.read(1 << 20):
                    dest.write(chunk)


def build_module(mirror_dir: Path, version: str, platform: str) -> ModuleFiles:
    """The module files for one toolchain (built on first use, then cached)."""
    bm = load_build_mirror()
    archive = mirror_dir / bm.archive_filename(version, platform)
    source_sha = (mirror_dir / (archive.name + ".sha256")).read_text("ascii").split()[0]
    modver = module_version(version, platform)
    out = bm.cache_dir() / "goproxy" / f"{modver}-{source_sha[:16]}-f{FORMAT}"
    files = ModuleFiles(
        version, platform, out / f"{modver}.zip", out / f"{modver}.mod", out / f"{modver}.info"
    )
    out.mkdir(parents=True, exist_ok=True)
    with bm.file_lock(out / ".lock"):
        if not files.zip.is_file():
            write_module_zip(archive, files.zip, f"{MODULE}@{modver}")
        if not files.mod.is_file():
            bm.write_bytes_atomic(files.mod, f"module {MODULE}\n".encode())
        if not files.info.is_file():
            info = {"Version": modver, "Time": INFO_TIME}
            bm.write_bytes_atomic(files.info, (json.dumps(info) + "\n").encode())
    return files


def tamper_zip(source: Path, target: Path, prefix: str) -> None:
    """A copy of ``source`` with one extra file: a different module, same name."""
    target.write_bytes(source.read_bytes())
    with zipfile.ZipFile(target, "a") as zf:
        info = zipfile.ZipInfo(f"{prefix}/src/tampered.go", date_time=(2024, 12, 3, 18, 0, 0))
        info.create_system = 0
        zf.writestr(info, b"package tampered\n")
