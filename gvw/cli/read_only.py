"""The fix for a location gvw cannot write because its filesystem is read-only: the
setting that moves it elsewhere, which depends on what the location is (the store, the
cache, GOPATH/bin, the config file). Used by the one place errors are shown.

A shell profile is ``gvw setup``'s: it says itself which line to put elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def read_only_hint(path: Path, env: Mapping[str, str]) -> str:
    from gvw.base.paths import Paths
    from gvw.host.goenv import host_goos
    from gvw.workflows.tools import tools_dir

    paths = Paths.from_env(env)
    places = [
        (paths.root, "point GVW_ROOT at a writable directory"),
        (paths.cache, "point GVW_CACHE_DIR at a writable directory"),
        (paths.config_file, "point GVW_CONFIG at a file in a writable directory"),
    ]
    programs = tools_dir(env, host_goos())
    if programs is not None:
        places.append((programs, "set GOBIN (or GOPATH) to a writable directory"))
    # the most specific place wins: a cache inside the store root is the cache
    found = [(len(str(place)), hint) for place, hint in places if _within(path, place)]
    if found:
        return max(found)[1]
    return f"make {path.parent} writable, or choose another location"


def _within(path: Path, place: Path) -> bool:
    try:
        return os.path.commonpath([os.path.abspath(path), os.path.abspath(place)]) == str(
            os.path.abspath(place)
        )
    except ValueError:  # other drives on Windows
        return False
