"""cmd.exe: a batch script for the AutoRun value, and a doskey macro for ``gvw shell``.

Batch files are read in the console code page, so the script is ASCII: the shims path
is written as ``%LOCALAPPDATA%\\...`` or ``%USERPROFILE%\\...`` when it lies under one
of them (cmd expands those itself, non-ASCII characters included), else literally.

Every line starts with @ instead of ``@echo off``: the script runs inside the user's
session and must leave its echo state alone. The two temporary variables are removed
at the end. ``call set`` expands %gvw_shims% inside the %PATH:old=new% substitution;
that second expansion is why a shims path with % ^ = " cannot be handled and is
refused (! is fine unless delayed expansion is enabled for cmd). CALL of an internal
command does not search PATH in cmd.exe (Wine 8's CALL fails when PATH has an empty
entry; the Wine tests avoid that).
"""

from __future__ import annotations

import ntpath
from collections.abc import Mapping, Sequence

from gvw.base.errors import GvwError
from gvw.host.shells import InitContext, Shell, fill

# Set in every Windows session. Not GVW_ROOT: it may be set for one session only.
PREFIX_VARIABLES = ("LOCALAPPDATA", "USERPROFILE")
UNSAFE = '%^="'

_SCRIPT = """\
@rem gvw shell integration for cmd.exe, printed by `gvw init cmd`.
@rem Save it to a file and run that file from AutoRun (see gvw's docs/shells-and-windows.md).
@rem The shims first on PATH: drop every entry equal to them, then prepend them.
@set "gvw_shims=@SHIMS@"
@set "gvw_path=;%PATH%;"
@call set "gvw_path=%%gvw_path:;%gvw_shims%;=;%%"
@call set "gvw_path=%%gvw_path:;%gvw_shims%;=;%%"
@set "PATH=%gvw_shims%%gvw_path:~0,-1%"
@set "gvw_shims="
@set "gvw_path="
@rem gvw shell VERSION and gvw shell --unset run the set line gvw prints (interactive).
""" + (
    '@doskey gvw=if /i "$1"=="shell" '
    "(for /f \"delims=\" %%i in ('@FOR_GVW@ shell --shell cmd $2 $3 $4@FOR_END@') do @call %%i)"
    " else @GVW@ $*\n"
)
# Characters the macro cannot carry in gvw's path: the batch file's and the macro's own
# parsing (% ^ " =), and & | < > ( ) which the for /f line leaves unquoted.
_UNSAFE_COMMAND = UNSAFE + "&|<>()"


def _under_variable(path: str, env: Mapping[str, str], variables: Sequence[str]) -> str:
    """``path`` under the longest of ``variables`` that contains it, else literal."""
    reference = path
    best = 0
    for name in variables:
        value = env.get(name, "").rstrip("\\/")
        if len(value) > best and _is_under(path, value):
            reference, best = f"%{name}%" + path[len(value) :], len(value)
    return reference


def shims_reference(
    shims: str, env: Mapping[str, str], variables: Sequence[str] = PREFIX_VARIABLES
) -> str:
    """``shims`` as the script writes it: under the longest of ``variables`` that
    contains it, else literal. Raises when cmd cannot carry it."""
    bad = sorted({c for c in shims if c in UNSAFE})
    if bad:
        raise GvwError(
            f"cmd cannot handle the character(s) {' '.join(bad)} in the shims path {shims}",
            hint="set GVW_ROOT to a directory without them, or use PowerShell",
        )
    reference = _under_variable(shims, env, variables)
    if not reference.isascii():
        raise GvwError(
            f"cmd reads batch files in the console code page; the shims path {shims} "
            "has characters it may not hold",
            hint="set GVW_ROOT to a directory under %LOCALAPPDATA% or with an ASCII name",
        )
    return reference


def _is_under(path: str, directory: str) -> bool:
    if not directory:
        return False
    head = ntpath.normcase(path[: len(directory)])
    return head == ntpath.normcase(directory) and path[len(directory) : len(directory) + 1] in (
        "\\",
        "/",
    )


def quote(text: str) -> str:
    """``text`` for the value part of ``set "NAME=VALUE"`` in a batch file; refuses
    the characters a batch file cannot carry there."""
    bad = sorted({c for c in text if c in UNSAFE or c in "\r\n"})
    if bad:
        raise GvwError(f"cmd cannot hold {text!r} in a set command (it contains {bad})")
    return text


def gvw_reference(words: Sequence[str], env: Mapping[str, str]) -> str | None:
    """How the macro runs gvw: the program and every path argument (``-I`` and the
    package's ``__main__.py``) as quoted absolute paths (under %USERPROFILE% or
    %LOCALAPPDATA% when they lie there: the batch file is ASCII; cmd expands them when it
    defines the macro), other arguments plain; None when cmd cannot carry it (the macro
    then runs the gvw on PATH)."""
    shown = []
    for index, word in enumerate(words):
        if index > 0 and word.isascii() and word.replace("-", "").isalnum():
            shown.append(word)  # -I
            continue
        if not ntpath.isabs(word) or any(c in _UNSAFE_COMMAND or c < " " for c in word):
            return None
        reference = _under_variable(word, env, PREFIX_VARIABLES)
        if not reference.isascii():
            return None
        shown.append(f'"{reference}"')
    # $ starts a doskey macro parameter: $$ is a literal $
    return " ".join(shown).replace("$", "$$")


def _init_script(ctx: InitContext) -> str:
    command = gvw_reference(ctx.gvw, ctx.env)
    return fill(
        _SCRIPT,
        SHIMS=shims_reference(ctx.shims, ctx.env),
        # cmd /c, which for /f runs, drops the first and the last quote of a line with
        # more than two: the outer pair keeps the quoted path whole
        FOR_GVW=f'"{command}' if command else "gvw",
        FOR_END='"' if command else "",
        GVW=command or "gvw",
    )


def _profile_line(words: Sequence[str]) -> str:
    command = " ".join(f'"{w}"' if " " in w else w for w in words)
    return f"(AutoRun) {command} init cmd > %LOCALAPPDATA%\\gvw\\init.cmd"


def set_env(name: str, value: str | None) -> str:
    """An empty value unsets the variable in cmd. ``gvw shell``'s line is run by the
    doskey macro's `for /f ... do @call %i`: the version is checked (no %, ^ or
    quotes), so CALL's second parse of the line changes nothing."""
    return f'set "{name}={quote(value or "")}"'


def _show_version(spec: str) -> str:
    return f"echo {quote(spec)}\n"


SHELLS = {
    "cmd": Shell(
        name="cmd",
        profile_line=_profile_line,
        quote=quote,
        init_script=_init_script,
        set_env=set_env,
        show_version=_show_version,
    )
}
