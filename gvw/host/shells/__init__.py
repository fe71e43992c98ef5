"""Shell integration: the scripts ``gvw init SHELL`` prints, the code ``gvw shell`` prints,
and the profile line ``gvw setup`` adds.

One module per shell (bash and zsh share :mod:`gvw.host.shells.posix`), each with one quoting
function, imported only for the shell asked for. Scripts are rendered from an
:class:`InitContext` the CLI builds; nothing here prints or reads the process state.

What every script does, and nothing more: put the shims first on PATH (dropping an
existing shims entry first, so loading it twice changes nothing), define the ``gvw``
wrapper that runs the code ``gvw shell --shell NAME`` prints, and add completions
(PowerShell: also the prompt segment). No script touches the console code page.

gvw itself need not be on PATH (``pip install`` into a venv does not put it there):
the profile line and the scripts run gvw by the absolute command of the gvw that wrote
them (:func:`gvw_command`: the interpreter in isolated mode and the package's
``__main__.py``), quoted for each shell; the wrapper keeps the name ``gvw``.
"""

from __future__ import annotations

import importlib
import ntpath
import os
import posixpath
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable

# name -> module under gvw.host.shells; "pwsh" is an alias of "powershell"
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
    completion: str = ""  # click's completion script for bash and zsh
    env: Mapping[str, str] = field(default_factory=dict)  # for cmd's %VARIABLE% prefixes
    # how the scripts run gvw: an absolute program path and its first arguments
    # (gvw_command()); the default, a bare name, is looked up on PATH
    gvw: tuple[str, ...] = ("gvw",)

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
    # what goes into the shell's profile (gvw setup), given the command that runs gvw
    profile_line: Callable[[Sequence[str]], str]
    quote: Callable[[str], str]  # one literal word/expression for this shell
    init_script: Callable[[InitContext], str]
    # one line that sets (None: unsets) an environment variable, its value quoted
    set_env: Callable[[str, str | None], str]
    show_version: Callable[[str], str]  # code that prints a version

    def set_version(self, spec: str | None) -> str:
        """Code that sets (None: unsets) GVW_GO_VERSION, what ``gvw shell`` prints."""
        return self.set_env("GVW_GO_VERSION", spec) + "\n"


def get_shell(name: str) -> Shell:
    """The support for ``name`` (one of :data:`SHELL_NAMES`)."""
    canonical = "powershell" if name == "pwsh" else name
    module = importlib.import_module(f"gvw.host.shells.{_MODULES[canonical]}")
    shell: Shell = module.SHELLS[canonical]
    return shell


def gvw_command(executable: str | None = None, package: str | None = None) -> tuple[str, ...]:
    """The command that runs this gvw, immune to the current directory and the
    environment of the moment: ``<python> -I <gvw package>/__main__.py``, as absolute
    paths. Neither ``<python> -m gvw`` (which puts the current directory first on
    sys.path) nor the ``gvw`` console script (whose interpreter honours PYTHONPATH, where
    an empty entry is the current directory) is: either runs a ``gvw/`` package of
    whatever repository the shim or the shell happens to be in. Arguments default to
    this process's interpreter and this package."""
    import gvw

    executable = executable or sys.executable
    package = package or os.path.dirname(os.path.abspath(gvw.__file__))
    return (os.path.abspath(executable), "-I", os.path.join(package, "__main__.py"))


def command_for(shell: str, words: Sequence[str], *, windows: bool) -> tuple[str, ...]:
    """``words`` as ``shell`` names the program: Git Bash / MSYS2 spell the Windows path
    as /c/...; every other shell takes it as it is."""
    if windows and shell in ("bash", "zsh", "fish"):
        return (msys_path(words[0]), *words[1:])
    return tuple(words)


def join_command(words: Sequence[str], quote: Callable[[str], str]) -> str:
    """``words`` as one command line for a shell: the program always quoted, plain
    arguments (``-m gvw``) as they are."""
    arguments = [w if re.fullmatch(r"[A-Za-z0-9_.-]+", w) else quote(w) for w in words[1:]]
    return " ".join([quote(words[0]), *arguments])


def fill(template: str, **values: str) -> str:
    """``template`` with every ``@NAME@`` replaced by ``values[NAME]`` in one pass: a
    value (a path) that happens to hold ``@OTHER@`` is not substituted again."""
    return re.sub(r"@([A-Z_]+)@", lambda match: values[match.group(1)], template)


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
