"""How domain code tells the user things without printing.

Domain modules take a ``Reporter``; the CLI passes one that writes to the terminal
(progress bars only when stderr is a terminal), tests pass ``SilentReporter``.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def advance(self, amount: int) -> None: ...

    def close(self) -> None: ...


class Activity(Protocol):
    """A command gvw is running on the user's behalf (a check, a build)."""

    # exit_code: how it ended; None when it did not (interrupted)
    def close(self, exit_code: int | None) -> None: ...


class Reporter(Protocol):
    def warn(self, message: str) -> None: ...

    # a warning about something the user chose knowingly (a plain-http mirror): shown
    # as a warning, but --quiet silences it
    def notice(self, message: str) -> None: ...

    def info(self, message: str) -> None: ...

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress: ...

    # "Go 1.25.5: go test ./...": shown while it runs (a spinner and the time taken on
    # a terminal, one line otherwise)
    def activity(self, label: str) -> Activity: ...


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass

    def close(self) -> None:
        pass


class SilentReporter:
    """Collects warnings and messages instead of showing them."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.messages: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def notice(self, message: str) -> None:
        self.warnings.append(message)

    def info(self, message: str) -> None:
        self.messages.append(message)

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress:
        return _NoProgress()

    def activity(self, label: str) -> Activity:
        self.messages.append(label)
        return _NoActivity()


class _NoActivity:
    def close(self, exit_code: int | None) -> None:
        pass
