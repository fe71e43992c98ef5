"""The one exception hierarchy of gvw and its exit codes.

Domain modules raise these; only ``gvw.cli`` turns them into a message on stderr and
an exit code. Every error carries what failed, where the bad value came from, and
(when there is one) the command that fixes it.

The exit codes are part of the interface (scripts and the shims rely on them) and are
documented in docs/exit-codes.md (the table there and :data:`EXIT_CODE_MEANINGS` must
agree). Codes 3-6 are shared with the native shims.
"""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path


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
    VERIFY_FAILED = 17  # gvw verify: an installed tree is damaged or does not work
    REGRESSION = 18  # gvw try: a check that passes with the current Go fails with the candidate
    UPGRADE_AVAILABLE = 19  # gvw upgrade --check: a newer release is available
    CHECKS_FAILED = 20  # gvw upgrade: the project's checks failed under the target
    DRIFT = 21  # gvw apply --check: the machine differs from the manifest
    TOOLS_NOT_REBUILT = 22  # gvw tools rebuild: some programs were not rebuilt
    SUMDB = 23  # the checksum database cannot be verified (signature, key, consistency)
    HEALTH_FAILED = 24  # gvw apply --health-check: a check failed after the switch; put back
    POLICY = 25  # gvw apply: the manifest's policy refuses a version it names
    NEEDS_ADMIN = 26  # changing the machine store or machine PATH without the right to
    HANGUP = 129  # SIGHUP (128 + 1)
    INTERRUPTED = 130  # Ctrl+C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + 15)


# What each code means: `gvw help exit-codes` prints this table, and docs/exit-codes.md
# holds the same rows, where a meaning may end with a link to its page
# (tests/cli/test_help.py keeps the two in step).
EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success (also: a version that was already installed)",
    ExitCode.ERROR: "unexpected failure",
    ExitCode.USAGE: "bad command line (an unknown command or option, a missing argument)",
    ExitCode.INVALID_VERSION: "a version string that is not one",
    ExitCode.NOT_INSTALLED: "the selected or named version is not installed (also: `gvw "
    "upgrade`'s target was uninstalled by another process meanwhile)",
    ExitCode.NO_VERSION: "nothing selected and no other go on PATH",
    ExitCode.SHIM_LOOP: "a shim ended up running itself",
    ExitCode.NO_SUCH_RELEASE: "the index has no release matching the request",
    ExitCode.NETWORK: "mirror unreachable, HTTP error, time-out, truncated download (after the "
    "retries; the next run resumes it), TLS certificate not trusted",
    ExitCode.CHECKSUM: "archive does not match its published sha256 or size (or a module zip its "
    "`h1:` hash)",
    ExitCode.BAD_ARCHIVE: (
        "corrupt, malformed or hostile archive: an entry that escapes the target, clashes "
        "with another or has a name no filesystem takes; a decompression bomb; a module "
        "zip Go would refuse"
    ),
    ExitCode.BAD_INDEX: "index JSON that cannot be understood (the download index, or the "
    "vulnerability database's)",
    ExitCode.STORE: "the store cannot be changed (permissions, disk full, read-only), or another "
    "gvw held a lock past the time-out",
    ExitCode.CONFIG: (
        "invalid configuration: the config file, a fleet manifest or lock file, "
        "go.mod/go.work lines Go refuses; too large, too deeply nested, or not a regular file"
    ),
    ExitCode.IN_USE: "refusing to remove a selected version",
    ExitCode.SNAPSHOT: "a snapshot that cannot be read or applied",
    ExitCode.PROBLEMS_FOUND: "`gvw doctor` found problems",
    ExitCode.VERIFY_FAILED: "`gvw verify` (also `install --verify`, `upgrade`): a tree is "
    "damaged, has no manifest, or does not work",
    ExitCode.REGRESSION: "`gvw try`: a command that passes with the current Go fails with a "
    "candidate, or (with `--max-slowdown`) is slower by more than allowed",
    ExitCode.UPGRADE_AVAILABLE: "`gvw upgrade --check`: a newer release is available",
    ExitCode.CHECKS_FAILED: "`gvw upgrade`: a check failed (or, with `--max-slowdown`, was too "
    "slow) under the target; the pin is unchanged",
    ExitCode.DRIFT: "`gvw apply --check`: the machine differs from the manifest (policy refusals "
    "and removals included)",
    ExitCode.TOOLS_NOT_REBUILT: "`gvw tools rebuild`: some programs were not rebuilt (left alone "
    "or failed)",
    ExitCode.SUMDB: "the checksum database cannot be verified (signature, unknown key, record not "
    "in the log, inconsistent tree)",
    ExitCode.HEALTH_FAILED: "`gvw apply --health-check`: a health check failed after the switch, "
    "and everything the apply changed was put back",
    ExitCode.POLICY: "`gvw apply`: the manifest's policy (`refuse = [...]`) refuses a version it "
    "names (known vulnerabilities, or a minor release Go no longer supports); nothing changed",
    ExitCode.NEEDS_ADMIN: "`--machine`: changing the machine store (or, on Windows, the machine "
    "PATH) needs administrator rights (root, sudo, an elevated terminal); nothing was changed",
    ExitCode.HANGUP: "SIGHUP (terminal closed); cleaned up first",
    ExitCode.INTERRUPTED: "Ctrl+C (Ctrl+Break on Windows)",
    ExitCode.TERMINATED: "SIGTERM (CI cancellation, service manager); cleaned up first",
}


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


class UsageError(GvwError):
    """A command line that asks for something the command does not do."""

    exit_code = ExitCode.USAGE


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

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message, hint=hint)
        self.status = status  # the HTTP status, when the server answered with an error
        self.transient = transient  # a reset, time-out or 5xx: trying again may succeed
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After)


class ChecksumError(GvwError):
    exit_code = ExitCode.CHECKSUM


class ArchiveError(GvwError):
    exit_code = ExitCode.BAD_ARCHIVE


class BadIndexError(GvwError):
    """The download index is not valid JSON or not shaped like Go's index."""

    exit_code = ExitCode.BAD_INDEX


class StoreError(GvwError):
    """The store or a file gvw writes cannot be changed. ``path`` and ``read_only`` are
    set by :func:`store_error`: a read-only location gets its hint where the command
    line knows which setting moves it (GVW_ROOT, GVW_CACHE_DIR, GOBIN...)."""

    exit_code = ExitCode.STORE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        path: Path | str | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = Path(path) if path is not None else None
        self.read_only = read_only


def store_error(exc: OSError, action: str, path: Path | str) -> StoreError:
    """Turn an OSError into a StoreError that names the path and the likely fix (on a
    read-only filesystem the fix depends on what the path is: see ``read_only``)."""
    code = exc.errno
    if code == errno.ENOSPC:
        why, hint = "the disk is full", "free some space and run the command again"
    elif code in (errno.EACCES, errno.EPERM):
        why, hint = "permission denied", f"check the permissions of {path}"
    elif code == errno.EROFS:
        why, hint = "the filesystem is read-only", None
    else:
        why, hint = exc.strerror or str(exc), None
    return StoreError(
        f"cannot {action} {path}: {why}", hint=hint, path=path, read_only=code == errno.EROFS
    )


class ConfigError(GvwError):
    exit_code = ExitCode.CONFIG


class InUseError(GvwError):
    exit_code = ExitCode.IN_USE


class SnapshotError(GvwError):
    exit_code = ExitCode.SNAPSHOT


class VerifyError(GvwError):
    exit_code = ExitCode.VERIFY_FAILED


class RegressionError(GvwError):
    exit_code = ExitCode.REGRESSION


class ChecksFailedError(GvwError):
    exit_code = ExitCode.CHECKS_FAILED


class ToolsNotRebuiltError(GvwError):
    exit_code = ExitCode.TOOLS_NOT_REBUILT


class HealthCheckError(GvwError):
    """A health check failed after a change, which was then put back."""

    exit_code = ExitCode.HEALTH_FAILED


class PolicyError(GvwError):
    """A fleet manifest names a version its own policy refuses (known vulnerabilities,
    no longer supported)."""

    exit_code = ExitCode.POLICY


class NeedsAdminError(GvwError):
    """A change to what every user of the machine shares (the machine store, the
    machine PATH) by a user without the right to make it; nothing was changed."""

    exit_code = ExitCode.NEEDS_ADMIN


class SumdbError(GvwError):
    """The checksum database answered with something that cannot be verified."""

    exit_code = ExitCode.SUMDB
