"""gvw try: the project's commands under the current Go and a candidate, changing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gvw.base.errors import ExitCode
from tests.support.gvw_env import GvwEnv, run_ok, write_files
from tests.support.patch_mirror import NEW, OLD, copy_store
from tests.workflows.test_upgrade import FAILING_UNDER_NEW, GO_MOD, PASSING_TEST

RUN_KEYS = {"version", "role", "command", "exit_code", "seconds", "log"}


@pytest.fixture(scope="module")
def both(patch_store: GvwEnv, tmp_path_factory: pytest.TempPathFactory) -> GvwEnv:
    """Go 1.25.4 and 1.25.5 installed; the tests only try, which must change nothing."""
    gvw = copy_store(patch_store, tmp_path_factory.mktemp("try"))
    run_ok(gvw, "install", NEW)
    return gvw


def _project(base: Path, test: bytes, go_mod: bytes = GO_MOD) -> Path:
    project = base / "project"
    write_files(project, {"go.mod": go_mod, "add_test.go": test, ".go-version": b"1.25.4\n"})
    (project / "add.go").write_text("package project\n\nfunc Add(a, b int) int { return a + b }\n")
    return project


def _state(gvw: GvwEnv) -> tuple[object, ...]:
    snapshots = [s["id"] for s in json.loads(run_ok(gvw, "snapshots", "--json").stdout)]
    return gvw.store_listing(), snapshots, gvw.audit_entries()


def test_try_runs_both_versions_side_by_side_and_changes_nothing(
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
        (OLD, "current", ["go", "build", "./..."], 0),
        (NEW, "candidate", ["go", "build", "./..."], 0),
        (OLD, "current", ["go", "test", "./..."], 0),
        (NEW, "candidate", ["go", "test", "./..."], 0),
    ]
    assert all(isinstance(r["seconds"], float) and Path(r["log"]).is_file() for r in runs)
    assert all(str(both.cache) in r["log"] for r in runs)  # logs in the cache, not the store
    assert (report["current"], report["candidate"], report["regressions"]) == (OLD, NEW, [])
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
        f"gvw: Go {NEW} regresses: go test ./... passes with Go {OLD} "
        f"but fails with Go {NEW} (exit 1)"
    )
    header, _build, test = result.stdout.splitlines()[:3]
    assert header.split() == ["COMMAND", "Go", OLD, "(current)", "Go", NEW, "(candidate)"]
    assert test.split()[:4] == ["go", "test", "./...", "ok"] and test.split()[5:7] == ["exit", "1"]
    assert "Add is broken under go1.25.5" in result.stdout
    assert _state(both) == before

    as_json = both.run("try", NEW, "--json", "--", "go", "test", "./...", cwd=project)
    assert as_json.returncode == ExitCode.REGRESSION
    report = json.loads(as_json.stdout)
    assert report["regressions"] == [["go", "test", "./..."]]
    failed = report["runs"][1]
    assert failed["exit_code"] == 1 and any(
        "broken under go1.25.5" in line for line in failed["tail"]
    )


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


def test_trying_a_version_that_is_not_installed_says_how(both: GvwEnv, tmp_path: Path) -> None:
    project = _project(tmp_path, PASSING_TEST)
    result = both.run("try", "1.26", cwd=project)
    assert result.returncode == ExitCode.NOT_INSTALLED
    assert result.error_lines == [
        "gvw: Go 1.26 is not installed",
        "gvw: install it first, or let try do it: gvw try 1.26 --install",
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
