"""What the user sees on the terminal: one style for errors, hints, warnings, notes and
success lines, colour, progress bars and the spinner of a running command.

Every message gvw prints on stderr starts with ``gvw:``; the kinds differ by colour
only, so output read by scripts or piped into files is the same text whatever the
terminal. Colour is used only where it carries meaning (errors red, warnings yellow,
success green, a diff's added and removed lines) and only when the stream is a
terminal; ``NO_COLOR`` (any non-empty value, https://no-color.org) turns it off,
``FORCE_COLOR`` (https://force-color.org) on, NO_COLOR winning when both are set.
Progress bars and spinners are drawn only when stderr is a terminal (never in pipes,
logs or CI), at most ten times a second. Piped, a running command is one line when it
starts, and nothing more.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import TextIO

import click

from gvw.base.reporting import Activity, Progress
from gvw.cli.output import shown

_REDRAW_SECONDS = 0.1

# SGR codes: the basic eight colours, which every terminal palette (light or dark) maps
# to something readable
_CODES = {"error": "31", "warning": "33", "success": "32", "added": "32", "removed": "31"}


def is_terminal(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is an interactive terminal that understands cursor movement."""
    env = os.environ if env is None else env
    try:
        return stream.isatty() and env.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def colour_enabled(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to ``stream``: NO_COLOR, then FORCE_COLOR, then
    whether it is a terminal."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return is_terminal(stream, env) and _console_takes_escapes(stream)


def _console_takes_escapes(stream: TextIO) -> bool:
    """Windows consoles show escape sequences as text unless the program turns on
    virtual terminal processing (Windows 10 and later can); elsewhere always true."""
    if sys.platform != "win32":  # (not os.name: mypy narrows on sys.platform)
        return True
    try:
        import ctypes
        import msvcrt

        kernel32 = ctypes.windll.kernel32
        handle = msvcrt.get_osfhandle(stream.fileno())
        mode = ctypes.c_uint32()
        if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
            return False
        enable_virtual_terminal_processing = 0x0004
        return bool(
            kernel32.SetConsoleMode(handle, mode.value | enable_virtual_terminal_processing)
        )
    except (AttributeError, OSError, ValueError):
        return False


def paint(text: str, kind: str, stream: TextIO) -> str:
    """``text`` in the colour of ``kind`` (error, warning, success, added, removed) when
    ``stream`` takes colour; else unchanged."""
    if not text or not colour_enabled(stream):
        return text
    return f"\x1b[{_CODES[kind]}m{text}\x1b[0m"


def _stderr() -> TextIO:
    return sys.stderr


def error(message: str, hint: str | None = None, *, stream: TextIO | None = None) -> None:
    """``gvw: <what failed>`` (red on a terminal) and ``gvw: <the fix>``."""
    out = stream or _stderr()
    _write(out, "gvw: " + paint(shown(message), "error", out))
    if hint:
        _write(out, "gvw: " + shown(hint))


def warning(message: str, *, stream: TextIO | None = None) -> None:
    """``gvw: warning: <message>``, the word in yellow on a terminal."""
    out = stream or _stderr()
    _write(out, "gvw: " + paint("warning:", "warning", out) + " " + shown(message))


def note(message: str, *, stream: TextIO | None = None) -> None:
    """``gvw: <message>``: something worth knowing that is neither a warning nor the
    command's result (the result goes to stdout)."""
    _write(stream or _stderr(), "gvw: " + shown(message))


def success(line: str, *, stream: TextIO | None = None) -> None:
    """A result line on stdout (``Installed Go 1.22.10 in …``), green on a terminal."""
    out = stream or sys.stdout
    _write(out, paint(shown(line), "success", out))


def change_line(
    label: str, old: str, new: str, note: str = "", *, stream: TextIO | None = None
) -> None:
    """``label: old -> new (note)`` on stdout, the old value red and the new green on a
    terminal (snapshot diffs, restores)."""
    out = stream or sys.stdout
    label, old, new = shown(label), shown(old), shown(new)
    after = f" ({shown(note)})" if note else ""
    _write(out, f"{label}: {paint(old, 'removed', out)} -> {paint(new, 'added', out)}{after}")


def _write(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


class TerminalReporter:
    """The :class:`gvw.base.reporting.Reporter` of the command line."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr

    def warn(self, message: str) -> None:
        warning(message, stream=self.stream)

    def notice(self, message: str) -> None:
        if not self.quiet:
            self.warn(message)

    def info(self, message: str) -> None:
        if not self.quiet:
            note(message, stream=self.stream)

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress:
        if self.quiet or not is_terminal(self.stream):
            return _Hidden()
        return ProgressBar(label, total, self.stream)

    def activity(self, label: str) -> Activity:
        if self.quiet:
            return _Hidden()
        if not is_terminal(self.stream):
            self.info(label)
            return _Hidden()
        return Spinner(shown(label), self.stream)


def show_note(message: str) -> None:
    """A note below a command's result (on stdout, part of the result): one style for
    every command."""
    click.echo(f"note: {shown(message)}")


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
        import shutil  # here, not at start-up: read-only commands never draw a bar

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


def tilde(path: str, env: Mapping[str, str] | None = None) -> str:
    """``/home/me/src/app`` -> ``~/src/app`` (shorter lines; PowerShell reads ``~`` too)."""
    env = os.environ if env is None else env
    home = env.get("USERPROFILE" if os.name == "nt" else "HOME", "").rstrip("/\\")
    if not home or not path.startswith(home):
        return path
    rest = path[len(home) :]
    if rest and rest[0] not in "/\\":
        return path  # /home/me2 is not under /home/me
    return "~" + rest


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows (the first: the headers) as lines with aligned columns, two spaces apart;
    the last column is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip()
        for row in rows
    ]


def human_size(size: int) -> str:
    """``15728640`` -> ``15.7 MB`` (decimal units, as the progress bar and go.dev use)."""
    amount = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if amount < 1000 or unit == "GB":
            return f"{int(amount)} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    raise AssertionError("unreachable")
