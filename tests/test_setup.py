"""gvw setup and gvw setup --undo on POSIX shells, through the real CLI with HOME in a
temporary directory. (The Windows side, PowerShell profiles and the user PATH in the
registry, is in test_winenv.py against an in-memory registry.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gvw.shells.posix import quote
from tests.support.gvw_env import REPO, GvwEnv, run_ok

BEGIN = "# >>> gvw >>> added by `gvw setup`; `gvw setup --undo` removes it"
END = "# <<< gvw <<<"


@pytest.fixture
def home(gvw: GvwEnv, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    gvw.extra_env.update(HOME=str(home), SHELL="/bin/bash")
    gvw.extra_env.pop("XDG_CONFIG_HOME", None)
    gvw.extra_env.pop("ZDOTDIR", None)
    return home


def snapshots(gvw: GvwEnv) -> int:
    directory = gvw.root / "snapshots"
    return len(list(directory.glob("*.toml"))) if directory.exists() else 0


def test_setup_adds_the_marked_line_once_and_undo_removes_the_file_it_made(
    gvw: GvwEnv, home: Path
) -> None:
    bashrc = home / ".bashrc"
    assert run_ok(gvw, "setup").stdout.splitlines() == [
        f'added `eval "$(gvw init bash)"` to {bashrc}',
        "Open a new terminal to start using it (`gvw doctor` checks the result).",
    ]
    assert bashrc.read_text() == f'{BEGIN}\neval "$(gvw init bash)"\n{END}\n'
    assert snapshots(gvw) == 1
    assert run_ok(gvw, "setup").stdout == f"{bashrc}: already set up\n"
    assert snapshots(gvw) == 1  # nothing changed, nothing to snapshot
    assert run_ok(gvw, "setup", "--undo", "--shell", "bash").stdout == (
        f"removed the gvw lines from {bashrc} (now empty: deleted)\n"
    )
    assert not bashrc.exists()
    assert snapshots(gvw) == 2


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_setup_keeps_the_users_lines_and_undo_restores_them_exactly(
    gvw: GvwEnv, home: Path, newline: str
) -> None:
    zshrc = home / ".zshrc"
    original = newline.join(["# mine", "autoload -Uz compinit && compinit", "alias g=git", ""])
    zshrc.write_bytes(original.encode())
    run_ok(gvw, "setup", "--shell", "zsh")
    assert zshrc.read_bytes().decode() == original + newline.join(
        [BEGIN, 'eval "$(gvw init zsh)"', END, ""]
    )
    run_ok(gvw, "setup", "--undo")  # no --shell: every shell's profile is checked
    assert zshrc.read_bytes().decode() == original


def test_setup_follows_shell_zdotdir_and_xdg_config_home(
    gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    env = {"SHELL": "/usr/bin/fish", "XDG_CONFIG_HOME": str(config)}
    run_ok(gvw, "setup", env=env)
    fish_file = config / "fish" / "conf.d" / "gvw.fish"
    assert fish_file.read_text() == f"{BEGIN}\ngvw init fish | source\n{END}\n"
    zdotdir = tmp_path / "zdot"
    run_ok(
        gvw,
        "setup",
        "--shell",
        "zsh",
        "--shell",
        "powershell",
        env={**env, "ZDOTDIR": str(zdotdir)},
    )
    assert 'eval "$(gvw init zsh)"' in (zdotdir / ".zshrc").read_text()
    ps_profile = config / "powershell" / "profile.ps1"
    assert "gvw init powershell | Out-String | Invoke-Expression" in ps_profile.read_text()


def test_setup_refuses_to_guess_an_unknown_shell(gvw: GvwEnv, home: Path) -> None:
    result = gvw.run("setup", env={"SHELL": "/bin/tcsh"})
    assert result.returncode == 1
    assert result.stderr_lines == [
        "gvw: cannot tell which shell to set up (SHELL='/bin/tcsh')",
        "gvw: name it: gvw setup --shell bash (or zsh, fish, powershell)",
    ]
    assert list(home.iterdir()) == []


def test_setup_replaces_an_edited_block_in_place(gvw: GvwEnv, home: Path) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text(f"export A=1\n{BEGIN}\necho old gvw line\n{END}\nexport B=2")
    run_ok(gvw, "setup")
    assert bashrc.read_text() == (
        f'export A=1\n{BEGIN}\neval "$(gvw init bash)"\n{END}\nexport B=2'
    )


def test_a_profile_without_a_final_newline_gets_one_before_the_block(
    gvw: GvwEnv, home: Path
) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text("export A=1")
    run_ok(gvw, "setup")
    assert bashrc.read_text() == f'export A=1\n{BEGIN}\neval "$(gvw init bash)"\n{END}\n'
    run_ok(gvw, "setup", "--undo")
    assert bashrc.read_text() == "export A=1\n"  # the one byte undo cannot tell apart


def test_setup_json(gvw: GvwEnv, home: Path) -> None:
    report = json.loads(run_ok(gvw, "setup", "--json").stdout)
    assert report == {
        "undo": False,
        "steps": [
            {
                "target": str(home / ".bashrc"),
                "changed": True,
                "message": f'added `eval "$(gvw init bash)"` to {home / ".bashrc"}',
            }
        ],
    }


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_new_shell_after_setup_has_the_shims_first(
    shell: str, gvw: GvwEnv, home: Path, tmp_path: Path
) -> None:
    """The end to end check: the profile setup wrote, loaded as the shell loads it."""
    if shutil.which(shell) is None and not os.environ.get("CI"):
        pytest.skip(f"{shell} is not installed")
    run_ok(gvw, "setup", "--shell", shell)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gvw").write_text(f'#!/bin/sh\nexec {quote(sys.executable)} -m gvw "$@"\n')
    (bin_dir / "gvw").chmod(0o755)
    argv = {
        "bash": ["bash", "-i", "-c", 'printf "%s\\n" "$PATH"'],
        "zsh": ["zsh", "-i", "-c", 'printf "%s\\n" "$PATH"'],
        "fish": ["fish", "-c", "string join : -- $PATH"],
    }[shell]
    env = {
        **gvw.env(),
        "HOME": str(home),
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
        "LC_ALL": "C.UTF-8",
    }
    for name in ("XDG_CONFIG_HOME", "ZDOTDIR", "BASH_ENV", "ENV"):
        env.pop(name, None)
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    first = done.stdout.strip().splitlines()[-1].split(":")[0]
    assert first == str(gvw.root / "shims"), done.stderr
