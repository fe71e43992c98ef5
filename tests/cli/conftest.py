"""The user the command-line tests start from."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import write_synthetic_mirror

# no native shim is shipped for it: a store for it gets the /bin/sh shim
SH_SHIM_PLATFORM = "linux-386"


@pytest.fixture
def user(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    """A new user: an empty store, no go on PATH, and GVW_MIRROR a file mirror with
    synthetic 1.21.13 and 1.22.10 (for linux-amd64, and for the sh shim's platform)."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64", SH_SHIM_PLATFORM])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), PATH="/usr/bin:/bin")
    return gvw
