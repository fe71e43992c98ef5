"""All or nothing for one machine's apply (``gvw apply --verify`` / ``--health-check``):
the step a configuration-management engine runs on each host of a ring.

The apply verifies what it brings into use before it switches (:mod:`gvw.fleet.apply`);
after the switch the health checks run with the new version selected
(:mod:`gvw.workflows.health`). When a step fails after the apply changed something,
everything it changed is put back from the snapshot it took — what ``gvw rollback``
would do, but for that snapshot and no other — and the failure says so.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gvw.base.errors import GvwError, HealthCheckError
from gvw.history.changes import Changes
from gvw.history.snapshots.service import RestoreOptions, Snapshots
from gvw.workflows.health import HealthCheck

if TYPE_CHECKING:
    from gvw.history.snapshots.apply import Plan
    from gvw.history.snapshots.diff import Change as StateChange
    from gvw.history.snapshots.model import Snapshot


@dataclass(frozen=True)
class PutBack:
    snapshot: str  # the apply's snapshot, whose scope was restored
    saved: str | None  # the state before putting back (gvw rollback would redo the apply)
    changes: tuple[str, ...]  # what was put back, in words

    def as_json(self) -> dict[str, object]:
        return {"snapshot": self.snapshot, "saved": self.saved, "changes": list(self.changes)}


@dataclass
class _Steps:
    """The restore's steps, kept as words for the report (nothing is printed)."""

    lines: list[str] = field(default_factory=list)

    def starting(self, plan: Plan) -> None:
        pass

    def saved(self, snapshot: Snapshot) -> None:
        pass

    def changed(self, change: StateChange) -> None:
        self.lines.append(str(change))


def put_back(
    snapshots: Snapshots, changes: Changes, snapshot_id: str, *, why: str, options: RestoreOptions
) -> PutBack:
    """Undo the apply that took ``snapshot_id``, as one change of its own."""
    steps = _Steps()
    with changes.change(f"rollback to {snapshot_id}", scope=[]) as change:
        change.note("rolled_back", snapshot=snapshot_id, because=why)
        result = snapshots.undo(snapshot_id, options, steps, change)
    saved = result.saved.id if result.saved is not None else None
    return PutBack(snapshot_id, saved, tuple(steps.lines))


def settle(failure: GvwError, snapshot_id: str, undo: Callable[[str], PutBack]) -> PutBack:
    """Put back what a failed apply changed (``undo(why)``) and say so in the failure's
    message. When putting back fails too, that error is raised, naming both failures
    and the command that finishes the job."""
    try:
        done = undo(failure.message)
    except GvwError as also:
        also.message = (
            f"{failure.message}; putting back what the apply changed failed too: {also.message}"
        )
        also.hint = f"put it back with: gvw restore {snapshot_id}"
        raise also from failure
    failure.message += f"; everything this apply changed was put back (snapshot {snapshot_id})"
    failure.hint = "; ".join(h for h in (failure.hint, "gvw rollback would redo the apply") if h)
    return done


def health_failure(checks: Sequence[HealthCheck], version: str | None) -> HealthCheckError:
    """The error for health checks whose last one failed."""
    failed = checks[-1]
    with_go = f"with Go {version}" if version is not None else "with the selected Go"
    return HealthCheckError(
        f"the health check {shlex.join(failed.command)!r} failed {with_go} after the switch "
        f"({failed.describe()})",
        hint=f"its output: {failed.log}",
    )
