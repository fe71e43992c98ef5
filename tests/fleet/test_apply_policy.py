"""A fleet manifest's policy: refuse = ["vulnerable", "unsupported"] — versions it names
that break it are refused (nothing changes, exit 25; --check reports drift), installed
ones that break it are removed to the trash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gvw.base.errors import ExitCode
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.vulndb_fixture import VulnDBServer, synthetic_machine

X509 = "GO-2025-4155, GO-2025-4175"


@pytest.fixture
def machine(gvw: GvwEnv, mirror_factory, tmp_path: Path, vulndb: VulnDBServer) -> GvwEnv:
    releases = ("1.23.12", "1.24.11", "1.25.4", "1.25.5")
    return synthetic_machine(gvw, mirror_factory(tmp_path / "m"), tmp_path / "m", releases, vulndb)


def _manifest(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text("[go]\n" + body)
    return path


def test_a_named_version_with_known_vulnerabilities_is_refused_and_nothing_changes(
    machine: GvwEnv, tmp_path: Path
) -> None:
    file = _manifest(tmp_path, 'versions = ["1.25.4"]\nrefuse = ["vulnerable"]\n')
    check = machine.run("apply", str(file), "--check", "--json")
    assert check.returncode == ExitCode.DRIFT, check.stderr
    assert json.loads(check.stdout)["actions"][0] == {
        "action": "refuse",
        "version": "1.25.4",
        "reason": f"known vulnerabilities: {X509} (fixed in 1.25.5)",
    }
    text = machine.run("apply", str(file), "--check")
    assert text.stdout.splitlines()[0] == (
        f"refused by the policy: Go 1.25.4: known vulnerabilities: {X509} (fixed in 1.25.5)"
    )
    result = machine.run("apply", str(file))
    assert result.returncode == ExitCode.POLICY
    assert result.error_lines == [
        f'gvw: {file}: its policy (go.refuse = ["vulnerable"]) refuses Go 1.25.4: known '
        f"vulnerabilities: {X509} (fixed in 1.25.5); nothing was changed",
        "gvw: name other releases in go.versions or go.global (a family such as 1.25 "
        f"follows its patch releases), then check: gvw apply {file} --check",
    ]
    assert not (machine.root / "versions").exists()


def test_installed_versions_that_break_the_policy_are_drift_and_apply_removes_them(
    machine: GvwEnv, tmp_path: Path
) -> None:
    run_ok(machine, "install", "1.25.4", "1.23.12")
    run_ok(machine, "global", "1.25.4")
    file = _manifest(
        tmp_path,
        'versions = ["1.25"]\nglobal = "1.25"\nrefuse = ["vulnerable", "unsupported"]\n',
    )
    check = machine.run("apply", str(file), "--check", "--json")
    assert check.returncode == ExitCode.DRIFT, check.stderr
    assert json.loads(check.stdout)["actions"] == [
        {
            "action": "install",
            "version": "1.25.5",
            "spec": "1.25",
            "archive": "go1.25.5.linux-amd64.tar.gz",
            "sha256": json.loads(check.stdout)["actions"][0]["sha256"],
        },
        {"action": "global", "old": "1.25.4", "new": "1.25.5"},
        {
            "action": "remove",
            "version": "1.25.4",
            "reason": f"known vulnerabilities: {X509} (fixed in 1.25.5)",
        },
        {
            "action": "remove",
            "version": "1.23.12",
            "reason": f"known vulnerabilities: {X509} (fixed in 1.24.11); no longer supported "
            "(Go supports 1.25 and 1.24)",
        },
    ]
    done = run_ok(machine, "apply", str(file))
    assert "done: remove Go 1.25.4 (to the trash): known vulnerabilities" in done.stdout
    assert sorted(p.name for p in (machine.root / "versions").iterdir()) == ["1.25.5"]
    assert (machine.root / "version").read_text() == "1.25.5\n"
    changes = machine.audit_entries()[-1]["changes"]
    assert {
        "kind": "removed",
        "version": "1.23.12",
        "why": json.loads(check.stdout)["actions"][3]["reason"],
    } in changes  # type: ignore[operator]
    assert machine.run("apply", str(file), "--check").returncode == 0  # in line now
    run_ok(machine, "rollback")  # from the trash, no download
    assert sorted(p.name for p in (machine.root / "versions").iterdir()) == ["1.23.12", "1.25.4"]


def test_the_global_version_is_refused_rather_than_removed_unless_the_manifest_moves_it(
    machine: GvwEnv, tmp_path: Path
) -> None:
    run_ok(machine, "install", "1.25.4")
    run_ok(machine, "global", "1.25.4")
    file = _manifest(tmp_path, 'versions = ["1.25.5"]\nrefuse = ["vulnerable"]\n')
    result = machine.run("apply", str(file))
    assert result.returncode == ExitCode.POLICY
    assert "it is the global version: set go.global" in result.error_lines[0]
    assert (machine.root / "versions" / "1.25.4").is_dir()


def test_an_unsupported_minor_release_is_refused(machine: GvwEnv, tmp_path: Path) -> None:
    file = _manifest(tmp_path, 'versions = ["1.23"]\nrefuse = ["unsupported"]\n')
    report = json.loads(machine.run("apply", str(file), "--check", "--json").stdout)
    assert report["actions"][0] == {
        "action": "refuse",
        "version": "1.23.12",
        "reason": "no longer supported (Go supports 1.25 and 1.24)",
    }


def test_a_policy_without_vulnerability_data_refuses_to_guess(
    machine: GvwEnv, tmp_path: Path, vulndb: VulnDBServer
) -> None:
    file = _manifest(tmp_path, 'versions = ["1.25"]\nrefuse = ["vulnerable"]\n')
    off = machine.run("apply", str(file), env={"GOVULNDB": "off"})
    assert off.returncode == ExitCode.POLICY
    assert "the vulnerability checks are off" in off.error_lines[0]
    vulndb.server.fail("/vuln/index/db.json", 503)
    unreachable = machine.run("apply", str(file))
    assert unreachable.returncode == ExitCode.NETWORK
    assert "(the vulnerability database, set by GOVULNDB)" in unreachable.error_lines[0]
    assert not (machine.root / "versions").exists()


def test_an_unknown_rule_is_refused_naming_the_key(machine: GvwEnv, tmp_path: Path) -> None:
    file = _manifest(tmp_path, 'versions = ["1.25"]\nrefuse = ["old"]\n')
    result = machine.run("apply", str(file), "--check")
    assert result.returncode == ExitCode.CONFIG
    assert result.error_lines[0] == (
        f"gvw: {file}: go.refuse[0] = 'old': one of 'vulnerable', 'unsupported'"
    )
