"""The steps of a restore plan, and what they work on (see :mod:`gvw.history.snapshots.kinds`).

A step is one difference between two states: the kind of state, the change shown,
and for a restore the action that makes it, a check run before anything changes, or
the reason it is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gvw.history.snapshots.display import Change
from gvw.history.snapshots.model import ScopeKind, State
from gvw.host.windows_registry import RegistryValue

if TYPE_CHECKING:
    from gvw.history.snapshots.repository import SnapshotRepository
    from gvw.install.installer import Installer
    from gvw.store.version_store import Store

LazyInstaller = Callable[[], "Installer"]


@dataclass(frozen=True)
class Machine:
    """What a restore's actions work on."""

    store: Store
    installer: LazyInstaller


@dataclass(frozen=True)
class Step:
    kind: ScopeKind
    changes: tuple[Change, ...]  # before -> after, as shown; () for a bare warning
    action: Callable[[Machine], None] | None = None  # None: nothing done on this machine
    check: Callable[[SnapshotRepository, LazyInstaller], None] | None = None
    left_alone: str = ""  # why a restore does not make this change (a warning)
    path: str = ""  # the file the action writes (a profile, for the snapshot before it)
    writes: Mapping[str, RegistryValue | None] = field(default_factory=dict)  # registry

    @property
    def acts(self) -> bool:
        return self.action is not None or bool(self.writes)


@dataclass(frozen=True)
class Where:
    """What a restore plan knows besides the two states (None for a plain comparison)."""

    store: Store
    target_id: str
    windows: bool
    managed: Collection[str] = ()  # profile_key of the profiles gvw manages now
    blobs: dict[str, Path] = field(default_factory=dict)  # checked kept programs, by sha256


Kind = Callable[[State, State, "Where | None"], Iterator[Step]]
