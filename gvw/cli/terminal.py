"""What the user sees on the terminal: warnings, messages, notes, progress bars and
the spinner of a running command.

Progress bars and spinners are drawn only when stderr is a terminal (never in pipes,
logs or CI), at most ten times a second. Piped, a running command is one line when it
starts, and nothing more.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from typing import TextIO

from gvw.base.reporting import Activity, Progress
from gvw.cli.output import say, shown

_REDRAW_SECONDS = 0.1


class TerminalReporter:
    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr

    def warn(self, message: str) -> None:
        print(f"gvw: warning: {shown(message)}", file=self.stream)

    def notice(self, message: str) -> None:
        if not self.quiet:
            self.warn(message)

    def info(self, message: str) -> None:
        if not self.quiet:
            print(f"gvw: {shown(message)}", file=self.stream)

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress:
        if self.quiet or not _is_terminal(self.stream):
            return _Hidden()
        return ProgressBar(label, total, self.stream)

    def activity(self, label: str) -> Activity:
        if self.quiet:
            return _Hidden()
        if not _is_terminal(self.stream):
            self.info(label)
            return _Hidden()
        return Spinner(shown(label), self.stream)


def show_note(message: str) -> None:
    """A note below a command's result (on stdout, part of the result): one style for
    every command."""
    say(f"note: {message}")


def _is_terminal(stream: TextIO) -> bool:
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class _Hidden:
    def advance(self, amount: int) -> None:
        pass

    def close(self, exit_code: int | None = None) -> None:
        pass


class Spinner:
    """``⠹ Go 1.25.5: go test ./...  12.4s`` while the command runs; when it ends, the
    line becomes ``gvw: Go 1.25.5: go test ./... ok (12.4s)``."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    ASCII_FRAMES = "|/-\\"

    def __init__(self, label: str, stream: TextIO) -> None:
        self.label = label
        self.stream = stream
        self.started = time.monotonic()
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self.frames = self.FRAMES if encoding == "utf8" else self.ASCII_FRAMES
        width = shutil.get_terminal_size().columns
        self.shown = label if len(label) <= width - 14 else label[: max(0, width - 17)] + "..."
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, name="gvw-spinner", daemon=True)
        self._thread.start()

    def _spin(self) -> None:
        frame = 0
        while True:
            elapsed = elapsed_text(time.monotonic() - self.started)
            line = f"\r{self.frames[frame % len(self.frames)]} {self.shown}  {elapsed}\x1b[K"
            self.stream.write(line)
            self.stream.flush()
            frame += 1
            if self._stop.wait(_REDRAW_SECONDS):
                return

    def close(self, exit_code: int | None = None) -> None:
        self._stop.set()
        self._thread.join()
        self.stream.write("\r\x1b[K")
        if exit_code is not None:
            outcome = "ok" if exit_code == 0 else f"exit {exit_code}"
            elapsed = elapsed_text(time.monotonic() - self.started)
            self.stream.write(f"gvw: {self.label} {outcome} ({elapsed})\n")
        self.stream.flush()


def elapsed_text(seconds: float) -> str:
    """``4.2s``, ``1:02`` (minutes and seconds from a minute on)."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


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
