"""gvw log: one line per entry in words, paths with ~, failures that changed nothing said
so, no dry runs or usage errors shown as failed changes, nothing from a command line
able to forge a line or reach the terminal; --json keeps every detail."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.terminal import run_on_terminal

TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d"


def words(line: str) -> str:
    """A log line without its time and user (``2026-12-06 23:31  root  ``)."""
    return line.split("  ", 2)[2]


def test_each_change_is_one_line_in_words_newest_first(user: GvwEnv, tmp_path: Path) -> None:
    home = Path(user.env()["HOME"])
    app = home / "src" / "app"
    app.mkdir(parents=True)
    run_ok(user, "install", "1.21.13")
    run_ok(user, "install", "1.22.10")
    run_ok(user, "local", "1.21.13", cwd=app)
    run_ok(user, "local", "1.22.10", cwd=app)
    assert user.run("global", "9.9").returncode == 4  # refused: logged, nothing changed
    run_ok(user, "global", "1.22.10")
    run_ok(user, "local", "--unset", cwd=app)
    run_ok(user, "uninstall", "1.21.13")
    assert user.run("install", "1.22x").returncode == 3  # never ran: not logged
    lines = run_ok(user, "log").stdout.splitlines()
    assert [words(line) for line in lines] == [
        "gvw uninstall 1.21.13: uninstalled Go 1.21.13",
        "gvw local --unset: removed ~/src/app/.go-version (was 1.22.10)",
        "gvw global 1.22.10: changed the global version 1.21.13 -> 1.22.10",
        "gvw global 9.9: failed, nothing changed (exit 4: Go 9.9 is not installed (set by the "
        "command line))",
        "gvw local 1.22.10: pinned ~/src/app/.go-version 1.21.13 -> 1.22.10",
        "gvw local 1.21.13: pinned ~/src/app/.go-version to 1.21.13",
        "gvw install 1.22.10: installed Go 1.22.10",
        "gvw install 1.21.13: installed Go 1.21.13; set the global version to 1.21.13",
    ]
    user_name = json.loads(run_ok(user, "log", "--json", "-n", "1").stdout)[0]["user"]
    assert all(line.split("  ")[1] == user_name for line in lines)
    assert all(re.fullmatch(TIME, line.split("  ")[0]) for line in lines)


def test_json_keeps_every_detail(user: GvwEnv) -> None:
    run_ok(user, "install", "1.21.13")
    (entry,) = json.loads(run_ok(user, "log", "--json").stdout)
    assert {"time", "user", "host", "pid", "gvw_version", "argv", "cwd", "command"} <= set(entry)
    assert entry["outcome"] == {"status": "ok", "exit_code": 0}
    assert entry["snapshot"] and entry["changes"][0] == {"kind": "installed", "version": "1.21.13"}


def test_dry_runs_usage_errors_and_interruptions_are_not_shown_as_failed_changes(
    user: GvwEnv,
) -> None:
    # entries as older gvw versions wrote them (a dry run and a usage error did reach the
    # log then) and an interrupted install
    log = user.root / "log"
    log.mkdir(parents=True)
    base = {"time": "2026-01-02T03:04:05.000Z", "user": "ann", "snapshot": None, "changes": []}
    entries = [
        {
            **base,
            "command": "tools rebuild",
            "argv": ["gvw", "tools", "rebuild", "--dry-run"],
            "outcome": {"status": "error", "exit_code": 22, "message": "1 of 1 not rebuilt"},
        },
        {**base, "command": "install", "argv": [], "outcome": {"status": "error", "exit_code": 2}},
        {
            **base,
            "command": "install 1.22.10",
            "argv": [],
            "outcome": {"status": "interrupted", "exit_code": 130},
        },
    ]
    (log / "audit.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    assert [words(line) for line in run_ok(user, "log").stdout.splitlines()] == [
        "gvw install 1.22.10: interrupted, nothing changed (Ctrl+C)",
        "gvw install: usage error, nothing changed",
        "gvw tools rebuild: dry run, nothing changed",
    ]


def test_a_dry_run_writes_no_entry(user: GvwEnv) -> None:
    run_ok(user, "install", "1.21.13")
    gopath_bin = Path(user.env()["HOME"]) / "go" / "bin"
    gopath_bin.mkdir(parents=True)
    (gopath_bin / "notgo").write_bytes(b"#!/bin/sh\n")  # not a Go program: left alone
    assert user.run("tools", "rebuild", "--dry-run").returncode == 22
    assert [e["command"] for e in user.audit_entries()] == ["install 1.21.13"]


HOSTILE = "x\n2026-01-01 00:00  root  gvw forged: installed Go 6.6.6\x1b[2J\x1b]0;pwned\x07\x9b1m"


def test_a_command_line_with_newlines_and_escapes_cannot_forge_a_line_or_reach_the_terminal(
    user: GvwEnv, tmp_path: Path
) -> None:
    run_ok(user, "install", "1.21.13")
    assert user.run("restore", HOSTILE).returncode == 15  # no such snapshot: logged
    odd = tmp_path / "dir\n2026-01-01 00:00  root  gvw forged\x1b]0;t\x07"
    odd.mkdir()
    run_ok(user, "local", "1.21.13", cwd=odd)
    run = run_on_terminal(user, "log", stream="stdout", cwd=user.base)
    assert run.returncode == 0
    shown = run.terminal.replace("\x1b[31m", "").replace("\x1b[0m", "")  # failed: red
    lines = shown.splitlines()
    assert len(lines) == 3  # the install, the restore, the pin: nothing forged
    for escape in ("\x1b[2J", "\x1b]", "\x07", "\x9b"):
        assert escape not in shown
    assert (
        "gvw restore x?2026-01-01 00:00  root  gvw forged: installed Go 6.6.6?[2J?]0;pwned??1m"
        in (shown)
    )
    raw = run_ok(user, "log", "--json").stdout
    assert all(c == "\n" or 0x20 <= ord(c) < 0x7F for c in raw)  # escaped, every byte ASCII
