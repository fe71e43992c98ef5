"""gvw rollback: what it undoes, what it skips, the scope each snapshot records, and
the shell commands it prints for what it cannot change."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass
from tests.history.snapshot_helpers import edit_snapshot, listing, restore_header, snapshot_ids

# --- rollback semantics -------------------------------------------------------------------


def test_rollback_undoes_the_last_change_and_rolling_back_twice_redoes(
    store: GvwEnv, tmp_path: Path
) -> None:
    run_ok(store, "global", "1.21")
    run_ok(store, "global", "1.22")
    before = snapshot_ids(store)[-1]
    first = run_ok(store, "rollback")
    assert first.stdout.splitlines() == [
        *restore_header(store, before, snapshot_ids(store)[-1]),
        "  global: 1.22 -> 1.21",
    ]
    assert (store.root / "version").read_text() == "1.21\n"
    second = run_ok(store, "rollback")
    assert second.stdout.splitlines()[-1] == "  global: 1.21 -> 1.22"
    assert (store.root / "version").read_text() == "1.22\n"
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "local", "1.21", cwd=project)
    run_ok(store, "local", "--unset", cwd=project)
    assert run_ok(store, "rollback").stdout.splitlines()[-1] == (
        f"  {project / '.go-version'}: (absent) -> 1.21"
    )
    assert (project / ".go-version").read_text() == "1.21\n"


def test_rollback_of_an_install_moves_the_new_version_to_the_trash(
    store: GvwEnv, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.23.4"], ["linux-amd64"])
    run_ok(store, "install", "1.23.4")
    result = run_ok(store, "rollback")
    assert result.stdout.splitlines()[-1] == (
        "  Go 1.23.4: installed -> not installed (moved to the trash)"
    )
    assert run_ok(store, "list").stdout.split() == ["1.22.10", "1.21.13"]
    assert [p.name.split(".1")[0] for p in (store.root / "trash").iterdir()] == ["1.23.4"]
    assert not (store.root / "shims" / "go1.23.4").exists()


def test_commands_that_change_nothing_leave_no_snapshot(store: GvwEnv) -> None:
    taken = snapshot_ids(store)
    assert len(taken) == 1  # the first install
    run_ok(store, "global", "1.22")
    after_global = snapshot_ids(store)
    run_ok(store, "install", "1.22.10")  # already installed
    run_ok(store, "global", "1.22")  # the same again
    assert store.run("install", "9.9.9").returncode == 7  # failed before any change
    assert store.run("global", "1.19").returncode == 4
    assert snapshot_ids(store) == after_global == [*taken, after_global[-1]]


def take_snapshot_like_a_failed_command(gvw: GvwEnv, command: str) -> str:
    """A command that snapshotted and then failed leaves a snapshot equal to now."""
    from gvw.cli.app import App

    return App(env=gvw.env(), cwd=gvw.base).snapshots.take(command, scope=["global"]).id


def test_rollback_skips_snapshots_of_commands_that_changed_nothing(store: GvwEnv) -> None:
    run_ok(store, "global", "1.21")
    before_global = snapshot_ids(store)[-1]
    failed = take_snapshot_like_a_failed_command(store, "global 1.22")
    result = run_ok(store, "rollback")
    assert result.stdout.splitlines() == [
        *restore_header(store, before_global, snapshot_ids(store)[-1]),
        "  global: 1.21 -> (absent)",
    ]
    assert failed in snapshot_ids(store)
    assert run_ok(store, "restore", before_global).stdout == (
        f"Nothing to restore: this is already the state of snapshot {before_global}\n"
    )


def test_nothing_to_roll_back(store: GvwEnv) -> None:
    for snapshot_id in snapshot_ids(store):
        (store.root / "snapshots" / f"{snapshot_id}.toml").unlink()
    only = take_snapshot_like_a_failed_command(store, "global 1.22")
    before = store.store_listing()
    assert run_ok(store, "rollback").stdout == (
        f"Nothing to roll back: this is already the state of snapshot {only}\n"
    )
    assert store.store_listing() == before


def test_no_snapshot_at_all(gvw: GvwEnv) -> None:
    result = gvw.run("rollback")
    assert result.returncode == 15
    assert result.stderr_lines == [
        "gvw: there is no snapshot to roll back to",
        "gvw: gvw takes one before every install, uninstall, global, local and setup",
    ]
    assert run_ok(gvw, "snapshots").stdout == (
        "no snapshots yet: gvw takes one before every change\n"
    )


def test_restore_prints_commands_for_the_shell_variables_it_cannot_change(
    store: GvwEnv,
) -> None:
    run_ok(store, "global", "1.21", env={"GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local"})
    result = run_ok(store, "rollback", env={"GOFLAGS": "-tags=it's"})
    assert result.stdout.splitlines()[-4:] == [
        "  global: 1.21 -> (absent)",
        "gvw cannot change your shell's variables; to restore them run:",
        "  export GOFLAGS='-mod=mod'",
        "  export GOTOOLCHAIN='local'",
    ]
    run_ok(store, "global", "1.22")
    result = run_ok(store, "rollback", env={"GOFLAGS": "-tags=it's"})
    assert result.stdout.splitlines()[-2:] == [
        "gvw cannot change your shell's variables; to restore them run:",
        "  unset GOFLAGS",
    ]


def scope_of(gvw: GvwEnv, snapshot_id: str) -> Any:
    return json.loads(run_ok(gvw, "snapshots", "show", snapshot_id, "--json").stdout)["scope"]


def test_each_snapshot_records_what_a_rollback_of_its_command_puts_back(
    store: GvwEnv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "global", "1.22")
    before_global = snapshot_ids(store)[-1]
    run_ok(store, "local", "1.22", cwd=project)
    run_ok(store, "uninstall", "1.21.13")
    run_ok(store, "restore", before_global)  # changes the global file and the versions
    assert [(r["command"], scope_of(store, r["id"])) for r in reversed(listing(store))] == [
        ("install 1.21.13 1.22.10", ["installed"]),
        ("global 1.22", ["global"]),
        ("local 1.22", ["version_files"]),
        ("uninstall 1.21.13", ["installed"]),
        (f"restore {before_global}", ["installed", "global"]),
    ]
    # so rolling the restore back undoes both, and leaves the .go-version alone
    (project / ".go-version").write_text("1.21\n")
    result = run_ok(store, "rollback")
    assert result.stdout.splitlines()[2:] == [
        "  global: (absent) -> 1.22",
        "  Go 1.21.13: installed -> not installed (moved to the trash)",
    ]
    assert (project / ".go-version").read_text() == "1.21\n"


def test_a_snapshot_without_a_scope_is_rolled_back_whole(store: GvwEnv, tmp_path: Path) -> None:
    run_ok(store, "global", "1.21")
    taken = snapshot_ids(store)[-1]
    edit_snapshot(store, taken, lambda data: data.pop("scope"))  # as gvw 0.1 wrote them
    env_file = tmp_path / "goenv" / "env"
    env_file.parent.mkdir()
    env_file.write_text("GOPRIVATE=example.com\n")  # what go env -w writes
    assert run_ok(store, "snapshots", "show", taken).stdout.splitlines()[-1] == (
        "scope:        everything (gvw rollback and gvw restore put back all of the above)"
    )
    assert scope_of(store, taken) is None
    assert run_ok(store, "rollback").stdout.splitlines()[2:] == [
        "  global: 1.21 -> (absent)",
        "  go env GOPRIVATE: example.com -> (unset)",
    ]
    assert not env_file.exists()


def test_powershell_commands_for_windows() -> None:
    from gvw.cli.snapshots import shell_commands

    env = {"GOPATH": r"C:\Users\O'Neil\go", "GOFLAGS": None, "PATH": "a\x1b[2Jb"}
    assert shell_commands(env, powershell=True) == [
        r"$env:GOPATH = 'C:\Users\O''Neil\go'",
        "Remove-Item -LiteralPath 'Env:GOFLAGS' -ErrorAction SilentlyContinue",
        "# PATH holds control characters; set it by hand",
    ]
    assert shell_commands(env, powershell=False)[:2] == [
        "export GOPATH='C:\\Users\\O'\\''Neil\\go'",
        "unset GOFLAGS",
    ]


# --- uninstall ----------------------------------------------------------------------------


def test_uninstall_refuses_the_global_and_the_selected_version_unless_forced(
    store: GvwEnv, tmp_path: Path
) -> None:
    global_file = store.root / "version"
    run_ok(store, "global", "1.22")
    refused = store.run("uninstall", "1.22.10")
    assert refused.returncode == 14
    assert refused.stderr_lines == [
        f"gvw: refusing to uninstall Go 1.22.10: it is the global version (set by {global_file})",
        "gvw: select another version first: gvw global 1.21.13",
    ]
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "local", "1.21.13", cwd=project)
    refused = store.run("uninstall", "1.21.13", cwd=project)
    assert refused.returncode == 14
    assert refused.stderr_lines[0] == (
        "gvw: refusing to uninstall Go 1.21.13: it is selected here "
        f"(set by {project / '.go-version'})"
    )
    assert run_ok(store, "list").stdout.split() == ["*", "1.22.10", "1.21.13"]
    before = snapshot_ids(store)
    forced = run_ok(store, "uninstall", "--force", "1.21.13", cwd=project)
    assert forced.stdout == "Uninstalled Go 1.21.13\n"
    assert forced.stderr_lines == [  # what breaks, and the undo
        f"gvw: warning: Go 1.21.13 was selected here ({project / '.go-version'}): "
        "go now fails here",
        "gvw: moved to the trash; undo with: gvw rollback",
    ]
    assert len(snapshot_ids(store)) == len(before) + 1
