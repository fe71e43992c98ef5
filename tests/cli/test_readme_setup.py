"""The README's set-up command ends with gvw usable in the next shell: its last step
is `gvw setup`, run here as written (the venv's console script by its path under ~,
with this checkout's gvw behind it), and a new interactive bash then has `gvw` and the
shims without gvw being on PATH."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.gvw_env import REPO, GvwEnv

README = REPO / "README.md"


def setup_commands() -> tuple[str, str]:
    """The POSIX and the Windows set-up commands of the README's Set-up section."""
    section = README.read_text(encoding="utf-8").split("## Set-up", 1)[1].split("\n## ", 1)[0]
    posix = re.search(r"^    (python3 -m venv .+)$", section, re.MULTILINE)
    windows = re.search(r"`(py -m venv [^`]+)`", section)
    assert posix is not None and windows is not None, section
    return posix.group(1), windows.group(1)


def test_both_set_up_commands_end_with_gvw_setup() -> None:
    posix, windows = setup_commands()
    assert posix.split(" && ")[-1] == "~/.gvw-venv/bin/gvw setup"
    assert windows.split(" && ")[-1] == r"%USERPROFILE%\.gvw-venv\Scripts\gvw setup"


def test_the_next_bash_after_the_set_up_command_has_gvw_and_the_shims(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    venv_bin = home / ".gvw-venv" / "bin"
    venv_bin.mkdir(parents=True)
    # the console script `pip install .` makes (this test run's own, not on PATH)
    shutil.copy2(Path(sys.executable).parent / "gvw", venv_bin / "gvw")
    env = {**gvw.env(), "HOME": str(home), "SHELL": "/bin/bash", "PATH": "/usr/bin:/bin"}
    for name in ("XDG_CONFIG_HOME", "BASH_ENV", "ENV"):
        env.pop(name, None)
    last_step = setup_commands()[0].split(" && ")[-1]
    done = subprocess.run(["bash", "-c", last_step], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # the line runs the console script's interpreter in isolated mode on gvw's package
    # (no gvw/ of the current directory, no PYTHONPATH: docs/security.md)
    python = (venv_bin / "gvw").read_text().splitlines()[0].removeprefix("#!")
    words = f"'{python}' -I '{REPO / 'gvw' / '__main__.py'}'"
    assert f'added `eval "$({words} init bash)"` to {home / ".bashrc"}' in done.stdout
    session = 'type -t gvw; gvw --version; echo "${PATH%%:*}"; type -P gvw || echo no gvw'
    new_shell = subprocess.run(
        ["bash", "-i", "-c", session],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert new_shell.stdout.splitlines() == [
        "function",
        f"gvw, version {gvw_version()}",
        str(gvw.root / "shims"),
        "no gvw",  # the function is what runs, gvw itself is not on PATH
    ], new_shell.stderr


def gvw_version() -> str:
    from gvw import __version__

    return __version__
