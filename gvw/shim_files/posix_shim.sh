#!/bin/sh
# gvw shim for POSIX systems: runs the Go toolchain selected for the current directory.
#
# gvw copies this one file into <root>/shims/ as `go`, `gofmt` and `go<version>`; what
# it does depends on its own name. The rules (selection order, version-file format,
# spec grammar, messages, exit codes) are the README's "Version selection" section and
# are checked against tests/selection_cases.py, the table every implementation shares.
#
# Speed is the point: the hot path (a .go-version or global file naming an installed
# version) uses shell builtins only - no subshell, no $(...), no external program -
# so a call costs about one shell start. Forks happen only on error paths (to print
# an absolute path or a sanitised word) and on rare set-ups (a relative or unclean
# root, a symlinked shims directory or shim), and, under dash, when a version file
# has a line longer than the bytes left to read (see _gvw_read_file).
#
# Portable to dash, bash (also as sh), busybox ash and other POSIX shells. Every name
# starts with _gvw_ so that nothing in the environment passed on is changed, apart
# from GOROOT and GVW_SHIM_DEPTH (and the shell's own PWD handling, left untouched:
# the shim never changes directory).

# ---------------------------------------------------------------------------- helpers

# _gvw_die CODE LINE...: print each line as "gvw: LINE" on stderr, exit with CODE.
_gvw_die() {
    _gvw_code=$1
    shift
    for _gvw_msg do
        printf 'gvw: %s\n' "$_gvw_msg" >&2
    done
    exit "$_gvw_code"
}

# _gvw_isnum S: S is 0 or 1-9 digits without a leading zero.
_gvw_isnum() {
    case $1 in
        '' | *[!0-9]* | 0?*) return 1 ;;
    esac
    [ ${#1} -le 9 ]
}

# _gvw_abs DIR: set _gvw_r to the physical absolute path of DIR (DIR itself if it
# cannot be entered). Forks a subshell: only on slow or error paths.
_gvw_abs() {
    case $1 in
        /*) _gvw_r=$1 ;;
        *) _gvw_r=./$1 ;; # ./ keeps CDPATH out of it
    esac
    if _gvw_r=$(cd -P -- "$_gvw_r" 2>/dev/null && pwd -P && echo x); then
        _gvw_r=${_gvw_r%?x} # pwd's newline and the x that protects trailing newlines
    else
        _gvw_r=$1
    fi
}

# _gvw_shown WORD: set _gvw_w to WORD as error messages print it: bytes outside
# printable ASCII become "?", cut to 64 characters (forks: error path only).
_gvw_shown() {
    _gvw_w=$(printf '%s' "$1" | LC_ALL=C tr -c ' -~' '?' | LC_ALL=C cut -b 1-64)
}

# _gvw_invalid WORD ORIGIN: the invalid-version error (exit 3).
_gvw_invalid() {
    _gvw_shown "$1"
    _gvw_die 3 "invalid Go version \"$_gvw_w\" (set by $2)" \
        "expected a version such as 1.22.10, 1.22, latest or system"
}

# _gvw_probe: _gvw_rn=y when this shell's read takes -n N (bash, busybox ash, mksh,
# ksh93) with the usual meaning: stop after N bytes or at a newline.
_gvw_probe() {
    _gvw_rn=n
    _gvw_x=
    # shellcheck disable=SC3045 # probed: not POSIX, hence the probe
    IFS= read -r -n 1 _gvw_x 2>/dev/null <<_GVW_EOF
ab
_GVW_EOF
    [ "$_gvw_x" = a ] && _gvw_rn=y
}

# _gvw_read_file FILE: set _gvw_word to the first word of the first line that is
# neither blank nor a # comment, within the first 4096 bytes of FILE ('' if none).
#
# How "at most 4096 bytes" is kept without a fork on the hot path:
# - Shells whose read builtin takes -n N (bash, busybox ash, mksh, ksh93): every line
#   is read with -n <bytes left>, so no read ever goes past byte 4096 - bounded and
#   fork-free. (LC_ALL=C is in force, so -n and ${#line} count bytes.)
# - dash's read builtin has no -n: it reads one byte per read(2) up to the newline,
#   and no builtin can stop it earlier, nor learn a file's size beforehand. The
#   alternatives measured: `head -c 4096` on every call costs a fork+exec (~0.8-1.4 ms,
#   about as much as the whole shim, and would push the `go version` ratio to ~1.5);
#   a builtin read of a one-line pin costs ~10 us. So dash reads lines with the
#   builtin, counts bytes, and stops at 4096: the result is exactly that of reading
#   the first 4096 bytes, and the work is bounded for every file whose lines are
#   short. The one unbounded case is a single line longer than the budget (a
#   hostile file): dash reads that line to its end at ~0.6 us per byte (0.12 s for
#   200 kB) before cutting it at the budget. This is the documented trade-off.
_gvw_read_file() {
    _gvw_word=
    [ -r "$1" ] || return 0
    [ -n "${_gvw_rn-}" ] || _gvw_probe
    _gvw_left=4096
    _gvw_first=y
    while [ "$_gvw_left" -gt 0 ]; do
        if [ "$_gvw_rn" = y ]; then
            # shellcheck disable=SC3045 # only where _gvw_probe found it
            IFS= read -r -n "$_gvw_left" _gvw_line
        else
            IFS= read -r _gvw_line
        fi
        _gvw_rc=$?
        _gvw_len=${#_gvw_line}
        if [ "$_gvw_len" -ge "$_gvw_left" ]; then
            # the budget ends inside this line (dash only: it may have read past it)
            [ "$_gvw_len" -gt "$_gvw_left" ] && _gvw_cut "$_gvw_left"
            _gvw_left=0
        elif [ "$_gvw_rc" -eq 0 ]; then
            _gvw_left=$((_gvw_left - _gvw_len - 1)) # the line and its newline
        else
            _gvw_left=0 # end of file
        fi
        if [ -n "$_gvw_first" ]; then
            _gvw_first=
            _gvw_line=${_gvw_line#"$_gvw_bom"}
        fi
        _gvw_line=${_gvw_line#"${_gvw_line%%[![:space:]]*}"}
        case $_gvw_line in
            '' | '#'*) continue ;;
        esac
        _gvw_word=${_gvw_line%%[[:space:]]*}
        return 0
    done <"$1"
}

# _gvw_cut N: keep the first N bytes of _gvw_line (dash, over-long line: rare, forks).
_gvw_cut() {
    _gvw_line=$(printf '%s' "$_gvw_line" | LC_ALL=C head -c "$1" && echo x)
    _gvw_line=${_gvw_line%x}
}

# _gvw_parse WORD: set _gvw_kind to exact, family, latest or system ('' if WORD is
# not a valid spec) and _gvw_spec to WORD without its go prefix.
_gvw_parse() {
    _gvw_spec=$1
    _gvw_kind=
    case $_gvw_spec in
        go[0-9]*) _gvw_spec=${_gvw_spec#go} ;;
    esac
    case $_gvw_spec in
        latest | system)
            _gvw_kind=$_gvw_spec
            return 0
            ;;
        *.*) ;;
        *) return 0 ;;
    esac
    _gvw_isnum "${_gvw_spec%%.*}" || return 0
    _gvw_x=${_gvw_spec#*.}
    case $_gvw_x in
        *.*) _gvw_isnum "${_gvw_x%%.*}" && _gvw_isnum "${_gvw_x#*.}" && _gvw_kind=exact ;;
        *rc*) _gvw_pre "${_gvw_x%%rc*}" "${_gvw_x#*rc}" ;;
        *beta*) _gvw_pre "${_gvw_x%%beta*}" "${_gvw_x#*beta}" ;;
        *) _gvw_isnum "$_gvw_x" && _gvw_kind=family ;;
    esac
    return 0
}

_gvw_pre() {
    _gvw_isnum "$1" && _gvw_isnum "$2" && [ "$2" != 0 ] && _gvw_kind=exact
}

# _gvw_family MAJ.MIN: set _gvw_ver to the newest installed stable release of the
# family (MAJ.MIN itself, as in 1.20, ranks below MAJ.MIN.0), '' if none.
_gvw_family() {
    _gvw_ver=
    _gvw_best=-1
    [ -d "$_gvw_root/versions/$1" ] && _gvw_ver=$1
    for _gvw_d in "$_gvw_root/versions/$1".*; do
        _gvw_x=${_gvw_d##*/}
        _gvw_x=${_gvw_x#"$1".}
        _gvw_isnum "$_gvw_x" || continue
        [ "$_gvw_x" -gt "$_gvw_best" ] || continue
        [ -d "$_gvw_d" ] || continue
        _gvw_best=$_gvw_x
        _gvw_ver=$1.$_gvw_x
    done
}

# _gvw_latest: set _gvw_ver to the newest installed stable release, '' if none.
_gvw_latest() {
    _gvw_ver=
    _gvw_b1=-1
    _gvw_b2=-1
    _gvw_b3=-1
    for _gvw_d in "$_gvw_root/versions/"*; do
        _gvw_x=${_gvw_d##*/}
        case $_gvw_x in
            *[!0-9.]* | *.*.*.* | *..* | .* | *.) continue ;;
            *.*.*) _gvw_3=${_gvw_x##*.} ;;
            *.*) _gvw_3=-1 ;;
            *) continue ;;
        esac
        _gvw_1=${_gvw_x%%.*}
        _gvw_2=${_gvw_x#*.}
        _gvw_2=${_gvw_2%%.*}
        if ! _gvw_isnum "$_gvw_1" || ! _gvw_isnum "$_gvw_2"; then continue; fi
        [ "$_gvw_3" = -1 ] || _gvw_isnum "$_gvw_3" || continue
        if [ "$_gvw_1" -gt "$_gvw_b1" ] ||
            { [ "$_gvw_1" -eq "$_gvw_b1" ] && { [ "$_gvw_2" -gt "$_gvw_b2" ] ||
                { [ "$_gvw_2" -eq "$_gvw_b2" ] && [ "$_gvw_3" -gt "$_gvw_b3" ]; }; }; }; then
            [ -d "$_gvw_d" ] || continue
            _gvw_b1=$_gvw_1
            _gvw_b2=$_gvw_2
            _gvw_b3=$_gvw_3
            _gvw_ver=$_gvw_x
        fi
    done
}

# _gvw_system TOOL: set _gvw_bin to the first TOOL on PATH outside the shims directory
# ('' if none). Directories are compared by identity (test -ef), so every spelling of
# the shims directory - trailing slashes, //, ., .., symlinks, relative entries - is
# skipped; an empty entry is the current directory, as for execvp. A TOOL that is
# this very shim (say /usr/local/bin/go -> shims/go) is skipped too.
_gvw_system() {
    _gvw_bin=
    _gvw_rest=${PATH-}:
    while [ -n "$_gvw_rest" ]; do
        _gvw_e=${_gvw_rest%%:*}
        _gvw_rest=${_gvw_rest#*:}
        _gvw_e=${_gvw_e:-.}
        _gvw_x=$_gvw_e/$1
        [ -f "$_gvw_x" ] && [ -x "$_gvw_x" ] || continue
        [ "$_gvw_e" -ef "$_gvw_shims" ] && continue
        [ "$_gvw_x" -ef "$0" ] && continue
        _gvw_bin=$_gvw_x
        return 0
    done
}

# ------------------------------------------------------------------------- loop guard

_gvw_depth=${GVW_SHIM_DEPTH-}
case $_gvw_depth in
    '' | *[!0-9]*) _gvw_depth=0 ;;
esac
while :; do
    case $_gvw_depth in
        0?*) _gvw_depth=${_gvw_depth#0} ;;
        *) break ;;
    esac
done
if [ ${#_gvw_depth} -gt 2 ] || [ "$_gvw_depth" -ge 16 ]; then
    _gvw_die 6 "shim recursion detected (GVW_SHIM_DEPTH=$GVW_SHIM_DEPTH); check PATH and the selected version"
fi

# Byte semantics for ${#var}, read -n and patterns in shells that know locales (bash);
# the caller's LC_ALL is put back before the exec.
_gvw_lc=${LC_ALL-}
_gvw_lcset=${LC_ALL+y}
LC_ALL=C

# A UTF-8 byte order mark (the three bytes EF BB BF).
_gvw_bom='﻿'

# ------------------------------------------------------------------ name and location

_gvw_tool=${0##*/}
if [ -h "$0" ]; then
    # A symlink to the shim (rare): the store is found from the shim itself.
    _gvw_x=$(readlink -f -- "$0" 2>/dev/null && echo x) && _gvw_x=${_gvw_x%?x}
    case $_gvw_x in
        */*) _gvw_shims=${_gvw_x%/*} ;;
        *) _gvw_shims=${0%/*} ;;
    esac
else
    case $0 in
        */*) _gvw_shims=${0%/*} ;;
        *) _gvw_shims=. ;;
    esac
fi
_gvw_shims=${_gvw_shims:-/}

if [ -n "${GVW_ROOT-}" ]; then
    _gvw_root=$GVW_ROOT
    # a literal ~ (quoted by the user) is expanded, as gvw itself does
    # shellcheck disable=SC2088
    case $_gvw_root in
        '~' | '~/'*) _gvw_root=${HOME-}${_gvw_root#\~} ;;
    esac
elif [ -h "$_gvw_shims" ]; then
    _gvw_root=$_gvw_shims/.. # the parent of the real directory (normalised below)
else
    case $_gvw_shims in
        /*/*) _gvw_root=${_gvw_shims%/*} ;;
        *) _gvw_root=$_gvw_shims/.. ;;
    esac
fi
# GOROOT and messages need a clean absolute path: normalise the rare other spellings.
case $_gvw_root in
    [!/]* | */./* | */../* | *//* | */. | */.. | /*/)
        _gvw_abs "$_gvw_root"
        _gvw_root=$_gvw_r
        ;;
esac

# -------------------------------------------------------------------------- selection

_gvw_bin=
_gvw_ver=
_gvw_from= # where the word came from: env, file (a .go-version), global; '' for none

# _gvw_where: set _gvw_origin, the "set by" of messages. For a .go-version it is the
# file's absolute physical path, which costs a fork: computed on error paths only.
_gvw_where() {
    case $_gvw_from in
        env) _gvw_origin='GVW_GO_VERSION environment variable' ;;
        global) _gvw_origin=$_gvw_root/version ;;
        file)
            _gvw_abs "$_gvw_dir"
            _gvw_origin=${_gvw_r%/}/.go-version
            ;;
    esac
}

case $_gvw_tool in
    go | gofmt)
        _gvw_word=${GVW_GO_VERSION-}
        _gvw_word=${_gvw_word#"${_gvw_word%%[![:space:]]*}"}
        _gvw_word=${_gvw_word%"${_gvw_word##*[![:space:]]}"}
        if [ -n "$_gvw_word" ]; then
            _gvw_from='env'
        else
            # The nearest .go-version from the physical current directory up: walking
            # ./.. lets the kernel resolve symlinks and needs neither cd nor pwd.
            _gvw_dir=.
            while :; do
                if [ -f "$_gvw_dir/.go-version" ]; then
                    _gvw_from='file'
                    _gvw_read_file "$_gvw_dir/.go-version"
                    break
                fi
                [ "$_gvw_dir" -ef "$_gvw_dir/.." ] && break # the root of the filesystem
                [ ${#_gvw_dir} -gt 3000 ] && break # a deleted cwd has no way up
                _gvw_dir=$_gvw_dir/..
            done
            if [ -z "$_gvw_from" ] && [ -f "$_gvw_root/version" ]; then
                _gvw_from='global'
                _gvw_read_file "$_gvw_root/version"
            fi
            if [ -n "$_gvw_from" ] && [ -z "$_gvw_word" ]; then
                _gvw_where
                _gvw_die 3 "no Go version in $_gvw_origin" \
                    "expected a version such as 1.22.10, 1.22, latest or system"
            fi
        fi
        if [ -z "$_gvw_from" ]; then
            _gvw_system "$_gvw_tool"
            [ -n "$_gvw_bin" ] || _gvw_die 5 \
                "no Go version selected and no other go on PATH" \
                "select one with: gvw global <version> or gvw local <version>"
        else
            _gvw_parse "$_gvw_word"
            case $_gvw_kind in
                exact) [ -d "$_gvw_root/versions/$_gvw_spec" ] && _gvw_ver=$_gvw_spec ;;
                family) _gvw_family "$_gvw_spec" ;;
                latest) _gvw_latest ;;
                system) _gvw_system "$_gvw_tool" ;;
                *)
                    _gvw_where
                    _gvw_invalid "$_gvw_word" "$_gvw_origin"
                    ;;
            esac
            if [ -z "$_gvw_ver" ] && [ -z "$_gvw_bin" ]; then
                _gvw_where
                [ "$_gvw_kind" = system ] && _gvw_die 4 \
                    "no system Go found on PATH (set by $_gvw_origin)" \
                    "select a version with: gvw global <version>"
                _gvw_die 4 "Go $_gvw_spec is not installed (set by $_gvw_origin)" \
                    "install it with: gvw install $_gvw_spec"
            fi
        fi
        ;;
    go[0-9]*)
        # a launcher: always its own version (what Go's GOTOOLCHAIN switch runs)
        _gvw_parse "$_gvw_tool"
        case $_gvw_kind in
            exact | family) ;;
            *) _gvw_invalid "$_gvw_tool" "launcher $_gvw_tool" ;;
        esac
        [ -d "$_gvw_root/versions/$_gvw_spec" ] || _gvw_die 4 \
            "Go $_gvw_spec is not installed (set by launcher $_gvw_tool)" \
            "install it with: gvw install $_gvw_spec"
        _gvw_ver=$_gvw_spec
        _gvw_tool=go
        ;;
    *)
        _gvw_die 1 "unknown shim name \"$_gvw_tool\" (expected go, gofmt or go<version>)"
        ;;
esac

# ------------------------------------------------------------------------------- exec

if [ -n "$_gvw_ver" ]; then
    GOROOT=$_gvw_root/versions/$_gvw_ver
    export GOROOT
    _gvw_bin=$GOROOT/bin/$_gvw_tool
fi
if [ -n "$_gvw_lcset" ]; then
    LC_ALL=$_gvw_lc
else
    unset LC_ALL
fi
GVW_SHIM_DEPTH=$((_gvw_depth + 1))
export GVW_SHIM_DEPTH
exec "$_gvw_bin" "$@"
