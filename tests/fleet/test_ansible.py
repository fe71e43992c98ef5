"""The Ansible collection's modules (gvw.go.toolchains and gvw.go.facts, installed from
the collection tarball) run by real ansible-playbook against three hosts: two
local-connection hosts and one reached over SSH on 127.0.0.1, each with its own gvw
store. One playbook run per scenario: check mode, first run, second run, drift repaired,
a bad manifest failing only its host."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.ansible_hosts import AnsibleHost, InstalledCollection, run_playbook
from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.sshd import SshServer

HOSTS = ("local1", "local2", "remote")

PLAYBOOK = """
- hosts: all
  gather_facts: false
  environment: "{{ gvw_environment }}"
  tasks:
    - name: Go toolchains as the fleet manifest says
      gvw.go.toolchains:
        versions: "{{ go_versions }}"
        global: "1.22"
        mirror: "{{ go_mirror }}"
        gvw_root: "{{ gvw_root }}"
      register: apply
      ignore_errors: true
    - name: What gvw knows about the host
      gvw.go.facts:
        gvw_root: "{{ gvw_root }}"
      register: facts
    - name: Hand both results to the test
      ansible.builtin.copy:
        content: "{{ [apply, facts] | to_json }}"
        dest: "{{ result_file }}"
      check_mode: false
"""


class Fleet:
    def __init__(self, base: Path, sshd: SshServer, collection: InstalledCollection) -> None:
        self.base = base
        self.sshd = sshd
        self.collection = collection
        self.mirror = base / "mirror"
        write_synthetic_mirror(self.mirror, ("1.21.13", "1.22.10"), ["linux-amd64"])
        (base / "play.yml").write_text(PLAYBOOK, encoding="utf-8")

    def root(self, host: str) -> Path:
        return self.base / host / "root"

    def hosts(self, bad_host: str | None) -> list[AnsibleHost]:
        return [
            AnsibleHost(
                host,
                GvwEnv(self.base / host),
                ssh=self.sshd if host == "remote" else None,
                env={"GVW_PLATFORM": "linux-amd64"},
                hostvars={
                    "go_versions": ["1.21.13", "1.22"]
                    + (["1.22/../evil"] if host == bad_host else []),
                    "go_mirror": self.mirror.as_uri(),
                    "result_file": str(self.base / host / "result.json"),
                },
            )
            for host in HOSTS
        ]

    def play(self, *args: str, bad_host: str | None = None) -> dict[str, list[dict[str, Any]]]:
        done = run_playbook(
            self.base / "play.yml",
            self.hosts(bad_host),
            collection=self.collection,
            workdir=self.base,
            args=args,
        )
        results = {}
        for host in HOSTS:
            path = self.base / host / "result.json"
            if not path.exists():
                pytest.fail(f"no result from {host}:\n{done.stdout}\n{done.stderr}")
            results[host] = json.loads(path.read_text("utf-8"))
            path.unlink()
        return results

    def installed(self, host: str) -> list[str]:
        versions = self.root(host) / "versions"
        return sorted(p.name for p in versions.iterdir()) if versions.is_dir() else []


@pytest.fixture
def fleet(tmp_path: Path, sshd: SshServer, installed_collection: InstalledCollection) -> Fleet:
    return Fleet(tmp_path, sshd, installed_collection)


def test_check_first_second_drift_and_bad_manifest_across_three_hosts(fleet: Fleet) -> None:
    check = fleet.play("--check", "--diff")
    for host in HOSTS:
        apply, _facts = check[host]
        assert apply.get("changed") is True, apply
        assert [a["action"] for a in apply["actions"]] == ["install", "install", "global"]
        assert "1.22.10" in apply["diff"]["after"]
        assert fleet.installed(host) == []  # check mode changed nothing

    first = fleet.play()
    for host in HOSTS:
        apply, facts = first[host]
        assert apply["changed"] is True and apply["snapshot"], apply
        assert fleet.installed(host) == ["1.21.13", "1.22.10"]
        assert (fleet.root(host) / "version").read_text() == "1.22.10\n"
        gvw = facts["ansible_facts"]["gvw"]
        assert gvw["root"] == str(fleet.root(host)) and gvw["global"] == "1.22.10"
        assert [i["version"] for i in gvw["installed"]] == ["1.22.10", "1.21.13"]

    second = fleet.play()
    assert {host: second[host][0]["changed"] for host in HOSTS} == dict.fromkeys(HOSTS, False)

    shutil.rmtree(fleet.root("remote") / "versions" / "1.21.13")  # drift, by hand
    drift = fleet.play("--check")
    assert {h: drift[h][0]["changed"] for h in HOSTS} == {
        "local1": False, "local2": False, "remote": True,
    }  # fmt: skip
    assert drift["remote"][0]["actions"] == [
        {
            "action": "install",
            "version": "1.21.13",
            "spec": "1.21.13",
            "archive": "go1.21.13.linux-amd64.tar.gz",
            "sha256": drift["remote"][0]["actions"][0]["sha256"],
        }
    ]
    repaired = fleet.play()
    assert repaired["remote"][0]["changed"] is True
    assert not repaired["local1"][0]["changed"]
    assert fleet.installed("remote") == ["1.21.13", "1.22.10"]

    bad = fleet.play(bad_host="local2")
    failed = bad["local2"][0]
    assert failed["failed"] is True and failed["rc"] == 13
    assert 'invalid Go version "1.22/../evil" (set by go.versions[2] in' in failed["msg"]
    assert bad["local1"][0]["changed"] is False and not bad["local1"][0].get("failed")
    assert bad["remote"][0]["changed"] is False and not bad["remote"][0].get("failed")
