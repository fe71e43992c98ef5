"""The one exception hierarchy of gvw and its exit codes.

Domain modules raise these; only ``gvw.cli`` turns them into a message on stderr and
an exit code. Every error carries what failed, where the bad value came from, and
(when there is one) the command that fixes it.

The exit codes are part of the interface (scripts and the shims rely on them) and are
documented in the README. Codes 3-6 are shared with the native shims.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # unexpected failure
    USAGE = 2  # bad command line (click's own code)
    INVALID_VERSION = 3  # a version string that is not one
    NOT_INSTALLED = 4  # the selected or named version is not installed
    NO_VERSION = 5  # nothing selected and no other go on PATH
    SHIM_LOOP = 6  # a shim ended up running itself
    NO_SUCH_RELEASE = 7  # the index has no release matching the request
    NETWORK = 8  # mirror unreachable, HTTP error, time-out, truncated download
    CHECKSUM = 9  # archive does not match its published sha256
    BAD_ARCHIVE = 10  # corrupt archive or an entry that escapes the target
    BAD_INDEX = 11  # index JSON that cannot be understood
    STORE = 12  # the store or a file gvw writes cannot be changed (permissions, disk full)
    CONFIG = 13  # invalid configuration file or setting
    IN_USE = 14  # refusing to remove a version that is selected
    SNAPSHOT = 15  # a snapshot that cannot be read or applied
    PROBLEMS_FOUND = 16  # doctor found something wrong
    INTERRUPTED = 130  # Ctrl+C


class GvwError(Exception):
    """Base of every error gvw reports to the user.

    ``message`` says what failed and where the value came from; ``hint`` is the
    command or action that fixes it.
    """

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidVersionError(GvwError):
    exit_code = ExitCode.INVALID_VERSION


class NotInstalledError(GvwError):
    exit_code = ExitCode.NOT_INSTALLED


class NoVersionSelectedError(GvwError):
    exit_code = ExitCode.NO_VERSION


class NoSuchReleaseError(GvwError):
    exit_code = ExitCode.NO_SUCH_RELEASE


class NetworkError(GvwError):
    exit_code = ExitCode.NETWORK

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None):
        super().__init__(message, hint=hint)
        self.status = status  # the HTTP status, when the server answered with an error


class ChecksumError(GvwError):
    exit_code = ExitCode.CHECKSUM


class ArchiveError(GvwError):
    exit_code = ExitCode.BAD_ARCHIVE


class BadIndexError(GvwError):
    """The download index is not valid JSON or not shaped like Go's index."""

    exit_code = ExitCode.BAD_INDEX


class StoreError(GvwError):
    exit_code = ExitCode.STORE


class ConfigError(GvwError):
    exit_code = ExitCode.CONFIG


class InUseError(GvwError):
    exit_code = ExitCode.IN_USE


class SnapshotError(GvwError):
    exit_code = ExitCode.SNAPSHOT
