"""gvw try: the project's checks under the current Go and candidates, judged (exit codes,
slowdowns), measured (memory, program sizes), with module lists, security fixes and a
Markdown report — changing nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gvw.base.errors import ExitCode
from tests.support.gvw_env import GvwEnv, install_unselected, run_ok, write_files
from tests.support.patch_mirror import NEW, OLD, copy_store
from tests.support.vulndb_fixture import VulnDBServer
from tests.workflows.test_upgrade import FAILING_UNDER_NEW, GO_MOD, PASSING_TEST

RUN_KEYS = {
    "version",
    "role",
    "command",
    "exit_code",
    "seconds",
    "times",
    "counted_runs",
    "peak_memory_bytes",
    "log",
}
BUILD, VET, TEST = (
    ["go", "build", "./..."],
    ["go", "vet", "./..."],
    ["go", "test", "-count=1", "./..."],
)
# a test that takes 1.5 s longer under the candidate only, as a slower patch release can
SLOWER_UNDER_NEW = b"""package project

import (
\t"runtime"
\t"testing"
\t"time"
)

func TestAdd(t *testing.T) {
\tif runtime.Version() == "go1.25.5" {
\t\ttime.Sleep(1500 * time.Millisecond)
\t}
}
"""
MAIN = b'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'


@pytest.fixture(scope="module")
def both(patch_store: GvwEnv, tmp_path_factory: pytest.TempPathFactory) -> GvwEnv:
    """Go 1.25.4 and 1.25.5 installed; the tests only try, which must change nothing."""
    gvw = copy_store(patch_store, tmp_path_factory.mktemp("try"))
    install_unselected(gvw, NEW)
    return gvw


def _project(base: Path, test: bytes, go_mod: bytes = GO_MOD, pin: bytes = b"1.25.4\n") -> Path:
    project = base / "project"
    write_files(
        project,
        {
            "go.mod": go_mod,
            "add_test.go": test,
            ".go-version": pin,
            "cmd/hello/main.go": MAIN,
            "add.go": b"package project\n\nfunc Add(a, b int) int { return a + b }\n",
        },
    )
    return project


def _state(gvw: GvwEnv) -> tuple[object, ...]:
    snapshots = [s["id"] for s in json.loads(run_ok(gvw, "snapshots", "--json").stdout)]
    return gvw.store_listing(), snapshots, gvw.audit_entries()


def test_try_runs_build_vet_and_test_under_both_versions_measures_them_and_changes_nothing(
    both: GvwEnv, tmp_path: Path
) -> None:
    project = _project(tmp_path, PASSING_TEST)
    before = _state(both)
    result = both.run("try", NEW, "--json", "--repeat", "2", cwd=project)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    runs = report["runs"]
    assert all(set(run) >= RUN_KEYS for run in runs)
    assert [(r["version"], r["role"], r["command"], r["exit_code"]) for r in runs] == [
        (OLD, "current", BUILD, 0),
        (NEW, "candidate", BUILD, 0),
        (OLD, "current", VET, 0),
        (NEW, "candidate", VET, 0),
        (OLD, "current", TEST, 0),
        (NEW, "candidate", TEST, 0),
    ]
    # two runs each; the first filled the build cache and is not counted
    assert all(len(r["times"]) == 2 and r["counted_runs"] == 1 for r in runs)
    assert all(r["seconds"] == r["times"][1] for r in runs)
    # the whole tree's memory: go test runs the compiler and the test binary
    assert all(10_000_000 < r["peak_memory_bytes"] < 4_000_000_000 for r in runs)
    assert all(Path(r["log"]).is_file() and str(both.cache) in r["log"] for r in runs)
    binaries = {b["version"]: b["sizes"] for b in report["binaries"]}
    assert set(binaries) == {OLD, NEW}
    assert all(
        list(sizes) == ["hello"] and sizes["hello"] > 1_000_000 for sizes in binaries.values()
    )
    modules = report["modules"]
    assert [(m["version"], m["count"], m["ok"]) for m in modules] == [
        (OLD, 1, True),
        (NEW, 1, True),
    ]
    assert Path(modules[0]["file"]).read_text().splitlines() == [
        "$ go list -m all",
        "example.com/project",
    ]
    assert report["module_changes"] == {NEW: {"added": [], "removed": [], "changed": []}}
    assert (report["current"], report["candidates"], report["regressions"]) == (OLD, [NEW], [])
    # no note but, on a loaded machine, the one on a first run that filled the build cache
    # (when it is given is decided by timing: tests/workflows/test_judgement.py)
    cache_note = "the first run of each version filled its build cache and is not counted"
    assert [n for n in report["notes"] if not n.startswith(cache_note)] == []
    assert _state(both) == before
    assert (project / ".go-version").read_text() == "1.25.4\n"


def test_a_candidate_that_fails_what_the_current_passes_is_a_regression(
    both: GvwEnv, tmp_path: Path
) -> None:
    project = _project(tmp_path, FAILING_UNDER_NEW)
    before = _state(both)
    result = both.run("try", NEW, cwd=project)
    assert result.returncode == ExitCode.REGRESSION, result.stderr
    assert result.error_lines[-2] == (
        f"gvw: Go {NEW} regresses: go test -count=1 ./... passes with Go {OLD} "
        f"but fails with Go {NEW} (exit 1)"
    )
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["COMMAND", "Go", OLD, "(current)", "Go", NEW, "(candidate)"]
    test = next(line for line in lines if line.startswith("go test"))
    cells = re.split(r"\s{2,}", test)
    assert cells[0] == "go test -count=1 ./..."
    assert cells[1] == "ok" and cells[4] == "exit 1"
    assert "Add is broken under go1.25.5" in result.stdout
    assert _state(both) == before

    as_json = both.run("try", NEW, "--json", "--", "go", "test", "./...", cwd=project)
    assert as_json.returncode == ExitCode.REGRESSION
    report = json.loads(as_json.stdout)
    assert [(r["kind"], r["version"], r["command"]) for r in report["regressions"]] == [
        ("fails", NEW, ["go", "test", "./..."])
    ]
    failed = report["runs"][1]
    assert failed["exit_code"] == 1 and any(
        "broken under go1.25.5" in line for line in failed["tail"]
    )


def test_a_test_slower_only_under_the_candidate_is_a_slowdown_beyond_max_slowdown(
    both: GvwEnv, tmp_path: Path
) -> None:
    project = _project(tmp_path, SLOWER_UNDER_NEW)
    command = ("--", "go", "test", "-count=1", "./...")
    result = both.run("try", NEW, "--repeat", "3", "--max-slowdown", "20", *command, cwd=project)
    assert result.returncode == ExitCode.REGRESSION, result.stderr
    message = result.error_lines[-2]
    match = re.fullmatch(
        rf"gvw: Go {NEW} regresses: go test -count=1 \./\.\.\. took (\d+\.\d\d) s with Go {NEW} "
        rf"against (\d+\.\d\d) s with Go {OLD} \(the median of 2 runs each\): (\d+)% slower, "
        r"more than --max-slowdown 20%",
        message,
    )
    assert match, message
    slow, fast = float(match[1]), float(match[2])
    assert slow > fast + 1.4
    notes = [line for line in result.stdout.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: --max-slowdown judged 2 runs per version; times on a busy machine vary by "
        "10-20%: use --repeat 5 or more for a judgement"
    ]

    judged = both.run(
        "try", NEW, "--json", "--repeat", "2", "--max-slowdown", "20", *command, cwd=project
    )
    report = json.loads(judged.stdout)
    (regression,) = report["regressions"]
    assert (regression["kind"], regression["version"]) == ("slower", NEW)
    assert regression["slowdown_percent"] > 100
    assert [len(r["times"]) for r in report["runs"]] == [2, 2]

    # without --max-slowdown times are shown, not judged
    assert both.run("try", NEW, *command, cwd=project).returncode == 0


@pytest.fixture(scope="module")
def three(both: GvwEnv, real_mirror: object) -> GvwEnv:
    """1.22.10 as well (a project whose go line all three accept)."""
    install_unselected(both, "--mirror", real_mirror.url, "1.22.10")  # type: ignore[attr-defined]
    return both


def test_several_candidates_are_tried_in_one_table_with_the_fixes_each_brings_and_a_report(
    three: GvwEnv, tmp_path: Path, vulndb: VulnDBServer
) -> None:
    go_mod = b"module example.com/project\n\ngo 1.22\n"
    project = _project(tmp_path, FAILING_UNDER_NEW, go_mod=go_mod, pin=b"1.22.10\n")
    report_file = tmp_path / "try.md"
    env = {"GOVULNDB": vulndb.url}
    result = three.run("try", "1.25", OLD, "--report", str(report_file), cwd=project, env=env)
    assert result.returncode == ExitCode.REGRESSION, result.stderr
    lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == [
        "COMMAND",
        "Go 1.22.10 (current)",
        "Go 1.25.5 (candidate)",
        "Go 1.25.4 (candidate)",
    ]
    assert [re.split(r"\s{2,}", line)[0] for line in lines[1:4]] == [
        "go build ./...",
        "go vet ./...",
        "go test -count=1 ./...",
    ]
    fixes = lines[lines.index("Go 1.25.5 fixes 3 known vulnerabilities of Go 1.22.10:") :]
    assert fixes[1:4] == [
        "  GO-2025-3828 (CVE-2025-4674) in cmd/go: Unexpected command execution in untrusted "
        "VCS repositories in cmd/go",
        "  GO-2025-4155 (CVE-2025-61729) in crypto/x509: Excessive resource consumption when "
        "printing error string for host certificate validation in crypto/x509",
        "  GO-2025-4175 (CVE-2025-61727) in crypto/x509: Improper application of excluded DNS "
        "name constraints when verifying wildcard names in crypto/x509",
    ]
    assert "Go 1.25.4 fixes 1 known vulnerability of Go 1.22.10:" in lines
    assert f"Report: {report_file}" in lines

    markdown = report_file.read_text()
    assert markdown.startswith(
        "## gvw try: Go 1.22.10 (current) against Go 1.25.5, Go 1.25.4\n\n"
        "**Regressions found.**\n\n"
        "- go test -count=1 ./... passes with Go 1.22.10 but fails with Go 1.25.5 (exit 1)\n\n"
        "| Command | Go 1.22.10 (current) | Go 1.25.5 (candidate) | Go 1.25.4 (candidate) |\n"
        "|---|---|---|---|\n"
    )
    assert "### Program sizes\n\n| Program |" in markdown
    assert (
        "### Module list (`go list -m all`)\n\nThe same under every version (1 modules)."
        in markdown
    )
    assert (
        "- **Go 1.25.5** fixes 3 of Go 1.22.10's 3; 0 known remain\n"
        "  - GO-2025-3828 (CVE-2025-4674) in cmd/go: Unexpected command execution"
    ) in markdown
    assert "- **Go 1.25.4** fixes 1 of Go 1.22.10's 3; 2 known remain\n" in markdown
    assert "<details><summary>`go test -count=1 ./...` with Go 1.25.5: exit 1</summary>" in markdown
    assert "Add is broken under go1.25.5" in markdown

    report = json.loads(
        three.run("try", "1.25", OLD, "1.25.5", "--json", cwd=project, env=env).stdout
    )
    assert report["candidates"] == [NEW, OLD]
    assert report["notes"][0] == "1.25.5 is Go 1.25.5 again: it runs once"
    assert report["security"]["1.25.5"]["fixes"] == ["GO-2025-3828", "GO-2025-4155", "GO-2025-4175"]
    assert report["security"]["1.22.10"]["supported"] is None  # no index read: unknown
    assert [v["id"] for v in report["security"]["1.25.4"]["vulnerabilities"]] == [
        "GO-2025-4155",
        "GO-2025-4175",
    ]


def test_a_go_mod_asking_for_a_newer_go_is_named_not_switched(both: GvwEnv, tmp_path: Path) -> None:
    project = _project(tmp_path, PASSING_TEST, go_mod=b"module example.com/project\n\ngo 1.25.5\n")
    result = both.run("try", NEW, "--json", "--", "go", "list", ".", cwd=project)
    assert result.returncode == 0, result.stderr  # failing with the current is no regression
    report = json.loads(result.stdout)
    assert [r["exit_code"] != 0 for r in report["runs"]] == [True, False]
    assert report["notes"] == [
        f"{project / 'go.mod'} asks for Go 1.25.5 (go 1.25.5), newer than {OLD}: with "
        f"GOTOOLCHAIN=local Go {OLD} refuses to build it instead of switching"
    ]
    assert [m["ok"] for m in report["modules"]] == [False, True]


def test_trying_a_version_that_is_not_installed_says_how(both: GvwEnv, tmp_path: Path) -> None:
    project = _project(tmp_path, PASSING_TEST)
    result = both.run("try", "1.26", cwd=project)
    assert result.returncode == ExitCode.NOT_INSTALLED
    assert result.error_lines == [
        "gvw: Go 1.26 is not installed",
        "gvw: install it first, or let try do it: gvw try 1.26 --install",
    ]


def test_a_command_without_the_double_dash_is_taken_for_a_version_and_says_so(
    both: GvwEnv, tmp_path: Path
) -> None:
    project = _project(tmp_path, PASSING_TEST)
    result = both.run("try", NEW, "go", "vet", cwd=project)
    assert result.returncode == ExitCode.INVALID_VERSION
    assert result.error_lines == [
        'gvw: invalid Go version "go" (set by the command line)',
        "gvw: expected a version such as 1.22.10, 1.22, latest or system; a command goes "
        "after --: gvw try 1.25.5 -- go vet",
    ]


def test_install_installs_the_candidate_first_as_gvw_install_does(
    patch_store: GvwEnv, tmp_path: Path
) -> None:
    gvw = copy_store(patch_store, tmp_path / "machine")
    project = _project(tmp_path, PASSING_TEST)
    snapshots = len(json.loads(run_ok(gvw, "snapshots", "--json").stdout))
    result = gvw.run("try", NEW, "--install", "--json", "--", "go", "version", cwd=project)
    assert result.returncode == 0, result.stderr
    assert [r["exit_code"] for r in json.loads(result.stdout)["runs"]] == [0, 0]
    assert (gvw.root / "versions" / NEW / "gvw-manifest.json").is_file()
    entry = gvw.audit_entries()[-1]
    assert entry["command"] == f"install {NEW}" and entry["snapshot"] is not None
    assert len(json.loads(run_ok(gvw, "snapshots", "--json").stdout)) == snapshots + 1
