"""The audit log: one entry per state-changing command, whatever its outcome, through
the one change guard (gvw/history/changes.py); concurrent writers, rotation, redaction."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from gvw.base.redaction import redact
from gvw.history.audit import AuditLog
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror


def mirror_url(mirror_factory, tmp_path: Path) -> str:
    write_synthetic_mirror(tmp_path / "mirror", ("1.21.13", "1.22.10"), ["linux-amd64"])
    return str(mirror_factory(tmp_path / "mirror").url)


def test_every_state_changing_command_appends_one_entry_with_its_outcome(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    run_ok(gvw, "install", "--mirror", url, "1.21.13", "1.22.10")
    run_ok(gvw, "global", "1.22.10")
    run_ok(gvw, "local", "1.21.13", cwd=project)
    assert gvw.run("global", "1.99.1").returncode == 4  # refused: logged, nothing changed
    run_ok(gvw, "uninstall", "1.21.13", "--force")
    run_ok(gvw, "rollback")
    entries = gvw.audit_entries()
    assert [(e["command"], e["outcome"]["status"]) for e in entries] == [
        ("install 1.21.13 1.22.10", "ok"),
        ("global 1.22.10", "ok"),
        ("local 1.21.13", "ok"),
        ("global 1.99.1", "error"),
        ("uninstall 1.21.13", "ok"),
        (entries[5]["command"], "ok"),
    ]
    assert entries[5]["command"].startswith("rollback to ")
    install, global_, local, refused, uninstall, rollback = entries
    global_file = str(gvw.root / "version")
    assert install["changes"] == [  # the first install became the global version
        {"kind": "installed", "version": "1.21.13"},
        {"kind": "installed", "version": "1.22.10"},
        {"kind": "pin", "path": global_file, "old": None, "new": "1.21.13"},
    ]
    assert global_["changes"] == [
        {"kind": "pin", "path": global_file, "old": "1.21.13", "new": "1.22.10"}
    ]
    assert local["changes"][0]["path"] == str(project / ".go-version")
    assert local["cwd"] == str(project)
    assert refused["outcome"]["exit_code"] == 4
    assert "1.99.1 is not installed" in refused["outcome"]["message"]
    assert refused["snapshot"] is None and refused["changes"] == []
    assert uninstall["changes"] == [{"kind": "uninstalled", "version": "1.21.13"}]
    assert rollback["changes"] and rollback["snapshot"]
    for entry in entries:  # who, where, with what
        assert entry["argv"][0] == "gvw"
        assert {"time", "user", "host", "pid", "gvw_version", "cwd", "snapshot"} <= set(entry)
        assert entry["time"].endswith("Z")
    snapshots = {e["snapshot"] for e in entries if e["snapshot"]}
    listed = json.loads(run_ok(gvw, "snapshots", "--json").stdout)
    assert snapshots <= {s["id"] for s in listed}


def test_a_command_that_changes_nothing_leaves_no_entry(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    run_ok(gvw, "install", "--mirror", url, "1.22.10")  # and the global version
    run_ok(gvw, "install", "--mirror", url, "1.22.10")  # already installed
    run_ok(gvw, "global", "1.22.10")  # the same pin
    assert [e["command"] for e in gvw.audit_entries()] == ["install 1.22.10"]


def test_a_command_refused_for_its_command_line_leaves_no_entry(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    run_ok(gvw, "install", "--mirror", url, "1.22.10")
    refused = [
        ("instal", "1.22.10"),  # no such command
        ("install", "--mirrorr", url),  # no such option
        ("install", "1.22x"),  # no version (exit 3)
        ("uninstall", "1.22"),  # gvw's usage error, raised inside the change guard
        ("global", "1.22/x"),
        ("local", "--install"),
    ]
    for args in refused:
        assert gvw.run(*args).returncode in (2, 3), args
    assert [e["command"] for e in gvw.audit_entries()] == ["install 1.22.10"]


def test_gvw_log_shows_newest_first_with_count_and_since(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    run_ok(gvw, "install", "--mirror", url, "1.21.13", "1.22.10")
    run_ok(gvw, "global", "1.22.10")
    run_ok(gvw, "global", "1.21.13")
    shown = json.loads(run_ok(gvw, "log", "--json").stdout)
    assert [e["command"] for e in shown] == [
        "global 1.21.13",
        "global 1.22.10",
        "install 1.21.13 1.22.10",
    ]
    assert [e["command"] for e in json.loads(run_ok(gvw, "log", "--json", "-n", "1").stdout)] == [
        "global 1.21.13"
    ]
    assert json.loads(run_ok(gvw, "log", "--json", "--since", "2999-01-01").stdout) == []
    text = run_ok(gvw, "log").stdout.splitlines()
    assert len(text) == 3
    assert text[0].endswith("gvw global 1.21.13: changed the global version 1.22.10 -> 1.21.13")
    bad = gvw.run("log", "--since", "yesterday")
    assert bad.returncode == 2 and "'yesterday' is not a date" in bad.stderr


def test_eight_concurrent_commands_leave_eight_intact_lines(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    run_ok(gvw, "install", "--mirror", url, "1.22.10")
    projects = [tmp_path / f"p{n}" for n in range(8)]
    running = []
    for project in projects:
        project.mkdir()
        command = gvw.command("local", "1.22.10")
        running.append(subprocess.Popen(command, cwd=project, env=gvw.env()))
    assert [p.wait(timeout=120) for p in running] == [0] * 8
    lines = (gvw.root / "log" / "audit.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 9  # the install and the eight pins, each a whole JSON line
    pins = [json.loads(line) for line in lines[1:]]
    assert sorted(p["cwd"] for p in pins) == sorted(str(p) for p in projects)


def test_user_info_in_urls_never_reaches_the_log(gvw: GvwEnv) -> None:
    secret = "http://builder:s3cr3t-token@127.0.0.1:9/golang/"
    result = gvw.run("install", "--mirror", secret, "1.22.10")
    assert result.returncode == 8  # nothing listens on port 9
    raw = (gvw.root / "log" / "audit.jsonl").read_text("utf-8")
    assert "s3cr3t" not in raw and "builder" not in raw
    assert "s3cr3t" not in result.stderr and "builder" not in result.stderr  # nor on screen
    (entry,) = gvw.audit_entries()
    assert "http://***@127.0.0.1:9/golang/" in entry["argv"]
    assert entry["outcome"]["exit_code"] == 8


def test_redact_replaces_user_info_of_every_url_and_keeps_the_rest() -> None:
    assert redact(
        {"a": ["https://u:p@h/x", "git+ssh://git@host/r", "plain text, no url"], "n": 3}
    ) == {"a": ["https://***@h/x", "git+ssh://***@host/r", "plain text, no url"], "n": 3}
    assert redact("see https://proxy.example/ and mail me@example.com") == (
        "see https://proxy.example/ and mail me@example.com"
    )


def test_the_log_rotates_at_its_size_limit_and_keeps_a_few_old_files(tmp_path: Path) -> None:
    from contextlib import nullcontext

    log = AuditLog(tmp_path / "log", lock=nullcontext, max_bytes=300, keep=2)
    for n in range(30):
        log.append({"n": n, "pad": "x" * 50})
    names = sorted(p.name for p in (tmp_path / "log").iterdir())
    assert names == ["audit.1.jsonl", "audit.2.jsonl", "audit.jsonl"]
    assert all(p.stat().st_size <= 300 for p in (tmp_path / "log").iterdir())
    numbers = [e["n"] for e in log.entries()]
    assert numbers == sorted(numbers, reverse=True) and numbers[0] == 29
    assert numbers == list(range(29, 29 - len(numbers), -1))  # no gap across the files


def test_a_damaged_line_is_shown_as_damaged_not_fatal(gvw: GvwEnv, tmp_path: Path) -> None:
    log = gvw.root / "log" / "audit.jsonl"
    log.parent.mkdir(parents=True)
    log.write_text('{"time": "2026-01-01T00:00:00Z", "command": "global 1.22"}\n{"cut sho\n')
    shown = json.loads(run_ok(gvw, "log", "--json").stdout)
    assert shown[0]["damaged"] == '{"cut sho'
    assert shown[1]["command"] == "global 1.22"
