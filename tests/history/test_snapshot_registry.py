"""The Windows part of snapshots (HKCU\\Environment) against an in-memory registry.

What runs here is gvw's own capture, TOML round trip, planning and apply code; only
the registry is the in-memory one of tests/support/registry.py (the interface of
gvw.host.windows_registry, whose winreg implementation is used only on Windows).
Not verified here: the winreg calls themselves and the WM_SETTINGCHANGE broadcast
(they need a real Windows).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomli_w

from gvw.base.config import Config
from gvw.base.errors import SnapshotError
from gvw.base.paths import Paths
from gvw.base.platforms import host_platform
from gvw.base.reporting import SilentReporter
from gvw.history.changes import Change as GuardedChange
from gvw.history.snapshots.apply import Plan, apply, plan_restore, prepare
from gvw.history.snapshots.diff import Change, diff
from gvw.history.snapshots.fileformat import seal
from gvw.history.snapshots.model import ScopeKind, Snapshot, Tool
from gvw.history.snapshots.service import RestoreOptions, Snapshots
from gvw.host.windows_registry import RegistryValue
from gvw.store.version_store import Store
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


SETUP: tuple[ScopeKind, ...] = ("profile_files", "user_path")


def snapshots(tmp_path: Path, registry: MemoryUserEnvironment | None) -> Snapshots:
    paths = Paths(root=tmp_path / "root", cache=tmp_path / "cache", config_file=tmp_path / "c")
    env = {"HOME": str(tmp_path / "home")}
    return Snapshots(Store(paths), env, Config(), registry=registry, goos="linux")


def no_installer() -> object:
    raise AssertionError("nothing should be downloaded")


def test_restore_puts_the_user_environment_back_in_one_write(tmp_path: Path) -> None:
    registry = MemoryUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    taken = snaps.take("setup", scope=SETUP)
    # TOML round trip of what a restore can write back (TEMP is not gvw's: not recorded)
    assert snaps.repo.load(taken.id).state.registry == {
        "Path": ORIGINAL["Path"],
        "GOPATH": ORIGINAL["GOPATH"],
    }

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
        r"registry GOPATH: (unset) -> D:\go",
        r"registry GOROOT: C:\Program Files\Go -> (unset)",
        r"registry PATH: C:\gvw\shims;%USERPROFILE%\x (REG_EXPAND_SZ) -> "
        r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps (REG_EXPAND_SZ)",
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
    taken = snaps.take("setup", scope=SETUP)
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
    taken = snapshots(tmp_path, MemoryUserEnvironment(dict(ORIGINAL))).take("setup", scope=SETUP)
    elsewhere = snapshots(tmp_path, None)  # the same store, seen from a non-Windows gvw
    plan = plan_restore(
        elsewhere.repo.load(taken.id), elsewhere.capture(), elsewhere.store, goos="linux"
    )
    assert plan.registry == {}
    assert plan.warnings == ["registry values not restored: they exist only on Windows"]


@pytest.mark.parametrize("name", ["A=B", "", "X\x1b[2J"])
def test_hostile_registry_names_make_the_snapshot_damaged(tmp_path: Path, name: str) -> None:
    snaps = snapshots(tmp_path, MemoryUserEnvironment({"GOPATH": RegistryValue("v")}))
    taken = snaps.take("setup", scope=SETUP)
    path = snaps.repo.path_of(taken.id)
    data = tomllib.loads(path.read_text().split("\n", 1)[1])
    data["registry"][name] = {"kind": "REG_SZ", "value": "v"}
    path.write_bytes(seal(tomli_w.dumps(data).encode()))  # edited, checksum and all
    with pytest.raises(SnapshotError, match="is not an environment variable name"):
        snaps.repo.load(taken.id)


def test_snapshots_record_only_the_values_a_restore_can_write_back(tmp_path: Path) -> None:
    # HKCU\Environment also holds other programs' values, secrets among them
    values = {
        **ORIGINAL,
        "GITHUB_TOKEN": RegistryValue("ghp_secret"),
        "OneDrive": RegistryValue(r"C:\Users\me\OneDrive"),
        "GOFLAGS": RegistryValue("-mod=mod"),
        "Gvw_Root": RegistryValue(r"D:\gvw"),
    }
    snaps = snapshots(tmp_path, MemoryUserEnvironment(values))
    taken = snaps.take("setup", scope=SETUP)
    assert snaps.repo.load(taken.id).state.registry == {
        "Path": ORIGINAL["Path"],
        "GOPATH": ORIGINAL["GOPATH"],
        "GOFLAGS": RegistryValue("-mod=mod"),
        "Gvw_Root": RegistryValue(r"D:\gvw"),
    }
    raw = snaps.repo.path_of(taken.id).read_text()
    assert "ghp_secret" not in raw and "OneDrive" not in raw and "TEMP" not in raw


def test_values_no_environment_can_hold_are_not_recorded(tmp_path: Path) -> None:
    odd = {"GVW_A=B": RegistryValue("x"), "GOPATH": RegistryValue(r"D:\go")}
    snaps = snapshots(tmp_path, MemoryUserEnvironment(odd))
    taken = snaps.take("setup", scope=SETUP)
    assert snaps.repo.load(taken.id).state.registry == {"GOPATH": RegistryValue(r"D:\go")}


def test_restore_changes_only_the_values_gvw_and_go_use(tmp_path: Path) -> None:
    registry = MemoryUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    taken = snaps.take("setup", scope=SETUP)
    # later: other installers and the user add and change values of their own, and
    # values gvw restores change too
    registry.values.update(
        JAVA_HOME=RegistryValue(r"C:\Java"),
        TEMP=RegistryValue(r"D:\tmp"),
        GOROOT=RegistryValue(r"C:\Program Files\Go"),
        gvw_debug=RegistryValue("1"),
        GOPATH=RegistryValue(r"E:\go"),
        Path=RegistryValue(r"C:\gvw\shims;" + ORIGINAL["Path"].value, expand=True),
    )
    plan = snaps.plan(snaps.repo.load(taken.id))
    assert plan.registry == {
        "Path": ORIGINAL["Path"],
        "GOPATH": ORIGINAL["GOPATH"],
        "GOROOT": None,
        "gvw_debug": None,  # GVW_* names ignore case, like every registry name
    }
    apply(
        plan,
        store=snaps.store,
        installer=no_installer,  # type: ignore[arg-type]
        registry=registry,
        on_change=lambda change: None,
    )
    assert registry.values == {
        "Path": ORIGINAL["Path"],
        "GOPATH": ORIGINAL["GOPATH"],
        "TEMP": RegistryValue(r"D:\tmp"),  # changed by someone else: left as it is
        "JAVA_HOME": RegistryValue(r"C:\Java"),  # added by someone else: not deleted
    }


def test_path_compares_ignoring_case_and_gets_its_recorded_kind_back(tmp_path: Path) -> None:
    recorded = RegistryValue(r"%USERPROFILE%\go\bin;C:\Tools", expand=True)
    registry = MemoryUserEnvironment({"Path": recorded})
    snaps = snapshots(tmp_path, registry)
    target = snaps.repo.load(snaps.take("setup", scope=SETUP).id)
    registry.values = {"PATH": RegistryValue(r"%userprofile%\Go\bin;c:\tools", expand=True)}
    assert not snaps.plan(target).changes_anything  # the same directories
    # rewritten as REG_SZ, %USERPROFILE% no longer expands: the kind is put back
    registry.values = {"PATH": RegistryValue(recorded.value, expand=False)}
    assert snaps.plan(target).registry == {"PATH": recorded}


def test_rollback_of_setup_puts_back_only_the_user_path(tmp_path: Path) -> None:
    registry = MemoryUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    taken = snaps.take("setup", scope=SETUP)
    shims_first = RegistryValue(r"C:\gvw\shims;" + ORIGINAL["Path"].value, expand=True)
    registry.values["Path"] = shims_first  # what setup does
    registry.values["GOPATH"] = RegistryValue(r"E:\go")  # the user's own change, after
    plan = snaps.rollback_plan()
    assert plan.target.id == taken.id
    assert plan.registry == {"Path": ORIGINAL["Path"]}
    # gvw restore of the same snapshot puts back every value gvw restores
    assert snaps.plan(plan.target).registry == {
        "Path": ORIGINAL["Path"],
        "GOPATH": ORIGINAL["GOPATH"],
    }


@dataclass
class CountingUserEnvironment(MemoryUserEnvironment):
    reads: int = 0

    def read_user_environment(self) -> dict[str, RegistryValue]:
        self.reads += 1
        return super().read_user_environment()


def test_rollback_captures_the_current_state_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gvw.history.snapshots.capture

    registry = CountingUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    bin_dir = tmp_path / "home" / "go" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "tool").write_bytes(b"v1")
    taken = snaps.take("setup", scope=SETUP)
    registry.values["Path"] = RegistryValue(r"C:\gvw\shims", expand=True)
    # then commands that failed before changing anything, each with other files
    for n in range(3):
        version_file = tmp_path / f"p{n}" / ".go-version"
        snaps.take(f"local 1.2{n}", scope=["version_files"], version_files=[version_file])
    snaps.take("global 1.22", scope=["global"])
    inventories: list[Path] = []
    inventory = gvw.history.snapshots.capture.inventory

    def counted(bin_dir: Path, blobs: Path, cache: Path) -> tuple[Tool, ...]:
        inventories.append(bin_dir)
        return inventory(bin_dir, blobs, cache)

    monkeypatch.setattr(gvw.history.snapshots.capture, "inventory", counted)
    registry.reads = 0
    plan = snaps.rollback_plan()
    assert plan.target.id == taken.id  # the four newer ones are equal to now
    assert plan.registry == {"Path": ORIGINAL["Path"]}
    assert (registry.reads, inventories) == (1, [bin_dir])


class Recorder:
    def __init__(self) -> None:
        self.steps: list[str] = []

    def starting(self, plan: Plan) -> None:
        self.steps.append(f"starting {plan.target.id}")

    def saved(self, snapshot: Snapshot) -> None:
        self.steps.append(f"saved {snapshot.id}")

    def changed(self, change: Change) -> None:
        self.steps.append(str(change))


def test_a_restore_tells_its_steps_prints_nothing_and_is_rolled_back_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = MemoryUserEnvironment(dict(ORIGINAL))
    snaps = snapshots(tmp_path, registry)
    taken = snaps.take("setup", scope=SETUP)
    registry.values["GOROOT"] = RegistryValue(r"C:\Go")

    def refuse() -> object:
        raise AssertionError("nothing to download or rehash")

    options = RestoreOptions(
        mirror=refuse,  # type: ignore[arg-type]
        platform=host_platform({}),
        reporter=SilentReporter(),
    )
    events = Recorder()
    change = GuardedChange("restore", (), snaps.take)
    result = snaps.restore(taken.id, options, events, change)
    assert not change.versions_did_change  # so the guard rehashes nothing
    assert result.saved is not None
    assert events.steps == [
        f"starting {taken.id}",
        f"saved {result.saved.id}",
        r"registry GOROOT: C:\Go -> (unset)",
    ]
    assert capsys.readouterr() == ("", "")
    assert "GOROOT" not in registry.values
    assert result.saved.scope == ("registry",)  # what the restore changed
    snaps.store.paths.global_file.write_text("1.22\n")  # not something the restore changed
    undo = snaps.rollback(options, Recorder(), GuardedChange("rollback", (), snaps.take))
    assert undo.plan.target.id == result.saved.id
    assert registry.values["GOROOT"] == RegistryValue(r"C:\Go")
    assert snaps.store.paths.global_file.read_text() == "1.22\n"
