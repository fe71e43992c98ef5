"""gvw.base.paths: where gvw keeps things when no GVW_* variable says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gvw.base.paths import Paths

PLATFORMDIRS = """
import json, platformdirs
print(json.dumps([platformdirs.user_cache_dir("gvw", appauthor=False),
                  platformdirs.user_config_dir("gvw", appauthor=False)]))
"""


@pytest.mark.parametrize(
    "xdg",
    [
        {},
        {"XDG_CACHE_HOME": "/srv/cache", "XDG_CONFIG_HOME": "/srv/config"},
        {"XDG_CACHE_HOME": "", "XDG_CONFIG_HOME": "   "},
        {"XDG_CACHE_HOME": "relative/cache"},
    ],
    ids=["unset", "set", "empty", "relative"],
)
def test_the_cache_and_config_directories_are_where_platformdirs_puts_them(
    tmp_path: Path, xdg: dict[str, str]
) -> None:
    """gvw works them out without importing platformdirs (start-up time): the same
    answers, asked of platformdirs itself in a process with the same environment."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home"), **xdg}
    done = subprocess.run(
        [sys.executable, "-c", PLATFORMDIRS], env=env, capture_output=True, text=True, check=True
    )
    cache, config = json.loads(done.stdout)
    paths = Paths.from_env(env)
    assert (str(paths.cache), str(paths.config_file)) == (
        str(Path(cache).absolute()),
        str(Path(config).absolute() / "config.toml"),
    )


def test_gvw_current_imports_no_platformdirs_on_linux(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    probe = "import sys, gvw.cli.app as a; a.App().paths; print('platformdirs' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == "False\n"
