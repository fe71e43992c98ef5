"""What differs between two states, as lines a person reads: ``label: old -> new``.

The comparison is the restore's own (:func:`gvw.history.snapshots.kinds.compare`): every line
``gvw snapshots diff ID`` shows is a change ``gvw restore ID`` makes (in the other
direction) or leaves alone with a warning. The shell's variables come last.
"""

from __future__ import annotations

from gvw.history.snapshots.display import Change, env_text
from gvw.history.snapshots.kinds import compare, process_env_changes
from gvw.history.snapshots.model import State

__all__ = ["Change", "diff"]


def diff(old: State, new: State) -> list[Change]:
    """Every difference from ``old`` to ``new``, in restore order, then the process
    environment."""
    changes = [change for step in compare(old, new) for change in step.changes]
    for var, (a, b) in process_env_changes(old, new).items():
        changes.append(Change(f"${var}", env_text(a), env_text(b)))
    return changes
