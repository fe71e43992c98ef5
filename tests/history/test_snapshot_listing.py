"""gvw snapshots, snapshots show and snapshots diff."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.support.gvw_env import GvwEnv, run_ok

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover
    pass
from tests.history.snapshot_helpers import digest, listing, shown_time, snapshot_ids

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
