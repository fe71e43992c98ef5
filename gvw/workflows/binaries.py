"""The size of the programs a project's build produces, per Go version.

``go build ./...`` writes nothing when it builds several packages, and
``go build -o DIR/ ./...`` links the main packages but skips non-main packages no
program imports (so it is not the same check). So after a ``go build`` check passed
under a version, the same command with ``-o DIR/`` links its programs into a
temporary directory (the compiled packages come from the build cache: it costs the
link); their sizes are kept and the directory removed. A project without programs
has no sizes ("no main packages to build").
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gvw.base.fsutil import remove_tree
from gvw.base.reporting import Reporter
from gvw.workflows.trying import Run, Toolchain, run_env, run_logged


@dataclass
class Binaries:
    toolchain: Toolchain
    command: tuple[str, ...]  # the build check they come from
    sizes: dict[str, int]  # program file name -> bytes
    log: Path

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.toolchain.name,
            "command": list(self.command),
            "sizes": self.sizes,
            "log": str(self.log),
        }


def measurable(command: Sequence[str]) -> bool:
    """A ``go build`` that chooses no output of its own."""
    return tuple(command[:2]) == ("go", "build") and not any(
        a == "-o" or a.startswith("-o=") for a in command
    )


def measure(
    runs: Sequence[Run], *, cwd: Path, env: Mapping[str, str], log_dir: Path, reporter: Reporter
) -> list[Binaries]:
    """For each passing ``go build`` run, the programs it builds and their sizes."""
    found = []
    for number, run in enumerate(r for r in runs if r.ok and measurable(r.command)):
        toolchain = run.toolchain
        out = log_dir / f"bin-{number}-{toolchain.role}-{toolchain.name}"
        log = log_dir / f"bin-{number}-{toolchain.role}-{toolchain.name}.log"
        command = (*run.command[:2], "-o", str(out) + "/", *run.command[2:])
        label = f"Go {toolchain.name}: linking the programs of {' '.join(run.command)}"
        try:
            finished = run_logged(command, run_env(env, toolchain), cwd, log, reporter, label)
            sizes = {}
            if finished.exit_code == 0 and out.is_dir():
                sizes = {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()}
        finally:
            with contextlib.suppress(OSError):
                remove_tree(out)
        found.append(Binaries(toolchain, run.command, sizes, log))
    return found
