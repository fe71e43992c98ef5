"""Snapshots, gvw rollback and gvw restore through the real CLI: real toolchains from
the local mirror for what users do with Go (go install, go env -w, uninstall and
roll back with the mirror stopped), small synthetic toolchains for the rest."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest
import tomli_w

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello, %s") }\n'


# --- fixtures and helpers ---------------------------------------------------------------


def user_env(gvw: GvwEnv, base: Path) -> None:
    """A user's Go environment inside the test directory: home, GOPATH, go env file."""
    gvw.extra_env.update(
        HOME=str(base / "home"),
        XDG_CONFIG_HOME=str(base / "home" / ".config"),
        GOPATH=str(base / "gopath"),
        GOENV=str(base / "goenv" / "env"),
        PATH=f"{base / 'no-system-go'}:/usr/bin:/bin",
        TZ="UTC",
    )


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    """Synthetic 1.21.13 and 1.22.10 installed from a file mirror."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    user_env(gvw, tmp_path)
    gvw.extra_env["GVW_MIRROR"] = mirror.as_uri()
    run_ok(gvw, "install", "1.21.13", "1.22.10")
    return gvw


def real_store(gvw: GvwEnv, tmp_path: Path, server: MirrorServer) -> GvwEnv:
    user_env(gvw, tmp_path)
    run_ok(gvw, "install", "--mirror", server.url, "1.21.13", "1.22.10")
    return gvw


def go(gvw: GvwEnv, version: str, *args: str, cwd: Path | None = None) -> str:
    """Run a real toolchain as the user would, offline (GOPROXY=off, local modules)."""
    env = gvw.env(
        {
            "GOCACHE": str(gvw.base / "gocache"),
            "GOFLAGS": "-mod=mod",
            "GOPROXY": "off",
            "GOTOOLCHAIN": "local",
            "CGO_ENABLED": "0",
        }
    )
    done = subprocess.run(
        [str(gvw.root / "versions" / version / "bin" / "go"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def go_install_tool(gvw: GvwEnv, version: str, greeting: str) -> Path:
    """`go install ./cmd/hello` of a tiny local module with the real Go ``version``."""
    source = gvw.base / "src"
    (source / "cmd" / "hello").mkdir(parents=True, exist_ok=True)
    (source / "go.mod").write_text("module example.com/tools\n\ngo 1.21\n")
    (source / "cmd" / "hello" / "main.go").write_text(MAIN % greeting)
    go(gvw, version, "install", "./cmd/hello", cwd=source)
    return gvw.base / "gopath" / "bin" / "hello"


def snapshot_ids(gvw: GvwEnv) -> list[str]:
    """Oldest first."""
    directory = gvw.root / "snapshots"
    return sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []


def listing(gvw: GvwEnv) -> list[dict[str, Any]]:
    return json.loads(run_ok(gvw, "snapshots", "--json").stdout)  # type: ignore[no-any-return]


def shown_time(row_time: str) -> str:
    return datetime.fromisoformat(row_time).strftime("%Y-%m-%d %H:%M:%S")


def restore_header(gvw: GvwEnv, snapshot_id: str, saved_id: str) -> list[str]:
    row = next(r for r in listing(gvw) if r["id"] == snapshot_id)
    return [
        f"Restoring snapshot {snapshot_id} ({shown_time(row['time'])}, before: {row['command']})",
        f"Saved the state before this as snapshot {saved_id} (gvw rollback undoes it)",
    ]


def edit_snapshot(
    gvw: GvwEnv,
    snapshot_id: str,
    change: Callable[[dict[str, Any]], None],
    *,
    reseal: bool = True,
) -> Path:
    """Edit a snapshot as a determined hand would: including its checksum line."""
    from gvw.snapshots.fileformat import seal

    path = gvw.root / "snapshots" / f"{snapshot_id}.toml"
    data = tomllib.loads(path.read_text())
    change(data)
    body = tomli_w.dumps(data).encode()
    path.write_bytes(seal(body) if reseal else path.read_bytes().split(b"\n")[0] + b"\n" + body)
    return path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- real toolchains ------------------------------------------------------------------


@pytest.mark.slow
def test_uninstall_then_rollback_brings_the_toolchain_back_from_the_trash_without_download(
    gvw: GvwEnv, tmp_path: Path, mirror_factory: Callable[..., MirrorServer], real_mirror_dir: Path
) -> None:
    server = mirror_factory(real_mirror_dir)
    real_store(gvw, tmp_path, server)
    run_ok(gvw, "global", "1.22.10")
    assert run_ok(gvw, "uninstall", "1.21.13").stdout == "Uninstalled Go 1.21.13\n"
    assert not (gvw.root / "versions" / "1.21.13").exists()
    [trashed] = list((gvw.root / "trash").iterdir())
    assert trashed.name.startswith("1.21.13.")
    uninstall_snapshot = snapshot_ids(gvw)[-1]

    server.clear_log()
    server.stop()
    result = run_ok(gvw, "rollback")
    saved = snapshot_ids(gvw)[-1]
    assert result.stdout.splitlines() == [
        *restore_header(gvw, uninstall_snapshot, saved),
        "  Go 1.21.13: not installed -> installed (from the trash)",
    ]
    assert server.requests == []
    assert list((gvw.root / "trash").iterdir()) == []
    assert go(gvw, "1.21.13", "version").startswith("go version go1.21.13 linux/amd64")
    assert (gvw.root / "shims" / "go1.21.13").is_file()
    assert run_ok(gvw, "list").stdout.split() == ["*", "1.22.10", "1.21.13"]


@pytest.mark.slow
def test_restore_of_an_older_snapshot_puts_back_selection_go_env_file_and_replaced_tool(
    gvw: GvwEnv, tmp_path: Path, real_mirror: MirrorServer
) -> None:
    real_store(gvw, tmp_path, real_mirror)
    project = tmp_path / "project"
    project.mkdir()
    old_tool = go_install_tool(gvw, "1.21.13", "old")
    old_bytes = old_tool.read_bytes()
    go(gvw, "1.21.13", "env", "-w", "GOPRIVATE=example.com/private")
    run_ok(gvw, "global", "1.21")
    run_ok(gvw, "local", "1.21", cwd=project)
    before_local = snapshot_ids(gvw)[-1]

    # then the user upgrades: another go env, the tool rebuilt by the newer Go, new pins
    go(gvw, "1.22.10", "env", "-u", "GOPRIVATE")
    go(gvw, "1.22.10", "env", "-w", "GOINSECURE=example.com")
    new_tool = go_install_tool(gvw, "1.22.10", "new")
    assert new_tool == old_tool and new_tool.read_bytes() != old_bytes
    run_ok(gvw, "global", "1.22")
    run_ok(gvw, "local", "1.22", cwd=project)

    old_sha, new_sha = digest(old_bytes), digest(new_tool.read_bytes())
    result = run_ok(gvw, "restore", before_local)
    saved = snapshot_ids(gvw)[-1]
    assert result.stdout.splitlines() == [
        *restore_header(gvw, before_local, saved),
        "  global: 1.22 -> 1.21",
        f"  {project / '.go-version'}: 1.22 -> (absent)",
        "  go env GOINSECURE: example.com -> (unset)",
        "  go env GOPRIVATE: (unset) -> example.com/private",
        f"  GOPATH/bin/hello: go1.22.10 example.com/tools (devel), sha256 {new_sha[:12]}"
        f" -> go1.21.13 example.com/tools (devel), sha256 {old_sha[:12]}",
    ]
    assert result.stderr == ""
    assert old_tool.read_bytes() == old_bytes
    assert os.access(old_tool, os.X_OK)
    assert subprocess.run([str(old_tool)], capture_output=True, text=True).stdout == "hello, old\n"
    assert "\tpath\texample.com/tools/cmd/hello" in go(
        gvw, "1.22.10", "version", "-m", str(old_tool)
    )
    assert go(gvw, "1.22.10", "env", "GOPRIVATE", "GOINSECURE").splitlines() == [
        "example.com/private",
        "",
    ]
    assert not (project / ".go-version").exists()
    assert (gvw.root / "version").read_text() == "1.21\n"

    # rolling back the restore redoes the upgrade
    redo = run_ok(gvw, "rollback")
    assert redo.stdout.splitlines()[2:] == [
        "  global: 1.21 -> 1.22",
        f"  {project / '.go-version'}: (absent) -> 1.22",
        "  go env GOINSECURE: (unset) -> example.com",
        "  go env GOPRIVATE: example.com/private -> (unset)",
        f"  GOPATH/bin/hello: go1.21.13 example.com/tools (devel), sha256 {old_sha[:12]}"
        f" -> go1.22.10 example.com/tools (devel), sha256 {new_sha[:12]}",
    ]
    assert digest(new_tool.read_bytes()) == new_sha
    assert (project / ".go-version").read_text() == "1.22\n"

    shown = run_ok(gvw, "snapshots", "show", before_local, "--json").stdout
    snapshot = json.loads(shown)
    assert snapshot["tools"]["dir"] == str(tmp_path / "gopath" / "bin")
    assert snapshot["tools"]["files"] == [
        {
            "name": "hello",
            "size": len(old_bytes),
            "sha256": old_sha,
            "go_version": "go1.21.13",
            "path": "example.com/tools/cmd/hello",
            "module": "example.com/tools",
            "module_version": "(devel)",
        }
    ]
    assert snapshot["go_env_file"] == {
        "path": str(tmp_path / "goenv" / "env"),
        "state": "present",
        "content": "GOPRIVATE=example.com/private\n",
    }
    assert (gvw.root / "snapshots" / "blobs" / old_sha).read_bytes() == old_bytes


@pytest.mark.slow
def test_rollback_puts_back_only_what_the_command_changed_and_restore_puts_back_everything(
    gvw: GvwEnv, tmp_path: Path, real_mirror: MirrorServer
) -> None:
    real_store(gvw, tmp_path, real_mirror)
    tool = tmp_path / "gopath" / "bin" / "tool"
    tool.parent.mkdir(parents=True)
    tool.write_bytes(b"#!/bin/sh\necho v1\n")
    run_ok(gvw, "global", "1.21")
    taken = snapshot_ids(gvw)[-1]
    # then, unrelated to `gvw global`: a go env -w setting and a rebuilt tool
    go(gvw, "1.21.13", "env", "-w", "GOPRIVATE=example.com/private")
    tool.write_bytes(b"#!/bin/sh\necho v2\n")
    v1, v2 = digest(b"#!/bin/sh\necho v1\n"), digest(b"#!/bin/sh\necho v2\n")

    result = run_ok(gvw, "rollback")
    assert result.stdout.splitlines() == [
        *restore_header(gvw, taken, snapshot_ids(gvw)[-1]),
        "  global: 1.21 -> (absent)",
    ]
    assert result.stderr == ""
    assert not (gvw.root / "version").exists()
    assert go(gvw, "1.22.10", "env", "GOPRIVATE") == "example.com/private\n"
    assert digest(tool.read_bytes()) == v2

    # gvw restore of the same snapshot puts back everything it recorded
    result = run_ok(gvw, "restore", taken)
    assert result.stdout.splitlines() == [
        *restore_header(gvw, taken, snapshot_ids(gvw)[-1]),
        "  go env GOPRIVATE: example.com/private -> (unset)",
        f"  GOPATH/bin/tool: not a Go 1.18+ program, sha256 {v2[:12]} -> "
        f"not a Go 1.18+ program, sha256 {v1[:12]}",
    ]
    assert go(gvw, "1.22.10", "env", "GOPRIVATE") == "\n"
    assert digest(tool.read_bytes()) == v1


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
    run_ok(store, "install", "1.22.10")  # already installed
    run_ok(store, "global", "1.22")
    after_global = snapshot_ids(store)
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
        "gvw: select another version first (gvw global VERSION / gvw local VERSION), "
        "or use --force",
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
    assert forced.stderr == "gvw: moved to the trash; undo with: gvw rollback\n"
    assert len(snapshot_ids(store)) == len(before) + 1


# --- listing, show, diff --------------------------------------------------------------------


def test_snapshots_lists_newest_first_with_time_command_and_summary(
    store: GvwEnv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "gopath" / "bin").mkdir(parents=True)
    (tmp_path / "gopath" / "bin" / "script").write_text("#!/bin/sh\n")
    run_ok(store, "global", "1.21")
    run_ok(store, "local", "1.22", cwd=project)
    rows = listing(store)
    assert [(r["command"], r["summary"]) for r in rows] == [
        ("local 1.22", "global 1.21; Go 1.22.10, 1.21.13; 1 tool"),
        ("global 1.21", "no global; Go 1.22.10, 1.21.13; 1 tool"),
        ("install 1.21.13 1.22.10", "no global; no Go installed; 0 tools"),
    ]
    assert [r["id"] for r in rows] == list(reversed(snapshot_ids(store)))
    text = run_ok(store, "snapshots").stdout.splitlines()
    assert text == [
        "ID                   TIME                 COMMAND                  SUMMARY",
        *(f"{r['id']}  {shown_time(r['time'])}  {r['command']:<23}  {r['summary']}" for r in rows),
    ]


def test_show_and_diff(store: GvwEnv, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    bin_dir = tmp_path / "gopath" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "script").write_bytes(b"#!/bin/sh\necho v1\n")
    env_file = tmp_path / "goenv" / "env"
    env_file.parent.mkdir()
    env_file.write_text("GOPROXY=off\n")
    run_ok(store, "local", "1.21", cwd=project)
    first = snapshot_ids(store)[-1]
    (bin_dir / "script").write_bytes(b"#!/bin/sh\necho v2\n")
    env_file.write_text("GOPROXY=off\nGOFLAGS=-mod=mod\n")
    run_ok(store, "local", "1.22", cwd=project)
    second = snapshot_ids(store)[-1]
    v1, v2 = (digest(b"#!/bin/sh\necho v%d\n" % n)[:12] for n in (1, 2))
    row = next(r for r in listing(store) if r["id"] == first)
    assert run_ok(store, "snapshots", "show", first + ".toml").stdout.splitlines() == [
        f"Snapshot {first}",
        f"taken:        {shown_time(row['time'])} (before: gvw local 1.21)",
        "global:       (absent)",
        "installed:    1.22.10, 1.21.13",
        f".go-version:  {project / '.go-version'}: (absent)",
        f"go env file:  {env_file} (present)",
        "  GOPROXY=off",
        f"GOPATH/bin:   {bin_dir}",
        f"  script          18 bytes  not a Go 1.18+ program, sha256 {v1}",
        "environment:",
        f"  GOPATH={tmp_path / 'gopath'}",
        f"  GOENV={env_file}",
        f"  PATH={tmp_path / 'no-system-go'}:/usr/bin:/bin",
        "scope:        version_files (what gvw rollback puts back; gvw restore, all of the above)",
    ]
    assert run_ok(store, "snapshots", "diff", first, second).stdout.splitlines() == [
        f"{project / '.go-version'}: (absent) -> 1.21",
        "go env GOFLAGS: (unset) -> -mod=mod",
        f"GOPATH/bin/script: not a Go 1.18+ program, sha256 {v1} -> "
        f"not a Go 1.18+ program, sha256 {v2}",
    ]
    assert run_ok(store, "snapshots", "diff", second).stdout.splitlines() == [
        f"{project / '.go-version'}: 1.21 -> 1.22",
    ]
    as_json = json.loads(run_ok(store, "snapshots", "diff", second, "--json").stdout)
    assert as_json == [
        {"label": str(project / ".go-version"), "old": "1.21", "new": "1.22", "note": ""}
    ]
    run_ok(store, "local", "1.21", cwd=project)
    assert run_ok(store, "snapshots", "diff", first, first).stdout == "no differences\n"
    ambiguous = store.run("snapshots", "show", first[:4])
    assert ambiguous.returncode == 15
    assert ambiguous.stderr_lines[0].startswith(f"gvw: '{first[:4]}' matches 4 snapshots: ")


# --- damaged and hostile snapshots ----------------------------------------------------------


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key] if not key.isdigit() else target[int(key)]  # type: ignore[index]
        target[keys[-1]] = value

    return change


HOSTILE = [
    (
        _set("version_files", "0", "path", value="/etc/passwd"),
        "version_files[0].path '/etc/passwd' is not a .go-version file",
    ),
    (
        _set("version_files", "0", "path", value="project/.go-version"),
        "version_files[0].path 'project/.go-version' is not an absolute, normalised path",
    ),
    (
        _set("version_files", "0", "path", value="/tmp/x/../../root/.go-version"),
        "version_files[0].path '/tmp/x/../../root/.go-version' is not an absolute, normalised path",
    ),
    (_set("installed", value=["../../evil"]), "installed[0] '../../evil' is not a Go version"),
    (_set("installed", value="1.21.13"), "installed must be a list, not str"),
    (
        _set("tools", "files", value=[{"name": "../evil", "size": 1, "sha256": "0" * 64}]),
        "tools.files[0].name '../evil' is not a plain file name",
    ),
    (
        _set("tools", "files", value=[{"name": "x", "size": 1, "sha256": "../../etc"}]),
        "tools.files[0].sha256 is not a sha256 digest",
    ),
    (
        _set("tools", "files", value=[{"name": "x", "size": -1, "sha256": "0" * 64}]),
        "tools.files[0].size must not be negative",
    ),
    (_set("process_env", "LD_PRELOAD", value="/tmp/x.so"), "process_env.LD_PRELOAD is not one of"),
    (
        _set("scope", value=["everything"]),
        "scope[0] 'everything' is not one of installed, global, version_files,",
    ),
    (_set("scope", value="global"), "scope must be a list, not str"),
    (_set("global", "state", value="weird"), "global.state must be present, absent or unrecorded"),
    (
        _set("global", value={"state": "present", "content": 7}),
        "global.content must be a str, not int",
    ),
    (_set("extra", value=1), "unknown field extra"),
    (_set("format", value=2), "format 2 is not 1 (written by another gvw?)"),
    (_set("id", value="20000101-000000-000"), "id '20000101-000000-000' does not match"),
    (_set("os", value="darwin"), None),  # valid, but taken elsewhere
]


@pytest.mark.parametrize(("change", "problem"), HOSTILE)
def test_damaged_or_hostile_snapshot_is_refused_whole_and_skipped_in_the_listing(
    store: GvwEnv, tmp_path: Path, change: Callable[[dict[str, Any]], None], problem: str | None
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "local", "1.21", cwd=project)
    run_ok(store, "global", "1.22")
    bad = snapshot_ids(store)[-2]
    path = edit_snapshot(store, bad, change)
    before = store.store_listing()
    result = store.run("restore", bad)
    assert result.returncode == 15
    if problem is None:
        assert result.stderr_lines[0] == f"gvw: snapshot {bad} was taken on darwin; this is linux"
        return
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {bad}.toml is damaged: {problem}")
    assert result.stderr_lines[1] == f"gvw: set it aside with: gvw snapshots discard {bad}"
    assert path.exists()
    assert store.store_listing() == before  # nothing applied, no snapshot taken
    assert (project / ".go-version").read_text() == "1.21\n"
    listed = store.run("snapshots")
    assert listed.returncode == 0
    assert listed.stderr_lines[0].startswith(f"gvw: warning: snapshot {bad}.toml is damaged")
    assert listed.stderr_lines[0].endswith(
        f"(skipped; set it aside with: gvw snapshots discard {bad})"
    )
    assert bad not in listed.stdout
    assert len(listed.stdout.splitlines()) == 3  # header, the two good ones
    assert (tmp_path / "evil").exists() is False


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda raw: raw[: len(raw) // 2], "its content does not match its checksum"),
        (lambda raw: b"", "it has no checksum line (not written by gvw?)"),
        (lambda raw: raw.split(b"\n", 1)[1], "it has no checksum line (not written by gvw?)"),
        (lambda raw: raw.replace(b"[global]", b"[global"), "its content does not match"),
        (lambda raw: raw.replace(b'"absent"', b'"present"'), "its content does not match"),
    ],
)
def test_truncated_or_garbled_snapshot_files(
    store: GvwEnv, damage: Callable[[bytes], bytes], problem: str
) -> None:
    run_ok(store, "global", "1.22")
    newest = snapshot_ids(store)[-1]
    path = store.root / "snapshots" / f"{newest}.toml"
    path.write_bytes(damage(path.read_bytes()))
    (store.root / "snapshots" / "notes.toml").write_text("hand-made")
    (store.root / "snapshots" / f".{newest}.toml.123.abcd1234.tmp").write_bytes(b"format = ")
    listed = store.run("snapshots")
    assert listed.returncode == 0
    assert listed.stderr_lines[0].startswith(
        f"gvw: warning: snapshot {newest}.toml is damaged: {problem}"
    )
    assert (
        listed.stderr_lines[1] == "gvw: warning: notes.toml is not named like a snapshot (ignored)"
    )
    assert len(listed.stdout.splitlines()) == 2
    # the damaged one may have been the last change: rollback says so instead of guessing
    result = store.run("rollback")
    assert result.returncode == 15
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {newest}.toml is damaged")
    assert (store.root / "version").read_text() == "1.22\n"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'format = 1\nid = "x', "not valid TOML"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"", "format is missing"),
    ],
)
def test_garbage_under_a_valid_checksum_is_still_refused(
    store: GvwEnv, body: bytes, problem: str
) -> None:
    from gvw.snapshots.fileformat import seal

    newest = snapshot_ids(store)[-1]
    (store.root / "snapshots" / f"{newest}.toml").write_bytes(seal(body))
    result = store.run("restore", newest)
    assert result.returncode == 15
    assert result.stderr_lines[0].startswith(f"gvw: snapshot {newest}.toml is damaged: {problem}")


def test_a_hand_edited_snapshot_is_noticed_by_its_checksum(store: GvwEnv) -> None:
    run_ok(store, "global", "1.22")
    target = snapshot_ids(store)[-1]
    edit_snapshot(
        store, target, _set("global", value={"state": "present", "content": "1.21\n"}), reseal=False
    )
    result = store.run("restore", target)
    assert result.returncode == 15
    assert result.stderr_lines[0] == (
        f"gvw: snapshot {target}.toml is damaged: its content does not match its checksum "
        "(cut short or edited)"
    )
    assert (store.root / "version").read_text() == "1.22\n"


def test_restore_never_writes_the_go_env_file_or_gopath_bin_a_snapshot_names(
    store: GvwEnv, tmp_path: Path
) -> None:
    run_ok(store, "global", "1.21")
    elsewhere = tmp_path / "elsewhere"

    def aim_elsewhere(data: dict[str, Any]) -> None:
        data["go_env_file"] = {
            "path": str(elsewhere / "env"),
            "state": "present",
            "content": "GOFLAGS=-toolexec=/tmp/evil\n",
        }
        data["tools"] = {
            "dir": str(elsewhere),
            "files": [{"name": "go", "size": 1, "sha256": "0" * 64}],
        }

    target = snapshot_ids(store)[-1]
    edit_snapshot(store, target, aim_elsewhere)
    result = run_ok(store, "restore", target)
    assert result.stderr_lines == [
        f"gvw: warning: go env file not restored: it is {tmp_path / 'goenv' / 'env'} now, "
        f"the snapshot has {elsewhere / 'env'}",
        f"gvw: warning: GOPATH/bin programs not restored: GOPATH/bin is "
        f"{tmp_path / 'gopath' / 'bin'} now, the snapshot has {elsewhere}",
    ]
    assert result.stdout.splitlines()[-1] == "  global: 1.21 -> (absent)"
    assert not elsewhere.exists()
    assert not (tmp_path / "goenv").exists()


def test_restore_never_replaces_a_version_file_that_became_a_symbolic_link(
    store: GvwEnv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    run_ok(store, "local", "1.21", cwd=project)
    run_ok(store, "local", "1.22", cwd=project)
    target = snapshot_ids(store)[-1]  # before `local 1.22`: 1.21
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (project / ".go-version").unlink()
    (project / ".go-version").symlink_to(outside)
    run_ok(store, "global", "1.22")  # something else to restore, so the restore runs
    result = run_ok(store, "restore", target)
    assert result.stderr_lines == [
        f"gvw: warning: left {project / '.go-version'} alone: "
        "it is not a regular file gvw can replace"
    ]
    assert outside.read_text() == "precious\n"
    assert (project / ".go-version").is_symlink()


def test_a_missing_kept_program_stops_the_restore_before_any_change(
    store: GvwEnv, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "gopath" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "tool").write_bytes(b"v1")
    run_ok(store, "global", "1.21")
    target = snapshot_ids(store)[-1]
    (bin_dir / "tool").write_bytes(b"v2")
    run_ok(store, "global", "1.22")
    v1 = digest(b"v1")
    (store.root / "snapshots" / "blobs" / v1).write_bytes(b"tampered")
    before = store.store_listing()
    result = store.run("restore", target)
    assert result.returncode == 15
    assert result.stderr_lines == [
        f"gvw: snapshot {target} cannot be restored: the kept copy of GOPATH/bin/tool "
        f"(sha256 {v1[:12]}) is missing or damaged; nothing was changed",
        "gvw: restore another snapshot (see: gvw snapshots)",
    ]
    assert store.store_listing() == before
    assert (bin_dir / "tool").read_bytes() == b"v2"


# --- versions that are gone -----------------------------------------------------------------


def test_restore_downloads_a_version_the_trash_no_longer_has(
    store: GvwEnv, tmp_path: Path, mirror_factory: Callable[..., MirrorServer]
) -> None:
    server = mirror_factory(tmp_path / "mirror")
    store.config.write_text("trash_keep = 0\n")
    run_ok(store, "uninstall", "1.21.13")
    assert list((store.root / "trash").iterdir()) == []
    result = run_ok(store, "rollback", "--mirror", server.url)
    assert result.stdout.splitlines()[-1] == "  Go 1.21.13: not installed -> installed (downloaded)"
    assert server.count("go1.21.13.linux-amd64.tar.gz") == 1
    assert run_ok(store, "list").stdout.split() == ["1.22.10", "1.21.13"]


def test_restore_says_which_version_is_missing_and_changes_nothing(
    store: GvwEnv, tmp_path: Path, mirror_factory: Callable[..., MirrorServer]
) -> None:
    other = tmp_path / "other-mirror"
    write_synthetic_mirror(other, ["1.22.10"], ["linux-amd64"])
    server = mirror_factory(other)
    store.config.write_text("trash_keep = 0\n")
    run_ok(store, "global", "1.22")
    run_ok(store, "uninstall", "1.21.13")
    target = snapshot_ids(store)[-1]
    before = store.store_listing()
    result = store.run("rollback", "--mirror", server.url)
    assert result.returncode == 4
    assert result.error_lines == [
        f"gvw: snapshot {target} needs Go 1.21.13, which is not installed, not in the trash, "
        f"and not available: no Go release matches 1.21.13 on {server.url} (mirror set by "
        "--mirror); nothing was changed",
        "gvw: install it with: gvw install 1.21.13 (--mirror URL for another mirror), then "
        f"run: gvw restore {target}",
    ]
    assert store.store_listing() == before


# --- concurrency and retention --------------------------------------------------------------


def test_concurrent_commands_take_snapshots_with_unique_readable_ids(
    store: GvwEnv, tmp_path: Path
) -> None:
    projects = [tmp_path / f"p{n}" for n in range(8)]
    processes = []
    for project in projects:
        project.mkdir()
        processes.append(
            subprocess.Popen(
                store.command("local", "1.21"),
                cwd=project,
                env=store.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 8, outputs
    ids = snapshot_ids(store)
    assert len(ids) == len(set(ids)) == 9
    listed = store.run("snapshots", "--json")
    assert listed.stderr == ""
    rows = json.loads(listed.stdout)
    assert len(rows) == 9
    assert sorted(r["command"] for r in rows) == ["install 1.21.13 1.22.10"] + ["local 1.21"] * 8
    shown = [json.loads(run_ok(store, "snapshots", "show", i, "--json").stdout) for i in ids[1:]]
    files = {s["version_files"][0]["path"] for s in shown}
    assert files == {str(p / ".go-version") for p in projects}


def test_retention_keeps_the_newest_snapshots_and_collects_their_programs(
    store: GvwEnv, tmp_path: Path
) -> None:
    store.config.write_text("snapshot_keep = 2\nsnapshot_max_age_days = 30\n")
    bin_dir = tmp_path / "gopath" / "bin"
    bin_dir.mkdir(parents=True)
    blobs = store.root / "snapshots" / "blobs"
    kept = {n: digest(b"v%d" % n) for n in (1, 2, 3)}
    for n, version in ((1, "1.21"), (2, "1.22"), (3, "1.21")):
        (bin_dir / "tool").write_bytes(b"v%d" % n)
        if n == 3:  # v1 is only in the oldest snapshot now; make it look unused for long
            old = time.time() - 2 * 3600
            os.utime(blobs / kept[1], (old, old))
        run_ok(store, "global", version)
    assert [r["command"] for r in listing(store)] == ["global 1.21", "global 1.22"]
    assert sorted(p.name for p in blobs.iterdir()) == sorted([kept[2], kept[3]])


def test_snapshots_older_than_the_age_limit_are_pruned(store: GvwEnv) -> None:
    store.config.write_text("snapshot_max_age_days = 30\n")
    only = snapshot_ids(store)[-1]
    ancient = "20000101-000000-000"
    source = store.root / "snapshots" / f"{only}.toml"
    (store.root / "snapshots" / f"{ancient}.toml").write_bytes(source.read_bytes())
    edit_snapshot(store, ancient, _set("id", value=ancient))
    assert [r["id"] for r in listing(store)] == [only, ancient]
    run_ok(store, "global", "1.22")
    assert snapshot_ids(store)[0] == only
    assert len(snapshot_ids(store)) == 2


def test_trash_keeps_only_what_the_retention_rule_allows(store: GvwEnv, tmp_path: Path) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.23.4"], ["linux-amd64"])
    run_ok(store, "install", "1.23.4")
    store.config.write_text("trash_keep = 2\ntrash_max_age_days = 30\n")
    run_ok(store, "uninstall", "1.21.13")
    run_ok(store, "uninstall", "1.22.10")
    trash = store.root / "trash"
    names = sorted(p.name.rsplit(".", 2)[0] for p in trash.iterdir())
    assert names == ["1.21.13", "1.22.10"]
    # an entry older than the age limit goes at the next uninstall; so does the
    # oldest beyond the count
    entry = next(p for p in trash.iterdir() if p.name.startswith("1.21.13."))
    entry.rename(trash / "1.21.13.946684800.aaaaaa")
    run_ok(store, "uninstall", "1.23.4")
    assert sorted(p.name.rsplit(".", 2)[0] for p in trash.iterdir()) == ["1.22.10", "1.23.4"]


def test_a_killed_snapshot_write_leaves_nothing_that_breaks_the_listing(
    store: GvwEnv,
) -> None:
    # the only thing a killed gvw can leave is its temporary file: write one, old
    directory = store.root / "snapshots"
    leftover = directory / ".20991231-000000-000.toml.4242.deadbeef.tmp"
    leftover.write_bytes(b'format = 1\nid = "2099')
    old = time.time() - 2 * 3600
    os.utime(leftover, (old, old))
    result = store.run("snapshots")
    assert result.returncode == 0 and result.stderr == ""
    run_ok(store, "global", "1.22")  # the next snapshot prunes stale temporaries
    assert not leftover.exists()


def test_snapshot_of_a_result_is_written_as_valid_toml(store: GvwEnv) -> None:
    run_ok(store, "global", "1.21", env={"GOFLAGS": 'quote" and \\ and \x1b[2J'})
    raw = (store.root / "snapshots" / f"{snapshot_ids(store)[-1]}.toml").read_bytes()
    data = tomllib.loads(raw.decode())
    assert data["process_env"]["GOFLAGS"] == 'quote" and \\ and \x1b[2J'
    shown = run_ok(store, "snapshots", "show", snapshot_ids(store)[-1]).stdout
    assert "\x1b" not in shown and '  GOFLAGS=quote" and \\ and ?[2J' in shown


def test_snapshots_written_in_the_same_millisecond_get_distinct_ordered_ids(
    tmp_path: Path,
) -> None:
    # many writers claiming one id at once: the no-clobber rename makes all but one move on
    import threading
    from datetime import timezone

    from gvw.snapshots.model import FileState, State
    from gvw.snapshots.repository import SnapshotRepository

    repo = SnapshotRepository(tmp_path / "snapshots")
    moment = datetime(2024, 11, 22, 4, 45, 12, 123000, tzinfo=timezone.utc)
    start = threading.Barrier(16)
    written: list[str] = []

    def writer(n: int) -> None:
        start.wait()
        state = State(global_file=FileState("", "present", f"1.{n}\n"))
        written.append(
            repo.write(f"writer {n}", state, goos="linux", scope=("global",), now=moment).id
        )

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(written) == repo.ids()
    assert repo.ids()[0] == "20241122-044512-123" and len(set(written)) == 16
    loaded, problems = repo.load_all()
    assert problems == [] and len(loaded) == 16
    assert sorted(s.command for s in loaded) == sorted(f"writer {n}" for n in range(16))
    assert list((tmp_path / "snapshots").glob(".*.tmp")) == []


def test_a_relative_goenv_is_not_recorded(store: GvwEnv) -> None:
    run_ok(store, "global", "1.21", env={"GOENV": "relative/env"})
    shown = json.loads(run_ok(store, "snapshots", "show", snapshot_ids(store)[-1], "--json").stdout)
    assert shown["go_env_file"] is None
    assert shown["process_env"]["GOENV"] == "relative/env"
