"""Shell integration: the scripts ``gvw init SHELL`` prints, the code ``gvw shell`` prints,
and the profile line ``gvw setup`` adds.

One module per shell (bash and zsh share :mod:`gvw.shells.posix`), each with one quoting
function, imported only for the shell asked for. Scripts are rendered from an
:class:`InitContext` the CLI builds; nothing here prints or reads the process state.

What every script does, and nothing more: put the shims first on PATH (dropping an
existing shims entry first, so loading it twice changes nothing), define the ``gvw``
wrapper that runs the code ``gvw shell --shell NAME`` prints, and add completions
(PowerShell: also the prompt segment). No script touches the console code page.
"""

from __future__ import annotations

import importlib
import ntpath
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

# name -> module under gvw.shells; "pwsh" is an alias of "powershell"
_MODULES = {
    "bash": "posix",
    "zsh": "posix",
    "fish": "fish",
    "powershell": "powershell",
    "pwsh": "powershell",
    "cmd": "cmd",
}
SHELL_NAMES = tuple(_MODULES)
SETUP_SHELLS = ("bash", "zsh", "fish", "powershell")


@dataclass(frozen=True)
class InitContext:
    """What a script needs to know, with paths spelled as the target shell sees them."""

    shell: str
    root: str  # the store root
    shims: str  # <root>/shims
    windows: bool  # the host is Windows (PowerShell and cmd paths use backslashes)
    commands: tuple[str, ...] = ()  # gvw's subcommands, for PowerShell completion
    completion: str = ""  # click's completion script for bash and zsh
    env: Mapping[str, str] = field(default_factory=dict)  # for cmd's %VARIABLE% prefixes

    def join(self, *parts: str) -> str:
        joined: str = (ntpath if self.windows else posixpath).join(self.root, *parts)
        return joined

    @property
    def versions(self) -> str:
        return self.join("versions")

    @property
    def global_file(self) -> str:
        return self.join("version")


@dataclass(frozen=True)
class Shell:
    name: str
    profile_line: str  # what goes into the shell's profile (README, gvw setup)
    quote: Callable[[str], str]  # one literal word/expression for this shell
    init_script: Callable[[InitContext], str]
    set_version: Callable[[str | None], str]  # code that sets (None: unsets) GVW_GO_VERSION
    show_version: Callable[[str], str]  # code that prints a version


def get_shell(name: str) -> Shell:
    """The support for ``name`` (one of :data:`SHELL_NAMES`)."""
    canonical = "powershell" if name == "pwsh" else name
    module = importlib.import_module(f"gvw.shells.{_MODULES[canonical]}")
    shell: Shell = module.SHELLS[canonical]
    return shell


def msys_path(path: str) -> str:
    r"""A Windows path as Git Bash / MSYS2 spell it: ``C:\Users\x`` -> ``/c/Users/x``,
    ``\\server\share`` -> ``//server/share`` (bash, zsh and fish there split PATH on
    ``:`` and want forward slashes)."""
    if len(path) >= 2 and path[1] == ":" and path[0].isalpha():
        rest = path[2:].replace("\\", "/")
        return (
            f"/{path[0].lower()}{rest if rest.startswith('/') else '/' + rest}".rstrip("/") or "/"
        )
    return path.replace("\\", "/")
