"""fish."""

from __future__ import annotations

from collections.abc import Sequence

from gvw.host.shells import InitContext, Shell, fill, join_command

# PATH is edited as a list, not with fish_add_path: that one changes the universal
# fish_user_paths, which outlives the session. Variables set with -l and the for loop's
# variable stay inside the sourced script.
_SCRIPT = """\
# gvw shell integration for fish, printed by `gvw init fish`.
# Load it from ~/.config/fish/conf.d/gvw.fish:  gvw init fish | source

# The shims first on PATH: drop every entry equal to them, then prepend them.
set -l gvw_shims @SHIMS@
set -l gvw_path
for gvw_entry in $PATH
    if test "$gvw_entry" != "$gvw_shims"
        set -a gvw_path $gvw_entry
    end
end
set -gx PATH $gvw_shims $gvw_path

# `gvw shell VERSION` / `gvw shell --unset` change this shell: gvw checks the version
# and prints the code, this function runs it. gvw is run by the path it was started
# with when it printed this script: it need not be on PATH.
function gvw --description 'gvw: Go versions; gvw shell changes this session'
    if test "$argv[1]" = shell
        set -e argv[1]
        set -l gvw_code (@GVW@ shell --shell fish $argv)
        or return
        string join \\n -- $gvw_code | source
    else
        @GVW@ $argv
    end
end
"""

# Completions through click's bash protocol ("type,value" lines, the same since click
# 8.0): click's own fish script is broken in click 8.4.0-8.4.1 (pallets/click#3502).
# --keep-order (fish 3.0+): gvw's order, e.g. snapshot ids newest first.
_COMPLETION = """
# Completions.
function __gvw_complete
    set -l current (commandline -ct)
    set -l words (commandline -opc) "$current"
    set -l count (count $words)
    set -l response (env COMP_WORDS="$words" COMP_CWORD=(math $count - 1) \\
        _GVW_COMPLETE=bash_complete @WORDS@)
    for item in $response
        set -l kind (string split -m 1 , -- $item)
        switch $kind[1]
            case plain
                printf '%s\\n' $kind[2]
            case file
                __fish_complete_path "$current"
            case dir
                __fish_complete_directories "$current"
        end
    end
end
complete --command gvw --no-files --keep-order --arguments '(__gvw_complete)'
"""


def quote(text: str) -> str:
    """One word for fish: single quotes, in which only \\\\ and \\' are escapes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _init_script(ctx: InitContext) -> str:
    return fill(
        _SCRIPT + _COMPLETION,
        SHIMS=quote(ctx.shims),
        GVW="command " + join_command(ctx.gvw, quote),  # command: not the gvw function again
        WORDS=join_command(ctx.gvw, quote),
    )


def _profile_line(words: Sequence[str]) -> str:
    return f"{join_command(words, quote)} init fish | source"


def set_env(name: str, value: str | None) -> str:
    if value is None:
        # `set -e` fails when the variable is not set; unsetting twice is not an error
        return f"set -e -g {name}; or true"
    return f"set -gx {name} {quote(value)}"


def _show_version(spec: str) -> str:
    return f"printf '%s\\n' {quote(spec)}\n"


SHELLS = {
    "fish": Shell(
        name="fish",
        profile_line=_profile_line,
        quote=quote,
        init_script=_init_script,
        set_env=set_env,
        show_version=_show_version,
    )
}
