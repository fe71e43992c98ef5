"""gvw apply --verify and --health-check: an apply that is all or nothing, the step of a
ring rollout. The health checks run through the real shims; the toolchains are the
synthetic ones (a fake go that answers go version), whose `go env GOROOT` is wrong, so
gvw verify fails them for real. (The Ansible rollout tests run the same with real Go.)"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.gvw_env import GvwEnv, Result, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

OLD, NEW = "1.21.13", "1.22.10"


@pytest.fixture
def host(gvw: GvwEnv, mirror_factory: Any, tmp_path: Path) -> GvwEnv:
    """A machine with Go 1.21.13 installed and global, a mirror that also has 1.22.10."""
    write_synthetic_mirror(tmp_path / "mirror", (OLD, NEW), ["linux-amd64"])
    server: MirrorServer = mirror_factory(tmp_path / "mirror")
    gvw.extra_env.update(GVW_MIRROR=server.url, GVW_PLATFORM="linux-amd64")
    run_ok(gvw, "install", OLD)
    run_ok(gvw, "global", OLD)
    (tmp_path / "fleet.toml").write_text(
        f'[go]\nversions = ["{OLD}", "{NEW}"]\nglobal = "{NEW}"\n', encoding="utf-8"
    )
    return gvw


def apply(host: GvwEnv, *args: str) -> tuple[Result, dict[str, Any]]:
    result = host.run("apply", str(host.base / "fleet.toml"), "--json", *args)
    return result, json.loads(result.stdout) if result.stdout else {}


def state(host: GvwEnv) -> dict[str, Any]:
    """What the machine selects and has (the trash, snapshots and log aside)."""
    return {
        "versions": sorted(p.name for p in (host.root / "versions").iterdir()),
        "global": (host.root / "version").read_text("utf-8"),
        "shims": sorted(p.name for p in (host.root / "shims").iterdir()),
    }


def test_a_failing_health_check_puts_back_everything_and_exits_24(host: GvwEnv) -> None:
    before = state(host)
    failing = "sh -c 'go vet ./x; exit 7'"
    result, report = apply(host, "--health-check", "go version", "--health-check", failing)

    assert result.returncode == 24, result.stderr
    assert state(host) == before
    snapshot = report["snapshot"]
    assert result.error_lines == [
        f"gvw: the health check {failing!r} failed with Go {NEW} after the switch (exit 7); "
        f"everything this apply changed was put back (snapshot {snapshot})",
        f"gvw: its output: {report['health'][1]['log']}; gvw rollback would redo the apply",
    ]
    assert [(h["command"], h["exit_code"]) for h in report["health"]] == [
        (["go", "version"], 0),
        (["sh", "-c", "go vet ./x; exit 7"], 7),
    ]
    assert report["health"][1]["tail"] == [f"$ {failing}", f"go{NEW} go vet ./x"]
    assert report["rolled_back"] == {
        "snapshot": snapshot,
        "saved": report["rolled_back"]["saved"],
        "changes": [
            f"global: {NEW} -> {OLD}",
            f"Go {NEW}: installed -> not installed (moved to the trash)",
        ],
    }
    assert report["error"] == {"exit_code": 24, "message": result.error_lines[0][len("gvw: ") :]}
    log = host.audit_entries()
    assert [e["command"] for e in log[-2:]] == [
        f"apply {host.base / 'fleet.toml'}",
        f"rollback to {snapshot}",
    ]
    assert log[-1]["changes"][0] == {
        "kind": "rolled_back",
        "snapshot": snapshot,
        "because": report["error"]["message"].split("; everything")[0],
    }
    run_ok(host, "rollback")  # redoes the apply, from the trash
    assert state(host)["global"] == f"{NEW}\n"


def test_health_checks_run_through_the_shims_with_the_new_global_selected(
    host: GvwEnv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".go-version").write_text(f"{OLD}\n")  # must not pick the Go that runs
    report_file = tmp_path / "env.txt"
    result = host.run(
        "apply",
        str(host.base / "fleet.toml"),
        "--json",
        "--health-check",
        f"sh -c 'command -v go; go version; echo $GVW_GO_VERSION $GOTOOLCHAIN > {report_file}'",
        cwd=project,
        env={"GOROOT": "/somewhere/else"},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["health"][0]["exit_code"] == 0 and report["rolled_back"] is None
    assert report_file.read_text() == f"{NEW} local\n"
    log = Path(report["health"][0]["log"]).read_text().splitlines()
    assert log[1:] == [str(host.root / "shims" / "go"), f"go version go{NEW} linux/amd64"]
    again, second = apply(host, "--health-check", "false")
    assert again.returncode == 0 and second["changed"] is False
    assert second["health"] is None  # in line: nothing changed, nothing to check


def test_a_version_that_fails_verification_is_never_switched_to_and_goes_back(
    host: GvwEnv,
) -> None:
    before = state(host)
    result, report = apply(host, "--verify", "--health-check", "go version")
    assert result.returncode == 17, result.stderr
    assert state(host) == before
    assert result.error_lines[0] == (
        f"gvw: verification failed for Go {NEW}: go env GOROOT, hello world; the global "
        f"version was not changed; everything this apply changed was put back (snapshot "
        f"{report['snapshot']})"
    )
    assert [(r["version"], r["ok"]) for r in report["verified"]] == [(NEW, False)]
    assert report["health"] is None  # never got that far
    assert report["rolled_back"]["changes"] == [
        f"Go {NEW}: installed -> not installed (moved to the trash)"
    ]


def test_a_health_check_that_hangs_is_stopped_at_its_time_out(host: GvwEnv) -> None:
    before = state(host)
    started = time.monotonic()
    result, report = apply(host, "--health-check", "sleep 60", "--health-timeout", "1")
    assert result.returncode == 24, result.stderr
    assert time.monotonic() - started < 30
    assert "failed with Go 1.22.10 after the switch (timed out)" in result.error_lines[0]
    assert report["health"][0]["tail"][-1] == "gvw: stopped after 1 s"
    assert state(host) == before


def test_sigterm_during_the_health_check_puts_everything_back(host: GvwEnv) -> None:
    before = state(host)
    running = host.popen("apply", str(host.base / "fleet.toml"), "--health-check", "sleep 60")
    deadline = time.monotonic() + 60
    while not list(host.cache.glob("runs/*/health-1.log")):  # the check has started
        assert running.poll() is None and time.monotonic() < deadline, running.communicate()
        time.sleep(0.05)
    running.send_signal(signal.SIGTERM)
    _out, err = running.communicate(timeout=60)
    assert running.returncode == 143, err
    assert "gvw: warning: everything this apply changed was put back" in err
    assert state(host) == before


def test_without_verify_or_health_checks_a_failed_apply_keeps_what_it_did(
    host: GvwEnv, tmp_path: Path
) -> None:
    (tmp_path / "fleet.toml").write_text(
        f'[go]\nversions = ["{OLD}", "{NEW}", "1.23.0"]\nglobal = "{NEW}"\n', encoding="utf-8"
    )
    result, report = apply(host)  # 1.23.0 is not in the index: fails while planning
    assert result.returncode == 7 and report == {}
    result, report = apply(host, "--health-check", "go version")
    assert result.returncode == 7 and report == {}  # nothing changed: nothing to put back
    assert state(host)["versions"] == [OLD]


def test_a_health_checks_output_reaches_the_terminal_sanitized(host: GvwEnv) -> None:
    # its last lines are shown: a command's output is text from outside (issue 19 item 11)
    failing = "sh -c 'printf \"\\033[2J\\033]0;pwned\\007boom\\n\"; exit 3'"
    result = host.run("apply", str(host.base / "fleet.toml"), "--health-check", failing)
    assert result.returncode == 24, result.stderr
    assert "    ?[2J?]0;pwned?boom" in result.stdout.splitlines(), result.stdout
    assert "\x1b" not in result.stdout + result.stderr
    assert "\x07" not in result.stdout + result.stderr
