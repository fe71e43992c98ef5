"""The project's module list (``go list -m all``) under a given Go, kept with a try's
logs and in the snapshot an upgrade takes, and the differences between two of them.

Each line of ``go list -m all`` is a module path, its version and, when go.mod replaces
it, ``=> replacement [version]``; the first line is the main module (path only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gvw.base.reporting import Reporter
from gvw.base.sanitize import printable
from gvw.workflows.trying import Toolchain, run_env, run_logged

COMMAND = ("go", "list", "-m", "all")
MAX_MODULES = 100_000


@dataclass
class ModuleList:
    toolchain: Toolchain
    file: Path  # the kept list (``$ go list -m all`` then its output)
    modules: list[str] | None  # None: go list failed (its output is in ``file``)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.toolchain.name,
            "file": str(self.file),
            "count": None if self.modules is None else len(self.modules),
            "ok": self.modules is not None,
        }


@dataclass
class ModuleChanges:
    added: list[str] = field(default_factory=list)  # "path version"
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # path, old, new

    @property
    def none(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": [{"path": p, "old": o, "new": n} for p, o, n in self.changed],
        }

    def lines(self) -> list[str]:
        """``+ path version``, ``- path version``, ``~ path old -> new``."""
        return [
            *(f"+ {m}" for m in self.added),
            *(f"- {m}" for m in self.removed),
            *(f"~ {p} {o} -> {n}" for p, o, n in self.changed),
        ]


def module_list(
    toolchain: Toolchain, *, cwd: Path, env: Mapping[str, str], log_dir: Path, reporter: Reporter
) -> ModuleList:
    file = log_dir / f"modules-{toolchain.role}-{toolchain.name}.txt"
    label = f"Go {toolchain.name}: {' '.join(COMMAND)}"
    finished = run_logged(COMMAND, run_env(env, toolchain), cwd, file, reporter, label)
    if finished.exit_code != 0:
        return ModuleList(toolchain, file, None)
    lines = file.read_text("utf-8", "replace").splitlines()[1:]  # after the "$ go list" line
    # stderr is in the file too: "go: downloading ..." is no module (a path has no ":")
    modules = [printable(x) for x in lines if x.strip() and ":" not in x.split()[0]]
    return ModuleList(toolchain, file, modules[:MAX_MODULES])


def module_changes(before: list[str], after: list[str]) -> ModuleChanges:
    old, new = _by_path(before), _by_path(after)
    changes = ModuleChanges()
    for path in sorted(old.keys() | new.keys()):
        if path not in new:
            changes.removed.append(f"{path} {old[path]}".strip())
        elif path not in old:
            changes.added.append(f"{path} {new[path]}".strip())
        elif old[path] != new[path]:
            changes.changed.append((path, old[path], new[path]))
    return changes


def _by_path(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        path, _, rest = line.strip().partition(" ")
        found[path] = rest.strip()
    return found
