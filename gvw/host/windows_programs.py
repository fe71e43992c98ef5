r"""Programs installed on Windows, as "Apps & features" lists them: the uninstall
entries under ``HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall`` (and its
32-bit twin under WOW6432Node). ``gvw doctor`` reads them to name the command that
removes an MSI-installed Go (docs/machine-store.md).

The logic runs on any OS against an in-memory list (tests/support/registry.py); the
winreg reader is used only on Windows.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

UNINSTALL_KEY = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
UNINSTALL_KEYS = (UNINSTALL_KEY, r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall")
# the Go MSI's product name (x/build's installer.wxs): "Go Programming Language amd64
# go1.22.10"; installers before Go 1.14 said "The Go Programming Language ..."
GO_PRODUCT_NAMES = ("Go Programming Language", "The Go Programming Language")
_PRODUCT_CODE = re.compile(r"\{[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}")


@dataclass(frozen=True)
class InstalledProgram:
    key: str  # the entry's key name: an MSI's product code, {GUID}
    name: str  # DisplayName
    location: str = ""  # InstallLocation, when the installer recorded it
    uninstall: str = ""  # UninstallString: what "Apps & features" runs
    msi: bool = False  # WindowsInstaller = 1

    @property
    def is_go(self) -> bool:
        return self.name.startswith(GO_PRODUCT_NAMES)


class InstalledPrograms(Protocol):
    def installed_programs(self) -> list[InstalledProgram]:
        """Every uninstall entry with a DisplayName."""
        ...


def installed_programs() -> InstalledPrograms | None:
    """The real registry on Windows; None elsewhere."""
    return WindowsInstalledPrograms() if sys.platform == "win32" else None


def go_owning(programs: Iterable[InstalledProgram], tree: str) -> InstalledProgram | None:
    """The installed Go whose install location is ``tree`` (a Go root, such as
    ``C:\\Program Files\\Go``); one that recorded no location counts when it is the only
    Go installed."""
    gos = [p for p in programs if p.is_go]
    wanted = _key(tree)
    for program in gos:
        if program.location and _key(program.location) == wanted:
            return program
    unplaced = [p for p in gos if not p.location]
    return unplaced[0] if len(gos) == 1 and unplaced else None


def removal_command(program: InstalledProgram, env: Mapping[str, str]) -> str:
    """The exact command that removes ``program``: Chocolatey's own when Chocolatey
    installed it (it would still list it otherwise), else the MSI's uninstall by its
    product code, which is what "Apps & features" and ``winget uninstall`` run; else
    the entry's own UninstallString."""
    choco = env.get("CHOCOLATEYINSTALL", "")
    if choco and os.path.isdir(os.path.join(choco, "lib", "golang")):
        return "choco uninstall golang"
    if program.msi and _PRODUCT_CODE.fullmatch(program.key):
        return f"msiexec /x {program.key}"
    return program.uninstall


def _key(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").casefold()


class WindowsInstalledPrograms:
    def installed_programs(self) -> list[InstalledProgram]:
        if sys.platform != "win32":  # pragma: no cover - keeps mypy's platform checks happy
            return []
        import winreg

        found = []
        for subkey in UNINSTALL_KEYS:
            try:
                with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, subkey) as key:
                    count = winreg.QueryInfoKey(key)[0]
                    for index in range(count):
                        name = winreg.EnumKey(key, index)
                        with winreg.OpenKey(key, name) as entry:
                            program = _program(name, entry)
                        if program is not None:
                            found.append(program)
            except OSError:
                continue  # no such key (32-bit Windows), or no right to read it
        return found


def _program(key_name: str, entry: object) -> InstalledProgram | None:
    if sys.platform != "win32":  # pragma: no cover
        return None
    import winreg

    def value(name: str) -> object:
        try:
            return winreg.QueryValueEx(entry, name)[0]
        except OSError:
            return None

    display = value("DisplayName")
    if not isinstance(display, str):
        return None
    location, uninstall = value("InstallLocation"), value("UninstallString")
    return InstalledProgram(
        key=key_name,
        name=display,
        location=location if isinstance(location, str) else "",
        uninstall=uninstall if isinstance(uninstall, str) else "",
        msi=value("WindowsInstaller") == 1,
    )
