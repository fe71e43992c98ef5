"""Concurrent snapshots, retention of snapshots, programs and trash, killed writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from tests.support.gvw_env import GvwEnv, install_unselected, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from tests.history.snapshot_helpers import digest, edit_snapshot, listing, set_field, snapshot_ids

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
    edit_snapshot(store, ancient, set_field("id", value=ancient))
    assert [r["id"] for r in listing(store)] == [only, ancient]
    run_ok(store, "global", "1.22")
    assert snapshot_ids(store)[0] == only
    assert len(snapshot_ids(store)) == 2


def test_trash_keeps_only_what_the_retention_rule_allows(store: GvwEnv, tmp_path: Path) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.23.4"], ["linux-amd64"])
    install_unselected(store, "1.23.4")
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

    from gvw.history.snapshots.model import FileState, State
    from gvw.history.snapshots.repository import SnapshotRepository

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
