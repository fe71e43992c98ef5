"""Fixtures of the history tests: a store with synthetic 1.21.13 and 1.22.10."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, install_unselected
from tests.support.mirror_fixtures import write_synthetic_mirror

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass
from tests.history.snapshot_helpers import user_env


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    """Synthetic 1.21.13 and 1.22.10 installed from a file mirror; no global version."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    user_env(gvw, tmp_path)
    gvw.extra_env["GVW_MIRROR"] = mirror.as_uri()
    install_unselected(gvw, "1.21.13", "1.22.10")
    return gvw
