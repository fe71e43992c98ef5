"""The one guard around every command that changes persistent state.

Every state-changing command (install, uninstall, global, local, setup, restore,
rollback, and those built on them) runs its change inside :meth:`Changes.change`::

    with app.changes.change("global 1.22", scope=["global"]) as change:
        ...                      # checks first: nothing changed yet, no snapshot
        change.snapshot()        # just before the first real change; once, lazily
        ...                      # the change itself
        change.note("global", old="1.21.13", new="1.22")  # what changed, for the log
        change.versions_changed()                        # versions came or went

On the way out, whatever the outcome: the shims are rehashed when installed versions
changed (what did get installed before a failure gets its shims), old trash is pruned
by the retention rule, and one audit-log entry is written (:mod:`gvw.history.audit`) when
anything was snapshotted or changed, or the command failed. A successful command that
turned out to change nothing (an install of an installed version) leaves neither a
snapshot nor a log entry; nor does a command refused for its command line (a usage
error, a version that is none) before it changed anything.

The scope (the kinds of state a command may change, :data:`gvw.history.snapshots.model.SCOPES`)
is given here, once per command; ``gvw rollback`` of its snapshot puts back only those.

Changes that decide from the store's state are serialised by its state lock
(:meth:`gvw.store.version_store.Store.state_lock`), held from the checks to the change, so
that a check still holds when its change is made: ``gvw uninstall`` refuses the global
version under the lock that ``gvw global`` writes it under, and concurrent rollbacks
each undo the change the one before them left. By default the whole change holds it;
a command that runs for minutes (an install, an upgrade's checks) passes
``exclusive=False`` and holds it only around its decisions, with :meth:`Change.exclusive`.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gvw import __version__
from gvw.base.errors import ExitCode, GvwError
from gvw.base.reporting import Reporter
from gvw.history.audit import AuditLog, utc_now

if TYPE_CHECKING:
    from gvw.history.snapshots.model import ModuleRecord, ScopeKind, Snapshot

# Snapshots.take: (command, scope=..., version_files=..., profile_files=..., protect=...,
# module_list=...)
TakeSnapshot = Callable[..., "Snapshot"]


@dataclass(frozen=True)
class Invocation:
    """Who ran what, where: the context of every audit entry."""

    argv: Sequence[str]
    cwd: Path | None

    def describe(self) -> dict[str, Any]:
        return {
            "user": _user(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "gvw_version": __version__,
            "argv": ["gvw", *self.argv],
            "cwd": str(self.cwd) if self.cwd is not None else None,
        }


@dataclass
class Change:
    """One command's change in progress."""

    command: str
    scope: tuple[ScopeKind, ...]
    _take: TakeSnapshot
    version_files: tuple[Path, ...] = ()
    profile_files: tuple[Path, ...] = ()
    taken: Snapshot | None = None  # the snapshot of the state before the change
    module_list: ModuleRecord | None = None  # recorded in the snapshot (gvw upgrade)
    changes: list[dict[str, Any]] = field(default_factory=list)
    versions_did_change: bool = False
    _state_lock: Callable[[], AbstractContextManager[None]] = nullcontext

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the store's state lock for a block: a decision and the change it
        leads to (nested uses, and uses inside an exclusive change, hold it once)."""
        return self._state_lock()

    def snapshot(
        self,
        *,
        command: str | None = None,
        scope: Collection[ScopeKind] | None = None,
        version_files: Collection[Path] | None = None,
        profile_files: Collection[Path] | None = None,
        protect: Collection[str] = (),
    ) -> Snapshot:
        """Snapshot the state before the change, once (later calls return the same one).
        A restore names its scope and files here, once it knows what it will change."""
        if self.taken is None:
            self.command = command or self.command
            self.scope = tuple(scope) if scope is not None else self.scope
            self.taken = self._take(
                self.command,
                scope=self.scope,
                version_files=list(self.version_files if version_files is None else version_files),
                profile_files=list(self.profile_files if profile_files is None else profile_files),
                protect=protect,
                module_list=self.module_list,
            )
        return self.taken

    @property
    def snapshot_id(self) -> str | None:
        return self.taken.id if self.taken is not None else None

    def note(self, kind: str, **details: Any) -> None:
        """Record one thing that changed (for the audit log), e.g.
        ``note("installed", version="1.22.10")``."""
        self.changes.append({"kind": kind, **details})

    def versions_changed(self) -> None:
        """Installed versions came or went: the shims follow when the change ends."""
        self.versions_did_change = True


class Changes:
    """Builds the guard for one process; the pieces come from the CLI's ``App``."""

    def __init__(
        self,
        *,
        take_snapshot: TakeSnapshot,
        rehash: Callable[[], object],
        prune_trash: Callable[[], object],
        audit: AuditLog,
        invocation: Invocation,
        reporter: Reporter,
        state_lock: Callable[[], AbstractContextManager[None]] = nullcontext,
        claim: Callable[[], AbstractContextManager[None]] = nullcontext,
    ) -> None:
        # entered first and held for the whole change: the machine store's access
        # check and lock (gvw.store.machine_store); nothing for a user store
        self._claim = claim
        self._take = take_snapshot
        self._state_lock = state_lock
        self._state_depth = 0  # how many blocks of this process hold the state lock
        self._rehash = rehash
        self._prune_trash = prune_trash
        self.audit = audit
        self.invocation = invocation
        self.reporter = reporter

    @contextmanager
    def change(
        self,
        command: str,
        *,
        scope: Collection[ScopeKind],
        version_files: Collection[Path] = (),
        profile_files: Collection[Path] = (),
        exclusive: bool = True,
    ) -> Iterator[Change]:
        change = Change(
            command,
            tuple(scope),
            self._take,
            version_files=tuple(version_files),
            profile_files=tuple(profile_files),
            _state_lock=self._exclusive,
        )
        with ExitStack() as held:
            # a refused claim comes before anything changed: nothing to log either
            held.enter_context(self._claim())
            try:  # a state lock that cannot be had is logged like any other failure
                if exclusive:
                    held.enter_context(self._exclusive())
                yield change
            except BaseException as error:
                try:  # what did change before the failure still gets its shims
                    self._finish(change)
                except (GvwError, OSError) as also:
                    shown = also.message if isinstance(also, GvwError) else str(also)
                    self.reporter.warn(f"the shims were not brought up to date: {shown}")
                self._log(change, error)
                raise
            try:
                self._finish(change)
            except BaseException as error:  # the change happened; its record says how it ended
                self._log(change, error)
                raise
            self._log(change, None)

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if self._state_depth:  # this process holds it already
            self._state_depth += 1
            try:
                yield
            finally:
                self._state_depth -= 1
            return
        with self._state_lock():
            self._state_depth = 1
            try:
                yield
            finally:
                self._state_depth = 0

    def _finish(self, change: Change) -> None:
        if not change.versions_did_change:
            return
        self._rehash()
        try:  # the change is done: old trash that cannot go now goes next time
            self._prune_trash()
        except GvwError as exc:
            self.reporter.warn(f"could not empty old trash: {exc.message}")

    def _log(self, change: Change, error: BaseException | None) -> None:
        untouched = change.snapshot_id is None and not change.changes
        if untouched and (error is None or _refused_command_line(error)):
            return  # nothing happened, or a command that never ran: nothing to audit
        entry: dict[str, Any] = {"time": utc_now(), **self.invocation.describe()}
        entry.update(command=change.command, outcome=_outcome(error))
        entry.update(snapshot=change.snapshot_id, changes=change.changes)
        try:
            self.audit.append(entry)
        except GvwError as exc:  # the change itself stands; say the record is missing
            self.reporter.warn(f"the audit log was not written: {exc.message}")


def _refused_command_line(error: BaseException) -> bool:
    """A usage error (gvw's or click's, exit 2) or a version on the command line that is
    none: the command never ran, so the log (of changes and attempts) is no place for it."""
    code = getattr(error, "exit_code", None)
    return code in (ExitCode.USAGE, ExitCode.INVALID_VERSION)


def _outcome(error: BaseException | None) -> Mapping[str, Any]:
    if error is None:
        return {"status": "ok", "exit_code": 0}
    if isinstance(error, GvwError):
        return {"status": "error", "exit_code": int(error.exit_code), "message": error.message}
    if isinstance(error, KeyboardInterrupt):
        return {"status": "interrupted", "exit_code": int(ExitCode.INTERRUPTED)}
    code = getattr(error, "exit_code", None)  # a signal turned into an exception, click's
    if isinstance(code, int):
        return {"status": "interrupted" if code >= 128 else "error", "exit_code": code}
    return {"status": "error", "exit_code": int(ExitCode.ERROR), "message": str(error)[:500]}


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):  # no such user in the password database
        return str(os.getuid()) if hasattr(os, "getuid") else "?"
