"""The ``go`` and ``toolchain`` lines of go.mod / go.work that make Go 1.21+ switch
toolchains (GOTOOLCHAIN=auto), found the way the go command finds them.

Go reads them from the workspace file when there is one (GOWORK, else the nearest
go.work up from the current directory; GOWORK=off: none), else from the nearest go.mod.
When the higher of the two names a newer Go than the one running, Go switches to it:
it runs ``go1.X.Y`` from PATH (gvw's launchers) or downloads it
(https://go.dev/doc/toolchain).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gvw.base.versions import GoVersion, parse_release_name
from gvw.selection.pathsearch import find_up

MAX_BYTES = 1 << 20  # go.mod files are small; a huge one is not worth reading whole


@dataclass(frozen=True)
class GoLines:
    file: Path
    go: str | None  # "1.22", "1.21.3", "1.23rc1"
    toolchain: str | None  # "go1.22.5"; None when absent or "default"

    @property
    def required(self) -> tuple[GoVersion, str] | None:
        """The newest Go these lines ask for, and the line that asks (``go 1.22``)."""
        found: list[tuple[GoVersion, str]] = []
        if self.go:
            version = parse_release_name(self.go)
            if version is not None:
                found.append((version, f"go {self.go}"))
        if self.toolchain:
            version = parse_release_name(self.toolchain)
            if version is not None:
                found.append((version, f"toolchain {self.toolchain}"))
        return max(found, key=lambda pair: pair[0].sort_key, default=None)


def governing_file(cwd: Path, env: Mapping[str, str]) -> Path | None:
    """The file whose go/toolchain lines the go command uses in ``cwd``."""
    gowork = env.get("GOWORK", "")
    if gowork != "off":
        work = Path(gowork) if gowork else find_up(cwd, "go.work")
        if work is not None and os.path.isfile(work):  # never raises, unlike Path.is_file
            return work
    return find_up(cwd, "go.mod")


def read_go_lines(path: Path) -> GoLines:
    """The ``go`` and ``toolchain`` directives of a go.mod or go.work file."""
    with open(path, "rb") as handle:
        text = handle.read(MAX_BYTES).decode("utf-8", "replace")
    go = toolchain = None
    for raw in text.splitlines():
        words = raw.split("//", 1)[0].split()
        if len(words) != 2:
            continue
        verb, value = words[0], words[1].strip('"`')
        if verb == "go":
            go = value
        elif verb == "toolchain" and value != "default":
            toolchain = value
    return GoLines(path, go, toolchain)
