"""Signals as gvw ends on them: SIGTERM, SIGHUP and Ctrl+C (Ctrl+Break on Windows) raise
:class:`Signalled` in the main thread for the length of a command, so its clean-up runs
and it exits with the signal's code (docs/exit-codes.md)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from gvw.base.errors import ExitCode


class Signalled(BaseException):
    """A signal arrived: raised in the main thread as KeyboardInterrupt would be, so every
    ``finally`` and ``except BaseException`` clean-up runs (``.part`` files, staging
    directories, locks) before gvw exits with the signal's code."""

    def __init__(self, exit_code: ExitCode, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message


# SIGTERM and SIGHUP are what CI cancellation, service managers and configuration-
# management time-outs send. SIGINT is handled here too, rather than as click's
# KeyboardInterrupt (which prints a blank line first). Windows has no SIGHUP; its
# Ctrl+Break (SIGBREAK) is an interrupt like Ctrl+C.
_SIGNALS = {
    "SIGTERM": (ExitCode.TERMINATED, "terminated (SIGTERM)"),
    "SIGHUP": (ExitCode.HANGUP, "hung up (SIGHUP)"),
    "SIGINT": (ExitCode.INTERRUPTED, "interrupted"),
    "SIGBREAK": (ExitCode.INTERRUPTED, "interrupted (Ctrl+Break)"),
}


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Turn the signals above into Signalled for the duration of a command."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    handled = {
        signum: outcome
        for name, outcome in _SIGNALS.items()
        if (signum := getattr(signal, name, None)) is not None
        # an inherited "ignore" (nohup, a background job) is the caller's choice
        and signal.getsignal(signum) is not signal.SIG_IGN
    }

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        # a repeated signal (systemd, CI runners send more) must not cut the clean-up short
        for other in handled:
            signal.signal(other, signal.SIG_IGN)
        raise Signalled(*handled[signum])

    previous = {signum: signal.signal(signum, on_signal) for signum in handled}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
