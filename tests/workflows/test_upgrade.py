"""gvw upgrade: a real patch upgrade (Go 1.25.4 -> 1.25.5) end to end."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from gvw.base.errors import ExitCode
from tests.support.gvw_env import GvwEnv, run_ok, write_files
from tests.support.mirror_server import wait_for
from tests.support.patch_mirror import NEW, OLD, copy_store
from tests.support.processes import resume, stop
from tests.support.vulndb_fixture import X509_A_REPORTED, VulnDBServer

GO_MOD = b"module example.com/project\n\ngo 1.25\n"
PASSING_TEST = b"""package project

import "testing"

func TestAdd(t *testing.T) {
\tif Add(1, 2) != 3 {
\t\tt.Fatal("1 + 2 != 3")
\t}
}
"""
# a project that Go 1.25.5 breaks, as a patch release can
FAILING_UNDER_NEW = b"""package project

import (
\t"runtime"
\t"testing"
)

func TestAdd(t *testing.T) {
\tif runtime.Version() == "go1.25.5" {
\t\tt.Fatal("Add is broken under go1.25.5")
\t}
}
"""
# a pin as teams write them: a comment, CRLF endings, a trailing comment, more lines
PIN = b"# the team's Go; see CONTRIBUTING\r\n1.25.4  # bumped by gvw upgrade\r\n\r\nnotes\r\n"


@pytest.fixture
def store(patch_store: GvwEnv, tmp_path: Path) -> GvwEnv:
    return copy_store(patch_store, tmp_path / "machine")


def _project(base: Path, test: bytes, pin: bytes = PIN) -> Path:
    project = base / "project"
    files = {
        "go.mod": GO_MOD,
        "add.go": b"package project\n\nfunc Add(a, b int) int { return a + b }\n",
    }
    write_files(project, {**files, "add_test.go": test, ".go-version": pin})
    return project


def _snapshot_ids(gvw: GvwEnv) -> list[str]:
    return [s["id"] for s in json.loads(run_ok(gvw, "snapshots", "--json").stdout)]


def test_a_pinned_project_is_upgraded_naming_its_security_fixes_and_rollback_puts_the_old_pin_back(
    store: GvwEnv, vulndb: VulnDBServer
) -> None:
    project = _project(store.base, PASSING_TEST)
    result = store.run("upgrade", cwd=project, env={"GOVULNDB": vulndb.url})
    assert result.returncode == 0, result.stderr
    # only the version word changed
    assert (project / ".go-version").read_bytes() == PIN.replace(b"1.25.4", b"1.25.5")
    lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "COMMAND",
        "Go 1.25.4 (current)",
        "Go 1.25.5 (candidate)",
    ]
    rows = [re.split(r"\s{2,}", line) for line in lines[1:4]]
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("go build ./...", "ok", "ok"),
        ("go vet ./...", "ok", "ok"),
        ("go test -count=1 ./...", "ok", "ok"),
    ]
    summary = lines[lines.index(next(x for x in lines if x.startswith("Upgraded "))) :]
    assert summary[0].startswith(f"Upgraded {project / '.go-version'}: 1.25.4 -> 1.25.5")
    assert summary[1:4] == [
        "Fixes 2 known vulnerabilities:",
        "  GO-2025-4155 (CVE-2025-61729) in crypto/x509: Excessive resource consumption when "
        "printing error string for host certificate validation in crypto/x509",
        "  GO-2025-4175 (CVE-2025-61727) in crypto/x509: Improper application of excluded DNS "
        "name constraints when verifying wildcard names in crypto/x509",
    ]
    assert (store.root / "versions" / NEW / "gvw-manifest.json").is_file()  # installed as usual
    entry = store.audit_entries()[-1]
    assert entry["command"] == "upgrade" and entry["outcome"] == {"status": "ok", "exit_code": 0}
    assert {"kind": "installed", "version": NEW} in entry["changes"]  # type: ignore[operator]
    pin_change = {"kind": "pin", "path": str(project / ".go-version"), "old": OLD, "new": NEW}
    assert pin_change in entry["changes"]  # type: ignore[operator]
    fixes = {
        "kind": "fixes",
        "vulnerabilities": [
            {"id": "GO-2025-4155", "aliases": ["CVE-2025-61729"]},
            {"id": "GO-2025-4175", "aliases": ["CVE-2025-61727"]},
        ],
    }
    assert fixes in entry["changes"]  # type: ignore[operator]
    # the module list under the old Go is kept with the snapshot the upgrade took
    snapshot_id = str(entry["snapshot"])
    shown = json.loads(run_ok(store, "snapshots", "show", snapshot_id, "--json").stdout)
    assert shown["module_list"] == {
        "dir": str(project),
        "go_version": OLD,
        "modules": ["example.com/project"],
    }
    text = run_ok(store, "snapshots", "show", snapshot_id).stdout.splitlines()
    assert f"modules:      {project} under Go {OLD} (go list -m all, 1 module)" in text

    run_ok(store, "rollback", cwd=project)
    assert (project / ".go-version").read_bytes() == PIN
    assert run_ok(store, "current", cwd=project).stdout.startswith(OLD)


def test_a_project_whose_tests_fail_under_the_newer_go_keeps_its_pin(store: GvwEnv) -> None:
    project = _project(store.base, FAILING_UNDER_NEW)
    result = store.run("upgrade", cwd=project)
    assert result.returncode == ExitCode.CHECKS_FAILED, result.stderr
    assert (project / ".go-version").read_bytes() == PIN
    assert result.error_lines[-2].startswith(
        f"gvw: go test -count=1 ./... failed with Go {NEW} (exit 1; with Go {OLD}: exit 0); "
        f"{project / '.go-version'} still says {OLD}"
    ), result.stderr
    assert (
        f"Go {NEW} was installed and stays; remove it with: gvw uninstall {NEW}"
        in result.error_lines[-1]
    )
    assert "Add is broken under go1.25.5" in result.stdout  # the failing run's last lines
    assert (store.root / "versions" / NEW).is_dir()
    assert store.audit_entries()[-1]["outcome"]["exit_code"] == ExitCode.CHECKS_FAILED  # type: ignore[index]


def test_check_reports_an_available_upgrade_and_installs_nothing(store: GvwEnv) -> None:
    project = _project(store.base, PASSING_TEST)
    before = (store.store_listing(), store.audit_entries(), _snapshot_ids(store))
    result = store.run("upgrade", "--check", "--json", cwd=project)
    assert result.returncode == ExitCode.UPGRADE_AVAILABLE, result.stderr
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("current", "target", "upgrade_available", "pin")} == {
        "current": OLD,
        "target": NEW,
        "upgrade_available": True,
        "pin": str(project / ".go-version"),
    }
    assert (store.store_listing(), store.audit_entries(), _snapshot_ids(store)) == before
    assert (project / ".go-version").read_bytes() == PIN

    assert report["security_upgrade"] is None and report["fixes"] is None  # GOVULNDB=off

    text = store.run("upgrade", "--check", cwd=project)
    assert text.returncode == ExitCode.UPGRADE_AVAILABLE
    assert text.stdout.splitlines() == [
        f"{project / '.go-version'} selects Go {OLD}; Go {NEW} is available",
        f"  gvw upgrade would change {OLD} to {NEW}",
    ]


def test_check_names_the_vulnerabilities_the_target_fixes_and_marks_a_security_upgrade(
    store: GvwEnv, vulndb: VulnDBServer
) -> None:
    project = _project(store.base, PASSING_TEST)
    env = {"GOVULNDB": vulndb.url}
    text = store.run("upgrade", "--check", cwd=project, env=env)
    assert text.returncode == ExitCode.UPGRADE_AVAILABLE, text.stderr
    assert text.stdout.splitlines() == [
        f"{project / '.go-version'} selects Go {OLD}; Go {NEW} is available: a security upgrade",
        f"  gvw upgrade would change {OLD} to {NEW}",
        f"Go {NEW} fixes 2 known vulnerabilities of Go {OLD}:",
        "  GO-2025-4155 (CVE-2025-61729) in crypto/x509: Excessive resource consumption when "
        "printing error string for host certificate validation in crypto/x509",
        "  GO-2025-4175 (CVE-2025-61727) in crypto/x509: Improper application of excluded DNS "
        "name constraints when verifying wildcard names in crypto/x509",
    ]
    report = json.loads(store.run("upgrade", "--check", "--json", cwd=project, env=env).stdout)
    assert report["security_upgrade"] is True
    assert [f["id"] for f in report["fixes"]] == ["GO-2025-4155", "GO-2025-4175"]
    assert report["fixes"][0] == X509_A_REPORTED
    assert [v["fixed_in"] for v in report["current_facts"]["vulnerabilities"]] == [NEW, NEW]
    assert report["target_facts"] == {"vulnerabilities": [], "supported": True}
    assert report["vulndb"]["database"] == vulndb.url
    assert report["vulndb"]["supported_releases"] == ["1.25"]  # the index knows no other

    # the database unreachable, nothing cached: the check still answers, with a warning
    fresh = copy_store(store, store.base / "other")
    vulndb.server.fail("/vuln/index/db.json", 503)
    offline = fresh.run("upgrade", "--check", "--json", cwd=project, env=env)
    assert offline.returncode == ExitCode.UPGRADE_AVAILABLE
    assert json.loads(offline.stdout)["security_upgrade"] is None
    (warning,) = [x for x in offline.stderr_lines if "vulnerab" in x]
    assert warning.startswith(f"gvw: warning: {vulndb.url}/index/db.json answered HTTP 503")
    assert warning.endswith("; vulnerabilities unknown")


def test_a_check_slower_under_the_target_than_max_slowdown_allows_keeps_the_pin(
    store: GvwEnv,
) -> None:
    from tests.workflows.test_try import SLOWER_UNDER_NEW

    project = _project(store.base, SLOWER_UNDER_NEW)
    args = ("--repeat", "2", "--max-slowdown", "25", "--run", "go test -count=1 ./...")
    result = store.run("upgrade", *args, cwd=project)
    assert result.returncode == ExitCode.CHECKS_FAILED, result.stderr
    assert (project / ".go-version").read_bytes() == PIN
    assert re.fullmatch(
        rf"gvw: go test -count=1 \./\.\.\. took \d+\.\d\d s with Go {NEW} against \d+\.\d\d s "
        rf"with Go {OLD} \(in 1 run each\): \d+% slower, more than --max-slowdown 25%; "
        rf"{re.escape(str(project / '.go-version'))} still says {OLD}",
        result.error_lines[-2],
    ), result.error_lines[-2]


def test_a_failed_upgrade_does_not_offer_to_remove_a_target_installed_before_it(
    store: GvwEnv,
) -> None:
    run_ok(store, "install", NEW)
    project = _project(store.base, FAILING_UNDER_NEW)
    result = store.run("upgrade", cwd=project)
    assert result.returncode == ExitCode.CHECKS_FAILED
    assert result.error_lines[-1].endswith(
        f"; Go {NEW} was installed before this upgrade and stays"
    ), result.error_lines[-1]
    assert "gvw uninstall" not in result.stderr


def test_a_pin_already_at_the_target_changes_nothing(store: GvwEnv) -> None:
    project = _project(store.base, PASSING_TEST)
    before = store.store_listing()
    result = run_ok(store, "upgrade", OLD, cwd=project)
    assert (
        result.stdout
        == f"{project / '.go-version'} selects Go {OLD}, the newest release: nothing to do\n"
    )
    assert run_ok(store, "upgrade", "--check", OLD, cwd=project).returncode == 0
    assert store.store_listing() == before and (project / ".go-version").read_bytes() == PIN


def test_a_global_family_pin_follows_patch_releases_so_upgrade_only_installs(store: GvwEnv) -> None:
    run_ok(store, "global", "1.25")
    result = store.run("upgrade", "--global", "--no-test")
    assert result.returncode == 0, result.stderr
    assert (store.root / "version").read_text() == "1.25\n"
    assert "which follows patch releases and now selects it" in result.stdout
    assert run_ok(store, "current").stdout.startswith(NEW)


def test_gvw_go_version_in_the_environment_is_refused(store: GvwEnv) -> None:
    project = _project(store.base, PASSING_TEST)
    result = store.run("upgrade", cwd=project, env={"GVW_GO_VERSION": OLD})
    assert result.returncode == ExitCode.ERROR
    assert (
        result.error_lines[-1] == "gvw: unset it first: gvw shell --unset (or unset GVW_GO_VERSION)"
    )
    assert (project / ".go-version").read_bytes() == PIN


def test_run_replaces_the_checks_and_json_reports_the_upgrade(store: GvwEnv) -> None:
    project = _project(store.base, PASSING_TEST, pin=b"go1.25.4\n")
    result = store.run("upgrade", "--run", "go vet ./...", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["current"], report["target"], report["upgraded"], report["pin_changed"]) == (
        OLD,
        NEW,
        True,
        True,
    )
    assert report["verify"]["ok"] is True
    assert [(r["version"], r["command"], r["exit_code"]) for r in report["runs"]] == [
        (OLD, ["go", "vet", "./..."], 0),
        (NEW, ["go", "vet", "./..."], 0),
    ]
    assert (project / ".go-version").read_bytes() == b"go1.25.5\n"  # the prefix stays


def test_rebuild_tools_rebuilds_gopath_bin_with_the_new_go_and_rollback_restores_them(
    store: GvwEnv, tmp_path: Path
) -> None:
    import hashlib
    import subprocess

    from tests.support.goproxy_dir import greeting_tool

    proxy = tmp_path / "proxy"
    greeting_tool(proxy)
    store.extra_env.update(
        GOPATH=str(tmp_path / "gopath"),
        GOPROXY=proxy.as_uri(),
        GONOSUMDB="example.com",  # the proxy's module is not in the checksum database
        GOFLAGS="-modcacherw",
        CGO_ENABLED="0",
    )
    go_old = store.root / "versions" / OLD / "bin" / "go"
    subprocess.run(
        [str(go_old), "install", "example.com/greet/cmd/greet@v1.0.0"],
        env=store.env({"GOTOOLCHAIN": "local"}),
        check=True,
        capture_output=True,
    )
    greet = tmp_path / "gopath" / "bin" / "greet"
    before = hashlib.sha256(greet.read_bytes()).hexdigest()
    project = _project(store.base, PASSING_TEST, pin=b"1.25.4\n")
    result = store.run("upgrade", "--no-test", "--rebuild-tools", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pin_changed"] is True
    assert [(t["name"], t["status"], t["new_go_version"]) for t in report["tools"]] == [
        ("greet", "rebuilt", f"go{NEW}")
    ]
    built = subprocess.run(
        [str(go_old), "version", str(greet)], capture_output=True, text=True, check=True
    )
    assert built.stdout.strip().endswith(f"go{NEW}")
    (entry,) = [e for e in store.audit_entries() if e["command"].startswith("upgrade")]
    assert entry["command"] == "upgrade --rebuild-tools"
    snapshot = json.loads(run_ok(store, "snapshots", "show", entry["snapshot"], "--json").stdout)
    assert "tools" in snapshot["scope"]
    run_ok(store, "rollback")
    assert (project / ".go-version").read_bytes() == b"1.25.4\n"
    assert hashlib.sha256(greet.read_bytes()).hexdigest() == before  # the old program is back


def test_a_family_pin_whose_new_patch_fails_the_checks_does_not_start_using_it(
    store: GvwEnv,
) -> None:
    # a pin of 1.25 would select 1.25.5 as soon as it is installed: a failing patch must
    # not stay where every go run picks it up
    project = _project(store.base, FAILING_UNDER_NEW, pin=b"1.25\n")
    result = store.run("upgrade", cwd=project)
    assert result.returncode == ExitCode.CHECKS_FAILED, result.stderr
    assert (project / ".go-version").read_bytes() == b"1.25\n"
    assert (
        f"Go {NEW} was moved to the trash, since 1.25 would select it; "
        f"install it again with: gvw install {NEW}" in result.error_lines[-1]
    ), result.stderr
    assert not (store.root / "versions" / NEW).exists()
    assert run_ok(store, "current", cwd=project).stdout.startswith(OLD)
    assert not (store.root / "shims" / f"go{NEW}").exists()  # the shims followed


def test_a_target_uninstalled_by_another_process_meanwhile_is_named_as_such(
    store: GvwEnv, tmp_path: Path
) -> None:
    project = _project(store.base, PASSING_TEST)
    temp = tmp_path / "tmp"  # where gvw verify makes its gvw-verify-* directory
    temp.mkdir()
    upgrade = subprocess.Popen(
        store.command("upgrade"),
        cwd=project,
        env=store.env({"TMPDIR": str(temp)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    # stopped while it verifies the installed target, the target is uninstalled
    assert wait_for(lambda: any(temp.glob("gvw-verify-*")), timeout=300)
    stop(upgrade)
    try:
        removed = store.run("uninstall", NEW)
    finally:
        resume(upgrade)
    assert removed.returncode == 0, removed.stderr
    _, err = upgrade.communicate(timeout=600)
    assert upgrade.returncode == int(ExitCode.NOT_INSTALLED), err
    errors = [line for line in err.splitlines() if not line.startswith("gvw: warning:")]
    # the stop lands in the verification or, on a loaded machine, just after it, in the
    # tests that follow: either step names what happened to it
    assert re.fullmatch(
        rf"gvw: Go {re.escape(NEW)} was uninstalled by another process while it was being "
        rf"(verified|tested); {re.escape(str(project / '.go-version'))} still says "
        rf"{re.escape(OLD)}",
        errors[-2],
    ), err
    assert errors[-1] == "gvw: run the upgrade again (it installs it again)"
    assert (project / ".go-version").read_bytes() == PIN
