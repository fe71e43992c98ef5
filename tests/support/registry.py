"""In-memory stand-ins for the Windows registry environments (HKCU and HKLM) and the
uninstall entries, so the logic over gvw.host.windows_registry.UserEnvironment,
gvw.host.winenv.MachineEnvironment and gvw.host.windows_programs runs here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gvw.host.windows_programs import InstalledProgram
from gvw.host.windows_registry import RegistryValue


@dataclass
class MemoryUserEnvironment:
    """HKCU\\Environment: names ignore case (as in the registry); counts broadcasts."""

    values: dict[str, RegistryValue] = field(default_factory=dict)
    broadcasts: int = 0

    def read_user_environment(self) -> dict[str, RegistryValue]:
        return dict(self.values)

    def write_user_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        _write(self.values, changes)
        self.broadcasts += 1


@dataclass
class MemoryMachineEnvironment:
    """HKLM\\...\\Session Manager\\Environment; names ignore case; counts broadcasts."""

    values: dict[str, RegistryValue] = field(default_factory=dict)
    broadcasts: int = 0

    def read_machine_environment(self) -> dict[str, RegistryValue]:
        return dict(self.values)

    def write_machine_environment(self, changes: Mapping[str, RegistryValue | None]) -> None:
        _write(self.values, changes)
        self.broadcasts += 1


def _write(values: dict[str, RegistryValue], changes: Mapping[str, RegistryValue | None]) -> None:
    for name, value in changes.items():
        stored = next((k for k in values if k.lower() == name.lower()), name)
        if value is None:
            values.pop(stored, None)
        else:
            values[stored] = value


@dataclass
class MemoryInstalledPrograms:
    """The uninstall entries "Apps & features" lists (HKLM ...\\Uninstall)."""

    programs: list[InstalledProgram] = field(default_factory=list)

    def installed_programs(self) -> list[InstalledProgram]:
        return list(self.programs)
