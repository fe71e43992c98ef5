"""Text from outside gvw (file contents, directory names, command lines, what a mirror
sends) made safe to echo: to a terminal, where escape sequences would clear the screen
or retitle the window, and to a log, where a newline would forge a line.

Every place that echoes such text goes through :func:`printable`.
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
