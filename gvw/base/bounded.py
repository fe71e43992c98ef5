"""Reading structured inputs with limits: every file gvw parses (manifests, lock files,
the config, download indexes, snapshots, caches, go env files) is read through
:func:`read_regular_file` and parsed by :func:`parse_json` or :func:`parse_toml`.

- **Only regular files.** The file is opened without blocking and checked on the open
  descriptor, so a FIFO (which would hang the read), a device (``/dev/zero`` never
  ends), a socket or a directory is refused, and a file swapped for one after a check
  is caught too.
- **A size cap.** At most ``limit`` bytes are read; a longer file is refused, never
  cut (a cut file would silently lose what comes last, such as the newest versions).
- **A nesting cap.** JSON and TOML nested more than :data:`MAX_DEPTH` levels deep is
  refused: Python's parsers recurse, and 200 KB of ``[`` would end in RecursionError.
- **A cap on arrays and tables.** More than :data:`MAX_CONTAINERS` is refused before
  parsing (counted in C): each costs about a hundred bytes once parsed, so a few MiB
  of ``{},`` would take hundreds of MB.
- **A cap on TOML's dotted keys.** ``a.a.a… = 1`` and ``[a.a.a…]`` nest a table per
  dot, and tomllib's work grows with the square of their number (40 KB of one key took
  1.5 GB): a key of more than :data:`MAX_DEPTH` parts is refused before parsing.

Each refusal is an :class:`InputRefused` naming why; the caller turns it into its own
error (and exit code) and says which file it was. An HTTP body has the same limits
(:func:`gvw.base.http.fetch_bytes`), so ``file://`` and ``https://`` behave the same.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO, Callable

# Deeper than any file gvw reads or writes (snapshots, the deepest, use 4 levels)
MAX_DEPTH = 32
# Go's download index, the largest structured input, holds about 15,000 (2025)
MAX_CONTAINERS = 250_000
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


class InputRefused(ValueError):
    """An input gvw will not parse: ``reason`` says why (``is a FIFO, not a regular
    file``; ``is larger than 1 MiB``; ``is nested more than 32 levels deep``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooLarge(InputRefused):
    """A file longer than the limit."""


def size_text(limit: int) -> str:
    """``1 MiB``, ``64 KiB``, ``100 bytes``: a limit as messages say it."""
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if limit >= 1 << shift and limit % (1 << shift) == 0:
            return f"{limit >> shift} {unit}"
    return f"{limit} bytes"


def open_regular_file(path: Path | str) -> BinaryIO:
    """``path`` opened for reading, when it is a regular file (what it is once open is
    what counts: no race with a check before). Raises InputRefused for anything else,
    OSError when it cannot be opened."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        kind = stat.S_IFMT(os.fstat(fd).st_mode)
        if kind != stat.S_IFREG:
            raise InputRefused(f"is {_KINDS.get(kind, 'not a regular file')}, not a regular file")
        return open(fd, "rb")  # the caller closes it
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: Path | str, limit: int) -> bytes:
    """The whole content of the regular file ``path``, at most ``limit`` bytes.

    Raises InputRefused for anything else, OSError when it cannot be opened or read
    (FileNotFoundError when it does not exist)."""
    with open_regular_file(path) as handle:
        chunks = []
        size = 0
        while True:
            chunk = handle.read(min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"is larger than {size_text(limit)}")
        return b"".join(chunks)


def parse_json(
    data: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None
) -> Any:
    """JSON (UTF-8, a BOM allowed) nested at most ``max_depth`` levels deep (and, when
    given, at most ``max_bytes`` long). Raises ValueError for what is not JSON
    (UnicodeDecodeError, JSONDecodeError) and InputRefused for the limits."""
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLarge(f"is larger than {size_text(max_bytes)}")
    import json  # here: `gvw current` and the shims' helpers never parse JSON

    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return _parse(json.loads, text, max_depth)


def parse_toml(text: str) -> dict[str, Any]:
    """TOML nested at most MAX_DEPTH levels deep. Raises tomllib's TOMLDecodeError (a
    ValueError) for what is not TOML and InputRefused for nesting."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    _check_dotted_keys(text)
    document: dict[str, Any] = _parse(tomllib.loads, text, MAX_DEPTH)
    return document


# TOML strings (multi-line first) and comments: what may hold dots that are not a key's
_TOML_STRINGS_AND_COMMENTS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*'
)
# what separates one run of a key's parts (bare names, dots, blanks) from the next
_NOT_IN_A_KEY = re.compile(r"[^A-Za-z0-9_\-. \t]+")


def _check_dotted_keys(text: str) -> None:
    # Strings become one bare part (a quoted part of a key is still a part), comments go;
    # then a key is a run of names, dots and blanks, and its dots count its parts.
    # Linear: both patterns match without backtracking over what they passed.
    bare = _TOML_STRINGS_AND_COMMENTS.sub(lambda m: "" if m[0][0] == "#" else "s", text)
    if bare.count(".") < MAX_DEPTH:
        return
    for run in _NOT_IN_A_KEY.split(bare):
        if run.count(".") >= MAX_DEPTH:  # a part per level: as deep as check_depth allows
            raise InputRefused(f"has a key of more than {MAX_DEPTH} dotted parts")


def _parse(parser: Callable[[str], Any], text: str, max_depth: int) -> Any:
    _check_containers(text)
    try:
        value = parser(text)
    except RecursionError:  # the parsers recurse: refused, as check_depth would
        raise InputRefused(_too_deep(max_depth)) from None
    check_depth(value, max_depth)
    return value


def _check_containers(text: str) -> None:
    # an upper bound: brackets inside strings count too
    if text.count("[") + text.count("{") > MAX_CONTAINERS:
        raise InputRefused(f"holds more than {MAX_CONTAINERS:,} arrays and tables")


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise InputRefused when lists and tables in ``value`` nest deeper than ``limit``
    (walked without recursion)."""
    if not isinstance(value, (dict, list)):
        return
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            raise InputRefused(_too_deep(limit))
        pending.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def _too_deep(limit: int = MAX_DEPTH) -> str:
    return f"is nested more than {limit} levels deep"
