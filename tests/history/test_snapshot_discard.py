"""Stray entries in snapshots/ are skipped like damaged snapshots, and `gvw snapshots
discard ID` sets a damaged one aside so that it no longer blocks `gvw rollback`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, install_unselected, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

LATER = "29991231-235959-999"  # newer than every snapshot a test run takes


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    """Synthetic 1.21.13 and 1.22.10 installed from a file mirror, global 1.21.13, then
    global 1.22.10: the newest snapshot is the one before that last change."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), PATH=f"{tmp_path / 'none'}:/usr/bin:/bin")
    install_unselected(gvw, "1.21.13", "1.22.10")
    run_ok(gvw, "global", "1.21.13")
    run_ok(gvw, "global", "1.22.10")
    return gvw


def snapshots_dir(gvw: GvwEnv) -> Path:
    return gvw.root / "snapshots"


def a_directory(path: Path) -> None:
    path.mkdir()
    (path / "inside").write_text("not a snapshot")


def a_fifo(path: Path) -> None:
    os.mkfifo(path)  # opening it would block: it must never be read


def a_dangling_link(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere")


STRAY: list[Callable[[Path], None]] = [a_directory, a_fifo, a_dangling_link]


@pytest.mark.parametrize("make", STRAY, ids=lambda f: f.__name__)
def test_a_stray_entry_under_a_snapshot_name_is_skipped_with_a_warning(
    store: GvwEnv, make: Callable[[Path], None]
) -> None:
    make(snapshots_dir(store) / f"{LATER}.toml")
    a_directory(snapshots_dir(store) / "odd.toml")
    listed = store.run("snapshots", timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr_lines[0] == (
        f"gvw: warning: snapshot {LATER}.toml is damaged: it is not a regular file "
        f"(skipped; set it aside with: gvw snapshots discard {LATER})"
    )
    assert listed.stderr_lines[1] == "gvw: warning: odd.toml is not named like a snapshot (ignored)"
    assert LATER not in listed.stdout
    assert len(json.loads(run_ok(store, "snapshots", "--json", timeout=60).stdout)) == 3


@pytest.mark.parametrize("make", STRAY, ids=lambda f: f.__name__)
def test_a_stray_newest_entry_blocks_rollback_until_discarded(
    store: GvwEnv, make: Callable[[Path], None]
) -> None:
    stray = snapshots_dir(store) / f"{LATER}.toml"
    make(stray)
    blocked = store.run("rollback", timeout=60)
    assert blocked.returncode == 15
    assert blocked.stderr_lines == [
        f"gvw: snapshot {LATER}.toml is damaged: it is not a regular file",
        f"gvw: set it aside with: gvw snapshots discard {LATER}",
    ]
    assert (store.root / "version").read_text() == "1.22.10\n"
    moved = run_ok(store, "snapshots", "discard", LATER)
    aside = snapshots_dir(store) / "damaged" / f"{LATER}.toml"
    assert moved.stdout == f"Moved damaged snapshot {LATER} to {aside}\n"
    assert not os.path.lexists(stray) and os.path.lexists(aside)
    run_ok(store, "rollback")
    assert (store.root / "version").read_text() == "1.21.13\n"


def test_a_damaged_newest_snapshot_is_set_aside_whole_and_rollback_goes_past_it(
    store: GvwEnv,
) -> None:
    newest = sorted(p.stem for p in snapshots_dir(store).glob("*.toml"))[-1]
    path = snapshots_dir(store) / f"{newest}.toml"
    damaged = path.read_bytes()[:100]
    path.write_bytes(damaged)
    assert store.run("rollback").returncode == 15
    run_ok(store, "snapshots", "discard", newest)
    assert (snapshots_dir(store) / "damaged" / f"{newest}.toml").read_bytes() == damaged
    listed = run_ok(store, "snapshots")
    assert listed.stderr == ""  # damaged/ is not listed
    entry = store.audit_entries()[-1]
    assert entry["command"] == f"snapshots discard {newest}"
    assert entry["outcome"] == {"status": "ok", "exit_code": 0}
    assert entry["changes"][0]["kind"] == "snapshot_discarded"  # type: ignore[index]
    # the damaged one was the snapshot before `global 1.22.10`: the one before it is
    # the state before `global 1.21.13`, which had no global version
    run_ok(store, "rollback")
    assert not (store.root / "version").exists()


def test_a_second_discard_of_the_same_name_keeps_the_first(store: GvwEnv) -> None:
    for round_ in ("first", "second"):
        (snapshots_dir(store) / f"{LATER}.toml").write_text(round_)
        run_ok(store, "snapshots", "discard", LATER)
    damaged = snapshots_dir(store) / "damaged"
    assert (damaged / f"{LATER}.toml").read_text() == "first"
    assert (damaged / f"{LATER}.1.toml").read_text() == "second"


def test_discard_refuses_a_readable_snapshot(store: GvwEnv) -> None:
    newest = sorted(p.stem for p in snapshots_dir(store).glob("*.toml"))[-1]
    before = store.store_listing()
    refused = store.run("snapshots", "discard", newest)
    assert refused.returncode == 15
    assert refused.stderr_lines == [
        f"gvw: snapshot {newest} is not damaged; nothing was changed",
        "gvw: discard sets only damaged snapshots aside (see them with: gvw snapshots)",
    ]
    assert store.store_listing() == before
    missing = store.run("snapshots", "discard", "1999")
    assert (missing.returncode, missing.stderr_lines[0]) == (15, "gvw: no snapshot '1999'")


def test_retention_moves_a_directory_it_prunes_aside_instead_of_failing(store: GvwEnv) -> None:
    old = "20000101-000000-000"
    a_directory(snapshots_dir(store) / f"{old}.toml")
    store.config.write_text("snapshot_max_age_days = 1\n")
    run_ok(store, "global", "1.21.13")  # takes a snapshot, then prunes
    assert not (snapshots_dir(store) / f"{old}.toml").exists()
    assert (snapshots_dir(store) / "damaged" / f"{old}.toml" / "inside").is_file()
