"""What applying a manifest would do: computed before anything changes.

Every spec is resolved first (exact versions that are installed need no index; with a
lock file nothing needs the index: the lock names the release, the archive and its
checksum). The plan lists the actions in the order they are carried out: installs,
then the global pin, then the prune and the removals the policy asks for (so the global
never names a version in the trash). Versions the manifest names that its policy
refuses (:mod:`gvw.fleet.policy`) come first: while there are any, nothing is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from gvw.base.errors import ConfigError, GvwError, InUseError, PolicyError
from gvw.base.versions import ExactSpec, GoVersion, Spec, newest_matching
from gvw.fleet.desired_state import Manifest
from gvw.fleet.lockfile import Lock
from gvw.fleet.policy import violation
from gvw.install.installer import Installer, Planned
from gvw.knowledge.release_knowledge import Knowledge
from gvw.selection.resolver import read_version_file
from gvw.store.version_store import Store


@dataclass
class Plan:
    installs: list[Planned] = field(default_factory=list)  # each with its archive
    resolved: dict[str, GoVersion] = field(default_factory=dict)  # spec -> version
    global_old: str | None = None  # what <root>/version says now
    global_new: str | None = None  # set when the global pin changes
    prunes: list[GoVersion] = field(default_factory=list)
    # the policy: versions the manifest names that it refuses, installed ones to remove
    refusals: list[tuple[GoVersion, str]] = field(default_factory=list)
    removals: list[tuple[GoVersion, str]] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def in_line(self) -> bool:
        return not (
            self.installs or self.global_new or self.prunes or self.refusals or self.removals
        )

    def refused(self, manifest: Manifest) -> PolicyError:
        """The error that stops an apply while the manifest names refused versions."""
        what = "; ".join(f"Go {v.name}: {why}" for v, why in self.refusals)
        rules = ", ".join(f'"{r}"' for r in manifest.refuse)
        return PolicyError(
            f"{manifest.path}: its policy (go.refuse = [{rules}]) refuses {what}; "
            "nothing was changed",
            hint=f"name other releases in go.versions or go.global (a family such as "
            f"1.25 follows its patch releases), then check: gvw apply {manifest.path} --check",
        )

    def actions(self) -> list[dict[str, Any]]:
        spec_of = {v: s for s, v in self.resolved.items()}
        actions: list[dict[str, Any]] = [
            {"action": "refuse", "version": v.name, "reason": why} for v, why in self.refusals
        ]
        for planned in self.installs:
            assert planned.archive is not None
            actions.append(
                {
                    "action": "install",
                    "version": planned.version.name,
                    "spec": spec_of.get(planned.version),
                    "archive": planned.archive.filename,
                    "sha256": planned.archive.sha256,
                }
            )
        if self.global_new is not None:
            actions.append({"action": "global", "old": self.global_old, "new": self.global_new})
        actions.extend({"action": "prune", "version": v.name} for v in self.prunes)
        actions.extend(
            {"action": "remove", "version": v.name, "reason": why} for v, why in self.removals
        )
        return actions


def make_plan(
    manifest: Manifest,
    *,
    store: Store,
    installer: Installer,
    lock: Lock | None,
    knowledge: Knowledge | None = None,
) -> Plan:
    """The plan; ``knowledge`` is needed when the manifest has a policy."""
    plan = Plan()
    installed = store.installed()
    for spelled, spec in manifest.specs:
        planned = _resolve(spec, spelled, store=store, installer=installer, lock=lock)
        plan.resolved[str(spec)] = planned.version
        if planned.archive is not None and not store.is_installed(planned.version):
            if planned.version not in {p.version for p in plan.installs}:
                plan.installs.append(planned)
        elif lock is not None:
            _check_installed_checksum(planned.version, store, lock, installer, plan)
    wanted = set(plan.resolved.values())
    plan.global_old = _global_text(store)
    if manifest.global_spec is not None:
        target = _global_target(manifest, plan.resolved)
        if target.name != plan.global_old:
            plan.global_new = target.name
    if manifest.prune:
        plan.prunes = [v for v in installed if v not in wanted]
        _refuse_pruning_global(plan, store)
    if manifest.refuse:
        assert knowledge is not None, "a policy needs what is known about releases"
        _apply_policy(manifest, plan, installed, knowledge, store)
    plan.before = _state(installed, plan.global_old)
    removed = set(plan.prunes) | {v for v, _ in plan.removals}
    after = (set(installed) - removed) | {p.version for p in plan.installs}
    plan.after = _state(after, plan.global_new or plan.global_old)
    return plan


def _apply_policy(
    manifest: Manifest,
    plan: Plan,
    installed: list[GoVersion],
    knowledge: Knowledge,
    store: Store,
) -> None:
    """Refuse named versions that break the policy; remove installed ones (but never
    the version the global file keeps selecting: that is refused instead)."""
    named = dict.fromkeys(plan.resolved.values())
    for version in named:
        why = violation(version, knowledge, manifest.refuse)
        if why:
            plan.refusals.append((version, why))
    global_selected = None
    if plan.global_new is None:
        with contextlib.suppress(GvwError):
            spec = read_version_file(store.paths.global_file).spec
            global_selected = newest_matching(spec, installed)
    for version in installed:
        if version in named or version in plan.prunes:
            continue
        why = violation(version, knowledge, manifest.refuse)
        if why and version == global_selected:
            plan.refusals.append((version, f"{why}; it is the global version: set go.global"))
        elif why:
            plan.removals.append((version, why))


def _resolve(
    spec: Spec, spelled: str, *, store: Store, installer: Installer, lock: Lock | None
) -> Planned:
    if lock is not None:
        version = lock.version_for(spec)
        if store.is_installed(version):
            return Planned(version, None)
        archive = lock.archive_for(version, installer.platform)
        return Planned(version, archive.release_file(installer.platform))
    if isinstance(spec, ExactSpec) and store.is_installed(spec.version):
        return Planned(spec.version, None)
    return installer.plan(spec, spelled=spelled)


def _check_installed_checksum(
    version: GoVersion, store: Store, lock: Lock, installer: Installer, plan: Plan
) -> None:
    """An installed version from another archive is reported, not reinstalled."""
    with contextlib.suppress(GvwError):
        locked = lock.archive_for(version, installer.platform).sha256
        meta = store.metadata(version)
        if meta is not None and meta.sha256 and meta.sha256 != locked:
            plan.warnings.append(
                f"Go {version.name} is installed from an archive with sha256 {meta.sha256}, "
                f"not the locked {locked}; reinstall it with: gvw uninstall {version.name} "
                "and gvw apply --locked"
            )


def _global_target(manifest: Manifest, resolved: dict[str, GoVersion]) -> GoVersion:
    assert manifest.global_spec is not None
    spelled, spec = manifest.global_spec
    if str(spec) in resolved:
        return resolved[str(spec)]
    # an exact release of a listed family: only if the family resolved to it
    if isinstance(spec, ExactSpec) and spec.version in resolved.values():
        return spec.version
    chosen = ", ".join(f"{s} -> {v}" for s, v in resolved.items())
    raise ConfigError(
        f"{manifest.path}: go.global = {spelled!r} is not among the versions the manifest "
        f"resolves to ({chosen}); nothing was changed",
        hint=f"name one of them in go.global, or add {spelled} to go.versions",
    )


def _global_text(store: Store) -> str | None:
    path = store.paths.global_file
    try:
        return str(read_version_file(path).spec) if path.is_file() else None
    except GvwError:
        return None  # a broken pin is replaced like any other


def _refuse_pruning_global(plan: Plan, store: Store) -> None:
    if plan.global_new is not None or plan.global_old is None:
        return
    selected = None
    with contextlib.suppress(GvwError):  # a broken pin selects nothing that prune could take
        spec = read_version_file(store.paths.global_file).spec
        selected = newest_matching(spec, store.installed())
    if selected in plan.prunes:
        raise InUseError(
            f"prune would move Go {selected}, the global version (set by "
            f"{store.paths.global_file}), to the trash; nothing was changed",
            hint='add global = "VERSION" to the manifest, or name that version in it',
        )


def _state(installed: Collection[GoVersion], global_version: str | None) -> dict[str, Any]:
    return {"installed": [v.name for v in sorted(installed)], "global": global_version}
