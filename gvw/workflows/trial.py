"""One trial of candidate Go versions on a project (``gvw try``, the checks of
``gvw upgrade``): the project's commands under the current Go and each candidate
(:mod:`gvw.workflows.trying`), the programs' sizes (:mod:`gvw.workflows.binaries`), the
module lists (:mod:`gvw.workflows.module_list`), and the judgement
(:mod:`gvw.workflows.judgement`). Everything it writes goes to the log directory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gvw.base.reporting import Reporter
from gvw.selection.pathsearch import find_up
from gvw.workflows.binaries import Binaries, measure
from gvw.workflows.judgement import Regression, notes, regressions
from gvw.workflows.module_list import ModuleChanges, ModuleList, module_changes, module_list
from gvw.workflows.trying import Run, Toolchain, new_log_dir, run_checks


@dataclass(frozen=True)
class TrialSettings:
    commands: Sequence[tuple[str, ...]]
    cwd: Path
    env: Mapping[str, str]
    log_dir: Path
    repeat: int = 1
    max_slowdown: float | None = None  # percent; None: times are shown, not judged
    modules: bool = True  # keep the module lists (only in a Go module)


def settings_for(
    commands: Sequence[tuple[str, ...]],
    *,
    cwd: Path,
    env: Mapping[str, str],
    cache: Path,
    repeat: int,
    max_slowdown: float | None,
) -> TrialSettings:
    """The settings of a trial in ``cwd``: a fresh log directory under ``cache``, module
    lists only in a Go module."""
    return TrialSettings(
        commands,
        cwd,
        env,
        new_log_dir(cache),
        repeat=repeat,
        max_slowdown=max_slowdown,
        modules=find_up(cwd, "go.mod") is not None,
    )


@dataclass
class Trial:
    toolchains: list[Toolchain]
    runs: list[Run]
    binaries: list[Binaries] = field(default_factory=list)
    modules: list[ModuleList] = field(default_factory=list)
    regressions: list[Regression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def module_list_of(self, toolchain: Toolchain) -> ModuleList | None:
        return next((m for m in self.modules if m.toolchain == toolchain), None)

    def module_changes(self) -> dict[Toolchain, ModuleChanges]:
        """For each candidate, how its module list differs from the current one's
        (when both lists could be made)."""
        current = next((m for m in self.modules if m.toolchain.role == "current"), None)
        if current is None or current.modules is None:
            return {}
        return {
            m.toolchain: module_changes(current.modules, m.modules)
            for m in self.modules
            if m.toolchain.role == "candidate" and m.modules is not None
        }


def run_trial(
    toolchains: Sequence[Toolchain],
    settings: TrialSettings,
    *,
    reporter: Reporter,
    known_modules: Sequence[ModuleList] = (),
) -> Trial:
    """The module lists first (a record of what the project used before anything ran),
    then the commands, the programs' sizes, and the judgement. ``known_modules`` are
    lists already made (``gvw upgrade`` keeps the current one in its snapshot)."""
    modules = list(known_modules)
    if settings.modules:
        made = {m.toolchain for m in modules}
        for toolchain in toolchains:
            if toolchain not in made:
                modules.append(
                    module_list(
                        toolchain,
                        cwd=settings.cwd,
                        env=settings.env,
                        log_dir=settings.log_dir,
                        reporter=reporter,
                    )
                )
    runs = run_checks(
        settings.commands,
        toolchains,
        cwd=settings.cwd,
        env=settings.env,
        log_dir=settings.log_dir,
        reporter=reporter,
        repeat=settings.repeat,
    )
    binaries = measure(
        runs, cwd=settings.cwd, env=settings.env, log_dir=settings.log_dir, reporter=reporter
    )
    return Trial(
        list(toolchains),
        runs,
        binaries,
        modules,
        regressions(runs, max_slowdown=settings.max_slowdown),
        notes(runs, repeat=settings.repeat, max_slowdown=settings.max_slowdown),
    )
