"""Put a snapshot back: plan every change, check that all of it can be done, then do it.

A plan is the list of steps :func:`gvw.history.snapshots.kinds.compare` gives from the current
state to the snapshot's (the same comparison ``gvw snapshots diff`` shows), limited to
a scope. Every check (a kept program is there and intact, a version that must come
from the mirror is in its index) runs before the first change; then the actions run in
the steps' order, which keeps the shims valid throughout (see ``kinds``). The registry
values are written together, in one write (one settings-changed broadcast). What each
kind writes, and where, is described in ``kinds``.

A plan can be limited to some kinds of state (a snapshot's ``scope``, for ``gvw
rollback``); what lies outside is neither compared nor changed nor warned about.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gvw.base.errors import SnapshotError
from gvw.history.snapshots.display import Change
from gvw.history.snapshots.kinds import compare, process_env_changes
from gvw.history.snapshots.model import SCOPES, ScopeKind, Snapshot, State
from gvw.history.snapshots.repository import SnapshotRepository
from gvw.history.snapshots.steps import Machine, Step, Where
from gvw.host.windows_registry import RegistryValue, UserEnvironment
from gvw.store.version_store import Store

if TYPE_CHECKING:
    from gvw.install.installer import Installer


@dataclass
class Plan:
    target: Snapshot
    current: State
    steps: list[Step] = field(default_factory=list)
    env: dict[str, str | None] = field(default_factory=dict)  # for the user's shell

    @property
    def changes_anything(self) -> bool:
        """Whether a restore would change anything on this machine (the shell's own
        variables are printed, not changed, and do not count)."""
        return any(step.acts for step in self.steps)

    @property
    def warnings(self) -> list[str]:
        """What the restore leaves alone, and why."""
        return [step.left_alone for step in self.steps if step.left_alone]

    @property
    def registry(self) -> dict[str, RegistryValue | None]:
        """The HKCU\\Environment values it sets (None: deletes)."""
        return {name: value for step in self.steps for name, value in step.writes.items()}

    def changes(self, kind: ScopeKind) -> bool:
        return any(step.acts and step.kind == kind for step in self.steps)

    def profile_paths(self) -> list[str]:
        return [step.path for step in self.steps if step.acts and step.kind == "profile_files"]


def plan_restore(
    target: Snapshot,
    current: State,
    store: Store,
    *,
    goos: str,
    managed_profiles: Collection[str] = (),
    scope: Collection[ScopeKind] | None = None,
) -> Plan:
    """What restoring ``target`` changes, given the ``current`` state (captured with the
    target's version files and managed profiles). ``managed_profiles`` are the
    ``profile_key`` of the profiles gvw manages for the user now; a recorded profile
    elsewhere is left alone. ``scope`` limits the plan to those kinds of state (None:
    all of them)."""
    if target.os != goos:
        raise SnapshotError(
            f"snapshot {target.id} was taken on {target.os}; this is {goos}",
            hint="restore a snapshot taken on this machine (see: gvw snapshots)",
        )
    kinds = set(SCOPES if scope is None else scope)
    if "registry" in kinds:  # every restorable value, Path included
        kinds.add("user_path")
    where = Where(store, target.id, goos == "windows", managed_profiles)
    steps = [s for s in compare(current, target.state, where) if s.kind in kinds]
    env = {var: new for var, (_, new) in process_env_changes(current, target.state).items()}
    return Plan(target, current, steps, env)


def scope_of(plan: Plan) -> tuple[ScopeKind, ...]:
    """The kinds of state carrying out ``plan`` changes: the scope of the snapshot taken
    before it, so that rolling the restore back undoes all of it and nothing else
    (``registry`` covers ``user_path``)."""
    changed = {step.kind for step in plan.steps if step.acts}
    if "registry" in changed:
        changed.discard("user_path")
    return tuple(kind for kind in SCOPES if kind in changed)


def prepare(plan: Plan, repo: SnapshotRepository, installer: Callable[[], Installer]) -> None:
    """Check that everything the plan needs is there, before anything changes: each
    program's kept copy (read and verified now), each version that must come from the
    mirror (looked up in its index)."""
    for step in plan.steps:
        if step.check is not None:
            step.check(repo, installer)


def apply(
    plan: Plan,
    *,
    store: Store,
    installer: Callable[[], Installer],
    registry: UserEnvironment | None,
    on_change: Callable[[Change], None],
    dry_run: bool = False,
) -> None:
    """Make the changes ``prepare`` checked, reporting each as it is done (with
    ``dry_run``, only report them)."""
    machine = Machine(store, installer)
    for step in plan.steps:
        if step.action is None:
            continue
        if not dry_run:
            step.action(machine)
        for change in step.changes:
            on_change(change)
    writes = [step for step in plan.steps if step.writes]
    if writes and not dry_run:
        assert registry is not None
        registry.write_user_environment(plan.registry)
    for step in writes:
        for change in step.changes:
            on_change(change)
