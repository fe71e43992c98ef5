"""The Windows user PATH edits of gvw setup and the registry reads of gvw doctor, run
against in-memory registries (the winreg code itself runs only on Windows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gvw import winenv
from gvw.registry import RegistryValue
from gvw.shells.setup import plan
from tests.support.registry import MemoryUserEnvironment

PROFILE = "C:\\Users\\Zoë Smith"
SHIMS = PROFILE + "\\AppData\\Local\\gvw\\shims"
ENV = {"USERPROFILE": PROFILE, "LOCALAPPDATA": PROFILE + "\\AppData\\Local", "SystemRoot": "C:\\W"}
# The default user PATH of Windows 10/11, plus a tool and a trailing separator.
DEFAULT = "%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\Tools\\bin;"


def test_expand_works_like_expandenvironmentstrings() -> None:
    assert winenv.expand("%userprofile%\\x;%SYSTEMROOT%;%NOPE%;100%", ENV) == (
        f"{PROFILE}\\x;C:\\W;%NOPE%;100%"
    )


@pytest.mark.parametrize(
    "spelling",
    [SHIMS, SHIMS + "\\", SHIMS.upper(), SHIMS.replace("\\", "/"), f'"{SHIMS}"'],
)
def test_one_directory_in_any_spelling_is_the_same_entry(spelling: str) -> None:
    assert winenv.normalized(spelling) == winenv.normalized(SHIMS)
    assert winenv.contains(DEFAULT + spelling, SHIMS, ENV)
    assert winenv.contains("%USERPROFILE%\\AppData\\Local\\gvw\\shims", SHIMS, ENV)
    assert not winenv.contains(DEFAULT, SHIMS, ENV)


def test_setup_puts_the_shims_first_with_userprofile_and_keeps_the_rest() -> None:
    registry = MemoryUserEnvironment({"Path": RegistryValue(DEFAULT, expand=True)})
    name, before, after = winenv.user_path_change(registry, SHIMS, ENV, add=True)
    assert (name, before) == ("Path", RegistryValue(DEFAULT, expand=True))
    assert after == RegistryValue(
        "%USERPROFILE%\\AppData\\Local\\gvw\\shims;" + DEFAULT, expand=True
    )


def test_setup_moves_an_existing_shims_entry_to_the_front_and_drops_copies() -> None:
    value = f"C:\\A;{SHIMS}\\;%USERPROFILE%\\AppData\\Local\\gvw\\shims;C:\\B"
    assert winenv.with_first(value, SHIMS, ENV) == (
        "%USERPROFILE%\\AppData\\Local\\gvw\\shims;C:\\A;C:\\B"
    )
    assert winenv.without(value, SHIMS, ENV) == "C:\\A;C:\\B"


def test_a_directory_outside_the_profile_is_written_as_it_is() -> None:
    assert winenv.entry_for("D:\\gvw\\shims", ENV) == "D:\\gvw\\shims"
    # a longer name that starts like the profile is not inside it
    assert winenv.entry_for(PROFILE + "2\\gvw", ENV) == PROFILE + "2\\gvw"


def test_a_missing_user_path_is_created_and_removed_again() -> None:
    registry = MemoryUserEnvironment({})
    _, before, after = winenv.user_path_change(registry, SHIMS, ENV, add=True)
    assert before is None
    assert after == RegistryValue("%USERPROFILE%\\AppData\\Local\\gvw\\shims", expand=True)
    registry.write_user_environment({"Path": after})
    _, _, removed = winenv.user_path_change(registry, SHIMS, ENV, add=False)
    assert removed is None  # emptied: deleted, as before setup


def test_a_reg_sz_path_stays_reg_sz_with_a_literal_entry() -> None:
    registry = MemoryUserEnvironment({"PATH": RegistryValue("C:\\Tools", expand=False)})
    name, _, after = winenv.user_path_change(registry, SHIMS, ENV, add=True)
    assert (name, after) == ("PATH", RegistryValue(f"{SHIMS};C:\\Tools", expand=False))


def test_setup_and_undo_on_windows(tmp_path: Path) -> None:
    """The whole Windows plan: both PowerShell profiles and the user PATH, idempotent,
    and --undo gives back exactly what was there (profile bytes, PATH value and kind)."""
    documents = tmp_path / "OneDrive" / "Documents"
    ps7 = documents / "PowerShell" / "profile.ps1"
    ps7.parent.mkdir(parents=True)
    original = b"# mine\r\nSet-Alias ll Get-ChildItem\r\n"
    ps7.write_bytes(original)
    registry = MemoryUserEnvironment({"Path": RegistryValue(DEFAULT, expand=True)})

    def run(*, undo: bool) -> list[str]:
        steps = plan(
            ["powershell"],
            env=ENV,
            shims=SHIMS,
            windows=True,
            registry=registry,
            undo=undo,
            documents=documents,
        )
        for step in steps:
            if step.changed:
                step.apply()
        return [step.message for step in steps if step.changed]

    assert len(run(undo=False)) == 3
    assert registry.values["Path"] == RegistryValue(
        "%USERPROFILE%\\AppData\\Local\\gvw\\shims;" + DEFAULT, expand=True
    )
    assert registry.broadcasts == 1
    line = b"gvw init powershell | Out-String | Invoke-Expression"
    assert ps7.read_bytes() == original + (
        b"# >>> gvw >>> added by `gvw setup`; `gvw setup --undo` removes it\r\n"
        + line
        + b"\r\n# <<< gvw <<<\r\n"
    )
    ps51 = documents / "WindowsPowerShell" / "profile.ps1"
    assert line in ps51.read_bytes()

    assert run(undo=False) == []  # nothing left to do
    assert registry.broadcasts == 1

    assert len(run(undo=True)) == 3
    assert registry.values["Path"] == RegistryValue(DEFAULT, expand=True)
    assert ps7.read_bytes() == original
    assert not ps51.exists()  # setup created it; undo removed it
    assert run(undo=True) == []
