"""The programs in GOPATH/bin (``gvw tools``) and rebuilding them with another Go
(``gvw tools rebuild``, ``gvw upgrade --rebuild-tools``).

The directory is the one ``go install`` writes to and snapshots record (GOBIN, else the
first GOPATH entry's bin, else ~/go/bin; the process environment beats the go env
file). What built each program is read from its build information without running
it. A rebuild is ``go install <package>@<module version>`` with the target toolchain
and GOTOOLCHAIN=local (so Go's own switch cannot pick another one), the user's
GOPROXY/GOFLAGS/GOPRIVATE as they are, into a private directory in GOPATH/bin
(``.gvw-rebuild-<pid>-<random>/``, held while in use: the next rebuild removes those
whose process is gone, :mod:`gvw.base.leftovers`);
only a program that built and carries the expected build info replaces the old one,
after the change was snapshotted (scope ``tools``: ``gvw rollback`` puts the old
programs back from the snapshot's blobs).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gvw.base.errors import GvwError, NotInstalledError, UsageError
from gvw.base.fsutil import is_temp_sibling_name, replace, store_error
from gvw.base.gomodule import import_path_problem, version_problem
from gvw.base.leftovers import held_directory, remove_abandoned
from gvw.host.buildinfo import BuildInfo, read_build_info_file
from gvw.host.gobin import program_entries
from gvw.host.goenv import go_bin_dir, go_env_file, read_go_env_file

if TYPE_CHECKING:
    from gvw.history.changes import Change
    from gvw.store.version_store import Store

BUILD_TIMEOUT_SECONDS = 1800.0
REBUILD_PREFIX = ".gvw-rebuild-"
_MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class Toolchain:
    """The Go that rebuilds: its go binary, its GOROOT (None: the system go), its name."""

    go: Path
    goroot: Path | None
    version: str  # "go1.22.10"


@dataclass(frozen=True)
class ToolInfo:
    name: str
    path: Path
    size: int
    build: BuildInfo | None

    @property
    def go_version(self) -> str:
        return self.build.go_version if self.build else ""

    @property
    def package(self) -> str:
        """What ``go install`` takes: the main package's path (``.../cmd/dlv``)."""
        return self.build.path if self.build else ""

    @property
    def module_version(self) -> str:
        return self.build.module_version if self.build else ""

    @property
    def not_rebuildable(self) -> str | None:
        """Why ``go install <package>@<version>`` cannot reproduce it; None: it can."""
        build = self.build
        if build is None:
            return "no Go build information (not a Go program, or built before Go 1.18)"
        if build.path == "command-line-arguments":
            return "built from .go files named on the command line"
        if not build.module or not build.module_version or build.module_version == "(devel)":
            return "built from a local checkout ((devel) version)"
        if "+dirty" in build.module_version:
            return "built from a modified local checkout (+dirty)"
        problem = import_path_problem(build.path) or version_problem(build.module_version)
        if problem is not None:  # never a word go install could read as an option
            return f"its build information names no package go install takes: {problem}"
        expected = install_name(build.path)
        if Path(self.name).stem != expected and self.name != expected:
            return f"renamed: go install would write {expected}, not {self.name}"
        return None

    def describe(self, selected: str | None) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "size": self.size,
            "go_version": self.go_version or None,
            "package": self.package or None,
            "module": self.build.module if self.build and self.build.module else None,
            "module_version": self.module_version or None,
            "differs_from_selected": bool(self.go_version)
            and selected is not None
            and self.go_version != selected,
            "rebuildable": self.not_rebuildable is None,
            "reason": self.not_rebuildable,
        }


@dataclass(frozen=True)
class Rebuilt:
    """The outcome for one program: status is rebuilt, current (built by the target
    already), would-rebuild (dry run), not-rebuildable or failed; ``detail`` says why."""

    tool: ToolInfo
    status: str
    detail: str = ""
    new_go_version: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("rebuilt", "current", "would-rebuild")


def tools_dir(env: Mapping[str, str], goos: str) -> Path | None:
    """Where ``go install`` puts programs for this user, None when it has no such
    directory (a relative GOBIN)."""
    file_values = read_go_env_file(go_env_file(env, goos))
    found = go_bin_dir(env, file_values, goos)
    return Path(os.path.normpath(found)) if found is not None and found.is_absolute() else None


def list_tools(directory: Path | None) -> list[ToolInfo]:
    """The programs in ``directory`` (regular files with plain names, not hidden)."""
    if directory is None:
        return []
    tools = []
    for entry, info in program_entries(directory):
        try:  # read in pieces: a 900 MB program costs no 900 MB of memory
            build = read_build_info_file(entry.path)
        except OSError:
            continue
        tools.append(ToolInfo(entry.name, Path(entry.path), info.st_size, build))
    return tools


def install_name(package: str) -> str:
    """The file ``go install`` writes for ``package``: its last element, or the one
    before a major-version suffix (``.../cmd/foo/v2`` -> ``foo``), as cmd/go does."""
    parts = package.rstrip("/").split("/")
    last = parts[-1]
    if len(parts) > 1 and last.startswith("v") and last[1:].isdigit():
        return parts[-2]
    return last


def pick(tools: Sequence[ToolInfo], names: Sequence[str], directory: Path | None) -> list[ToolInfo]:
    """The tools named (all when none are), or a usage error naming the unknown ones."""
    if not names:
        return list(tools)
    by_name = {t.name: t for t in tools}
    by_stem = {Path(t.name).stem: t for t in tools}
    unknown = [n for n in names if n not in by_name and n not in by_stem]
    if unknown:
        raise UsageError(
            f"no program named {', '.join(unknown)} in {directory or 'GOPATH/bin'}",
            hint="see the programs there with: gvw tools",
        )
    chosen = [by_name.get(n) or by_stem[n] for n in names]  # "dlv" finds dlv.exe too
    return list({t.name: t for t in chosen}.values())


def rebuild_tools(
    tools: Sequence[ToolInfo],
    target: Toolchain,
    *,
    env: Mapping[str, str],
    directory: Path,
    change: Change | None,
    dry_run: bool = False,
) -> list[Rebuilt]:
    """Rebuild ``tools`` with ``target``; the guard's ``change`` (scope ``tools``; None
    for a dry run, which changes nothing) is snapshotted before the first program is
    replaced. A program that cannot be rebuilt, or whose rebuild fails, is left as it
    is. Also used by ``gvw upgrade --rebuild-tools``."""
    if not dry_run:  # what killed rebuilds and restores left in GOPATH/bin
        remove_abandoned(
            directory,
            files=is_temp_sibling_name,
            directories=lambda name: name.startswith(REBUILD_PREFIX),
        )
    results = []
    for tool in tools:
        reason = tool.not_rebuildable
        if reason is not None:
            results.append(Rebuilt(tool, "not-rebuildable", reason))
        elif tool.go_version == target.version:
            results.append(Rebuilt(tool, "current", f"already built with {target.version}"))
        elif dry_run:
            results.append(Rebuilt(tool, "would-rebuild", _command(tool)))
        else:
            assert change is not None, "a rebuild runs in the change guard"
            results.append(_rebuild_one(tool, target, env=env, directory=directory, change=change))
    return results


def _command(tool: ToolInfo) -> str:
    return f"go install {tool.package}@{tool.module_version}"


def _rebuild_one(
    tool: ToolInfo, target: Toolchain, *, env: Mapping[str, str], directory: Path, change: Change
) -> Rebuilt:
    # in GOPATH/bin itself, so the new program replaces the old one with one rename
    with held_directory(directory, REBUILD_PREFIX) as scratch:
        out = scratch / "bin"  # beside the directory's owner file: only what go writes
        try:
            out.mkdir()
        except OSError as exc:
            raise store_error(exc, "create", out) from exc
        built = _go_install(tool, target, env=env, out=out)
        if isinstance(built, str):
            return Rebuilt(tool, "failed", built)
        change.snapshot()  # the old programs are kept by content hash
        try:
            replace(built[0], tool.path)
        except OSError as exc:
            return Rebuilt(tool, "failed", store_error(exc, "replace", tool.path).message)
        change.note(
            "tool",
            name=tool.name,
            module=tool.build.module if tool.build else "",
            version=tool.module_version,
            old_go=tool.go_version,
            new_go=built[1],
        )
        return Rebuilt(tool, "rebuilt", _command(tool), built[1])


def _go_install(
    tool: ToolInfo, target: Toolchain, *, env: Mapping[str, str], out: Path
) -> tuple[Path, str] | str:
    """Build ``tool`` into ``out``: the new program and its Go version, or the error."""
    run_env = dict(env)
    run_env.update(GOTOOLCHAIN="local", GOBIN=str(out))
    run_env.pop("GVW_SHIM_DEPTH", None)
    if target.goroot is not None:
        run_env["GOROOT"] = str(target.goroot)  # never another version's GOROOT
    # checked by not_rebuildable, and after "--" all the same: data, never an option
    command = [str(target.go), "install", "--", f"{tool.package}@{tool.module_version}"]
    try:
        done = subprocess.run(
            command,
            cwd=out,  # no go.mod or go.work of the user's current directory applies
            env=run_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=BUILD_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{_command(tool)} with {target.version} could not run: {exc}"
    if done.returncode != 0:
        # go's last lines, as one line: shown on the terminal, they carry no line breaks
        lines = (done.stderr or done.stdout).strip()[-_MAX_ERROR_CHARS:].splitlines()
        text = " | ".join(line.strip() for line in lines if line.strip())
        return f"{_command(tool)} with {target.version} failed: {text}"
    produced = [p for p in out.iterdir() if p.is_file()]
    if len(produced) != 1:
        return f"{_command(tool)} with {target.version} wrote {len(produced)} programs, not one"
    info = read_build_info_file(produced[0])
    expected = tool.build
    if info is None or expected is None or info.module_version != expected.module_version:
        return f"{_command(tool)} with {target.version} built something else"
    return produced[0], info.go_version


def target_toolchain(
    with_version: str | None, cwd: Path | None, env: Mapping[str, str], store: Store
) -> Toolchain:
    """``--with VERSION`` among the installed versions, else the Go selected here."""
    from gvw.base.versions import parse_spec
    from gvw.selection.resolver import Selection, find_selection, resolve
    from gvw.workflows.project import system_go_version

    if with_version is not None:
        spec = parse_spec(with_version, origin="--with")
        selection: Selection | None = Selection(spec, origin="--with")
    else:
        selection = find_selection(cwd, env, store.paths)
    resolved = resolve(selection, store, env)
    if resolved.system_go is not None:
        version = system_go_version(env, store)
        if version is None:
            installed = store.installed()
            raise NotInstalledError(
                f"cannot tell which Go {resolved.system_go} is",
                hint=f"name an installed version: gvw tools rebuild --with {installed[0]}"
                if installed
                else "install one with: gvw install latest",
            )
        return Toolchain(resolved.system_go, None, f"go{version.name}")
    assert resolved.version is not None and resolved.goroot is not None
    go = resolved.goroot / "bin" / ("go.exe" if os.name == "nt" else "go")
    return Toolchain(go, resolved.goroot, f"go{resolved.version.name}")


def selected_go(cwd: Path | None, env: Mapping[str, str], store: Store) -> str | None:
    """The Go selected here (``go1.22.10``), None when there is none or it is missing."""
    try:
        return target_toolchain(None, cwd, env, store).version
    except GvwError:
        return None


def not_rebuilt_error(results: Sequence[Rebuilt]) -> GvwError | None:
    """The error (exit 22) when some programs were not rebuilt; None when all were."""
    from gvw.base.errors import ToolsNotRebuiltError

    missed = [r for r in results if not r.ok]
    if not missed:
        return None
    names = ", ".join(r.tool.name for r in missed)
    return ToolsNotRebuiltError(
        f"{len(missed)} of {len(results)} programs were not rebuilt: {names}",
        hint="see the reasons above; reinstall those from their source",
    )
