"""The Windows part of snapshots (HKCU\\Environment) against an in-memory registry.

What runs here is gvw's own capture, TOML round trip, planning and apply code; only
the registry is the in-memory one of tests/support/registry.py (the interface of
gvw.registry, whose winreg implementation is used only on Windows).
Not verified here: the winreg calls themselves and the WM_SETTINGCHANGE broadcast
(they need a real Windows).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tomli_w

from gvw.config import Config
from gvw.errors import SnapshotError
from gvw.paths import Paths
from gvw.registry import RegistryValue
from gvw.snapshots.apply import apply, plan_restore, prepare
from gvw.snapshots.diff import Change, diff
from gvw.snapshots.model import seal
from gvw.snapshots.service import Snapshots
from gvw.store import Store
from tests.support.registry import MemoryUserEnvironment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


ORIGINAL = {
    "Path": RegistryValue(r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps", expand=True),
    "GOPATH": RegistryValue(r"D:\go"),
    "TEMP": RegistryValue(r"%USERPROFILE%\AppData\Local\Temp", expand=True),
}


def snapshots(tmp_path: Path, registry: MemoryUserEnvironment | None) -> Snapshots:
    paths = Paths(root=tmp_path / "root", cache=tmp_path / "cache", config_file=tmp_path / "c")
    env = {"HOME": str(tmp_path / "home")}
    return Snapshots(Store(paths), env, Config(), registry=registry, goos="linux")


def no_installer() -> object:
    raise AssertionError("nothing should be downloaded")


def test_restore_puts_the_user_environment_back_in_one_write(tmp_path: Path) -> None:
    registry = MemoryUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    taken = snaps.take("setup")
    assert snaps.repo.load(taken.id).state.registry == ORIGINAL  # TOML round trip

    # what a `setup` and a Go MSI might do: PATH renamed and extended, GOROOT set,
    # GOPATH removed
    registry.values.pop("Path")
    registry.values["PATH"] = RegistryValue(r"C:\gvw\shims;%USERPROFILE%\x", expand=True)
    registry.values["GOROOT"] = RegistryValue(r"C:\Program Files\Go")
    del registry.values["GOPATH"]

    target = snaps.repo.load(taken.id)
    assert diff(target.state, snaps.capture()) == [
        Change("registry GOPATH", r"D:\go", "(unset)"),
        Change("registry GOROOT", "(unset)", r"C:\Program Files\Go"),
        Change(
            "registry PATH",
            r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps (REG_EXPAND_SZ)",
            r"C:\gvw\shims;%USERPROFILE%\x (REG_EXPAND_SZ)",
        ),
    ]
    plan = snaps.plan(target)
    assert plan.changes_anything
    prepare(plan, snaps.repo, no_installer)  # type: ignore[arg-type]
    done: list[str] = []
    apply(
        plan,
        store=snaps.store,
        installer=no_installer,  # type: ignore[arg-type]
        registry=registry,
        on_change=lambda change: done.append(str(change)),
    )
    assert done == [
        r"registry PATH: C:\gvw\shims;%USERPROFILE%\x (REG_EXPAND_SZ) -> "
        r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps (REG_EXPAND_SZ)",
        r"registry GOPATH: (unset) -> D:\go",
        r"registry GOROOT: C:\Program Files\Go -> (unset)",
    ]
    assert registry.broadcasts == 1  # one write, so one settings-changed broadcast
    # names are case-insensitive: the existing "PATH" got the old value, no second one
    assert registry.values == {
        "PATH": ORIGINAL["Path"],
        "GOPATH": ORIGINAL["GOPATH"],
        "TEMP": ORIGINAL["TEMP"],
    }
    assert not snaps.plan(target).changes_anything


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    registry = MemoryUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    taken = snaps.take("setup")
    registry.values["GOROOT"] = RegistryValue(r"C:\Go")
    plan = snaps.plan(snaps.repo.load(taken.id))
    done: list[Change] = []
    apply(
        plan,
        store=snaps.store,
        installer=no_installer,  # type: ignore[arg-type]
        registry=registry,
        on_change=done.append,
        dry_run=True,
    )
    assert done == [Change("registry GOROOT", r"C:\Go", "(unset)")]
    assert registry.broadcasts == 0 and registry.values["GOROOT"] == RegistryValue(r"C:\Go")


def test_registry_values_are_left_alone_off_windows(tmp_path: Path) -> None:
    taken = snapshots(tmp_path, MemoryUserEnvironment(dict(ORIGINAL))).take("setup")
    elsewhere = snapshots(tmp_path, None)  # the same store, seen from a non-Windows gvw
    plan = plan_restore(
        elsewhere.repo.load(taken.id), elsewhere.capture(), elsewhere.store, goos="linux"
    )
    assert plan.registry == {}
    assert plan.warnings == ["registry values not restored: they exist only on Windows"]


@pytest.mark.parametrize("name", ["A=B", "", "X\x1b[2J"])
def test_hostile_registry_names_make_the_snapshot_damaged(tmp_path: Path, name: str) -> None:
    snaps = snapshots(tmp_path, MemoryUserEnvironment({"GOPATH": RegistryValue("v")}))
    taken = snaps.take("setup")
    path = snaps.repo.path_of(taken.id)
    data = tomllib.loads(path.read_text().split("\n", 1)[1])
    data["registry"][name] = {"kind": "REG_SZ", "value": "v"}
    path.write_bytes(seal(tomli_w.dumps(data).encode()))  # edited, checksum and all
    with pytest.raises(SnapshotError, match="is not an environment variable name"):
        snaps.repo.load(taken.id)


def test_values_no_environment_can_hold_are_not_recorded(tmp_path: Path) -> None:
    odd = {"A=B": RegistryValue("x"), "GOPATH": RegistryValue(r"D:\go")}
    snaps = snapshots(tmp_path, MemoryUserEnvironment(odd))
    taken = snaps.take("setup")
    assert snaps.repo.load(taken.id).state.registry == {"GOPATH": RegistryValue(r"D:\go")}
