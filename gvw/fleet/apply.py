"""Carrying out a plan inside the change guard: one snapshot before the first change,
each change noted for the audit log; ``gvw rollback`` undoes the whole apply (pruned
versions come back from the trash without a download).

With a verifier (``gvw apply --verify``) the versions the apply installs, and the one it
makes global, are verified before the global pin changes (verify -> switch): a failure
raises :class:`ApplyVerifyFailed` with the global file as it was.

Applies on one store are serialised by the ``apply`` lock, and each one plans again
once it holds it: a second apply of the same manifest that waited finds the machine in
line and changes nothing. Installs and removals also take the version's install lock,
so ``gvw install`` and ``gvw uninstall`` running beside an apply stay safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from gvw.base.errors import VerifyError
from gvw.base.versions import GoVersion, parse_installed_name
from gvw.fleet.desired_state import Manifest
from gvw.fleet.plan import Plan
from gvw.history.changes import Change
from gvw.install.installer import Installer
from gvw.store.version_store import Store
from gvw.workflows.pins import write_pin
from gvw.workflows.verify import VersionReport, failures

Verifier = Callable[[GoVersion], VersionReport]


class ApplyVerifyFailed(VerifyError):
    def __init__(self, message: str, *, hint: str | None, reports: Sequence[VersionReport]) -> None:
        super().__init__(message, hint=hint)
        self.reports = list(reports)


@contextmanager
def apply_lock(store: Store) -> Iterator[None]:
    with store.lock("apply"):
        yield


def carry_out(
    plan: Plan,
    *,
    manifest: Manifest,
    store: Store,
    installer: Installer,
    env: Mapping[str, str],
    change: Change,
    verify: Verifier | None = None,
) -> list[VersionReport]:
    """Install, verify (when given a verifier), pin, prune, remove; what was done
    before a failure stays done (and noted). Nothing at all while the policy refuses a
    version the manifest names. Returns the verification reports."""
    if plan.refusals:
        raise plan.refused(manifest)

    def snapshot_first(_version: object) -> None:  # under the version's lock, just
        change.snapshot()  # before a new version becomes visible

    installer.before_change = snapshot_first
    installed = []
    for planned in plan.installs:
        outcome = installer.install_planned(planned)
        if not outcome.already_installed:
            change.versions_changed()
            change.note("installed", version=outcome.version.name)
            installed.append(outcome.version)
    reports = []
    if verify is not None:
        reports = [verify(v) for v in _to_verify(installed, plan.global_new)]
        _require_verified(reports)
    with change.exclusive():  # the pin and the prunes against concurrent uninstalls, pins
        if plan.global_new is not None:
            write_pin(store.paths.global_file, plan.global_new, store=store, env=env, change=change)
        leaving: list[tuple[GoVersion, str, str | None]] = [
            (v, "pruned", None) for v in plan.prunes
        ]
        leaving += [(v, "removed", why) for v, why in plan.removals]
        for version, kind, why in leaving:
            change.snapshot()
            with store.install_lock(version):
                if not store.is_installed(version):
                    continue  # removed by hand or by another gvw since the plan
                store.remove(version)
            change.versions_changed()
            change.note(kind, version=version.name, **({"why": why} if why else {}))
    return reports


def _to_verify(installed: list[GoVersion], global_new: str | None) -> list[GoVersion]:
    """What this apply brings into use: the versions it installed, and the version it
    makes global even when that was installed before."""
    chosen = list(installed)
    if global_new is not None:
        target = parse_installed_name(global_new)
        if target is not None and target not in chosen:
            chosen.append(target)
    return chosen


def _require_verified(reports: Sequence[VersionReport]) -> None:
    what = failures(reports)
    if not what:
        return
    raise ApplyVerifyFailed(
        f"verification failed for {what}; the global version was not changed",
        hint=None,
        reports=reports,
    )
