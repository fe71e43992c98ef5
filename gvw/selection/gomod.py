"""The ``go`` and ``toolchain`` lines of go.mod / go.work that make Go 1.21+ switch
toolchains (GOTOOLCHAIN=auto), found the way the go command finds them.

Go reads them from the workspace file when there is one (GOWORK, else the nearest
go.work up from the current directory; GOWORK=off: none), else from the nearest go.mod.
When the higher of the two names a newer Go than the one running, Go switches to it:
it runs ``go1.X.Y`` from PATH (gvw's launchers) or downloads it
(https://go.dev/doc/toolchain).

A file Go refuses to parse is refused here too, naming the file and the line as Go
does (golang.org/x/mod/modfile): a character that is no part of the syntax (NUL, other
controls, a BOM), a ``go`` line whose version does not match ``1.23.0``'s format (``go
-h``, ``go ../x``, ``go "1.22"``), a ``toolchain`` line not ``go1...`` or ``default``,
either directive repeated or with other than one argument, and a version no Go release
can have (``go 1.`` and 10,000 digits, which Go accepts and then fails to download).
Never silently ignored: "asks for no particular Go" would then be a lie.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.errors import ConfigError
from gvw.base.sanitize import quoted_excerpt
from gvw.base.versions import GoVersion, parse_release_name
from gvw.selection.pathsearch import exists_not_directory, find_up

# Real go.mod and go.work files are kilobytes (tens for the largest projects, a line per
# requirement); 4 MiB leaves room for any of them and keeps what a hostile one costs
# small. A larger one is refused, never cut.
MAX_BYTES = 4 << 20
# modfile.GoVersionRE and ToolchainRE
GO_VERSION_RE = re.compile(r"^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$")
TOOLCHAIN_RE = re.compile(r"^default$|^go1($|\.)")
# The lines whose words can matter (each a superset: its words decide). Outside a block:
# a go or toolchain directive, and a line whose last word is "(" (before a comment);
# inside one: a line whose first word is ")". Every other line is skipped.
_DIRECTIVE = r"^[ \t\r]*(?:go|toolchain)(?=[ \t\r()\[\]{},\"`/]|$)"
_BLOCK_OPEN = r"^[^\n]*\([ \t\r]*(?://[^\n]*)?$"
_BLOCK_CLOSE = r"^[ \t\r]*\)"


@dataclass(frozen=True)
class GoLines:
    file: Path
    go: str | None  # "1.22", "1.21.3", "1.23rc1"
    toolchain: str | None  # "go1.22.5"; None when absent or "default"

    @property
    def required(self) -> tuple[GoVersion, str] | None:
        """The newest Go these lines ask for, and the line that asks (``go 1.22``)."""
        found: list[tuple[GoVersion, str]] = []
        if self.go:
            version = parse_release_name(self.go)
            if version is not None:
                found.append((version, f"go {self.go}"))
        if self.toolchain:
            version = parse_release_name(self.toolchain)
            if version is not None:
                found.append((version, f"toolchain {self.toolchain}"))
        return max(found, key=lambda pair: pair[0].sort_key, default=None)


def governing_file(cwd: Path, env: Mapping[str, str]) -> Path | None:
    """The file whose go/toolchain lines the go command uses in ``cwd``: as in Go, any
    name that exists and is not a directory counts (a FIFO or a device too: then
    :func:`read_go_lines` refuses it, rather than gvw saying there is no file)."""
    gowork = env.get("GOWORK", "")
    if gowork != "off":
        work = Path(gowork) if gowork else find_up(cwd, "go.work")
        if work is not None and exists_not_directory(work):
            return work
    return find_up(cwd, "go.mod")


def read_go_lines(path: Path) -> GoLines:
    """The ``go`` and ``toolchain`` directives of a go.mod or go.work file.

    Raises OSError when it cannot be read, and ConfigError (exit 13) naming the file
    and line when Go would refuse it (see the module's docstring)."""
    try:
        data = read_regular_file(path, MAX_BYTES)
    except InputRefused as refused:
        raise _refused(path, None, refused.reason, "") from None  # (Go would hang, or read it)
    text = data.decode("utf-8", "replace")  # invalid UTF-8 is U+FFFD, printable: as in Go
    go = toolchain = None
    for number, words in _directives(path, text):
        verb, args = words[0], words[1:]
        if verb not in ("go", "toolchain"):
            continue
        if args[:1] == ["("]:
            raise _refused(path, number, f"unknown block type: {verb}")
        if len(args) != 1:
            raise _refused(path, number, f"{verb} directive expects exactly one argument")
        value = args[0]
        if verb == "go":
            if go is not None:
                raise _refused(path, number, "repeated go statement")
            if not GO_VERSION_RE.match(value):
                why = f"invalid go version {quoted_excerpt(value, 40)}: must match format 1.23.0"
                raise _refused(path, number, why)
            go = _release(path, number, value, verb)
        else:
            if toolchain is not None:
                raise _refused(path, number, "repeated toolchain statement")
            if not TOOLCHAIN_RE.match(value):
                why = f"invalid toolchain version {quoted_excerpt(value, 40)}: must match"
                raise _refused(path, number, why + " format go1.23.0 or default")
            toolchain = value if value == "default" else _release(path, number, value, verb)
    return GoLines(path, go, None if toolchain == "default" else toolchain)


def _directives(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, words) of each top-level line that may hold a directive; lines
    inside a ``require ( ... )`` style block are skipped. Characters Go's lexer refuses
    are refused. Only the lines that can matter are cut into words, found by a regex
    from where the last one ended: a directive or a block's opening outside a block, its
    closing inside one, and anywhere a line holding a character that is not printable
    (a comment or a quoted string may hold one: its words decide). A 16 MiB go.mod cost
    seconds and hundreds of MB when every character of every line was looked at."""
    # the few characters of the text that are not printable, found once
    unprintable = "".join(c for c in set(text) if c not in "\t\n\r" and not c.isprintable())
    tokens = _lexer(unprintable)
    odd = rf"|^[^\n]*[{re.escape(unprintable)}]" if unprintable else ""
    outside = re.compile(_DIRECTIVE + "|" + _BLOCK_OPEN + odd, re.MULTILINE)
    inside = re.compile(_BLOCK_CLOSE + odd, re.MULTILINE)
    in_block = False
    position, number, counted = 0, 1, 0
    while position <= len(text):
        match = (inside if in_block else outside).search(text, position)
        if match is None:
            return
        start = match.start()
        number += text.count("\n", counted, start)
        counted = start
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        position = end + 1
        words = _words(path, number, text[start:end], tokens)
        if not words:
            continue
        if in_block:
            in_block = words[0] != ")"
        elif words[-1] == "(":
            in_block = words[0] not in ("go", "toolchain")  # those: "unknown block type"
            if in_block:
                continue
        if not in_block and words[0] != ")":
            yield number, words


def _lexer(unprintable: str) -> re.Pattern[str]:
    """modfile's lexer as one regex: white space apart, a ``//`` comment to the end of
    the line, punctuation alone, quoted strings whole (quotes kept: Go's check sees
    them; an unclosed one runs to the end of the line), a word up to white space,
    punctuation, a comment or an ``unprintable`` character; anything else (one of
    those) is the character Go refuses."""
    word = r"(?:(?!//)[^ \t\r()\[\]{}," + re.escape(unprintable) + r"])+"
    return re.compile(r'[ \t\r]+|(//.*)|([()\[\]{},])|("[^"]*"?|`[^`]*`?)|(' + word + r")|(.)")


def _words(path: Path, number: int, line: str, tokens: re.Pattern[str]) -> list[str]:
    """The tokens of one line as modfile's lexer cuts them (see :func:`_lexer`)."""
    words: list[str] = []
    for match in tokens.finditer(line):
        comment, punctuation, quoted, word, refused = match.groups()
        if comment:
            break
        if refused:
            where = f"{number}:{match.start() + 1}"
            raise _refused(path, where, f"unexpected input character {refused!a}")
        token = punctuation or quoted or word
        if token:
            words.append(token)
    return words


def _release(path: Path, number: int, value: str, verb: str) -> str:
    """``value`` when it names a version a Go release can have (gvw's grammar: numbers
    of at most 9 digits); Go's own syntax allows any length."""
    if parse_release_name(value) is None:
        why = f"{verb} {quoted_excerpt(value, 40)} names no Go release there can be"
        raise _refused(path, number, why + " (Go would try to download it, and fail)", "")
    return value


def _refused(
    path: Path, where: int | str | None, why: str, also: str = "; Go refuses this file too"
) -> ConfigError:
    place = f"{path}:{where}" if where is not None else str(path)
    line = f" at line {str(where).split(':')[0]}" if where is not None else ""
    return ConfigError(f"{place}: {why}{also}", hint=f"fix {path}{line}")
