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

from gvw.errors import GvwError
from gvw.shells import InitContext, Shell

# Set in every Windows session. Not GVW_ROOT: it may be set for one session only.
PREFIX_VARIABLES = ("LOCALAPPDATA", "USERPROFILE")
UNSAFE = '%^="'

_SCRIPT = """\
@rem gvw shell integration for cmd.exe, printed by `gvw init cmd`.
@rem Save it to a file and run that file from AutoRun (see the gvw README).
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
    "(for /f \"delims=\" %%i in ('gvw shell --shell cmd $2 $3 $4') do @call %%i) else gvw $*\n"
)


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
    reference = shims
    best = 0
    for name in variables:
        value = env.get(name, "").rstrip("\\/")
        if len(value) > best and _is_under(shims, value):
            reference, best = f"%{name}%" + shims[len(value) :], len(value)
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


def _init_script(ctx: InitContext) -> str:
    return _SCRIPT.replace("@SHIMS@", shims_reference(ctx.shims, ctx.env))


def _set_version(spec: str | None) -> str:
    # run by the doskey macro's `for /f ... do @call %i`: the version is checked (no %,
    # ^ or quotes), so CALL's second parse of the line changes nothing
    return f'set "GVW_GO_VERSION={quote(spec or "")}"\n'


def _show_version(spec: str) -> str:
    return f"echo {quote(spec)}\n"


SHELLS = {
    "cmd": Shell(
        name="cmd",
        profile_line="(AutoRun) gvw init cmd > %LOCALAPPDATA%\\gvw\\init.cmd",
        quote=quote,
        init_script=_init_script,
        set_version=_set_version,
        show_version=_show_version,
    )
}
