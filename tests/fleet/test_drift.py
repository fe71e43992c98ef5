"""The fleet's drift report: gvw drift over hosts' facts documents, and the gvw.go.drift
role gathering them with real ansible-playbook (the installed collection tarball) from
hosts on this machine, one over SSH, one unreachable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.ansible_hosts import (
    AnsibleHost,
    InstalledCollection,
    clone_store,
    run_playbook,
)
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.patch_mirror import OLD
from tests.support.sshd import SshServer

LINUX = "linux-amd64"


def facts(host: str, *, global_: str | None, installed: list[Any], actions: list[Any]) -> Any:
    """A document as gvw facts --json --manifest writes it (the keys drift reads)."""
    return {
        "gvw_version": "0.1.0",
        "host": host,
        "platform": LINUX,
        "installed": [v if isinstance(v, dict) else {"version": v} for v in installed],
        "global": global_,
        "drift": {"manifest": "/etc/gvw/fleet.toml", "in_line": not actions, "actions": actions},
    }


def write(directory: Path, name: str, document: Any) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else json.dumps(document)
    (directory / f"{name}.json").write_text(text, encoding="utf-8")


def test_the_report_names_each_host_that_differs_and_exits_21(gvw: GvwEnv, tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    write(hosts, "a", facts("build-1", global_="1.22.10", installed=["1.22.10"], actions=[]))
    write(
        hosts,
        "b",
        facts(
            "build-2",
            global_="1.21.13",
            installed=["1.21.13"],
            actions=[
                {"action": "install", "version": "1.22.10", "spec": "1.22"},
                {"action": "global", "old": "1.21.13", "new": "1.22.10"},
            ],
        ),
    )
    result = gvw.run("drift", str(hosts), "--output", str(tmp_path / "drift.json"))
    assert result.returncode == 21, result.stderr
    assert result.stdout.splitlines() == [
        "HOST     PLATFORM     GLOBAL   INSTALLED  VULNERABLE  DIFFERS FROM THE MANIFEST",
        "build-1  linux-amd64  1.22.10  1.22.10    ?           in line",
        "build-2  linux-amd64  1.21.13  1.21.13    ?           install 1.22.10; global 1.21.13 -> 1.22.10",  # noqa: E501
        "1 of 2 hosts differ from the manifest: build-2",
        "?: the facts carry no vulnerability data (written by a gvw that has none)",
    ]  # fmt: skip
    document = json.loads((tmp_path / "drift.json").read_text("utf-8"))
    assert document["in_line"] is False
    assert document["drifted"] == ["build-2"] and document["unchecked"] == []
    assert [h["differences"] for h in document["hosts"]] == [
        [],
        ["install 1.22.10", "global 1.21.13 -> 1.22.10"],
    ]
    assert json.loads(gvw.run("drift", str(hosts), "--json").stdout) == document


def test_a_fleet_in_line_exits_0_whatever_encoding_its_documents_have(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    document = json.dumps(facts("a", global_="1.22.10", installed=["1.22.10"], actions=[]))
    (tmp_path / "a.json").write_bytes(document.encode("utf-8-sig"))
    (tmp_path / "b.json").write_bytes(document.replace('"a"', '"b"').encode("utf-16"))
    result = gvw.run("drift", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-2] == "all 2 hosts are in line with the manifest"


def test_known_vulnerabilities_are_shown_when_the_facts_carry_them(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    installed = [
        {"version": "1.22.10", "vulnerabilities": []},
        {"version": "1.21.13", "vulnerabilities": ["GO-2025-3750", {"id": "GO-2025-3751"}]},
    ]
    write(tmp_path, "a", facts("a", global_="1.22.10", installed=installed, actions=[]))
    result = gvw.run("drift", str(tmp_path), "--json")
    assert result.returncode == 0
    row = json.loads(result.stdout)["hosts"][0]
    assert row["vulnerable"] == {"1.21.13": ["GO-2025-3750", "GO-2025-3751"]}
    assert gvw.run("drift", str(tmp_path)).stdout.splitlines() == [
        "HOST  PLATFORM     GLOBAL   INSTALLED         VULNERABLE   DIFFERS FROM THE MANIFEST",
        "a     linux-amd64  1.22.10  1.22.10, 1.21.13  1.21.13 (2)  in line",
        "all 1 hosts are in line with the manifest",
    ]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("[[[", "unknown: not JSON: Expecting value: line 1 column 4 (char 3)"),
        ("[" * 100_000 + "]" * 100_000, "unknown: not JSON: nested too deeply"),
        ('"a string"', "unknown: not a gvw facts document (not an object)"),
        ('{"installed": 3}', "unknown: not a gvw facts document (no installed list)"),
        ('{"host": "x\\u001b[2J", "error": "ssh: unreachable"}', "unknown: ssh: unreachable"),
        (
            json.dumps({"platform": LINUX, "installed": [], "global": None}),
            "unknown: not compared with a manifest (gvw facts --manifest FILE)",
        ),
    ],
)
def test_a_document_that_cannot_be_used_is_a_host_that_could_not_be_compared(
    gvw: GvwEnv, tmp_path: Path, content: str, why: str
) -> None:
    write(tmp_path, "web-7", content)
    result = gvw.run("drift", str(tmp_path))
    assert result.returncode == 21, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[1].endswith(why), lines
    assert "\x1b" not in result.stdout  # text from outside is sanitized
    assert lines[2].startswith("1 of 1 hosts could not be compared: ")


def test_a_document_larger_than_the_cap_is_not_read(gvw: GvwEnv, tmp_path: Path) -> None:
    write(tmp_path, "big", " " * (4 << 20) + "{}")
    result = gvw.run("drift", str(tmp_path))
    assert result.returncode == 21
    assert result.stdout.splitlines()[1].endswith("unknown: larger than 4 MiB")


def test_no_documents_is_an_error_that_says_how_to_make_them(gvw: GvwEnv, tmp_path: Path) -> None:
    result = gvw.run("drift", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"gvw: no facts documents in {tmp_path} (looked for *.json)",
        "gvw: write one per host with: gvw facts --json --manifest FILE > HOST.json",
    ]


# --- the gvw.go.drift role ------------------------------------------------------------------

PLAYBOOK = """
- hosts: all
  gather_facts: false
  environment: "{{ gvw_environment }}"
  roles:
    - role: gvw.go.drift
      vars:
        gvw_versions: ["%s"]
        gvw_global: "%s"
        gvw_drift_dir: "{{ drift_dir }}"
        gvw_drift_gvw: "{{ controller_gvw }}"
"""


@pytest.mark.slow
def test_the_drift_role_reports_every_host_and_fails_naming_the_one_that_differs(
    tmp_path: Path,
    patch_store: GvwEnv,
    sshd: SshServer,
    installed_collection: InstalledCollection,
) -> None:
    import sys

    names = ("build-1", "build-2", "build-3", "build-4")
    hosts = []
    for name in names:
        gvw = clone_store(patch_store, GvwEnv(tmp_path / name))
        if name != "build-3":  # build-3 has no global version: it drifts
            run_ok(gvw, "global", OLD)
        hosts.append(
            AnsibleHost(
                name,
                gvw,
                ssh=sshd if name == "build-2" else None,
                hostvars={
                    "drift_dir": str(tmp_path / "drift"),
                    "controller_gvw": [sys.executable, "-m", "gvw"],
                },
            )
        )
    down = AnsibleHost(
        "build-5",
        GvwEnv(tmp_path / "build-5"),
        ssh=sshd,
        hostvars={"ansible_port": 9, "ansible_ssh_timeout": 5},  # nothing listens there
    )
    playbook = tmp_path / "drift.yml"
    playbook.write_text(PLAYBOOK % (OLD, OLD), encoding="utf-8")

    done = run_playbook(playbook, [*hosts, down], collection=installed_collection, workdir=tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    report = json.loads((tmp_path / "drift" / "drift.json").read_text("utf-8"))
    assert report["drifted"] == ["build-3"] and report["unchecked"] == ["build-5"], output
    rows = {row["host"]: row for row in report["hosts"]}
    assert rows["build-3"]["differences"] == [f"global (unset) -> {OLD}"]
    assert rows["build-3"]["installed"] == [OLD] and rows["build-3"]["platform"] == LINUX
    assert rows["build-5"]["error"] == "no facts: unreachable, or gvw.go.facts did not run"
    for name in ("build-1", "build-2", "build-4"):
        assert rows[name]["in_line"] and rows[name]["global"] == OLD, name
    for line in (
        json.dumps("1 of 5 hosts differ from the manifest: build-3"),
        json.dumps("1 of 5 hosts could not be compared: build-5"),
    ):
        assert line in output
    assert (
        "differ from the manifest: build-3; could not be compared: build-5 (report: "
        f"{tmp_path / 'drift' / 'drift.json'})"
    ) in output  # the failure's message

    run_ok(hosts[2].gvw, "global", OLD)  # build-3 repaired; build-5 left out
    done = run_playbook(playbook, hosts, collection=installed_collection, workdir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.dumps("all 4 hosts are in line with the manifest") in done.stdout
