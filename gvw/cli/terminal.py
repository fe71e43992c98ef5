"""What the user sees on the terminal: warnings, messages, progress bars.

Progress bars are drawn only when stderr is a terminal (never in pipes, logs or CI),
at most ten times a second.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from gvw.base.redaction import redact
from gvw.base.reporting import Progress

_REDRAW_SECONDS = 0.1


class TerminalReporter:
    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr

    def warn(self, message: str) -> None:
        print(f"gvw: warning: {redact(message)}", file=self.stream)

    def notice(self, message: str) -> None:
        if not self.quiet:
            self.warn(message)

    def info(self, message: str) -> None:
        if not self.quiet:
            print(f"gvw: {redact(message)}", file=self.stream)

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress:
        if self.quiet or not _is_terminal(self.stream):
            return _Hidden()
        return ProgressBar(label, total, self.stream)


def _is_terminal(stream: TextIO) -> bool:
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class _Hidden:
    def advance(self, amount: int) -> None:
        pass

    def close(self) -> None:
        pass


class ProgressBar:
    """``Downloading go1.22.10.linux-amd64.tar.gz  [####    ]  34.1/71.5 MB  21 MB/s  0:02 left``"""

    WIDTH = 20

    def __init__(self, label: str, total: int | None, stream: TextIO) -> None:
        self.label = label
        self.total = total
        self.stream = stream
        self.done = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0

    def advance(self, amount: int) -> None:
        self.done += amount
        now = time.monotonic()
        if now - self.drawn_at >= _REDRAW_SECONDS:
            self.drawn_at = now
            self._draw(now)

    def close(self) -> None:
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, now: float) -> None:
        self.stream.write("\r" + self.render(now - self.started) + "\x1b[K")
        self.stream.flush()

    def render(self, elapsed: float) -> str:
        rate = self.done / elapsed if elapsed > 0 else 0.0
        parts = [self.label]
        if self.total:
            filled = min(self.WIDTH, self.WIDTH * self.done // self.total)
            parts.append("[" + "#" * filled + " " * (self.WIDTH - filled) + "]")
            parts.append(f"{_mb(self.done)}/{_mb(self.total)} MB")
        else:
            parts.append(f"{_mb(self.done)} MB")
        parts.append(f"{rate / 1e6:.1f} MB/s")
        if self.total and rate > 0:
            left = max(0.0, (self.total - self.done) / rate)
            parts.append(f"{int(left) // 60}:{int(left) % 60:02d} left")
        return "  ".join(parts)


def _mb(amount: int) -> str:
    return f"{amount / 1e6:.1f}"
