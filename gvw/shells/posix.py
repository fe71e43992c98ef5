"""bash and zsh: the same script, one quoting rule."""

from __future__ import annotations

from gvw.shells import InitContext, Shell

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
# and prints the code, this function runs it.
gvw() {
    if [ "${1-}" = shell ]; then
        shift
        local _gvw_code
        _gvw_code=$(command gvw shell --shell @SHELL@ "$@") || return
        eval "$_gvw_code"
    else
        command gvw "$@"
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


def _init_script(ctx: InitContext) -> str:
    rc = "~/.zshrc" if ctx.shell == "zsh" else "~/.bashrc"
    script = (
        _SCRIPT.replace("@SHELL@", ctx.shell)
        .replace("@RC@", rc)
        .replace("@SHIMS@", quote(ctx.shims))
    )
    if ctx.completion:
        template = _ZSH_COMPLETION if ctx.shell == "zsh" else _BASH_COMPLETION
        script += template.replace("@COMPLETION@", ctx.completion.rstrip("\n"))
    return script


def _set_version(spec: str | None) -> str:
    if spec is None:
        return "unset GVW_GO_VERSION\n"
    return f"export GVW_GO_VERSION={quote(spec)}\n"


def _show_version(spec: str) -> str:
    return f"printf '%s\\n' {quote(spec)}\n"


SHELLS = {
    name: Shell(
        name=name,
        profile_line=f'eval "$(gvw init {name})"',
        quote=quote,
        init_script=_init_script,
        set_version=_set_version,
        show_version=_show_version,
    )
    for name in ("bash", "zsh")
}
