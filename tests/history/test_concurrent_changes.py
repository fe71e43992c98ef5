"""Changes that decide from the store's state, run at the same time as real processes:
they take turns under the store's state lock (gvw/history/changes.py), so a check made
before a change still holds when the change is made."""

from __future__ import annotations

import re
import subprocess

from tests.history.snapshot_helpers import snapshot_ids
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import wait_for
from tests.support.processes import LockHolder, read_line


def test_eight_concurrent_rollbacks_each_undo_what_the_one_before_left(store: GvwEnv) -> None:
    run_ok(store, "global", "1.21.13")
    run_ok(store, "global", "1.22.10")
    before_last_change = snapshot_ids(store)[-1]
    rollbacks = [store.popen("rollback") for _ in range(8)]
    assert [p.wait(timeout=300) for p in rollbacks] == [0] * 8
    entries = [e for e in store.audit_entries() if str(e["command"]).startswith("rollback")]
    # in the order they ran: each went back to the snapshot the one before it saved,
    # so the history says what happened and rolling back twice redid
    targets = [str(e["command"]).removeprefix("rollback to ") for e in entries]
    saved = [e["snapshot"] for e in entries]
    assert targets == [before_last_change, *saved[:-1]]
    assert [c["what"] for e in entries for c in e["changes"]] == [  # type: ignore[attr-defined]
        "global: 1.22.10 -> 1.21.13",
        "global: 1.21.13 -> 1.22.10",
    ] * 4
    assert (store.root / "version").read_text() == "1.22.10\n"


def test_uninstall_refuses_or_global_fails_but_the_global_never_names_a_removed_version(
    store: GvwEnv,
) -> None:
    run_ok(store, "global", "1.22.10")
    snapshots = len(snapshot_ids(store))
    # a real process holds 1.21.13's install lock: the uninstall makes its checks, takes
    # its snapshot, then waits there for the lock, as behind a slow install of it
    with LockHolder(store.root / ".locks" / "install-1.21.13.lock") as holder:
        uninstall = store.popen("uninstall", "1.21.13")
        assert wait_for(lambda: len(snapshot_ids(store)) > snapshots, timeout=60)
        global_ = store.popen("global", "1.21.13")
        assert global_.stderr is not None
        waiting = read_line(global_.stderr, timeout=30)
        assert re.fullmatch(
            rf"gvw: waiting for gvw uninstall 1\.21\.13 \(process {uninstall.pid}, since "
            rf"\d\d:\d\d:\d\d\) to release {re.escape(str(store.root))}/\.locks/state\.lock; "
            r"will wait up to 30 minutes\n",
            waiting,
        ), waiting
        assert global_.poll() is None  # still waiting
        holder.release()
        assert uninstall.wait(timeout=60) == 0
        assert global_.wait(timeout=60) == 4
    rest = global_.stderr.read().splitlines()
    assert rest[0] == "gvw: Go 1.21.13 is not installed (set by the command line)"
    assert (store.root / "version").read_text() == "1.22.10\n"
    assert run_ok(store, "list", "--json").stdout.count('"1.21.13"') == 0
    go = subprocess.run(
        [str(store.root / "shims" / "go"), "version"],
        env=store.env(),
        capture_output=True,
        text=True,
        cwd=store.base,
    )
    assert go.returncode == 0, go.stderr  # every go still runs: the global is installed
