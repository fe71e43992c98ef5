"""What a machine's toolchains are known to suffer from: gvw list marks, gvw facts --json
carries, gvw doctor warns about — all from what the last check learned, without the
network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.vulndb_fixture import X509_A_REPORTED, VulnDBServer, synthetic_machine


@pytest.fixture
def machine(gvw: GvwEnv, mirror_factory, tmp_path: Path, vulndb: VulnDBServer) -> GvwEnv:
    """1.25.4, 1.24.3 and 1.23.12 installed; the mirror also has 1.25.5."""
    releases = ("1.23.12", "1.24.3", "1.25.4", "1.25.5")
    synthetic_machine(gvw, mirror_factory(tmp_path / "m"), tmp_path / "m", releases, vulndb)
    run_ok(gvw, "install", "1.25.4", "1.24.3", "1.23.12")
    run_ok(gvw, "global", "1.24.3")
    return gvw


def test_list_marks_nothing_before_anything_was_checked_and_asks_no_network(
    machine: GvwEnv, vulndb: VulnDBServer
) -> None:
    assert run_ok(machine, "list").stdout.splitlines() == ["  1.25.4", "* 1.24.3", "  1.23.12"]
    rows = json.loads(run_ok(machine, "list", "--json").stdout)
    assert [(r["vulnerabilities"], r["supported"]) for r in rows] == [(None, None)] * 3
    assert vulndb.requests() == []


def test_after_a_check_list_marks_vulnerable_and_unsupported_versions_offline(
    machine: GvwEnv, vulndb: VulnDBServer
) -> None:
    run_ok(machine, "facts", "--refresh")
    vulndb.server.clear_log()
    listed = run_ok(machine, "list")
    assert listed.stdout.splitlines() == [
        "  1.25.4   2 known vulnerabilities (fixed in 1.25.5)",
        "* 1.24.3   3 known vulnerabilities (fixed in 1.24.11)",
        "  1.23.12  2 known vulnerabilities (fixed in 1.24.11); no longer supported (Go "
        "supports 1.25 and 1.24)",
    ]
    assert listed.stderr_lines[-1].startswith(
        "gvw: marks as of the Go vulnerability database checked "
    )
    rows = {r["version"]: r for r in json.loads(run_ok(machine, "list", "--json").stdout)}
    assert [v["id"] for v in rows["1.24.3"]["vulnerabilities"]] == [
        "GO-2025-3828",
        "GO-2025-4155",
        "GO-2025-4175",
    ]
    assert [v["fixed_in"] for v in rows["1.24.3"]["vulnerabilities"]] == [
        "1.24.5",
        "1.24.11",
        "1.24.11",
    ]
    assert (rows["1.25.4"]["supported"], rows["1.23.12"]["supported"]) == (True, False)
    assert vulndb.requests() == []  # list never asks the database


def test_facts_carry_each_versions_vulnerabilities_and_support_for_an_inventory(
    machine: GvwEnv, vulndb: VulnDBServer
) -> None:
    before = json.loads(run_ok(machine, "facts", "--json").stdout)
    assert before["vulndb"] == {
        "database": None,
        "modified": None,
        "checked": None,
        "supported_releases": None,
    }
    assert vulndb.requests() == []  # no network without --refresh
    found = json.loads(run_ok(machine, "facts", "--json", "--refresh").stdout)
    assert found["vulndb"]["database"] == vulndb.url
    assert found["vulndb"]["modified"] == "2025-12-02T18:48:31Z"
    assert found["vulndb"]["supported_releases"] == ["1.25", "1.24"]
    facts = {i["version"]: i for i in found["installed"]}
    assert facts["1.25.4"]["vulnerabilities"][0] == {**X509_A_REPORTED, "fixed_in": "1.25.5"}
    assert [facts[v]["supported"] for v in ("1.25.4", "1.24.3", "1.23.12")] == [True, True, False]
    warnings = [w["check"] for w in found["doctor"]["warnings"]]
    assert warnings == ["selected-security"]  # the global 1.24.3 is vulnerable
    text = run_ok(machine, "facts").stdout.splitlines()
    assert any(
        line.startswith("installed 1.23.12") and line.endswith("GO-2025-4175  unsupported")
        for line in text
    )


def test_doctor_warns_about_a_selected_version_with_known_vulnerabilities_or_no_support(
    machine: GvwEnv, tmp_path: Path
) -> None:
    run_ok(machine, "facts", "--refresh")
    on_path = {"PATH": f"{machine.root / 'shims'}:/usr/bin:/bin"}
    result = machine.run("doctor", env=on_path, cwd=tmp_path)
    assert result.returncode == 0, result.stdout  # warnings are no problems
    lines = result.stdout.splitlines()
    at = lines.index(
        "warning  Go 1.24.3 (selected here) has 3 known vulnerabilities: GO-2025-3828, "
        "GO-2025-4155, GO-2025-4175; fixed in 1.24.11"
    )
    assert (
        lines[at + 1] == "         fix: gvw upgrade (see what it fixes first: gvw upgrade --check)"
    )
    assert lines[-1] == "No problems found; 1 warning(s)."

    run_ok(machine, "global", "1.23.12")
    report = json.loads(machine.run("doctor", "--json", env=on_path, cwd=tmp_path).stdout)
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["selected-supported"] == {
        "check": "selected-supported",
        "ok": False,
        "warning": True,
        "message": "Go 1.23 (selected here) is no longer supported: Go fixes only 1.25 and 1.24",
        "fix": "gvw upgrade 1.25",
    }
    assert report["ok"] is True
