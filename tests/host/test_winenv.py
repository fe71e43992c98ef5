"""The Windows user PATH edits of gvw setup and the registry reads of gvw doctor, run
against in-memory registries (the winreg code itself runs only on Windows)."""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import pytest

from gvw.host import windows_registry, winenv
from gvw.host.shells.setup import machine_plan, plan
from gvw.host.windows_registry import RegistryValue
from tests.support import powershell as ps
from tests.support.gvw_env import GvwEnv
from tests.support.registry import MemoryMachineEnvironment, MemoryUserEnvironment

PROFILE = "C:\\Users\\Zoë Smith"
SHIMS = PROFILE + "\\AppData\\Local\\gvw\\shims"
ENV = {"USERPROFILE": PROFILE, "LOCALAPPDATA": PROFILE + "\\AppData\\Local", "SystemRoot": "C:\\W"}
# The default user PATH of Windows 10/11, plus a tool and a trailing separator.
DEFAULT = "%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\Tools\\bin;"
GVW_EXE = PROFILE + "\\.gvw-venv\\Scripts\\gvw.exe"


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
            gvw=(GVW_EXE,),
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
    # gvw by its absolute path (it need not be on PATH), spelled in ASCII: Windows
    # PowerShell 5.1 reads a profile without a BOM in the ANSI code page
    line = (
        b"& ('C:\\Users\\Zo' + [char]0x00EB + ' Smith\\.gvw-venv\\Scripts\\gvw.exe') "
        b"init powershell | Out-String | Invoke-Expression"
    )
    assert ps.syntax_errors(line.decode()) == []
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


# ------------------------------------------------ gvw setup --machine: the machine PATH

MACHINE_SHIMS = "C:\\ProgramData\\gvw\\shims"
MSI_GO = "C:\\Program Files\\Go\\bin"
# a Windows machine PATH after the Go MSI (it appends its bin)
MACHINE_PATH = f"%SystemRoot%\\system32;%SystemRoot%;C:\\Program Files\\Git\\cmd;{MSI_GO}"


def test_setup_machine_puts_the_machine_shims_ahead_of_the_msi_go_and_undo_takes_them_out() -> None:
    machine = MemoryMachineEnvironment({"Path": RegistryValue(MACHINE_PATH, expand=True)})

    def run(*, undo: bool) -> list[str]:
        steps = machine_plan(machine, shims=MACHINE_SHIMS, env=ENV, undo=undo)
        for step in steps:
            if step.changed:
                step.apply()
        return [step.message for step in steps]

    key = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment Path"
    assert run(undo=False) == [
        f"put {MACHINE_SHIMS} first in the machine PATH ({key}); new terminals get it"
    ]
    # first, as written (no %USERPROFILE%: the machine PATH is every user's), the rest
    # kept as it was, REG_EXPAND_SZ kept, one settings-changed broadcast
    assert machine.values == {"Path": RegistryValue(f"{MACHINE_SHIMS};{MACHINE_PATH}", expand=True)}
    assert machine.broadcasts == 1
    assert run(undo=False) == [f"{key}: already starts with {MACHINE_SHIMS}"]
    assert machine.broadcasts == 1
    assert run(undo=True) == [f"removed {MACHINE_SHIMS} from the machine PATH ({key})"]
    assert machine.values == {"Path": RegistryValue(MACHINE_PATH, expand=True)}


def test_the_machine_stores_snapshot_records_the_machine_path_and_puts_it_back(
    tmp_path: Path,
) -> None:
    """The machine store's snapshots see the machine environment where a user store's
    see HKCU (MachineScope): `gvw rollback --machine` after `setup --machine`."""
    from gvw.base.config import Config
    from gvw.base.paths import Paths
    from gvw.history.snapshots.apply import apply, prepare
    from gvw.history.snapshots.service import Snapshots
    from gvw.store.version_store import Store

    machine = MemoryMachineEnvironment({"Path": RegistryValue(MACHINE_PATH, expand=True)})
    root = tmp_path / "ProgramData" / "gvw"
    paths = Paths(root, cache=tmp_path / "cache", config_file=tmp_path / "c", machine_root=root)
    snaps = Snapshots(
        Store(paths),
        {"HOME": str(tmp_path)},
        Config(),
        registry=winenv.MachineScope(machine),
        goos="linux",
    )
    taken = snaps.take("setup --machine", scope=["profile_files", "user_path"])
    for step in machine_plan(machine, shims=MACHINE_SHIMS, env=ENV, undo=False):
        step.apply()
    assert machine.values["Path"].value.startswith(MACHINE_SHIMS + ";")
    plan = snaps.plan(snaps.repo.load(taken.id))
    prepare(plan, snaps.repo, no_installer)  # type: ignore[arg-type]
    done: list[str] = []
    apply(
        plan,
        store=snaps.store,
        installer=no_installer,  # type: ignore[arg-type]
        registry=winenv.MachineScope(machine),
        on_change=lambda change: done.append(str(change)),
    )
    assert done == [
        f"registry PATH: {MACHINE_SHIMS};{MACHINE_PATH} (REG_EXPAND_SZ) -> "
        f"{MACHINE_PATH} (REG_EXPAND_SZ)"
    ]
    assert machine.values == {"Path": RegistryValue(MACHINE_PATH, expand=True)}
    assert machine.broadcasts == 2


def no_installer() -> object:
    raise AssertionError("nothing should be downloaded")


def test_setup_machine_is_for_windows(gvw: GvwEnv) -> None:
    result = gvw.run("setup", "--machine")
    assert (result.returncode, result.stderr_lines) == (
        2,
        [
            "gvw: gvw setup --machine changes the machine PATH of Windows; there is none here",
            f"gvw: put {gvw.machine / 'shims'} on every user's PATH, e.g. in "
            f'/etc/profile.d/gvw.sh: export PATH="{gvw.machine / "shims"}:$PATH"',
        ],
    )
    assert not gvw.machine.exists()


# ------------------------------------------------------ the WM_SETTINGCHANGE broadcast


def test_send_message_timeout_is_declared_with_windows_sized_types() -> None:
    """LRESULT SendMessageTimeoutW(HWND, UINT, WPARAM, LPARAM, UINT, UINT, PDWORD_PTR):
    handles, WPARAM, LPARAM, the result and DWORD_PTR are pointer-sized, UINT 32 bits.
    (Undeclared, ctypes passes Python ints as 32-bit C ints.)"""
    restype, argtypes = windows_registry.send_message_timeout_signature()
    pointer = ctypes.sizeof(ctypes.c_void_p)
    assert len(argtypes) == 7
    hwnd, msg, wparam, lparam, flags, timeout, result = argtypes
    assert hwnd is ctypes.c_void_p
    assert [ctypes.sizeof(t) for t in (wparam, lparam, restype)] == [pointer] * 3
    assert [ctypes.sizeof(t) for t in (msg, flags, timeout)] == [4, 4, 4]
    # WPARAM and DWORD_PTR unsigned, LPARAM and LRESULT signed
    assert wparam(-1).value > 0 and lparam(-1).value == -1 and restype(-1).value == -1
    assert issubclass(result, ctypes._Pointer)
    assert ctypes.sizeof(result._type_) == pointer and result._type_(-1).value > 0


def test_the_broadcast_passes_its_arguments_whole_through_the_prototype(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """broadcast_environment_change runs here with WINFUNCTYPE replaced by CFUNCTYPE
    (the same thing on 64-bit Windows) over a Python stand-in for user32: every argument
    goes through the declared ctypes conversions and arrives whole."""
    seen: list[tuple[object, ...]] = []

    def fake_winfunctype(restype: object, *argtypes: object) -> object:
        real = ctypes.CFUNCTYPE(restype, *argtypes)  # type: ignore[arg-type]

        def bind(spec: tuple[str, object]) -> object:
            assert spec == ("SendMessageTimeoutW", "user32")

            def send(*args: object) -> int:
                hwnd, msg, wparam, lparam, flags, timeout, result = args
                text = ctypes.wstring_at(lparam)  # type: ignore[arg-type]
                seen.append((hwnd, msg, wparam, text, flags, timeout))
                result[0] = 2**40 + 1  # type: ignore[index]
                return -(2**40)

            return real(send)

        return bind

    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "WINFUNCTYPE", fake_winfunctype, raising=False)
    monkeypatch.setattr(ctypes, "WinDLL", lambda name: name, raising=False)
    windows_registry.broadcast_environment_change()
    assert seen == [(0xFFFF, 0x001A, 0, "Environment", 0x0002, 5000)]


def test_pointer_sized_values_are_not_cut_to_32_bits() -> None:
    """What the undeclared call got wrong: a 64-bit LPARAM and result survive the
    declared prototype (called here through a C function pointer)."""
    restype, argtypes = windows_registry.send_message_timeout_signature()
    received: list[int] = []

    def send(*args: object) -> int:
        received.append(args[3])  # type: ignore[arg-type]
        args[6][0] = 2**63 + 5  # type: ignore[index]
        return -(2**62)

    callback = ctypes.CFUNCTYPE(restype, *argtypes)(send)
    environment = ctypes.create_unicode_buffer("Environment")
    result = ctypes.c_size_t()
    arguments = windows_registry.broadcast_arguments(environment, result)
    assert arguments[3] == ctypes.addressof(environment)
    assert callback(*arguments[:3], 2**62 + 3, *arguments[4:]) == -(2**62)
    assert received == [2**62 + 3] and result.value == 2**63 + 5
    # the failure the declaration prevents, shown on a libc function: undeclared, a
    # Python int is passed (and the result read) as a 32-bit C int, silently cut
    labs = ctypes.CDLL(None).labs
    assert labs(2**40 + 7) == 7
    labs.argtypes, labs.restype = [ctypes.c_ssize_t], ctypes.c_ssize_t
    assert labs(-(2**40 + 7)) == 2**40 + 7
