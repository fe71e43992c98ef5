"""bash and zsh: the same script, one quoting rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

from gvw.host.shells import InitContext, Shell, fill, join_command

# Plain POSIX parameter expansion: the same lines work in bash and in zsh, whatever
# their options. Quoted parts of a pattern are literal in both, so shims paths holding
# * ? [ ] stay literal.
_SCRIPT = """\
# gvw shell integration for @SHELL@, printed by `gvw init @SHELL@`.
# Load it from @RC@:  eval "$(gvw init @SHELL@)"

# The shims first on PATH: drop every entry equal to them, then prepend them.
_gvw_shims=@SHIMS@
_gvw_path=":$PATH:"
while :; do
    case $_gvw_path in
        *":$_gvw_shims:"*)
            _gvw_path="${_gvw_path%%":$_gvw_shims:"*}:${_gvw_path#*":$_gvw_shims:"}" ;;
        *) break ;;
    esac
done
_gvw_path=${_gvw_path#:}
_gvw_path=${_gvw_path%:}
export PATH="$_gvw_shims${_gvw_path:+:$_gvw_path}"
unset _gvw_shims _gvw_path

# `gvw shell VERSION` / `gvw shell --unset` change this shell: gvw checks the version
# and prints the code, this function runs it. gvw is run by the path it was started
# with when it printed this script: it need not be on PATH.
gvw() {
    if [ "${1-}" = shell ]; then
        shift
        local _gvw_code
        _gvw_code=$(@GVW@ shell --shell @SHELL@ "$@") || return
        eval "$_gvw_code"
    else
        @GVW@ "$@"
    fi
}
"""

# zsh: compdef exists only after compinit; without it, skip completions quietly.
_ZSH_COMPLETION = """
# Completions (load this after compinit).
if (( $+functions[compdef] )); then
@COMPLETION@
fi
"""

_BASH_COMPLETION = """
# Completions.
@COMPLETION@
"""


def quote(text: str) -> str:
    """One word for bash, zsh and sh: single quotes, each ' written as '\\''.

    Nothing is special inside single quotes in these shells ($, `, \\, !, newlines,
    non-ASCII bytes all stay literal); zsh's RC_QUOTES does not change this form.
    """
    return "'" + text.replace("'", "'\\''") + "'"


def command(words: Sequence[str]) -> str:
    """The words that run gvw, quoted; ``command`` skips the ``gvw`` function (a bare
    name would otherwise call it again)."""
    return "command " + join_command(words, quote)


# click's completion scripts run `gvw` from PATH (`$1` in bash's); they are made to run
# the same command as the wrapper. If click changes these lines, completion falls back
# to a gvw on PATH (the tests notice).
_CLICK_CALLS = {
    "bash": ("_GVW_COMPLETE=bash_complete $1)", "_GVW_COMPLETE=bash_complete @WORDS@)"),
    "zsh": ("_GVW_COMPLETE=zsh_complete gvw)", "_GVW_COMPLETE=zsh_complete @WORDS@)"),
}
_ZSH_GUARD = "(( ! $+commands[gvw] )) && return 1\n"


def _completion(ctx: InitContext) -> str:
    source = ctx.completion.rstrip("\n")
    old, new = _CLICK_CALLS[ctx.shell]
    words = join_command(ctx.gvw, quote)
    source = source.replace(old, new.replace("@WORDS@", words))
    if ctx.shell == "zsh":  # gvw need not be a command on PATH
        source = source.replace(_ZSH_GUARD, "")
    template = _ZSH_COMPLETION if ctx.shell == "zsh" else _BASH_COMPLETION
    return template.replace("@COMPLETION@", source)


def _init_script(ctx: InitContext) -> str:
    rc = "~/.zshrc" if ctx.shell == "zsh" else "~/.bashrc"
    script = fill(_SCRIPT, SHELL=ctx.shell, RC=rc, SHIMS=quote(ctx.shims), GVW=command(ctx.gvw))
    if ctx.completion:
        script += _completion(ctx)
    return script


def _profile_line(name: str) -> Callable[[Sequence[str]], str]:
    def line(words: Sequence[str]) -> str:
        # single quotes work inside "$(...)": the command substitution starts afresh
        return f'eval "$({join_command(words, quote)} init {name})"'

    return line


def set_env(name: str, value: str | None) -> str:
    return f"unset {name}" if value is None else f"export {name}={quote(value)}"


def _show_version(spec: str) -> str:
    return f"printf '%s\\n' {quote(spec)}\n"


SHELLS = {
    name: Shell(
        name=name,
        profile_line=_profile_line(name),
        quote=quote,
        init_script=_init_script,
        set_env=set_env,
        show_version=_show_version,
    )
    for name in ("bash", "zsh")
}
