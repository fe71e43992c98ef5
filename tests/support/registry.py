"""In-memory stand-ins for the Windows registry environments (HKCU and HKLM), so the
logic over gvw.host.windows_registry.UserEnvironment and
gvw.host.winenv.MachineEnvironment runs here."""

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
        for name, value in changes.items():
            stored = next((k for k in self.values if k.lower() == name.lower()), name)
            if value is None:
                self.values.pop(stored, None)
            else:
                self.values[stored] = value
        self.broadcasts += 1


@dataclass
class MemoryMachineEnvironment:
    values: dict[str, RegistryValue] = field(default_factory=dict)

    def read_machine_environment(self) -> dict[str, RegistryValue]:
        return dict(self.values)


@dataclass
class MemoryInstalledPrograms:
    """The uninstall entries "Apps & features" lists (HKLM ...\\Uninstall)."""

    programs: list[InstalledProgram] = field(default_factory=list)

    def installed_programs(self) -> list[InstalledProgram]:
        return list(self.programs)
