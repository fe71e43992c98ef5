"""Put a snapshot back: plan every change, check that all of it can be done, then do it.

Planning compares the snapshot with a capture of the current state and touches only
what differs. Everything that could fail for want of something (a kept program, a
version that must come from the mirror) is checked before the first change. The
order of the changes keeps the shims valid throughout: versions come back first,
then the selection is written, then versions the snapshot did not have go to the
trash (recoverable, like an uninstall).

What a restore writes, and where:
- ``<root>/version`` and the ``.go-version`` files the snapshot recorded (by name
  ``.go-version`` only, never through a symbolic link, only in existing directories);
- the go env file and GOPATH/bin at the locations the *current* environment gives
  (when they differ from the recorded ones, a warning says what was left alone);
  programs only from blobs whose content matches their recorded sha256;
- on Windows, in the registry user environment (HKCU\\Environment), only the values
  gvw and Go use (``model.restorable_registry_name``: Path, GOROOT, GOPATH, GOBIN,
  GOPROXY, GOFLAGS, GOTOOLCHAIN, GOENV, GVW_*), each with its recorded kind (REG_SZ or
  REG_EXPAND_SZ); every other value is left as it is, whoever added or changed it;
- the shell profiles the snapshot recorded (``gvw setup`` edits them), only those that
  are among the profiles gvw manages for the user now (``managed_profiles``; a warning
  names any other, which is left alone), never through a symbolic link, only in
  existing directories. A recorded profile is written back byte for byte. One recorded
  as absent is not simply deleted: the gvw block is taken out of it, and the file is
  deleted only when nothing else is left (what ``gvw setup --undo`` does), so lines
  someone else added since are kept.
Programs in GOPATH/bin that the snapshot does not list are left where they are.

A plan can be limited to some kinds of state (a snapshot's ``scope``, for ``gvw
rollback``); what lies outside is neither compared nor changed nor warned about.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gvw.errors import GvwError, NotInstalledError, SnapshotError
from gvw.fsutil import atomic_write_bytes, rename, store_error
from gvw.goenv import PROCESS_VARS
from gvw.registry import RegistryValue, UserEnvironment
from gvw.snapshots.diff import (
    ABSENT,
    NOT_INSTALLED,
    UNSET,
    Change,
    file_text,
    go_env_changes,
    profile_label,
    profile_text,
    registry_text,
    shown,
    tool_text,
)
from gvw.snapshots.model import ABSENT as FILE_ABSENT
from gvw.snapshots.model import (
    PRESENT,
    SCOPES,
    UNRECORDED,
    FileState,
    ProfileFile,
    ScopeKind,
    Snapshot,
    State,
    Tool,
    restorable_registry_name,
)
from gvw.snapshots.repository import SnapshotRepository
from gvw.store import METADATA_NAME, Store
from gvw.versions import ExactSpec, GoVersion, parse_installed_name

if TYPE_CHECKING:
    from gvw.install import Installer


@dataclass
class Plan:
    target: Snapshot
    current: State
    install: list[tuple[GoVersion, Path | None]] = field(default_factory=list)  # trash entry
    trash: list[GoVersion] = field(default_factory=list)
    global_file: FileState | None = None
    version_files: list[tuple[FileState, FileState]] = field(default_factory=list)  # (to, from)
    # (to, from, note): "to" is what the restore leaves, which for a profile recorded as
    # absent can be the current file without the gvw block
    profile_files: list[tuple[ProfileFile, ProfileFile, str]] = field(default_factory=list)
    go_env_file: FileState | None = None
    tools: list[tuple[Tool, Tool | None]] = field(default_factory=list)
    registry: dict[str, RegistryValue | None] = field(default_factory=dict)
    env: dict[str, str | None] = field(default_factory=dict)  # for the user's shell
    warnings: list[str] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)  # filled by prepare()

    @property
    def changes_anything(self) -> bool:
        """Whether a restore would change anything on this machine (the shell's own
        variables are printed, not changed, and do not count)."""
        return bool(
            self.install
            or self.trash
            or self.global_file
            or self.version_files
            or self.profile_files
            or self.go_env_file
            or self.tools
            or self.registry
        )


def plan_restore(
    target: Snapshot,
    current: State,
    store: Store,
    *,
    goos: str,
    managed_profiles: Collection[str] = (),
    scope: Collection[ScopeKind] | None = None,
) -> Plan:
    """What restoring ``target`` changes, given the ``current`` state (captured with the
    target's version files and managed profiles). ``managed_profiles`` are the
    :func:`profile_key` of the profiles gvw manages for the user now; a recorded profile
    elsewhere is left alone. ``scope`` limits the plan to those kinds of state (None:
    all of them)."""
    if target.os != goos:
        raise SnapshotError(
            f"snapshot {target.id} was taken on {target.os}; this is {goos}",
            hint="restore a snapshot taken on this machine (see: gvw snapshots)",
        )
    kinds = set(SCOPES if scope is None else scope)
    want = target.state
    plan = Plan(target, current)
    if "installed" in kinds:
        for name in sorted(set(want.installed) - set(current.installed)):
            version = _version(name)
            entries = [e for e in store.trash_entries(version) if _complete(e)]
            plan.install.append((version, entries[0] if entries else None))
        plan.trash = [_version(n) for n in sorted(set(current.installed) - set(want.installed))]
    if (
        "global" in kinds
        and want.global_file.state != UNRECORDED
        and _differs(want.global_file, current.global_file)
    ):
        plan.global_file = want.global_file
    if "version_files" in kinds:
        _plan_version_files(plan)
    if "profile_files" in kinds:
        _plan_profiles(plan, managed_profiles)
    if "go_env_file" in kinds:
        _plan_go_env(plan)
    if "tools" in kinds:
        _plan_tools(plan)
    if "registry" in kinds:
        _plan_registry(plan, restorable_registry_name)
    elif "user_path" in kinds:
        _plan_registry(plan, _is_path)
    for var in PROCESS_VARS:
        if want.process_env.get(var) != current.process_env.get(var):
            plan.env[var] = want.process_env.get(var)
    return plan


def _plan_version_files(plan: Plan) -> None:
    now = {f.path: f for f in plan.current.version_files}
    for wanted in plan.target.state.version_files:
        current = now.get(wanted.path)
        if wanted.state == UNRECORDED or current is None or not _differs(wanted, current):
            continue
        path = Path(wanted.path)
        if current.state == UNRECORDED:
            plan.warnings.append(
                f"left {shown(wanted.path)} alone: it is not a regular file gvw can replace"
            )
        elif wanted.present and not path.parent.is_dir():
            plan.warnings.append(f"left {shown(wanted.path)} alone: its directory no longer exists")
        else:
            plan.version_files.append((wanted, current))


def profile_key(path: str) -> str:
    """How profile paths are compared (case-insensitively on Windows)."""
    return os.path.normcase(path)


def _plan_profiles(plan: Plan, managed: Collection[str]) -> None:
    now = {f.path: f for f in plan.current.profile_files}
    for wanted in plan.target.state.profile_files:
        if wanted.state == UNRECORDED:
            continue
        current = now.get(wanted.path)
        if profile_key(wanted.path) not in managed or current is None:
            plan.warnings.append(
                f"left {shown(wanted.path)} alone: it is not a shell profile gvw manages "
                "for this user now (HOME, ZDOTDIR, XDG_CONFIG_HOME and Documents decide which)"
            )
            continue
        if current.state == UNRECORDED:
            plan.warnings.append(
                f"left {shown(wanted.path)} alone: it is not a regular file gvw can replace"
            )
            continue
        result, note = wanted, ""
        if not wanted.present and current.present:
            # absent before: take gvw's block out; delete the file only if that empties it
            from gvw.shells.profiles import without_block

            text = current.data.decode("utf-8", "surrogateescape")
            rest = without_block(text)
            if rest:
                result = ProfileFile(wanted.path, PRESENT, rest.encode("utf-8", "surrogateescape"))
                note = "only the gvw block removed: the file has other lines now"
        if (result.state, result.data) == (current.state, current.data):
            continue
        if result.present and not Path(wanted.path).parent.is_dir():
            plan.warnings.append(f"left {shown(wanted.path)} alone: its directory no longer exists")
            continue
        plan.profile_files.append((result, current, note))


def _plan_go_env(plan: Plan) -> None:
    wanted, current = plan.target.state.go_env_file, plan.current.go_env_file
    if wanted is None or wanted.state == UNRECORDED:
        return
    if current is None:
        plan.warnings.append("go env file not restored: GOENV=off or no config directory now")
    elif current.path != wanted.path:
        plan.warnings.append(
            f"go env file not restored: it is {shown(current.path)} now, "
            f"the snapshot has {shown(wanted.path)}"
        )
    elif current.state == UNRECORDED:
        plan.warnings.append(f"left {shown(current.path)} alone: not a file gvw can replace")
    elif _differs(wanted, current):
        plan.go_env_file = wanted


def _plan_tools(plan: Plan) -> None:
    want, now = plan.target.state, plan.current
    if not want.tools:
        return
    if want.tools_dir != now.tools_dir:
        plan.warnings.append(
            f"GOPATH/bin programs not restored: GOPATH/bin is {shown(now.tools_dir or UNSET)} "
            f"now, the snapshot has {shown(want.tools_dir)}"
        )
        return
    current = {t.name: t for t in now.tools}
    for tool in want.tools:
        before = current.get(tool.name)
        if before is None or before.sha256 != tool.sha256:
            plan.tools.append((tool, before))


def _plan_registry(plan: Plan, restorable: Callable[[str], bool]) -> None:
    """Set or delete the ``restorable`` values that differ; names ignore case, as in
    the registry ("Path" and "PATH" are one value)."""
    wanted, current = plan.target.state.registry, plan.current.registry
    if wanted is None:
        return
    if current is None:
        plan.warnings.append("registry values not restored: they exist only on Windows")
        return
    now = {k.upper(): (k, v) for k, v in current.items() if restorable(k)}
    for name, value in wanted.items():
        if not restorable(name):
            continue
        existing = now.pop(name.upper(), None)
        if existing is None or not _same_value(name, existing[1], value):
            plan.registry[existing[0] if existing else name] = value
    for name, _ in now.values():  # a restorable value the snapshot did not have
        plan.registry[name] = None


def _is_path(name: str) -> bool:
    return name.upper() == "PATH"


def _same_value(name: str, a: RegistryValue, b: RegistryValue) -> bool:
    """Equal values of the same kind (REG_SZ or REG_EXPAND_SZ: a REG_SZ Path no longer
    expands %USERPROFILE%). Path compares ignoring case, as Windows looks up the
    directories in it."""
    if _is_path(name):
        return a.expand == b.expand and a.value.upper() == b.value.upper()
    return a == b


def scope_of(plan: Plan) -> tuple[ScopeKind, ...]:
    """The kinds of state carrying out ``plan`` changes: the scope of the snapshot taken
    before it, so that rolling the restore back undoes all of it and nothing else."""
    changed: dict[ScopeKind, object] = {
        "installed": plan.install or plan.trash,
        "global": plan.global_file,
        "version_files": plan.version_files,
        "profile_files": plan.profile_files,
        "user_path": plan.registry and all(_is_path(name) for name in plan.registry),
        "registry": plan.registry and not all(_is_path(name) for name in plan.registry),
        "go_env_file": plan.go_env_file,
        "tools": plan.tools,
    }
    return tuple(kind for kind in SCOPES if changed[kind])


def prepare(
    plan: Plan,
    repo: SnapshotRepository,
    installer: Callable[[], Installer],
) -> None:
    """Check that everything the plan needs is there, before anything changes: each
    program's kept copy (read and verified now), each version that must come from the
    mirror (looked up in its index)."""
    for tool, _ in plan.tools:
        data = repo.read_blob(tool.sha256)
        if data is None:
            raise SnapshotError(
                f"snapshot {plan.target.id} cannot be restored: the kept copy of "
                f"GOPATH/bin/{shown(tool.name)} (sha256 {tool.sha256[:12]}) is missing "
                "or damaged; nothing was changed",
                hint="restore another snapshot (see: gvw snapshots)",
            )
        plan.blobs[tool.sha256] = data
    for version, entry in plan.install:
        if entry is not None:
            continue
        try:
            installer().resolve(ExactSpec(version), spelled=version.name)
        except GvwError as error:
            raise NotInstalledError(
                f"snapshot {plan.target.id} needs Go {version}, which is not installed, "
                f"not in the trash, and not available: {error.message}; nothing was changed",
                hint=f"install it with: gvw install {version} (--mirror URL for another "
                f"mirror), then run: gvw restore {plan.target.id}",
            ) from error


def apply(
    plan: Plan,
    *,
    store: Store,
    installer: Callable[[], Installer],
    registry: UserEnvironment | None,
    on_change: Callable[[Change], None],
    dry_run: bool = False,
) -> None:
    """Make the changes ``prepare`` checked, reporting each as it is done (with
    ``dry_run``, only report them)."""
    run = not dry_run
    for version, entry in plan.install:
        if run and entry is not None:
            _untrash(store, version, entry)
        elif run:
            installer().install(ExactSpec(version), spelled=version.name)
        note = "from the trash" if entry else "downloaded"
        on_change(Change(f"Go {version}", NOT_INSTALLED, "installed", note))
    if plan.global_file is not None:
        if run:
            _write_file(store.paths.global_file, plan.global_file)
        old, new = file_text(plan.current.global_file), file_text(plan.global_file)
        on_change(Change("global", old, new))
    for wanted, before in plan.version_files:
        if run:
            _write_file(Path(wanted.path), wanted)
        on_change(Change(shown(wanted.path), file_text(before), file_text(wanted)))
    for result, was, note in plan.profile_files:
        if run:
            _write_profile(Path(result.path), result)
        on_change(Change(profile_label(result), profile_text(was), profile_text(result), note))
    for version in plan.trash:
        if run:
            with store.lock(f"install-{version.name}"):
                if store.is_installed(version):
                    store.remove(version)
        on_change(Change(f"Go {version}", "installed", NOT_INSTALLED, "moved to the trash"))
    if plan.go_env_file is not None:
        if run:
            _write_file(Path(plan.go_env_file.path), plan.go_env_file, make_parents=True)
        for change in go_env_changes(plan.current.go_env_file, plan.go_env_file):
            on_change(change)
    for tool, replaced in plan.tools:
        if run:
            _put_tool(Path(plan.target.state.tools_dir) / tool.name, plan.blobs[tool.sha256])
        old = tool_text(replaced) if replaced else ABSENT
        on_change(Change(f"GOPATH/bin/{shown(tool.name)}", old, tool_text(tool)))
    if plan.registry:
        if run:
            assert registry is not None
            registry.write_user_environment(plan.registry)
        now = {k.upper(): v for k, v in (plan.current.registry or {}).items()}
        for name, value in plan.registry.items():
            old = registry_text(now.get(name.upper()))
            on_change(Change(f"registry {shown(name)}", old, registry_text(value)))


def _untrash(store: Store, version: GoVersion, entry: Path) -> None:
    with store.lock(f"install-{version.name}"):
        if store.is_installed(version):
            return  # another process put it back meanwhile
        final = store.paths.version_dir(version.name)
        try:
            store.paths.versions.mkdir(parents=True, exist_ok=True)
            rename(entry, final)
        except OSError as exc:
            raise store_error(exc, "move back from the trash", entry) from exc


def _write_file(path: Path, state: FileState, *, make_parents: bool = False) -> None:
    if state.state == PRESENT:
        _put_back(path, state.content.encode("utf-8"), make_parents=make_parents)
    elif state.state == FILE_ABSENT:
        _put_back(path, None)


def _write_profile(path: Path, profile: ProfileFile) -> None:
    _put_back(path, profile.data if profile.present else None)


def _put_back(path: Path, data: bytes | None, *, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, or remove it when ``data`` is None."""
    if path.is_symlink():  # checked at planning time too; a restore never writes through one
        raise SnapshotError(f"refusing to replace {path}: it is a symbolic link")
    if data is None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise store_error(exc, "remove", path) from exc
        return
    if not make_parents and not path.parent.is_dir():
        raise SnapshotError(f"cannot restore {path}: its directory no longer exists")
    atomic_write_bytes(path, data)


def _put_tool(path: Path, data: bytes) -> None:
    # executable from the moment it appears (the mode is set before the rename)
    atomic_write_bytes(path, data, mode=0o755)


def _differs(a: FileState, b: FileState) -> bool:
    return (a.state, a.content) != (b.state, b.content)


def _complete(entry: Path) -> bool:
    """A trash entry that is a whole toolchain (installs write the metadata last)."""
    return (entry / METADATA_NAME).is_file() or (entry / "bin").is_dir()


def _version(name: str) -> GoVersion:
    version = parse_installed_name(name)
    assert version is not None  # names were checked when the snapshot was read
    return version
