"""The audit log: one entry per state-changing command, whatever its outcome, through
the one change guard (gvw/history/changes.py); concurrent writers, rotation, redaction."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from gvw.base.redaction import redact
from gvw.history.audit import AuditLog
from tests.support.disks import MountTmpfs, fill
from tests.support.gvw_env import GvwEnv, install_unselected, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.processes import peak_memory


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


# --- robustness: full disks, cut lines, a directory in its place, size ------------------


def test_on_a_full_disk_a_cut_entry_is_taken_back_with_a_warning_and_the_next_is_whole(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, tmpfs: MountTmpfs
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    disk = tmpfs("disk", "2m")
    gvw.extra_env["GVW_ROOT"] = str(disk / "root")
    install_unselected(gvw, "--mirror", url, "1.21.13", "1.22.10")  # global 1.21.13 is a change
    log = disk / "root" / "log" / "audit.jsonl"
    # leave 200 bytes of the log's last page free: an entry is longer than that
    slack = 200
    pad = 4096 - slack - (log.stat().st_size + len('{"pad": ""}\n')) % 4096
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps({"pad": "x" * pad}) + "\n")
    filler = fill(disk)
    before = log.read_bytes()
    failed = gvw.run("global", "1.21.13")
    assert failed.returncode == 12  # its snapshot did not fit either
    warning, error, hint = failed.stderr_lines
    assert warning == (
        f"gvw: warning: the audit log was not written: cannot append to {log}: the disk is full"
    )
    assert error.startswith(f"gvw: cannot write {disk / 'root' / 'snapshots'}")
    assert hint == "gvw: free some space and run the command again"
    assert log.read_bytes() == before  # no cut line left behind
    filler.unlink()
    run_ok(gvw, "global", "1.21.13")
    lines = log.read_bytes().splitlines()
    assert [json.loads(line).get("command") for line in lines[-2:]] == [None, "global 1.21.13"]
    (newest,) = json.loads(run_ok(gvw, "log", "--json", "-n", "1").stdout)
    assert newest["command"] == "global 1.21.13" and newest["outcome"]["status"] == "ok"


def test_a_line_a_kill_cut_short_stays_apart_from_the_next_entry(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    install_unselected(gvw, "--mirror", url, "1.22.10")  # global 1.22.10 is a change
    log = gvw.root / "log" / "audit.jsonl"
    with open(log, "ab") as out:
        out.write(b'{"time": "2026-01-01T00:00:00Z", "comm')  # where the writer died
    run_ok(gvw, "global", "1.22.10")
    newest, cut, install = json.loads(run_ok(gvw, "log", "--json").stdout)
    assert newest["command"] == "global 1.22.10"
    assert cut == {"damaged": '{"time": "2026-01-01T00:00:00Z", "comm', "file": str(log)}
    assert install["command"] == "install 1.22.10"


def test_an_audit_log_that_is_a_directory_is_an_error_that_names_it(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    log = gvw.root / "log" / "audit.jsonl"
    log.mkdir(parents=True)
    installed = run_ok(gvw, "install", "--mirror", url, "1.22.10")  # the change stands
    assert installed.stderr_lines[-1] == (
        f"gvw: warning: the audit log was not written: cannot append to {log}: Is a directory"
    )
    shown = gvw.run("log")
    assert shown.returncode == 12 and shown.stdout == ""
    assert shown.stderr_lines == [
        f"gvw: the audit log {log} is not a file",
        f"gvw: move it out of the way: gvw keeps its audit log in {log}",
    ]


def test_the_log_is_private_to_its_user(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    url = mirror_url(mirror_factory, tmp_path)
    run_ok(gvw, "install", "--mirror", url, "1.22.10")
    assert stat.S_IMODE((gvw.root / "log" / "audit.jsonl").stat().st_mode) == 0o600


def test_the_newest_entry_of_a_200_mb_log_is_read_from_its_end(gvw: GvwEnv) -> None:
    log = gvw.root / "log" / "audit.jsonl"
    log.parent.mkdir(parents=True)
    entry = {"time": "2026-01-01T00:00:00Z", "user": "ci", "command": "global 1.22.10"}
    line = (json.dumps({**entry, "pad": "x" * 400}) + "\n").encode()
    block = line * ((1 << 20) // len(line))
    with open(log, "wb") as out:
        for _ in range(200):
            out.write(block)
        out.write((json.dumps({**entry, "command": "the newest"}) + "\n").encode())
    assert log.stat().st_size > 200_000_000
    code, out, peak_kib = peak_memory(gvw.command("log", "--json", "-n", "1"), gvw.env())
    assert code == 0
    assert [e["command"] for e in json.loads(out)] == ["the newest"]
    # the interpreter and gvw's modules, not the log
    assert peak_kib < 80 * 1024, f"{peak_kib} KiB"
