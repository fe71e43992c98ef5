"""What ``gvw setup`` and ``gvw setup --undo`` change: planned first, applied after.

A plan is a list of steps, one per profile file and one for the Windows user PATH; the
command snapshots the state only when some step changes something (recording the
profile files it changes, so ``gvw rollback`` puts them back), then applies them.
Each profile file is rewritten atomically; the user PATH is written as REG_EXPAND_SZ
and announced with WM_SETTINGCHANGE (gvw.host.windows_registry).

A profile that could not be put back is not changed: planning refuses one that is a
symbolic link (a rewrite would replace the link with a copy; a restore never writes
through one) or larger than the snapshot limit for profiles (1 MiB), before anything
is changed (the limit is :data:`gvw.host.shells.profiles.MAX_PROFILE_FILE`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gvw.base.errors import GvwError, StoreError
from gvw.base.fsutil import atomic_write_bytes, remove_abandoned_temporaries, store_error
from gvw.host.shells import command_for, get_shell
from gvw.host.shells.profiles import MAX_PROFILE_FILE, profile_files, with_block, without_block
from gvw.host.windows_registry import UserEnvironment
from gvw.host.winenv import (
    MACHINE_KEY,
    USER_KEY,
    MachineScope,
    WritableMachineEnvironment,
    user_path_change,
)


@dataclass(frozen=True)
class Step:
    target: str  # a profile file, or "HKCU\Environment Path"
    changed: bool
    message: str  # what was (or would be) done, for the user
    apply: Callable[[], None]
    path: Path | None = None  # the profile file it edits; None for the user PATH


def plan(
    shells: Sequence[str],
    *,
    env: Mapping[str, str],
    shims: str,
    windows: bool,
    registry: UserEnvironment | None,
    undo: bool,
    gvw: Sequence[str] = ("gvw",),
    documents: Path | None = None,
) -> list[Step]:
    """``gvw``: the command that runs gvw (:func:`gvw.host.shells.gvw_command`), which the
    profile lines call by its absolute path."""
    steps = []
    for shell in shells:
        line = get_shell(shell).profile_line(command_for(shell, gvw, windows=windows))
        for path in profile_files(shell, env, windows=windows, documents=documents):
            steps.append(_profile_step(path, line, undo=undo))
    if registry is not None:
        steps.append(_path_step(registry, shims, env, undo=undo))
    return steps


def remove_leftovers(steps: Sequence[Step]) -> None:
    """Remove what killed runs of gvw setup left beside its profiles, changed or not."""
    for step in steps:
        if step.path is not None:
            remove_abandoned_temporaries(step.path)


def machine_plan(
    machine: WritableMachineEnvironment, *, shims: str, env: Mapping[str, str], undo: bool
) -> list[Step]:
    """``gvw setup --machine`` (Windows): the machine store's shims first in the machine
    PATH, ahead of an MSI's ``C:\\Program Files\\Go\\bin``; ``undo`` takes them out."""
    return [_path_step(MachineScope(machine), shims, env, undo=undo, key=MACHINE_KEY)]


def _profile_step(path: Path, line: str, *, undo: bool) -> Step:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = None
    except OSError as exc:
        raise store_error(exc, "read", path) from exc
    # Profiles are edited as text without decoding errors: bytes that are not UTF-8
    # (an ANSI-encoded PowerShell profile) come back unchanged.
    text = data.decode("utf-8", "surrogateescape") if data is not None else ""
    new = without_block(text) if undo else with_block(text, line)
    changed = new != text
    if changed:
        _check_recordable(path, data, line, undo=undo)
    delete = undo and data is not None and not new  # the file held only gvw's block
    if not changed:
        message = f"{path}: nothing to remove" if undo else f"{path}: already set up"
    elif undo:
        message = f"removed the gvw lines from {path}" + (" (now empty: deleted)" if delete else "")
    else:
        message = f"added `{line}` to {path}"

    def apply() -> None:
        try:
            if delete:
                try:
                    path.unlink()
                except OSError as exc:
                    raise store_error(exc, "remove", path) from exc
            else:
                atomic_write_bytes(path, new.encode("utf-8", "surrogateescape"))
        except StoreError as exc:
            if exc.read_only:  # a profile is the user's: say how to do without it
                exc.hint = _read_only_profile_hint(path, line, undo=undo)
            raise

    return Step(str(path), changed, message, apply, path)


def _read_only_profile_hint(path: Path, line: str, *, undo: bool) -> str:
    if undo:
        return f"remove the lines between the gvw markers from {path} once it can be written"
    return (
        f"gvw setup only adds one line to {path}: add it to a start-up file you can "
        f"write instead, or run it in each new shell: {line}"
    )


def _check_recordable(path: Path, data: bytes | None, line: str, *, undo: bool) -> None:
    """Refuse to change a profile that a snapshot cannot record for a rollback."""
    if path.is_symlink():
        why = "is a symbolic link: gvw setup does not replace it"
        target = path.resolve()
    elif data is not None and len(data) > MAX_PROFILE_FILE:
        why = (
            f"is larger than {MAX_PROFILE_FILE >> 20} MiB, more than a snapshot keeps for "
            "a rollback: gvw setup does not change it"
        )
        target = path
    else:
        return
    raise GvwError(
        f"{path} {why} (nothing was changed)",
        hint=f"remove the lines between the gvw markers from {target} by hand"
        if undo
        else f"add this line to {target} by hand: {line}",
    )


def _path_step(
    registry: UserEnvironment,
    shims: str,
    env: Mapping[str, str],
    *,
    undo: bool,
    key: str = USER_KEY,
) -> Step:
    """The PATH of the user environment (HKCU), or of the machine's through
    :class:`MachineScope` (``key`` says which, for the messages)."""
    name, before, after = user_path_change(registry, shims, env, add=not undo)
    target = f"{key} {name}"
    which = "user" if key == USER_KEY else "machine"
    changed = after != before
    if not changed:
        message = (
            f"{target}: {shims} is not in it" if undo else f"{target}: already starts with {shims}"
        )
    elif undo:
        message = f"removed {shims} from the {which} PATH ({target})"
    else:
        message = f"put {shims} first in the {which} PATH ({target}); new terminals get it"

    def apply() -> None:
        registry.write_user_environment({name: after})

    return Step(target, changed, message, apply)
