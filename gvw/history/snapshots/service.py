"""Snapshots of one store and one environment: take, find, plan and carry out a restore.

Taking one needs no lock: ids are claimed with a no-clobber rename (see
``repository``), and pruning leaves blobs alone that a capture touched in the last
hour, so it never deletes one that a snapshot being written refers to.

A restore goes: plan (``gvw restore ID``: everything the snapshot recorded; ``gvw
rollback``: the newest snapshot whose scope differs from now, limited to that scope),
check everything it needs (``apply.prepare``), snapshot the state before it (its scope:
what it changes, so a rollback undoes exactly the restore), apply, then bring the shims
and the trash in line when versions came or went. Nothing here prints: each step is
told to a :class:`RestoreEvents`, and the outcome is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gvw.base.config import Config
from gvw.base.errors import SnapshotError
from gvw.history.snapshots.capture import capture_state, with_files
from gvw.history.snapshots.model import ModuleRecord, ScopeKind, Snapshot, State
from gvw.history.snapshots.repository import SnapshotRepository
from gvw.history.snapshots.retention import prune_snapshots
from gvw.host.goenv import host_goos
from gvw.host.windows_registry import UserEnvironment
from gvw.store.version_store import Store

if TYPE_CHECKING:
    from gvw.base.platforms import Platform
    from gvw.base.reporting import Reporter
    from gvw.history.snapshots.apply import Plan
    from gvw.history.snapshots.diff import Change as StateChange
    from gvw.install.installer import Installer
    from gvw.install.mirror import Mirror


class GuardedChange(Protocol):
    """What a restore needs of the change guard it runs in
    (:class:`gvw.history.changes.Change`, which sits above snapshots)."""

    def snapshot(
        self,
        *,
        command: str | None = None,
        scope: Collection[ScopeKind] | None = None,
        version_files: Collection[Path] | None = None,
        profile_files: Collection[Path] | None = None,
        protect: Collection[str] = (),
    ) -> Snapshot: ...

    def note(self, kind: str, **details: Any) -> None: ...

    def versions_changed(self) -> None: ...


class RestoreEvents(Protocol):
    """The steps of a restore, as they happen."""

    def starting(self, plan: Plan) -> None:
        """Everything the plan needs is there; the changes start (``plan.warnings`` say
        what is left alone)."""

    def saved(self, snapshot: Snapshot) -> None:
        """The state before the restore was snapshotted (not in a dry run)."""

    def changed(self, change: StateChange) -> None:
        """One change was made (in a dry run: would be)."""


@dataclass(frozen=True)
class RestoreOptions:
    mirror: Callable[[], Mirror]  # asked only when a version must be downloaded
    platform: Platform
    reporter: Reporter  # for downloads
    dry_run: bool = False  # only report the changes


@dataclass(frozen=True)
class RestoreResult:
    plan: Plan  # plan.changes_anything is False when there was nothing to do
    saved: Snapshot | None = None  # the state before the restore; None: none was taken


class Snapshots:
    def __init__(
        self,
        store: Store,
        env: Mapping[str, str],
        config: Config,
        *,
        registry: UserEnvironment | None,
        goos: str | None = None,
    ) -> None:
        self.store = store
        self.env = env
        self.config = config
        self.registry = registry
        self.goos = goos or host_goos()
        self.repo = SnapshotRepository(store.paths.snapshots)

    def capture(
        self, version_files: Iterable[Path] = (), profile_files: Iterable[Path] = ()
    ) -> State:
        return capture_state(
            self.store,
            self.env,
            goos=self.goos,
            version_files=version_files,
            profile_files=profile_files,
            registry=self.registry,
            blobs=self.repo.blobs,
            tool_cache=self.repo.tool_cache,
        )

    def take(
        self,
        command: str,
        *,
        scope: Collection[ScopeKind],
        version_files: Iterable[Path] = (),
        profile_files: Iterable[Path] = (),
        protect: Collection[str] = (),
        module_list: ModuleRecord | None = None,
    ) -> Snapshot:
        """Record the current state before ``command`` changes it, then prune;
        ``scope`` is the kinds of state it may change (what ``gvw rollback`` puts
        back), ``version_files`` and ``profile_files`` the files it will change,
        ``module_list`` a project's module list kept as a record."""
        state = self.capture(version_files, profile_files)
        snapshot = self.repo.write(
            command, state, goos=self.goos, scope=tuple(scope), module_list=module_list
        )
        prune_snapshots(self.repo, self.config, protect={snapshot.id, *protect})
        return snapshot

    def managed_profiles(self) -> set[str]:
        """The shell profiles gvw manages for this user now (as ``profile_key``s): the
        only ones a restore writes, whatever a snapshot names."""
        from gvw.host.shells.profiles import managed_profile_files, profile_key, profile_path

        windows = self.goos == "windows"
        found = managed_profile_files(self.env, windows=windows)
        return {profile_key(str(profile_path(p)), windows=windows) for p in found}

    def capture_like(self, snapshot: Snapshot, managed: Collection[str] | None = None) -> State:
        """The current state of what ``snapshot`` recorded: its version files, and those
        of its shell profiles that gvw manages now (no other file is even read)."""
        return self.capture(*self._files_of(snapshot, managed))

    def _files_of(
        self, snapshot: Snapshot, managed: Collection[str] | None
    ) -> tuple[list[Path], list[Path]]:
        from gvw.host.shells.profiles import profile_key

        managed = self.managed_profiles() if managed is None else managed
        profiles = snapshot.state.profile_files
        windows = self.goos == "windows"
        return (
            [Path(f.path) for f in snapshot.state.version_files],
            [Path(f.path) for f in profiles if profile_key(f.path, windows=windows) in managed],
        )

    def plan(self, target: Snapshot) -> Plan:
        """What restoring all of ``target`` would change now (``gvw restore``)."""
        managed = self.managed_profiles()
        return self._plan(target, self.capture_like(target, managed), managed, None)

    def _plan(
        self,
        target: Snapshot,
        current: State,
        managed: Collection[str],
        scope: Collection[ScopeKind] | None,
    ) -> Plan:
        from gvw.history.snapshots.apply import plan_restore  # not needed to take a snapshot

        return plan_restore(
            target, current, self.store, goos=self.goos, managed_profiles=managed, scope=scope
        )

    def rollback_plan(self) -> Plan:
        """The plan that undoes the last change: to the newest snapshot that differs from
        now in what its command could change (its scope; a command that failed or
        changed nothing leaves one equal to now). When none differs, the newest one's
        plan, which changes nothing. A damaged snapshot on the way stops it: it might
        have been the one to go back to. The current state is captured once; only the
        files each snapshot recorded are read again for it."""
        ids = list(reversed(self.repo.ids()))
        if not ids:
            raise SnapshotError(
                "there is no snapshot to roll back to",
                hint="gvw takes one before every install, uninstall, global, local and setup",
            )
        managed = self.managed_profiles()
        now: State | None = None
        newest = None
        for snapshot_id in ids:
            target = self.repo.load(snapshot_id)
            now = now or self.capture()  # after the first load: a damaged one stops first
            current = with_files(now, *self._files_of(target, managed))
            plan = self._plan(target, current, managed, target.scope)
            if plan.changes_anything:
                return plan
            newest = newest or plan
        assert newest is not None
        return newest

    # --- carrying out a restore

    def restore(
        self,
        snapshot_id: str,
        options: RestoreOptions,
        events: RestoreEvents,
        change: GuardedChange,
    ) -> RestoreResult:
        """Go back to snapshot ``snapshot_id`` (a unique prefix will do): everything it
        recorded, whatever its scope. ``change`` is the guard's (:mod:`gvw.history.changes`):
        it snapshots, rehashes, prunes and logs."""
        target = self.repo.load(self.repo.resolve(snapshot_id))
        return self._carry_out(self.plan(target), f"restore {target.id}", options, events, change)

    def rollback(
        self, options: RestoreOptions, events: RestoreEvents, change: GuardedChange
    ) -> RestoreResult:
        """Undo the last change (see :meth:`rollback_plan`)."""
        plan = self.rollback_plan()
        return self._carry_out(plan, f"rollback to {plan.target.id}", options, events, change)

    def undo(
        self,
        snapshot_id: str,
        options: RestoreOptions,
        events: RestoreEvents,
        change: GuardedChange,
    ) -> RestoreResult:
        """Undo the change snapshot ``snapshot_id`` was taken before: put back what its
        command could change (its scope), as :meth:`rollback` does for the newest one.
        For a caller that knows which change to undo (a failed ``gvw apply --verify``),
        so that nothing else that changed meanwhile is taken for it."""
        target = self.repo.load(self.repo.resolve(snapshot_id))
        managed = self.managed_profiles()
        plan = self._plan(target, self.capture_like(target, managed), managed, target.scope)
        return self._carry_out(plan, f"rollback to {target.id}", options, events, change)

    def _carry_out(
        self,
        plan: Plan,
        command: str,
        options: RestoreOptions,
        events: RestoreEvents,
        change: GuardedChange,
    ) -> RestoreResult:
        if not plan.changes_anything:
            return RestoreResult(plan)
        from gvw.history.snapshots.apply import apply, prepare, scope_of

        installer = self._installer(options)
        prepare(plan, self.repo, installer)
        events.starting(plan)
        saved = None
        if not options.dry_run:
            saved = change.snapshot(
                command=command,
                scope=scope_of(plan),
                version_files=[Path(f.path) for f in plan.target.state.version_files],
                profile_files=[Path(path) for path in plan.profile_paths()],
                protect={plan.target.id},
            )
            events.saved(saved)

        def changed(step: StateChange) -> None:
            events.changed(step)
            if not options.dry_run:
                change.note("restored", what=str(step))

        try:
            apply(
                plan,
                store=self.store,
                installer=installer,
                registry=self.registry,
                on_change=changed,
                dry_run=options.dry_run,
            )
        finally:
            if not options.dry_run and plan.changes("installed"):
                change.versions_changed()
        return RestoreResult(plan, saved)

    def _installer(self, options: RestoreOptions) -> Callable[[], Installer]:
        """An installer built on first need: restores from the trash need no network."""
        built: list[Installer] = []

        def installer() -> Installer:
            from gvw.install.installer import Installer

            if not built:
                built.append(
                    Installer(
                        self.store,
                        config=self.config,
                        mirror=options.mirror(),
                        platform=options.platform,
                        reporter=options.reporter,
                    )
                )
            return built[0]

        return installer
