"""Snapshots of one store and one environment: take, find, plan a restore.

Taking one needs no lock: ids are claimed with a no-clobber rename (see
``repository``), and pruning leaves blobs alone that a capture touched in the last
hour, so it never deletes one that a snapshot being written refers to.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gvw.config import Config
from gvw.errors import SnapshotError
from gvw.goenv import host_goos
from gvw.registry import UserEnvironment
from gvw.snapshots.capture import capture_state
from gvw.snapshots.model import Snapshot, State
from gvw.snapshots.repository import SnapshotRepository
from gvw.snapshots.retention import prune_snapshots
from gvw.store import Store

if TYPE_CHECKING:
    from gvw.snapshots.apply import Plan


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
        version_files: Iterable[Path] = (),
        profile_files: Iterable[Path] = (),
        protect: Collection[str] = (),
    ) -> Snapshot:
        """Record the current state before ``command`` changes it, then prune;
        ``version_files`` and ``profile_files`` are the files it will change."""
        state = self.capture(version_files, profile_files)
        snapshot = self.repo.write(command, state, goos=self.goos)
        prune_snapshots(self.repo, self.config, protect={snapshot.id, *protect})
        return snapshot

    def managed_profiles(self) -> set[str]:
        """The shell profiles gvw manages for this user now (as ``profile_key``s): the
        only ones a restore writes, whatever a snapshot names."""
        from gvw.shells.profiles import managed_profile_files
        from gvw.snapshots.apply import profile_key
        from gvw.snapshots.capture import profile_path

        found = managed_profile_files(self.env, windows=self.goos == "windows")
        return {profile_key(str(profile_path(p))) for p in found}

    def capture_like(self, snapshot: Snapshot) -> State:
        """The current state of what ``snapshot`` recorded: its version files, and those
        of its shell profiles that gvw manages now (no other file is even read)."""
        from gvw.snapshots.apply import profile_key

        managed = self.managed_profiles()
        return self.capture(
            (Path(f.path) for f in snapshot.state.version_files),
            (Path(f.path) for f in snapshot.state.profile_files if profile_key(f.path) in managed),
        )

    def plan(self, target: Snapshot) -> Plan:
        """What restoring ``target`` would change now."""
        from gvw.snapshots.apply import plan_restore  # not needed to take a snapshot

        return plan_restore(
            target,
            self.capture_like(target),
            self.store,
            goos=self.goos,
            managed_profiles=self.managed_profiles(),
        )

    def rollback_plan(self) -> Plan:
        """The plan that undoes the last change: to the newest snapshot that differs from
        now (a command that failed or changed nothing leaves one equal to now). When
        none differs, the newest one's plan, which changes nothing. A damaged snapshot
        on the way stops it: it might have been the one to go back to."""
        ids = list(reversed(self.repo.ids()))
        if not ids:
            raise SnapshotError(
                "there is no snapshot to roll back to",
                hint="gvw takes one before every install, uninstall, global, local and setup",
            )
        newest = None
        for snapshot_id in ids:
            plan = self.plan(self.repo.load(snapshot_id))
            if plan.changes_anything:
                return plan
            newest = newest or plan
        assert newest is not None
        return newest
