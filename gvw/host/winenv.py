r"""Windows environment lists: PATH values as the registry stores them, the user PATH
edits of ``gvw setup``, and the machine environment doctor reads.

Windows builds a new process's PATH as the machine PATH (HKLM) followed by the user
PATH (HKCU\Environment); both are usually REG_EXPAND_SZ with %VARIABLE% references.
gvw edits the user PATH as text: its own entry is put first or removed, and every other
entry keeps its spelling, order and %VARIABLE% references (nothing is expanded on the
way back). Comparisons expand and normalise both sides.

The logic is plain Python over :class:`gvw.host.windows_registry.UserEnvironment` and
:class:`MachineEnvironment`, so it runs against in-memory registries on any OS; the
winreg readers are used only on Windows.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Protocol

from gvw.base.errors import StoreError
from gvw.host.windows_registry import (
    KEY,
    RegistryValue,
    UserEnvironment,
    broadcast_environment_change,
    string_values,
    write_values,
)

USER_KEY = KEY  # HKCU\Environment, named once in gvw.host.windows_registry
MACHINE_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
# The variables a user PATH entry may start with and still expand at logon: the default
# user PATH itself uses %USERPROFILE% (...\Microsoft\WindowsApps). %LOCALAPPDATA% comes
# from the volatile environment and is not reliably set when HKCU is expanded.
ENTRY_VARIABLES = ("USERPROFILE",)
_VARIABLE = re.compile(r"%([^%;=]+)%")


class MachineEnvironment(Protocol):
    def read_machine_environment(self) -> dict[str, RegistryValue]:
        """Every string value of the machine environment."""
        ...


class WritableMachineEnvironment(MachineEnvironment, Protocol):
    def write_machine_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        """Set (a value) or delete (None) each named value, then broadcast the change
        (as administrator: ``gvw setup --machine``, a restore of the machine store)."""
        ...


def machine_environment() -> WritableMachineEnvironment | None:
    """The real registry on Windows; None elsewhere."""
    return WindowsMachineEnvironment() if sys.platform == "win32" else None


class MachineScope:
    """The machine environment through the user environment's interface: the registry
    environment of the machine store, as HKCU\\Environment is a user store's. The
    machine store's snapshots record it and its restores write it back, with the one
    snapshot code (docs/machine-store.md)."""

    def __init__(self, machine: WritableMachineEnvironment) -> None:
        self.machine = machine

    def read_user_environment(self) -> dict[str, RegistryValue]:
        return self.machine.read_machine_environment()

    def write_user_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        self.machine.write_machine_environment(changes)


class WindowsMachineEnvironment:
    def read_machine_environment(self) -> dict[str, RegistryValue]:
        if sys.platform != "win32":  # pragma: no cover - keeps mypy's platform checks happy
            raise StoreError("the Windows registry exists only on Windows")
        import winreg

        subkey = MACHINE_KEY.split("\\", 1)[1]
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, subkey, 0, winreg.KEY_READ) as key:
                return string_values(key)
        except OSError as exc:
            raise StoreError(f"cannot read {MACHINE_KEY}: {exc.strerror or exc}") from exc

    def write_machine_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        if sys.platform != "win32":  # pragma: no cover
            raise StoreError("the Windows registry exists only on Windows")
        import winreg

        subkey = MACHINE_KEY.split("\\", 1)[1]
        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, subkey, 0, winreg.KEY_SET_VALUE) as key:
                write_values(key, changes)
        except OSError as exc:
            raise StoreError(f"cannot write {MACHINE_KEY}: {exc.strerror or exc}") from exc
        broadcast_environment_change()


# --------------------------------------------------------------------------- values


def lookup(values: Mapping[str, RegistryValue], name: str) -> tuple[str, RegistryValue | None]:
    """The value called ``name`` (registry names ignore case) and its stored name."""
    for stored, value in values.items():
        if stored.lower() == name.lower():
            return stored, value
    return name, None


def expand(text: str, env: Mapping[str, str]) -> str:
    """%NAME% replaced as ExpandEnvironmentStrings does: names ignore case, unknown
    names stay as they are."""
    folded = {k.lower(): v for k, v in env.items()}
    return _VARIABLE.sub(lambda m: folded.get(m.group(1).lower(), m.group(0)), text)


def normalized(entry: str) -> str:
    r"""A PATH entry for comparison: no quotes or trailing separators, backslashes,
    case folded (``C:\Go\bin\`` and ``c:/go/bin`` are one directory)."""
    text = entry.strip().strip('"').replace("/", "\\")
    if len(text) > 3 or not text.endswith(":\\"):
        text = text.rstrip("\\")
    return text.casefold()


def entries(value: str | None) -> list[str]:
    """The entries of a PATH value, empty ones included (they are kept on rewrite)."""
    return value.split(";") if value else []


def contains(value: str | None, directory: str, env: Mapping[str, str]) -> bool:
    wanted = normalized(directory)
    return any(normalized(expand(e, env)) == wanted for e in entries(value))


# --------------------------------------------------------------------------- user PATH


def entry_for(directory: str, env: Mapping[str, str]) -> str:
    r"""How setup writes ``directory`` into the user PATH: ``%USERPROFILE%\...`` when it
    lies in the profile (still right if the profile moves), else as it is."""
    for name in ENTRY_VARIABLES:
        base = env.get(name, "").rstrip("\\/")
        if base and normalized(directory[: len(base)]) == normalized(base):
            rest = directory[len(base) :]
            if rest[:1] in ("\\", "/"):
                return f"%{name}%{rest}"
    return directory


def with_first(
    value: str | None, directory: str, env: Mapping[str, str], *, variables: bool = True
) -> str:
    """``value`` with ``directory`` as its first entry and nowhere else; every other
    entry kept as written and in order. ``variables``: spell it with %USERPROFILE%."""
    wanted = normalized(directory)
    rest = [e for e in entries(value) if normalized(expand(e, env)) != wanted]
    return ";".join([entry_for(directory, env) if variables else directory, *rest])


def without(value: str | None, directory: str, env: Mapping[str, str]) -> str:
    wanted = normalized(directory)
    return ";".join(e for e in entries(value) if normalized(expand(e, env)) != wanted)


def user_path_change(
    registry: UserEnvironment, directory: str, env: Mapping[str, str], *, add: bool
) -> tuple[str, RegistryValue | None, RegistryValue | None]:
    """(name, before, after) of the user PATH when ``directory`` is added first or
    removed; after == before when nothing changes; an emptied value is deleted (None).

    The value keeps its kind: REG_EXPAND_SZ (the usual one, and the kind of a new value)
    gets the %USERPROFILE% spelling; a REG_SZ value, where Windows expands nothing,
    gets the literal directory and stays REG_SZ, so --undo restores it exactly.
    """
    name, before = lookup(registry.read_user_environment(), "Path")
    old = before.value if before else None
    expand_kind = before.expand if before else True
    if add:
        text = with_first(old, directory, env, variables=expand_kind)
    else:
        text = without(old, directory, env)
    if text == old or (before is None and not text):
        return name, before, before
    return name, before, RegistryValue(text, expand=expand_kind) if text else None
