"""Pytest fixtures for a module proxy serving the real toolchains, with a checksum
database of its own.

- ``linux_modules`` / ``windows_modules`` (session): :class:`ModuleFiles` for Go 1.21.13
  and 1.22.10, converted from the real mirror's archives (cached, see goproxy_build).
- ``proxy_world`` (function): ``proxy_world(modules, ...) -> ProxyWorld``: a directory
  holding a proxy (``proxy/golang.org/toolchain/@v/...``) and a database (``db/``),
  served over HTTP on 127.0.0.1 by a :class:`TreeServer` (faults and request log as
  :class:`MirrorServer`), and readable as ``file://``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from tests.support.goproxy_build import MODULE, ModuleFiles, build_module, tamper_zip
from tests.support.mirror_fixtures import _raise_server_errors
from tests.support.mirror_server import MirrorServer, _content_type, _Response, _text
from tests.support.sumdb_fixture import (
    Record,
    TestKey,
    filler_records,
    go_sum_lines,
    make_key,
    write_database,
)

DB_NAME = "sum.gvw-test.example"
VERSIONS = ("1.21.13", "1.22.10")


class TreeServer(MirrorServer):
    """Serves every file below its directory at the same path (no dot files, no ``..``)."""

    def _route(self, path: str, query: str) -> _Response:
        parts = [p for p in path.split("/") if p]
        if parts and all(p not in ("..", ".") and not p.startswith(".") for p in parts):
            file = self.directory.joinpath(*parts)
            if file.is_file():
                return _Response(200, _content_type(file.name), file.stat().st_size, file=file)
        return _text(404, "404 page not found\n")


@dataclass
class ProxyWorld:
    root: Path
    server: TreeServer
    key: TestKey
    modules: Sequence[ModuleFiles]
    records: list[Record] = field(default_factory=list)

    @property
    def proxy_dir(self) -> Path:
        return self.root / "proxy"

    @property
    def db_dir(self) -> Path:
        return self.root / "db"

    @property
    def proxy_url(self) -> str:
        return f"{self.server.base_url}/proxy"

    @property
    def file_proxy_url(self) -> str:
        return self.proxy_dir.as_uri()

    @property
    def db_url(self) -> str:
        return f"{self.server.base_url}/db"

    def gosumdb(self, key: TestKey | None = None) -> str:
        """The GOSUMDB value naming this database (with ``key``'s verifier)."""
        return f"{(key or self.key).verifier} {self.db_url}"

    def go_env(self, key: TestKey | None = None) -> dict[str, str]:
        return {"GOPROXY": self.proxy_url, "GOSUMDB": self.gosumdb(key)}

    def version_dir(self) -> Path:
        return self.proxy_dir / MODULE / "@v"

    def zip_path(self, module: ModuleFiles) -> Path:
        return self.version_dir() / f"{module.module_version}.zip"

    def tamper(self, module: ModuleFiles) -> None:
        """Replace the proxy's zip of ``module`` by a different one (the database keeps
        the hash of the real one)."""
        target = self.zip_path(module)
        target.unlink()
        tamper_zip(module.zip, target, f"{MODULE}@{module.module_version}")

    def write_database(self, records: Sequence[Record], *, key: TestKey | None = None) -> None:
        """(Re)write the database with exactly ``records``."""
        shutil.rmtree(self.db_dir, ignore_errors=True)
        self.records = list(records)
        write_database(self.db_dir, key or self.key, self.records)

    def toolchain_records(self) -> list[Record]:
        return [
            Record(
                f"{MODULE}@{m.module_version}",
                go_sum_lines(MODULE, m.module_version, m.zip, m.mod.read_bytes()),
            )
            for m in self.modules
        ]

    def serve_sumdb_through_proxy(self) -> None:
        """Make the proxy answer ``/sumdb/<name>/...`` itself (as proxy.golang.org does)."""
        base = self.proxy_dir / "sumdb" / DB_NAME
        base.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(self.db_dir, base, target_is_directory=True)
        (self.db_dir / "supported").write_bytes(b"")


def _make_world(root: Path, modules: Sequence[ModuleFiles], key: TestKey) -> ProxyWorld:
    server = TreeServer(root)
    world = ProxyWorld(root, server, key, modules)
    versions = world.version_dir()
    versions.mkdir(parents=True)
    for module in modules:
        for source in (module.zip, module.mod, module.info):
            suffix = source.suffix
            os.symlink(source, versions / f"{module.module_version}{suffix}")
    listing = "".join(f"{m.module_version}\n" for m in modules)
    (versions / "list").write_text(listing, encoding="ascii")
    # toolchain records between fillers: the log spans more than one tile
    toolchains = world.toolchain_records()
    world.write_database(filler_records(150, "before") + toolchains + filler_records(150, "after"))
    server.start()
    return world


@pytest.fixture(scope="session")
def linux_modules(real_mirror_dir: Path) -> list[ModuleFiles]:
    return [build_module(real_mirror_dir, v, "linux-amd64") for v in VERSIONS]


@pytest.fixture(scope="session")
def windows_modules(real_mirror_dir: Path) -> list[ModuleFiles]:
    return [build_module(real_mirror_dir, v, "windows-amd64") for v in VERSIONS]


WorldFactory = Callable[..., ProxyWorld]


@pytest.fixture
def proxy_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldFactory]:
    worlds: list[ProxyWorld] = []

    def make(modules: Sequence[ModuleFiles], *, key: TestKey | None = None) -> ProxyWorld:
        root = tmp_path_factory.mktemp("goproxy")
        world = _make_world(root, modules, key or make_key(DB_NAME, "main"))
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        world.server.stop()
    _raise_server_errors([w.server for w in worlds])
