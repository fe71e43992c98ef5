"""Restore and rollback with real toolchains from the local mirror: go install, go env
-w, uninstall and roll back with the mirror stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import MirrorServer

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass
from tests.history.snapshot_helpers import (
    digest,
    go,
    go_install_tool,
    real_store,
    restore_header,
    snapshot_ids,
)

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
