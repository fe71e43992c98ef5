#!/bin/sh
# gvw shim (POSIX sh): runs the Go toolchain selected for the current directory.
# gvw copies this file into <root>/shims/ as go, gofmt and go<version>; the rules are
# docs/selection.md, checked by tests/selection_cases.py. The hot path
# (a version that is installed) uses builtins only; everything else - errors, system
# go, `latest`, odd paths - lives after its exec and is not even parsed on that path.
# Notes on the design: at the end of this file.

_gvw_isnum() {
    case $1 in
        '' | *[!0-9]* | 0?*) return 1 ;;
    esac
    [ ${#1} -le 9 ]
}

# _gvw_probe: _gvw_rn=y when read takes -d '' and -n N (bash, busybox, mksh, ksh93).
_gvw_probe() {
    _gvw_rn=n
    _gvw_x=
    # shellcheck disable=SC3045 # not POSIX, hence the probe
    IFS= read -r -d '' -n 2 _gvw_x 2>/dev/null <<_GVW_EOF
abc
_GVW_EOF
    [ "$_gvw_x" = ab ] && _gvw_rn=y
}

# _gvw_read_file FILE: set _gvw_word to the first word of the first line that is not
# blank or a # comment, within the first 4096 bytes ('' if none); _gvw_broken=y when
# FILE is not a readable regular file (note 5). See note 1.
_gvw_read_file() {
    _gvw_word=
    _gvw_broken=y
    [ -f "$1" ] && [ -r "$1" ] || return 0
    [ -n "${_gvw_rn-}" ] || _gvw_probe
    _gvw_first=y
    if [ "$_gvw_rn" = y ]; then
        _gvw_read_head <"$1" # clears _gvw_broken once it runs (it opened the file)
        while [ -n "$_gvw_buf" ]; do
            case $_gvw_buf in
                *"$_gvw_nl"*)
                    _gvw_line=${_gvw_buf%%"$_gvw_nl"*}
                    _gvw_buf=${_gvw_buf#*"$_gvw_nl"}
                    ;;
                *)
                    _gvw_line=$_gvw_buf
                    _gvw_buf=
                    ;;
            esac
            _gvw_take && return 0
        done
        return 0
    fi
    _gvw_left=4096
    while [ "$_gvw_left" -gt 0 ]; do
        _gvw_broken= # the redirection below opened the file
        IFS= read -r _gvw_line
        _gvw_rc=$?
        _gvw_len=${#_gvw_line}
        if [ "$_gvw_len" -ge "$_gvw_left" ]; then
            # byte 4096 is in this line (which dash may have read past: cut it)
            [ "$_gvw_len" -gt "$_gvw_left" ] && _gvw_cut "$_gvw_left"
            _gvw_left=0
        elif [ "$_gvw_rc" -eq 0 ]; then
            _gvw_left=$((_gvw_left - _gvw_len - 1)) # the line and its newline
        else
            _gvw_left=0 # end of file
        fi
        _gvw_take && return 0
    done <"$1"
    return 0
}

# _gvw_read_head: _gvw_buf = the first 4096 bytes of stdin, each NUL made a SOH.
_gvw_read_head() {
    _gvw_broken=
    _gvw_buf=
    _gvw_left=4096
    while [ "$_gvw_left" -gt 0 ]; do
        # shellcheck disable=SC3045 # only where _gvw_probe found it
        IFS= read -r -d '' -n "$_gvw_left" _gvw_x || {
            _gvw_buf=$_gvw_buf$_gvw_x # end of file
            return 0
        }
        _gvw_buf=$_gvw_buf$_gvw_x
        _gvw_left=$((_gvw_left - ${#_gvw_x}))
        if [ "$_gvw_left" -gt 0 ]; then
            _gvw_buf=$_gvw_buf$_gvw_soh # the read stopped at a NUL
            _gvw_left=$((_gvw_left - 1))
        fi
    done
}

# _gvw_take: when _gvw_line is a version line, set _gvw_word to its first word.
_gvw_take() {
    if [ -n "$_gvw_first" ]; then
        _gvw_first=
        _gvw_line=${_gvw_line#"$_gvw_bom"}
    fi
    _gvw_line=${_gvw_line#"${_gvw_line%%[![:space:]]*}"}
    case $_gvw_line in
        '' | '#'*) return 1 ;;
    esac
    _gvw_word=${_gvw_line%%[[:space:]]*}
}

# _gvw_cut N: keep the first N bytes of _gvw_line (dash, over-long line: forks).
_gvw_cut() {
    _gvw_line=$(printf '%s' "$_gvw_line" | LC_ALL=C head -c "$1" && echo x)
    _gvw_line=${_gvw_line%x}
}

# _gvw_parse WORD: _gvw_kind = exact, family, latest, system or '' (invalid);
# _gvw_spec = WORD without its go prefix.
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

# _gvw_find VERSION: _gvw_ver = VERSION and _gvw_vroot = the store that has it, the
# user store first, then the machine store (note 7); '' when neither has it.
_gvw_find() {
    for _gvw_vroot in "$_gvw_root" "$_gvw_mroot"; do
        if [ -d "$_gvw_vroot/versions/$1" ]; then
            _gvw_ver=$1
            return 0
        fi
    done
    _gvw_vroot=
}

# _gvw_family MAJ.MIN: _gvw_ver = the newest installed stable release of the family
# in either store (MAJ.MIN itself, as in 1.20, ranks below MAJ.MIN.0), '' if none;
# of two copies the user store's, which is looked at first.
_gvw_family() {
    _gvw_ver=
    _gvw_best=-2
    for _gvw_s in "$_gvw_root" "$_gvw_mroot"; do
        if [ "$_gvw_best" -eq -2 ] && [ -d "$_gvw_s/versions/$1" ]; then
            _gvw_best=-1
            _gvw_ver=$1
            _gvw_vroot=$_gvw_s
        fi
        for _gvw_d in "$_gvw_s/versions/$1".*; do
            _gvw_x=${_gvw_d##*/}
            _gvw_x=${_gvw_x#"$1".}
            _gvw_isnum "$_gvw_x" || continue
            [ "$_gvw_x" -gt "$_gvw_best" ] || continue
            [ -d "$_gvw_d" ] || continue
            _gvw_best=$_gvw_x
            _gvw_ver=$1.$_gvw_x
            _gvw_vroot=$_gvw_s
        done
    done
}

# _gvw_user: when _gvw_root (the parent of the shims directory) is the machine store,
# the user store is the user data directory's (note 7): $XDG_DATA_HOME/gvw, else
# ~/.local/share/gvw; the machine store itself when neither variable says.
_gvw_user() {
    [ "$_gvw_root" = "$_gvw_mroot" ] || [ "$_gvw_mroot" -ef "$_gvw_root" ] || return 0
    case ${XDG_DATA_HOME-} in
        /*) _gvw_root=${XDG_DATA_HOME%/}/gvw ;;
        *)
            case ${HOME-} in
                /*) _gvw_root=${HOME%/}/.local/share/gvw ;;
                *) _gvw_root=$_gvw_mroot ;;
            esac
            ;;
    esac
}

# _gvw_select: _gvw_ver (and _gvw_exe, the program in its bin/) when an installed
# version is selected; else _gvw_todo says what the cold part has to do: none
# (nothing selected), noword, invalid, latest, system, missing, badname. _gvw_from
# says where the word came from: env, file (_gvw_dir/.go-version), global, launcher.
_gvw_select() {
    _gvw_todo=
    _gvw_ver=
    _gvw_from=
    _gvw_word=
    _gvw_exe=$_gvw_tool
    case $_gvw_tool in
        go | gofmt) ;;
        go[0-9]*)
            # a launcher: always its own version (what Go's GOTOOLCHAIN switch runs)
            _gvw_from='launcher'
            _gvw_word=$_gvw_tool
            _gvw_exe=go
            _gvw_parse "$_gvw_tool"
            case $_gvw_kind in
                exact | family) ;;
                *)
                    _gvw_todo=invalid
                    return 0
                    ;;
            esac
            _gvw_find "$_gvw_spec"
            [ -n "$_gvw_ver" ] || _gvw_todo=missing
            return 0
            ;;
        *)
            _gvw_todo=badname
            return 0
            ;;
    esac
    _gvw_word=${GVW_GO_VERSION-}
    _gvw_word=${_gvw_word#"${_gvw_word%%[![:space:]]*}"}
    _gvw_word=${_gvw_word%"${_gvw_word##*[![:space:]]}"}
    if [ -n "$_gvw_word" ]; then
        _gvw_from='env'
    else
        # The nearest .go-version from the physical cwd up (note 2).
        _gvw_pwd=${PWD-}
        _gvw_oldpwd=${OLDPWD-}
        _gvw_oldset=${OLDPWD+y}
        _gvw_dir=.
        if cd -P . 2>/dev/null; then
            case $PWD in
                /*) _gvw_dir=${PWD%/} ;; # '' for /
            esac
        fi
        PWD=$_gvw_pwd
        if [ -n "$_gvw_oldset" ]; then OLDPWD=$_gvw_oldpwd; else unset OLDPWD; fi
        if [ "$_gvw_dir" != . ]; then
            while :; do
                # a file or a broken pin (note 5); a directory is ignored
                if [ -e "$_gvw_dir/.go-version" ]; then
                    [ -d "$_gvw_dir/.go-version" ] || {
                        _gvw_from='file'
                        break
                    }
                elif [ -h "$_gvw_dir/.go-version" ]; then
                    _gvw_from='file'
                    break
                fi
                case $_gvw_dir in '') break ;; esac
                _gvw_dir=${_gvw_dir%/*}
            done
        else
            while :; do
                if [ -e "$_gvw_dir/.go-version" ]; then
                    [ -d "$_gvw_dir/.go-version" ] || {
                        _gvw_from='file'
                        break
                    }
                elif [ -h "$_gvw_dir/.go-version" ]; then
                    _gvw_from='file'
                    break
                fi
                [ "$_gvw_dir" -ef "$_gvw_dir/.." ] && break # the root
                [ ${#_gvw_dir} -gt 3000 ] && break # a deleted cwd has no way up
                _gvw_dir=$_gvw_dir/..
            done
        fi
        if [ -n "$_gvw_from" ]; then
            _gvw_read_file "$_gvw_dir/.go-version"
        elif [ -e "$_gvw_root/version" ] || [ -h "$_gvw_root/version" ]; then
            _gvw_from='global' # a directory here is broken too
            _gvw_read_file "$_gvw_root/version"
        elif [ -e "$_gvw_mroot/version" ] || [ -h "$_gvw_mroot/version" ]; then
            _gvw_from='mglobal' # the machine store's
            _gvw_read_file "$_gvw_mroot/version"
        else
            _gvw_todo=none
            return 0
        fi
        if [ -n "$_gvw_broken" ]; then
            _gvw_todo=broken
            return 0
        elif [ -z "$_gvw_word" ]; then
            _gvw_todo=noword
            return 0
        fi
    fi
    _gvw_parse "$_gvw_word"
    case $_gvw_kind in
        exact) _gvw_find "$_gvw_spec" ;;
        family) _gvw_family "$_gvw_spec" ;;
        '') _gvw_todo=invalid ;;
        *) _gvw_todo=$_gvw_kind ;; # latest, system
    esac
    [ -n "$_gvw_ver$_gvw_todo" ] || _gvw_todo=missing
    return 0
}

# _gvw_exec ARG...: run the selected toolchain (or _gvw_bin), with GOROOT, the depth
# and the caller's LC_ALL.
_gvw_exec() {
    if [ -n "$_gvw_ver" ]; then
        GOROOT=$_gvw_vroot/versions/$_gvw_ver
        export GOROOT
        _gvw_bin=$GOROOT/bin/$_gvw_exe
    fi
    if [ -n "$_gvw_lcset" ]; then
        LC_ALL=$_gvw_lc
    else
        unset LC_ALL
    fi
    GVW_SHIM_DEPTH=$((_gvw_depth + 1))
    export GVW_SHIM_DEPTH
    exec "$_gvw_bin" "$@"
}

# Loop guard: refuse at depth 16 or more (non-numbers count as 0).
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
_gvw_todo=
if [ ${#_gvw_depth} -gt 2 ] || [ "$_gvw_depth" -ge 16 ]; then
    _gvw_todo=loop
fi

# Byte semantics for ${#var}, read -n and patterns (bash knows locales); the caller's
# LC_ALL is put back before the exec. Raw bytes no builtin can spell: a UTF-8 byte
# order mark (EF BB BF), a SOH (01), a newline.
_gvw_lc=${LC_ALL-}
_gvw_lcset=${LC_ALL+y}
LC_ALL=C
_gvw_bom='﻿'
_gvw_soh=''
_gvw_nl='
'

# The store: the parent of the shims directory, or GVW_ROOT. Anything but a clean
# absolute path (or a symlinked shim or shims directory) is left to the cold part.
_gvw_tool=${0##*/}
case $0 in
    */*) _gvw_shims=${0%/*} ;;
    *) _gvw_shims=. ;;
esac
_gvw_shims=${_gvw_shims:-/}
_gvw_root=
_gvw_mroot=${GVW_MACHINE_ROOT:-/opt/gvw} # the machine store (note 7)
case $_gvw_mroot in
    [!/]* | */./* | */../* | *//* | */. | */.. | /*/) _gvw_todo=${_gvw_todo:-root} ;;
esac
if [ -z "$_gvw_todo" ]; then
    if [ -h "$0" ]; then
        :
    elif [ -n "${GVW_ROOT-}" ]; then
        _gvw_root=$GVW_ROOT
    elif [ ! -h "$_gvw_shims" ]; then
        case $_gvw_shims in
            /*/*) _gvw_root=${_gvw_shims%/*} ;;
        esac
        [ -z "$_gvw_root" ] || _gvw_user
    fi
    case $_gvw_root in
        '' | [!/]* | */./* | */../* | *//* | */. | */.. | /*/) _gvw_todo=root ;;
    esac
fi

if [ -z "$_gvw_todo" ]; then
    _gvw_select
    [ -n "$_gvw_todo" ] || _gvw_exec "$@"
fi

# ------------------------------------------------------------------------------ cold
# Reached only when the hot part above did not exec: parsed only then.

# _gvw_die CODE LINE...: print each line as "gvw: LINE" on stderr, exit with CODE.
_gvw_die() {
    _gvw_code=$1
    shift
    for _gvw_msg do
        printf 'gvw: %s\n' "$_gvw_msg" >&2
    done
    exit "$_gvw_code"
}

# _gvw_abs DIR: _gvw_r = the physical absolute path of DIR (DIR if it cannot be
# entered). Forks.
_gvw_abs() {
    case $1 in
        /*) _gvw_r=$1 ;;
        *) _gvw_r=./$1 ;; # ./ keeps CDPATH out of it
    esac
    if _gvw_r=$(cd -P -- "$_gvw_r" 2>/dev/null && pwd -P && echo x); then
        _gvw_r=${_gvw_r%?x} # pwd's newline, and the x that keeps it from being eaten
    else
        _gvw_r=$1
    fi
}

# _gvw_clean ROOT: _gvw_r = ROOT as the native shim takes GVW_ROOT: a literal ~ (quoted
# by the user) is the home directory, as gvw itself does; anything but a clean
# absolute path by its physical path; no trailing / ('' for /). Forks, if unclean.
_gvw_clean() {
    _gvw_r=$1
    # shellcheck disable=SC2088
    case $_gvw_r in
        '~' | '~/'*) _gvw_r=${HOME-}${_gvw_r#\~} ;;
    esac
    case $_gvw_r in
        [!/]* | */./* | */../* | *//* | */. | */.. | /*/) _gvw_abs "$_gvw_r" ;;
    esac
    _gvw_r=${_gvw_r%/}
}

# _gvw_where: _gvw_origin = the "set by" of messages.
_gvw_where() {
    case $_gvw_from in
        env) _gvw_origin='GVW_GO_VERSION environment variable' ;;
        global) _gvw_origin=$_gvw_root/version ;;
        mglobal) _gvw_origin=$_gvw_mroot/version ;;
        launcher) _gvw_origin="launcher $_gvw_tool" ;;
        file)
            case $_gvw_dir in
                /* | '') _gvw_r=$_gvw_dir ;;
                *) _gvw_abs "$_gvw_dir" && _gvw_r=${_gvw_r%/} ;;
            esac
            _gvw_origin=$_gvw_r/.go-version
            ;;
    esac
}

# _gvw_latest: _gvw_ver = the newest installed stable release in either store, '' if
# none; of two copies the user store's (looked at first).
_gvw_latest() {
    _gvw_ver=
    _gvw_b1=-1
    _gvw_b2=-1
    _gvw_b3=-1
    for _gvw_d in "$_gvw_root/versions/"* "$_gvw_mroot/versions/"*; do
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
            _gvw_vroot=${_gvw_d%/versions/*}
        fi
    done
}

# _gvw_system: _gvw_bin = the first go/gofmt on PATH outside the shims directories
# (this shim's, the user store's, the machine store's), '' if none. Directories are
# compared by identity (test -ef): every spelling of a shims directory (trailing or
# double slashes, . and .., symlinks, relative entries) is skipped. An empty entry is
# the current directory, as for execvp. A file that is this very shim, or a shim of
# either store (/usr/local/bin/go -> shims/go), is skipped too.
_gvw_system() {
    _gvw_bin=
    _gvw_rest=${PATH-}:
    while [ -n "$_gvw_rest" ]; do
        _gvw_e=${_gvw_rest%%:*}
        _gvw_rest=${_gvw_rest#*:}
        _gvw_e=${_gvw_e:-.}
        _gvw_x=$_gvw_e/$_gvw_tool
        [ -f "$_gvw_x" ] && [ -x "$_gvw_x" ] || continue
        [ "$_gvw_e" -ef "$_gvw_shims" ] && continue
        [ "$_gvw_x" -ef "$0" ] && continue
        [ "$_gvw_e" -ef "$_gvw_root/shims" ] && continue
        [ "$_gvw_e" -ef "$_gvw_mroot/shims" ] && continue
        [ "$_gvw_x" -ef "$_gvw_root/shims/$_gvw_tool" ] && continue
        [ "$_gvw_x" -ef "$_gvw_mroot/shims/$_gvw_tool" ] && continue
        _gvw_bin=$_gvw_x
        return 0
    done
}

_gvw_hint='expected a version such as 1.22.10, 1.22, latest or system'

case $_gvw_todo in
    loop)
        _gvw_die 6 "shim recursion detected (GVW_SHIM_DEPTH=$GVW_SHIM_DEPTH); check PATH and the selected version"
        ;;
    root)
        if [ -h "$0" ]; then
            # a symlink to the shim: the store is found from the shim itself
            _gvw_x=$(readlink -f -- "$0" 2>/dev/null && echo x) && _gvw_x=${_gvw_x%?x}
            case $_gvw_x in
                /*/*) _gvw_shims=${_gvw_x%/*} ;;
            esac
        fi
        _gvw_clean "$_gvw_mroot"
        _gvw_mroot=$_gvw_r
        if [ -n "${GVW_ROOT-}" ]; then
            _gvw_clean "$GVW_ROOT"
            _gvw_root=$_gvw_r
        else
            _gvw_clean "$_gvw_shims/.."
            _gvw_root=$_gvw_r
            _gvw_user
            _gvw_clean "$_gvw_root"
            _gvw_root=$_gvw_r
        fi
        _gvw_select
        ;;
esac

case $_gvw_todo in
    badname)
        _gvw_die 1 "unknown shim name \"$_gvw_tool\" (expected go, gofmt or go<version>)"
        ;;
    none)
        _gvw_system
        [ -n "$_gvw_bin" ] || _gvw_die 5 \
            "no Go version selected and no other go on PATH" \
            "install one with: gvw install latest"
        ;;
    noword)
        _gvw_where
        _gvw_die 3 "no Go version in $_gvw_origin" "$_gvw_hint"
        ;;
    broken)
        _gvw_where
        _gvw_die 3 "cannot read version file $_gvw_origin" \
            "it is not a readable regular file: fix or remove it"
        ;;
    invalid)
        _gvw_where
        # the word as printed: non-printable-ASCII bytes as ?, cut to 64 characters
        _gvw_x=$(printf '%s' "$_gvw_word" | LC_ALL=C tr -c ' -~' '?' | LC_ALL=C cut -b 1-64)
        _gvw_die 3 "invalid Go version \"$_gvw_x\" (set by $_gvw_origin)" "$_gvw_hint"
        ;;
    system)
        _gvw_system
        if [ -z "$_gvw_bin" ]; then
            _gvw_where
            _gvw_die 4 "no system Go found on PATH (set by $_gvw_origin)" \
                "select a version with: gvw global <version>"
        fi
        ;;
    latest | missing)
        [ "$_gvw_todo" = latest ] && _gvw_latest
        # Auto-install (opt-in: GVW_AUTO_INSTALL=1, else <root>/auto-install): run
        # `<gvw-command> install <spec>` with its output on stderr, then select again.
        # The same rules as the native and Windows shims (docs/selection.md, "Auto-install").
        _gvw_x=${GVW_AUTO_INSTALL-}
        [ -z "$_gvw_x" ] && [ -e "$_gvw_root/auto-install" ] && _gvw_x=1
        _gvw_nocmd=
        if [ -z "$_gvw_ver" ] && [ "$_gvw_x" = 1 ]; then
            _gvw_cmdfile=$_gvw_root/gvw-command
            if [ -f "$_gvw_cmdfile" ] && [ -r "$_gvw_cmdfile" ] && [ -s "$_gvw_cmdfile" ] &&
                [ "$(wc -c <"$_gvw_cmdfile")" -lt 32768 ]; then
                (
                    set --
                    _gvw_cr=$(printf '\r')
                    _gvw_bom=$(printf '\357\273\277')
                    while IFS= read -r _gvw_l || [ -n "$_gvw_l" ]; do
                        [ $# -eq 0 ] && _gvw_l=${_gvw_l#"$_gvw_bom"}
                        _gvw_l=${_gvw_l%"$_gvw_cr"}
                        [ -n "$_gvw_l" ] && set -- "$@" "$_gvw_l"
                    done <"$_gvw_cmdfile"
                    [ $# -gt 0 ] || exit 200  # only blank lines (gvw never exits 200)
                    if [ -n "$_gvw_lcset" ]; then LC_ALL=$_gvw_lc; else unset LC_ALL; fi
                    exec "$@" install "$_gvw_spec" >&2
                )
                _gvw_x=$?
                if [ "$_gvw_x" = 200 ]; then
                    _gvw_nocmd=1
                elif [ "$_gvw_x" != 0 ]; then
                    exit "$_gvw_x"
                else
                    _gvw_select
                    [ "$_gvw_todo" = latest ] && _gvw_latest
                fi
            else
                _gvw_nocmd=1
            fi
        fi
        if [ -z "$_gvw_ver" ] && [ -n "$_gvw_nocmd" ]; then
            _gvw_where
            _gvw_die 4 "Go $_gvw_spec is not installed (set by $_gvw_origin)" \
                "install it with: gvw install $_gvw_spec" \
                "auto-install is on but $_gvw_root/gvw-command is missing; run: gvw rehash"
        fi
        if [ -z "$_gvw_ver" ]; then
            _gvw_where
            _gvw_die 4 "Go $_gvw_spec is not installed (set by $_gvw_origin)" \
                "install it with: gvw install $_gvw_spec"
        fi
        ;;
esac
_gvw_exec "$@"

# ----------------------------------------------------------------------------- notes
#
# 1. Reading at most 4096 bytes without a fork on the hot path.
#    - Shells whose read builtin takes -d '' and -n N (bash, busybox ash, mksh,
#      ksh93): the first 4096 bytes are read as chunks that end at a NUL or at the
#      bytes left, so no read goes past byte 4096 - bounded, also for a file of NULs
#      (bash drops NULs without counting them; as the delimiter they are counted),
#      and fork-free. LC_ALL=C is in force, so -n and ${#var} count bytes.
#    - dash's read builtin has neither option: it reads one byte per read(2) up to a
#      newline, and no builtin can stop it earlier or tell a file's size first.
#      Measured alternatives: `head -c 4096` on every call costs a fork+exec (+0.8 to
#      1.4 ms, more than the rest of the shim together; `go version` through the shim
#      would cost ~1.5x direct instead of ~1.25x-1.4x); the builtin read of a
#      one-line pin costs ~10 us. So under dash lines are read with the builtin,
#      bytes are counted and reading stops at 4096: the answer is that of reading the
#      first 4096 bytes, and the work is bounded for any file whose lines are short.
#      The one unbounded case is a single line longer than the bytes left (a hostile
#      file): dash reads it to its end, ~0.6 us per byte (0.12 s for 200 kB), before
#      cutting it. NUL bytes, which dash drops, are not counted either. These are the
#      documented limits of the shim under dash.
# 2. The walk up is on the physical path (docs/selection.md). `cd -P .` stays in the directory
#    but sets PWD to its physical path; PWD and OLDPWD are put back at once, so the
#    toolchain sees them as they were. The walk is then string work and one stat per
#    level. When that fails (a deleted cwd), ./.. is walked instead, which the kernel
#    resolves physically, until it is the root.
# 3. Only the shims directory decides what is "outside" it for the system go; the
#    store root is the parent of the shims directory's real path (a symlinked shims
#    directory or shim is resolved in the cold part).
# 4. Names all start with _gvw_: assigning a variable that came from the environment
#    would change what the toolchain inherits. Only GOROOT (installed versions) and
#    GVW_SHIM_DEPTH change; the system go gets the environment as it came.
# 5. Broken pins. A .go-version (or the global file) that exists as a name but is not
#    a readable regular file - a dangling link, a link loop, a FIFO, a socket, a
#    device, a file this user may not read, and for the global file a directory - is
#    an error naming it, as in the Python resolver and the Windows shim; a directory
#    named .go-version is ignored. The type is tested before the file is opened, so a
#    FIFO is never opened (that would block until a writer came). The walk costs a
#    stat and an lstat per level without a .go-version.
# 6. The shim's name is the last component of $0: for a #! script the kernel hands
#    sh the path it started, whatever argv[0] the caller gave (Go's toolchain switch
#    passes its own). gvw replaces a shim by renaming a whole new file over it (issue
#    20), so sh, which opens that path again, finds a whole shim there, old or new,
#    and reads on from the one it opened. A launcher gvw removes just as sh starts
#    cannot be opened at all, and sh says so (its version is being uninstalled).
# 7. Two stores (docs/machine-store.md). The machine store is GVW_MACHINE_ROOT, else
#    /opt/gvw; the user store is GVW_ROOT, else the parent of the shims directory,
#    unless that is the machine store (the same spelling, or test -ef: one failed
#    stat where there is no machine store): then $XDG_DATA_HOME/gvw or
#    ~/.local/share/gvw, as gvw computes it. Versions are looked for in the user store,
#    then the machine store (of two copies the user's runs); the global file is the
#    user store's, else the machine store's. Auto-install reads the user store's
#    files: it installs with the user's own gvw, into the user's store.
