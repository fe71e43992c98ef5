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
from typing import Any, Protocol

from gvw.base.errors import StoreError

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

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment") as key:
                return string_values(key)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"cannot read {KEY}: {exc.strerror or exc}") from exc

    def write_user_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        if sys.platform != "win32":  # pragma: no cover
            raise StoreError("the Windows registry exists only on Windows")
        import winreg

        try:
            with winreg.CreateKeyEx(
                winreg.HKEY_CURRENT_USER, "Environment", 0, winreg.KEY_SET_VALUE
            ) as key:
                write_values(key, changes)
        except OSError as exc:
            raise StoreError(f"cannot write {KEY}: {exc.strerror or exc}") from exc
        broadcast_environment_change()


def write_values(key: Any, changes: Mapping[str, RegistryValue | None]) -> None:
    """Set (a value) or delete (None) each named value of an open winreg key (Windows
    only); OSError as winreg raises it."""
    if sys.platform != "win32":  # pragma: no cover - keeps mypy's platform checks happy
        raise StoreError("the Windows registry exists only on Windows")
    import winreg

    for name, value in changes.items():
        if value is None:
            with contextlib.suppress(FileNotFoundError):  # already gone
                winreg.DeleteValue(key, name)
        else:
            kind = winreg.REG_EXPAND_SZ if value.expand else winreg.REG_SZ
            winreg.SetValueEx(key, name, 0, kind, value.value)


def string_values(key: Any) -> dict[str, RegistryValue]:
    """Every REG_SZ and REG_EXPAND_SZ value of an open winreg key (Windows only), by
    its name as stored."""
    if sys.platform != "win32":  # pragma: no cover - keeps mypy's platform checks happy
        raise StoreError("the Windows registry exists only on Windows")
    import winreg

    values: dict[str, RegistryValue] = {}
    index = 0
    while True:
        try:
            name, data, kind = winreg.EnumValue(key, index)
        except OSError:  # ERROR_NO_MORE_ITEMS
            return values
        index += 1
        if kind in (REG_SZ, REG_EXPAND_SZ) and isinstance(data, str):
            values[name] = RegistryValue(data, expand=kind == REG_EXPAND_SZ)


# SendMessageTimeoutW(HWND_BROADCAST, WM_SETTINGCHANGE, 0, (LPARAM)L"Environment",
# SMTO_ABORTIFHUNG, 5000, &result), as the System Properties dialog sends it
HWND_BROADCAST = 0xFFFF
WM_SETTINGCHANGE = 0x001A
SMTO_ABORTIFHUNG = 0x0002
BROADCAST_TIMEOUT_MS = 5000


def send_message_timeout_signature() -> tuple[Any, list[Any]]:
    """The result type and argument types of SendMessageTimeoutW, in ctypes types of
    the same size as the Windows ones on this machine (used with WINFUNCTYPE on Windows;
    the tests build a CFUNCTYPE from it elsewhere). Without them ctypes passes Python
    ints as C ints: 32 bits, where WPARAM, LPARAM and the result are pointer-sized.

    LRESULT SendMessageTimeoutW(HWND hWnd, UINT Msg, WPARAM wParam, LPARAM lParam,
                                UINT fuFlags, UINT uTimeout, PDWORD_PTR lpdwResult)
    """
    import ctypes

    hwnd = ctypes.c_void_p  # HANDLE: a pointer
    uint = ctypes.c_uint32  # UINT (32 bits on every Windows)
    wparam = ctypes.c_size_t  # UINT_PTR
    lparam = ctypes.c_ssize_t  # LONG_PTR
    lresult = ctypes.c_ssize_t  # LONG_PTR
    pdword_ptr = ctypes.POINTER(ctypes.c_size_t)  # DWORD_PTR *: pointer-sized, unsigned
    return lresult, [hwnd, uint, wparam, lparam, uint, uint, pdword_ptr]


def broadcast_arguments(environment: Any, result: Any) -> tuple[Any, ...]:
    """The arguments of the broadcast: ``environment`` is a wide-character buffer
    holding "Environment" (its address is the LPARAM; it must outlive the call),
    ``result`` a DWORD_PTR-sized integer that receives the reply."""
    import ctypes

    return (
        HWND_BROADCAST,
        WM_SETTINGCHANGE,
        0,
        ctypes.addressof(environment),
        SMTO_ABORTIFHUNG,
        BROADCAST_TIMEOUT_MS,
        ctypes.byref(result),
    )


def broadcast_environment_change() -> None:
    """WM_SETTINGCHANGE with "Environment", as the System Properties dialog sends, so
    Explorer hands the new values to programs it starts. SMTO_ABORTIFHUNG and a time-out
    keep a hung window from blocking gvw."""
    if sys.platform != "win32":  # pragma: no cover
        return
    import ctypes

    restype, argtypes = send_message_timeout_signature()
    prototype = ctypes.WINFUNCTYPE(restype, *argtypes)
    # a function object of our own: setting argtypes on ctypes.windll.user32's shared
    # one would change it for every other user in the process
    send = prototype(("SendMessageTimeoutW", ctypes.WinDLL("user32")))
    environment = ctypes.create_unicode_buffer("Environment")
    result = ctypes.c_size_t()
    send(*broadcast_arguments(environment, result))  # a failed broadcast is not an error
