"""`gvw snapshots diff ID` and `gvw restore ID --dry-run` agree, for every kind of state.

Each line the diff shows (from the snapshot to now) is a change the restore makes (from
now back to the snapshot: the same label, old and new swapped) or a difference it says
it leaves alone (a warning naming it); the restore shows nothing the diff does not.
The file kinds run through the real CLI; the registry, which exists only on Windows,
through the same domain calls the two commands make, against the in-memory registry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gvw.base.config import Config
from gvw.base.paths import Paths
from gvw.history.snapshots.apply import apply
from gvw.history.snapshots.diff import Change, diff
from gvw.history.snapshots.service import Snapshots
from gvw.host.windows_registry import RegistryValue
from gvw.store.version_store import Store
from tests.history.snapshot_helpers import user_env
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.registry import MemoryUserEnvironment

# a restore that takes out only gvw's block shows what it leaves, not the recorded absence
BLOCK_ONLY = "(only the gvw block removed: the file has other lines now)"


def snapshot_ids(gvw: GvwEnv) -> list[str]:
    return sorted(p.stem for p in (gvw.root / "snapshots").glob("*.toml"))


def assert_agree(gvw: GvwEnv, snapshot_id: str) -> tuple[list[str], list[str]]:
    """Compare the two commands' output; returns the restore's change lines and
    warnings, for the caller's exact checks."""
    diff_rows: list[dict[str, Any]] = json.loads(
        run_ok(gvw, "snapshots", "diff", snapshot_id, "--json").stdout
    )
    # (the diff's capture keeps the programs it saw, as any capture does)
    before = sorted(p.relative_to(gvw.base).as_posix() for p in gvw.base.rglob("*"))
    dry = run_ok(gvw, "restore", snapshot_id, "--dry-run")
    assert sorted(p.relative_to(gvw.base).as_posix() for p in gvw.base.rglob("*")) == before
    lines = dry.stdout.splitlines()
    end = next((i for i, line in enumerate(lines) if line.startswith("gvw cannot")), len(lines))
    changes = [line[2:] for line in lines[1:end]]  # after "Would restore snapshot ..."
    warnings = [line for line in dry.stderr_lines if line.startswith("gvw: warning: ")]
    rows = [row for row in diff_rows if not row["label"].startswith("$")]
    restored = {line.split(": ", 1)[0]: line for line in changes}
    assert len(restored) == len(changes)  # one line per thing changed
    for row in rows:
        label = row["label"]
        if label in restored:
            line = restored.pop(label)
            if line.endswith(BLOCK_ONLY):
                assert line.startswith(f"{label}: {row['new']} -> ")
            else:
                assert line.startswith(f"{label}: {row['new']} -> {row['old']}")
        else:
            # left alone: a warning names it (a path's label is "profile PATH")
            named = label.removeprefix("profile ")
            assert any(named in warning for warning in warnings), (label, warnings)
    assert restored == {}, "the restore would change what the diff does not show"
    return changes, warnings


def test_diff_and_dry_run_agree_on_versions_selection_version_files_go_env_and_tools(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    user_env(gvw, tmp_path)
    gvw.extra_env["GVW_MIRROR"] = mirror.as_uri()
    run_ok(gvw, "install", "1.21.13", "1.22.10")
    run_ok(gvw, "global", "1.21")
    project = tmp_path / "project"
    project.mkdir()
    pin = project / ".go-version"
    pin.write_text("# pinned for CI\n1.21\n")
    env_file = tmp_path / "goenv" / "env"
    env_file.parent.mkdir()
    env_file.write_text("GOPROXY=off\n")
    bin_dir = tmp_path / "gopath" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "tool").write_bytes(b"#!/bin/sh\necho v1\n")
    run_ok(gvw, "local", "1.22", cwd=project)
    taken = snapshot_ids(gvw)[-1]  # before `local 1.22`: the pin as written above

    # since then: only a comment of the pin changed, another global, an uninstall, a
    # go env -w, a rebuilt tool and a new one
    pin.write_text("# pinned for the release\n1.21\n")
    run_ok(gvw, "global", "1.22")
    run_ok(gvw, "uninstall", "1.21.13")
    env_file.write_text("GOPROXY=off\nGOFLAGS=-mod=mod\n")
    (bin_dir / "tool").write_bytes(b"#!/bin/sh\necho v2\n")
    (bin_dir / "extra").write_bytes(b"#!/bin/sh\necho extra\n")

    changes, warnings = assert_agree(gvw, taken)
    labels = [line.split(": ", 1)[0] for line in changes]
    assert labels == [
        "Go 1.21.13",
        "global",
        str(pin),
        "go env GOFLAGS",
        "GOPATH/bin/tool",
    ]
    assert changes[2] == f"{pin}: 1.21 -> 1.21 (only comments or other lines differ)"
    assert warnings == [
        "gvw: warning: left GOPATH/bin/extra alone: the snapshot does not list it "
        "(a restore never deletes programs)"
    ]
    # and the restore itself does what its dry run said
    run_ok(gvw, "restore", taken)
    assert pin.read_text() == "# pinned for CI\n1.21\n"
    rows = json.loads(run_ok(gvw, "snapshots", "diff", taken, "--json").stdout)
    assert [(row["label"], row["old"]) for row in rows] == [("GOPATH/bin/extra", "(absent)")]


def test_diff_and_dry_run_agree_on_shell_profiles(gvw: GvwEnv, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    gvw.extra_env.update(HOME=str(home), SHELL="/bin/bash", PATH="/usr/bin:/bin")
    gvw.extra_env.pop("XDG_CONFIG_HOME", None)
    gvw.extra_env.pop("ZDOTDIR", None)
    bashrc, zshrc = home / ".bashrc", home / ".zshrc"
    bashrc.write_text("export A=1\n")  # present before; .zshrc absent before
    run_ok(gvw, "setup", "--shell", "bash", "--shell", "zsh")
    taken = snapshot_ids(gvw)[-1]
    with zshrc.open("a") as handle:
        handle.write("export ADDED_SINCE=1\n")

    changes, warnings = assert_agree(gvw, taken)
    assert [line.split(": ", 1)[0] for line in changes] == [f"profile {bashrc}", f"profile {zshrc}"]
    assert changes[1].endswith(BLOCK_ONLY) and warnings == []


def test_diff_and_dry_run_agree_on_the_registry_and_a_path_differing_only_in_case(
    tmp_path: Path,
) -> None:
    paths = Paths(root=tmp_path / "root", cache=tmp_path / "cache", config_file=tmp_path / "c")
    recorded = {
        "Path": RegistryValue(r"%USERPROFILE%\go\bin;C:\Tools", expand=True),
        "GOPATH": RegistryValue(r"D:\go"),
        "GVW_ROOT": RegistryValue(r"D:\gvw"),
    }
    registry = MemoryUserEnvironment(dict(recorded))
    snaps = Snapshots(
        Store(paths), {"HOME": str(tmp_path / "home")}, Config(), registry=registry, goos="linux"
    )
    taken = snaps.take("setup", scope=("profile_files", "user_path"))
    registry.values = {
        "PATH": RegistryValue(r"%userprofile%\Go\bin;c:\tools", expand=True),  # same dirs
        "GOPATH": RegistryValue(r"E:\go"),
        "GOROOT": RegistryValue(r"C:\Program Files\Go"),
        "JAVA_HOME": RegistryValue(r"C:\Java"),  # not gvw's: neither shown nor touched
    }
    target = snaps.repo.load(taken.id)
    shown = diff(target.state, snaps.capture_like(target))  # what `snapshots diff ID` runs
    done: list[Change] = []
    apply(  # what `restore ID --dry-run` runs
        snaps.plan(target),
        store=snaps.store,
        installer=lambda: None,  # type: ignore[arg-type,return-value]
        registry=registry,
        on_change=done.append,
        dry_run=True,
    )
    assert shown == [
        Change("registry GOPATH", r"D:\go", r"E:\go"),
        Change("registry GOROOT", "(unset)", r"C:\Program Files\Go"),
        Change("registry GVW_ROOT", r"D:\gvw", "(unset)"),
    ]
    assert done == [Change(c.label, c.new, c.old) for c in shown]
    assert registry.broadcasts == 0
