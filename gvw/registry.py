r"""The user's environment in the Windows registry (HKCU\Environment).

Everything else in gvw talks to the small :class:`UserEnvironment` interface, so the
logic that reads, snapshots and restores these values runs on any OS against an
in-memory store; :class:`WindowsUserEnvironment` is the real one, used only on Windows.

Only string values count (REG_SZ and REG_EXPAND_SZ: the kinds Windows expands into a
new process's environment); other kinds are neither read nor touched.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from gvw.errors import StoreError

KEY = r"HKCU\Environment"
REG_SZ = 1  # winreg.REG_SZ
REG_EXPAND_SZ = 2  # winreg.REG_EXPAND_SZ: %VARIABLES% are expanded when read


@dataclass(frozen=True)
class RegistryValue:
    value: str
    expand: bool = False  # REG_EXPAND_SZ rather than REG_SZ (PATH usually is)

    @property
    def kind(self) -> str:
        return "REG_EXPAND_SZ" if self.expand else "REG_SZ"


class UserEnvironment(Protocol):
    def read_user_environment(self) -> dict[str, RegistryValue]:
        """Every string value of HKCU\\Environment, by its name as stored."""
        ...

    def write_user_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        """Set (a value) or delete (None) each named value, then tell running programs
        (Explorer, new terminals) that the environment changed."""
        ...


def user_environment() -> UserEnvironment | None:
    """The real registry on Windows; None elsewhere (there is none)."""
    return WindowsUserEnvironment() if sys.platform == "win32" else None


class WindowsUserEnvironment:
    """HKCU\\Environment through winreg; broadcasts WM_SETTINGCHANGE after a write."""

    def read_user_environment(self) -> dict[str, RegistryValue]:
        if sys.platform != "win32":  # pragma: no cover - keeps mypy's platform checks happy
            raise StoreError("the Windows registry exists only on Windows")
        import winreg

        values: dict[str, RegistryValue] = {}
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment") as key:
                index = 0
                while True:
                    try:
                        name, data, kind = winreg.EnumValue(key, index)
                    except OSError:  # ERROR_NO_MORE_ITEMS
                        break
                    index += 1
                    if kind in (REG_SZ, REG_EXPAND_SZ) and isinstance(data, str):
                        values[name] = RegistryValue(data, expand=kind == REG_EXPAND_SZ)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"cannot read {KEY}: {exc.strerror or exc}") from exc
        return values

    def write_user_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        if sys.platform != "win32":  # pragma: no cover
            raise StoreError("the Windows registry exists only on Windows")
        import winreg

        try:
            with winreg.CreateKeyEx(
                winreg.HKEY_CURRENT_USER, "Environment", 0, winreg.KEY_SET_VALUE
            ) as key:
                for name, value in changes.items():
                    if value is None:
                        with contextlib.suppress(FileNotFoundError):  # already gone
                            winreg.DeleteValue(key, name)
                    else:
                        kind = winreg.REG_EXPAND_SZ if value.expand else winreg.REG_SZ
                        winreg.SetValueEx(key, name, 0, kind, value.value)
        except OSError as exc:
            raise StoreError(f"cannot write {KEY}: {exc.strerror or exc}") from exc
        _broadcast_environment_change()


def _broadcast_environment_change() -> None:
    """WM_SETTINGCHANGE with "Environment", as the System Properties dialog sends, so
    Explorer hands the new values to programs it starts. SMTO_ABORTIFHUNG and a time-out
    keep a hung window from blocking gvw."""
    if sys.platform != "win32":  # pragma: no cover
        return
    import ctypes
    from ctypes import wintypes

    hwnd_broadcast, wm_settingchange, smto_abortifhung = 0xFFFF, 0x001A, 0x0002
    result = wintypes.DWORD()
    ctypes.windll.user32.SendMessageTimeoutW(
        wintypes.HWND(hwnd_broadcast),
        wm_settingchange,
        0,
        "Environment",
        smto_abortifhung,
        5000,
        ctypes.byref(result),
    )
