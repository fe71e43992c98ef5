"""Carrying out a plan inside the change guard: one snapshot before the first change,
each change noted for the audit log; ``gvw rollback`` undoes the whole apply (pruned
versions come back from the trash without a download).

Applies on one store are serialised by the ``apply`` lock, and each one plans again
once it holds it: a second apply of the same manifest that waited finds the machine in
line and changes nothing. Installs and removals also take the version's install lock,
so ``gvw install`` and ``gvw uninstall`` running beside an apply stay safe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from gvw.fleet.plan import Plan
from gvw.history.changes import Change
from gvw.install.installer import Installer
from gvw.store.version_store import Store
from gvw.workflows.pins import write_pin


@contextmanager
def apply_lock(store: Store) -> Iterator[None]:
    with store.lock("apply"):
        yield


def carry_out(
    plan: Plan, *, store: Store, installer: Installer, env: Mapping[str, str], change: Change
) -> None:
    """Install, pin, prune; what was done before a failure stays done (and noted)."""

    def snapshot_first(_version: object) -> None:  # under the version's lock, just
        change.snapshot()  # before a new version becomes visible

    installer.before_change = snapshot_first
    for planned in plan.installs:
        outcome = installer.install_planned(planned)
        if not outcome.already_installed:
            change.versions_changed()
            change.note("installed", version=outcome.version.name)
    with change.exclusive():  # the pin and the prunes against concurrent uninstalls, pins
        if plan.global_new is not None:
            write_pin(store.paths.global_file, plan.global_new, store=store, env=env, change=change)
        for version in plan.prunes:
            change.snapshot()
            with store.install_lock(version):
                if not store.is_installed(version):
                    continue  # removed by hand or by another gvw since the plan
                store.remove(version)
            change.versions_changed()
            change.note("pruned", version=version.name)
