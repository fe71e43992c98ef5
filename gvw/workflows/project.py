"""What a project directory needs: the version selected there, and the Go that its
go.mod or go.work asks for when that is newer (``gvw install`` with no argument,
``gvw local --from-go-mod``).

Go 1.21+ switches toolchains itself (GOTOOLCHAIN=auto) when the governing file's
``toolchain`` line, else its ``go`` line, names a newer Go than the one running; it
then runs ``go1.X.Y`` from PATH (gvw's launcher) or downloads it. Installing that
exact release beforehand is what keeps the switch offline (https://go.dev/doc/toolchain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from gvw.base.errors import UsageError
from gvw.base.versions import (
    ExactSpec,
    GoVersion,
    Spec,
    SystemSpec,
    newest_matching,
    parse_release_name,
)
from gvw.selection.gomod import GoLines, governing_file, read_go_lines
from gvw.selection.resolver import VERSION_FILE, find_selection, find_system_go
from gvw.store.version_store import Store

FIRST_DOT_ZERO = GoVersion(1, 21)  # from Go 1.21 on, a first release is named 1.X.0


@dataclass(frozen=True)
class GoModRequirement:
    """The exact toolchain a go.mod / go.work makes Go switch to, and the line that asks."""

    version: GoVersion
    line: str  # "toolchain go1.22.10", "go 1.22"
    file: Path

    @property
    def reason(self) -> str:
        return f"{self.line} in {self.file}"


@dataclass(frozen=True)
class Need:
    """One thing to install: a spec and why (which file asked for it)."""

    spec: Spec
    reason: str  # "set by /src/app/.go-version", "toolchain go1.22.10 in /src/app/go.mod"
    file: Path | None  # the file that asked, None for GVW_GO_VERSION


@dataclass(frozen=True)
class ProjectNeeds:
    """What a directory needs: its selection (None: the system go or nothing) and what
    its go.mod / go.work makes Go switch to."""

    selection: Need | None
    selected: GoVersion | None  # what runs now; None: not installed (yet) or unknown
    go_mod: GoModRequirement | None

    def go_mod_need(self, selected: GoVersion | None) -> Need | None:
        """The go.mod toolchain, when it is newer than ``selected`` (what the selection
        turned out to be once resolved; None: unknown, so install it to be sure)."""
        requirement = self.go_mod
        if requirement is None or (selected is not None and not selected < requirement.version):
            return None
        return Need(ExactSpec(requirement.version), requirement.reason, requirement.file)


def switch_target(lines: GoLines) -> GoModRequirement | None:
    """The toolchain Go's switch picks for these lines: the ``go`` line as a release
    (``go 1.22`` means go1.22.0, golang.org/issue/62278), replaced by the ``toolchain``
    line when that names a newer one, as cmd/go/internal/toolchain does."""
    found: GoModRequirement | None = None
    go = parse_release_name(lines.go) if lines.go else None
    if go is not None:
        found = GoModRequirement(as_release(go), f"go {lines.go}", lines.file)
    toolchain = parse_release_name(lines.toolchain) if lines.toolchain else None
    if toolchain is not None and (found is None or found.version < toolchain):
        found = GoModRequirement(toolchain, f"toolchain {lines.toolchain}", lines.file)
    return found


def as_release(version: GoVersion) -> GoVersion:
    """A language version (``1.22``) as the release Go switches to (``1.22.0``)."""
    if version.patch is None and version.pre is None and not version < FIRST_DOT_ZERO:
        return replace(version, patch=0)
    return version


def go_mod_requirement(cwd: Path, env: Mapping[str, str]) -> GoModRequirement | None:
    """What the file governing ``cwd`` (go.work beats go.mod, as in Go) asks for."""
    governing = governing_file(cwd, env)
    if governing is None:
        return None
    try:
        lines = read_go_lines(governing)
    except OSError:
        return None  # unreadable: the go command will say so itself
    return switch_target(lines)


def system_go_version(env: Mapping[str, str], store: Store) -> GoVersion | None:
    """The system go's version, read from its build information without running it."""
    from gvw.host.buildinfo import read_build_info_file

    go = find_system_go("go", env, store)
    if go is None:
        return None
    try:
        info = read_build_info_file(go)
    except OSError:
        return None
    return parse_release_name(info.go_version) if info is not None else None


def project_needs(cwd: Path, env: Mapping[str, str], store: Store) -> ProjectNeeds:
    """What ``gvw install`` with no argument installs in ``cwd``: the selection (as
    ``gvw current`` resolves it; the installer resolves a family spec against the index
    when nothing installed matches), then the go.mod toolchain when that is newer.

    Raises a usage error naming the files it looked for when there is neither.
    """
    selection = find_selection(cwd, env, store.paths)
    requirement = go_mod_requirement(cwd, env)
    if selection is None and requirement is None:
        raise UsageError(
            f"nothing to install here: no version given, no {VERSION_FILE} in {cwd} or "
            f"above, no global version file {store.paths.global_file}, no go.mod or go.work",
            hint="install the newest Go (it becomes the global version) with: gvw install latest",
        )
    if selection is None or isinstance(selection.spec, SystemSpec):
        return ProjectNeeds(None, system_go_version(env, store), requirement)
    need = Need(selection.spec, f"set by {selection.origin}", selection.file)
    # installed: in the user store or the machine store, which selection runs it from
    selected = newest_matching(selection.spec, store.selectable())
    return ProjectNeeds(need, selected, requirement)
