"""Every kind of state a snapshot records, compared in one place for diff and restore.

Each entry of :data:`KINDS` compares two states, ``before`` and ``after``, and yields
:class:`Step`\\ s, one per difference, in the order a restore carries them out:
versions come back first, then the selection is written, then versions ``after``
lacks go to the trash (recoverable, like an uninstall), then the go env file, GOPATH/bin
and the registry. ``gvw snapshots diff`` shows the changes of these steps (``where`` is
None: nothing is planned); a restore plan is the same steps with ``where`` given, each
carrying the action that makes the change, an optional check run before anything
changes, or the reason it is left alone (a warning). So a diff and a restore's dry run
list the same differences, by construction. A new kind of state is recorded in
``model.State`` (with its ``fileformat`` form and its ``capture``) and compared and put
back by one more function in :data:`KINDS`: diff, plan, checks, actions, warnings and
``apply.scope_of`` all follow from it.

What a restore writes, and where:
- ``<root>/version`` and the ``.go-version`` files the snapshot recorded (by name
  ``.go-version`` only, never through a symbolic link, only in existing directories);
- the go env file and GOPATH/bin at the locations the *current* environment gives
  (when they differ from the recorded ones, a warning says what was left alone);
  programs only from blobs whose content matches their recorded sha256; programs the
  snapshot does not list are left where they are;
- on Windows, in HKCU\\Environment, only the values gvw and Go use
  (``model.restorable_registry_name``), each with its recorded kind, all in one write;
- the shell profiles the snapshot recorded, only those among the profiles gvw manages
  for the user now (``Where.managed``). A profile recorded as absent is not simply
  deleted: the gvw block is taken out of it, and the file is deleted only when nothing
  else is left (what ``gvw setup --undo`` does), so lines someone else added are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from gvw.base.errors import GvwError, NotInstalledError, SnapshotError
from gvw.base.versions import ExactSpec, GoVersion, parse_installed_name
from gvw.history.snapshots.display import (
    NOT_INSTALLED,
    UNSET_TEXT,
    Change,
    env_text,
    excerpt,
    file_text,
    profile_label,
    profile_text,
    registry_text,
    sorted_versions,
    tool_text,
)
from gvw.history.snapshots.model import (
    MAX_KEPT_TOOL,
    FileState,
    ProfileFile,
    Recorded,
    ScopeKind,
    State,
    restorable_registry_name,
)
from gvw.history.snapshots.putback import put_back, put_tool, write_file
from gvw.history.snapshots.repository import copy_blob
from gvw.history.snapshots.steps import Kind, LazyInstaller, Machine, Step, Where
from gvw.host.goenv import PROCESS_VARS, parse_go_env
from gvw.host.shells.profiles import profile_key
from gvw.host.windows_registry import RegistryValue

if TYPE_CHECKING:
    from gvw.history.snapshots.repository import SnapshotRepository


def _version(name: str) -> GoVersion:
    version = parse_installed_name(name)
    assert version is not None  # names were checked when the snapshot was read
    return version


def _differs(a: FileState, b: FileState) -> bool:
    return (a.state, a.content) != (b.state, b.content)


def _file_change(label: str, before: FileState, after: FileState) -> Change:
    """A version file's change: an edit that leaves its version as it was (a comment)
    is a change too, and says so."""
    old, new = file_text(before), file_text(after)
    return Change(label, old, new, "only comments or other lines differ" if old == new else "")


def _left(what: str, why: str) -> str:
    return f"left {excerpt(what)} alone: {why}"


# --- the kinds, in the order a restore carries them out ---------------------------------


def versions_back(before: State, after: State, where: Where | None) -> Iterator[Step]:
    """Versions ``after`` has and ``before`` lacks: from the trash, else downloaded."""
    for name in sorted_versions(set(after.installed) - set(before.installed)):
        if where is None:
            yield Step("installed", (Change(f"Go {name}", NOT_INSTALLED, "installed"),))
            continue
        version = _version(name)
        entry = where.store.complete_trash_entry(version)
        note = "from the trash" if entry else "downloaded"
        change = Change(f"Go {name}", NOT_INSTALLED, "installed", note)
        if entry is not None:
            yield Step("installed", (change,), _untrash(version, entry))
        else:
            yield Step("installed", (change,), _download(version), _available(where, version))


def _untrash(version: GoVersion, entry: Path) -> Callable[[Machine], None]:
    return lambda m: m.store.untrash(version, entry)


def _download(version: GoVersion) -> Callable[[Machine], None]:
    def action(machine: Machine) -> None:
        machine.installer().install(ExactSpec(version), spelled=version.name)

    return action


def _available(
    where: Where, version: GoVersion
) -> Callable[[SnapshotRepository, LazyInstaller], None]:
    return lambda repo, installer: _check_available(where, installer, version)


def _check_available(where: Where, installer: LazyInstaller, version: GoVersion) -> None:
    try:
        installer().resolve(ExactSpec(version), spelled=version.name)
    except GvwError as error:
        raise NotInstalledError(
            f"snapshot {where.target_id} needs Go {version}, which is not installed, "
            f"not in the trash, and not available: {error.message}; nothing was changed",
            hint=f"install it with: gvw install {version} (--mirror URL for another "
            f"mirror), then run: gvw restore {where.target_id}",
        ) from error


def global_file(before: State, after: State, where: Where | None) -> Iterator[Step]:
    old, new = before.global_file, after.global_file
    if new.state is Recorded.UNRECORDED or not _differs(old, new):
        return
    change = _file_change("global", old, new)
    if old.state is Recorded.UNRECORDED:
        yield Step("global", (change,), left_alone=_left("global", "not a file gvw can replace"))
    elif where is None:
        yield Step("global", (change,))
    else:
        path = where.store.paths.global_file
        yield Step("global", (change,), _writer(path, new))


def version_files(before: State, after: State, where: Where | None) -> Iterator[Step]:
    now = {f.path: f for f in before.version_files}
    for wanted in after.version_files:
        current = now.get(wanted.path)
        if wanted.state is Recorded.UNRECORDED or current is None:
            continue
        if not _differs(wanted, current):
            continue
        change = _file_change(excerpt(wanted.path), current, wanted)
        if current.state is Recorded.UNRECORDED:
            why = "it is not a regular file gvw can replace"
            yield Step("version_files", (change,), left_alone=_left(wanted.path, why))
        elif where is None:
            yield Step("version_files", (change,))
        elif wanted.present and not Path(wanted.path).parent.is_dir():
            why = "its directory no longer exists"
            yield Step("version_files", (change,), left_alone=_left(wanted.path, why))
        else:
            yield Step("version_files", (change,), _writer(Path(wanted.path), wanted))


def _writer(
    path: Path, state: FileState, *, make_parents: bool = False
) -> Callable[[Machine], None]:
    return lambda m: write_file(path, state, make_parents=make_parents)


def profile_files(before: State, after: State, where: Where | None) -> Iterator[Step]:
    now = {f.path: f for f in before.profile_files}
    for wanted in after.profile_files:
        current = now.get(wanted.path)
        if wanted.state is Recorded.UNRECORDED:
            continue
        if where is not None and (
            current is None or profile_key(wanted.path, windows=where.windows) not in where.managed
        ):
            why = (
                "it is not a shell profile gvw manages for this user now "
                "(HOME, ZDOTDIR, XDG_CONFIG_HOME and Documents decide which)"
            )
            yield Step("profile_files", (), left_alone=_left(wanted.path, why))
            continue
        if current is None or (current.state, current.data) == (wanted.state, wanted.data):
            continue
        label = profile_label(wanted)
        if current.state is Recorded.UNRECORDED:
            change = Change(label, profile_text(current), profile_text(wanted))
            why = "it is not a regular file gvw can replace"
            yield Step("profile_files", (change,), left_alone=_left(wanted.path, why))
            continue
        if where is None:
            yield Step(
                "profile_files", (Change(label, profile_text(current), profile_text(wanted)),)
            )
            continue
        yield _profile_step(wanted, current)


def _profile_step(wanted: ProfileFile, current: ProfileFile) -> Step:
    result, note = wanted, ""
    if not wanted.present and current.present:
        # absent before: take gvw's block out; delete the file only if that empties it
        from gvw.host.shells.profiles import without_block

        rest = without_block(current.data.decode("utf-8", "surrogateescape"))
        if rest:
            result = ProfileFile(
                wanted.path, Recorded.PRESENT, rest.encode("utf-8", "surrogateescape")
            )
            note = "only the gvw block removed: the file has other lines now"
    change = Change(profile_label(wanted), profile_text(current), profile_text(result), note)
    if (result.state, result.data) == (current.state, current.data):
        why = "the snapshot has no such file, and gvw takes out only its own block (none here)"
        return Step("profile_files", (change,), left_alone=_left(wanted.path, why))
    if result.present and not Path(wanted.path).parent.is_dir():
        why = "its directory no longer exists"
        return Step("profile_files", (change,), left_alone=_left(wanted.path, why))
    data = result.data if result.present else None
    return Step(
        "profile_files",
        (change,),
        lambda m: put_back(Path(wanted.path), data),
        path=wanted.path,
    )


def versions_gone(before: State, after: State, where: Where | None) -> Iterator[Step]:
    """Versions ``before`` has and ``after`` lacks: moved to the trash."""
    for name in sorted_versions(set(before.installed) - set(after.installed)):
        if where is None:
            yield Step("installed", (Change(f"Go {name}", "installed", NOT_INSTALLED),))
        else:
            change = Change(f"Go {name}", "installed", NOT_INSTALLED, "moved to the trash")
            yield Step("installed", (change,), _to_trash(_version(name)))


def _to_trash(version: GoVersion) -> Callable[[Machine], None]:
    def action(machine: Machine) -> None:
        with machine.store.install_lock(version):
            if machine.store.is_installed(version):
                machine.store.remove(version)

    return action


def go_env_file(before: State, after: State, where: Where | None) -> Iterator[Step]:
    current, wanted = before.go_env_file, after.go_env_file
    if wanted is None or wanted.state is Recorded.UNRECORDED:
        return
    if current is None:
        why = "go env file not restored: GOENV=off or no config directory now"
        yield Step("go_env_file", (), left_alone=why)
        return
    changes = tuple(go_env_changes(current, wanted))
    if current.path != wanted.path:
        why = (
            f"go env file not restored: it is {excerpt(current.path)} now, "
            f"the snapshot has {excerpt(wanted.path)}"
        )
        yield Step("go_env_file", changes, left_alone=why)
    elif current.state is Recorded.UNRECORDED:
        why = "not a file gvw can replace"
        yield Step("go_env_file", changes, left_alone=_left(current.path, why))
    elif _differs(wanted, current):
        action = None if where is None else _writer(Path(wanted.path), wanted, make_parents=True)
        yield Step("go_env_file", changes, action)


def go_env_changes(old: FileState, new: FileState) -> list[Change]:
    """The go env settings that differ; an edit that changes none says so."""
    if Recorded.UNRECORDED in (old.state, new.state):
        return []
    before = parse_go_env(old.content) if old.present else {}
    after = parse_go_env(new.content) if new.present else {}
    changes = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a != b:
            changes.append(Change(f"go env {excerpt(key)}", env_text(a), env_text(b)))
    if not changes and _differs(old, new):
        changes.append(Change(f"go env file {excerpt(new.path)}", "(as it was)", "(edited)"))
    return changes


def tools(before: State, after: State, where: Where | None) -> Iterator[Step]:
    if before.tools_dir != after.tools_dir:
        old, new = excerpt(before.tools_dir or UNSET_TEXT), excerpt(after.tools_dir or UNSET_TEXT)
        why = f"GOPATH/bin programs not restored: GOPATH/bin is {old} now, the snapshot has {new}"
        yield Step("tools", (Change("GOPATH/bin", old, new),), left_alone=why)
        return
    current = {t.name: t for t in before.tools}
    wanted = {t.name: t for t in after.tools}
    for name in sorted(set(current) | set(wanted)):
        a, b = current.get(name), wanted.get(name)
        if a is not None and b is not None and a.sha256 == b.sha256:
            continue
        label = f"GOPATH/bin/{excerpt(name)}"
        change = Change(label, tool_text(a), tool_text(b))
        if b is None:
            why = "the snapshot does not list it (a restore never deletes programs)"
            yield Step("tools", (change,), left_alone=_left(label, why))
        elif not b.kept:
            why = (
                f"larger than {MAX_KEPT_TOOL >> 20} MiB, it was recorded by its sha256 only; "
                "reinstall it to put it back"
            )
            yield Step("tools", (change,), left_alone=_left(label, why))
        elif where is None:
            yield Step("tools", (change,))
        else:
            yield _tool_step(where, Path(after.tools_dir) / name, b.sha256, change)


def _tool_step(where: Where, path: Path, sha256: str, change: Change) -> Step:
    def check(repo: SnapshotRepository, installer: LazyInstaller) -> None:
        blob = repo.blob_path(sha256)
        if blob is None or not copy_blob(blob, sha256):  # hashed as a stream, not kept
            raise SnapshotError(
                f"snapshot {where.target_id} cannot be restored: the kept copy of "
                f"GOPATH/bin/{excerpt(path.name)} (sha256 {sha256[:12]}) is missing "
                "or damaged; nothing was changed",
                hint="restore another snapshot (see: gvw snapshots)",
            )
        where.blobs[sha256] = blob

    return Step("tools", (change,), lambda m: put_tool(path, where.blobs[sha256], sha256), check)


def registry(before: State, after: State, where: Where | None) -> Iterator[Step]:
    """The restorable values that differ, one step each (written together, in one write);
    names ignore case, as in the registry ("Path" and "PATH" are one value, shown in
    capitals), and Path compares ignoring case too."""
    current, wanted = before.registry, after.registry
    if wanted is None:
        return
    if current is None:
        why = "registry values not restored: they exist only on Windows"
        yield Step("user_path", (), left_alone=why)  # whichever of the two kinds is asked
        return
    now = {k.upper(): (k, v) for k, v in current.items() if restorable_registry_name(k)}
    then = {k.upper(): (k, v) for k, v in wanted.items() if restorable_registry_name(k)}
    for key in sorted(set(now) | set(then)):
        name, old = now.get(key, (key, None))
        new = then[key][1] if key in then else None
        if old is not None and new is not None and _same_value(key, old, new):
            continue
        if key not in now:
            name = then[key][0]  # a value to create: with the recorded spelling
        change = Change(f"registry {excerpt(key)}", registry_text(old), registry_text(new))
        kind: ScopeKind = "user_path" if key == "PATH" else "registry"
        yield Step(kind, (change,), writes={} if where is None else {name: new})


def _same_value(key: str, a: RegistryValue, b: RegistryValue) -> bool:
    """Equal values of the same kind (REG_SZ or REG_EXPAND_SZ: a REG_SZ Path no longer
    expands %USERPROFILE%). Path compares ignoring case, as Windows looks up the
    directories in it."""
    if key == "PATH":
        return a.expand == b.expand and a.value.upper() == b.value.upper()
    return a == b


KINDS: tuple[Kind, ...] = (
    versions_back,
    global_file,
    version_files,
    profile_files,
    versions_gone,
    go_env_file,
    tools,
    registry,
)


def compare(before: State, after: State, where: Where | None = None) -> list[Step]:
    """Every difference from ``before`` to ``after``, as steps in restore order."""
    return [step for kind in KINDS for step in kind(before, after, where)]


def process_env_changes(before: State, after: State) -> dict[str, tuple[str | None, str | None]]:
    """The shell's variables that differ (a restore prints commands for them)."""
    return {
        var: (before.process_env.get(var), after.process_env.get(var))
        for var in PROCESS_VARS
        if before.process_env.get(var) != after.process_env.get(var)
    }
