"""Text from outside gvw (file contents, directory names, command lines, what a mirror
sends) made safe to echo: to a terminal, where escape sequences would clear the screen
or retitle the window, and to a log, where a newline would forge a line.

Every place that echoes such text goes through :func:`printable`; a value quoted inside a
message (``invalid go version '-h'``) goes through :func:`quoted_excerpt`.
"""

from __future__ import annotations

REPLACEMENT = "?"


def printable(text: str, limit: int | None = None) -> str:
    """``text`` with every unprintable character (controls, escapes, newlines, line and
    paragraph separators) replaced by ``?``; cut to ``limit`` characters with ``...``."""
    clean = "".join(c if c.isprintable() else REPLACEMENT for c in text)
    if limit is None or len(clean) <= limit:
        return clean
    return clean[: limit - 3] + "..."


def quoted_excerpt(value: object, limit: int = 64) -> str:
    """A value from a file quoted inside a message (``invalid go version '-h'``):
    :func:`printable`, cut to ``limit`` characters, in quotes so that where it starts
    and ends is seen; what is not a string is shown by its repr (``12``, ``None``)."""
    return repr(printable(value if isinstance(value, str) else repr(value), limit))
