"""The Ansible collection (ansible_collections/gvw/go) run by real ansible-playbook
against three hosts: two local-connection hosts and one reached over SSH on 127.0.0.1,
each with its own gvw store. One playbook run per scenario: check mode, first run,
second run, drift repaired, a bad manifest failing only its host."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.gvw_env import REPO
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.powershell import syntax_errors
from tests.support.sshd import SshServer

COLLECTION = REPO / "ansible_collections" / "gvw" / "go"
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
    def __init__(self, base: Path, sshd: SshServer) -> None:
        self.base = base
        self.sshd = sshd
        self.mirror = base / "mirror"
        write_synthetic_mirror(self.mirror, ("1.21.13", "1.22.10"), ["linux-amd64"])
        (base / "play.yml").write_text(PLAYBOOK, encoding="utf-8")

    def root(self, host: str) -> Path:
        return self.base / host / "root"

    def inventory(self, bad_host: str | None) -> Path:
        hosts: dict[str, Any] = {}
        for host in HOSTS:
            home = self.base / host / "home"
            home.mkdir(parents=True, exist_ok=True)
            versions = ["1.21.13", "1.22"] + (["1.22/../evil"] if host == bad_host else [])
            entry: dict[str, Any] = {
                "ansible_python_interpreter": sys.executable,
                "gvw_root": str(self.root(host)),
                "go_versions": versions,
                "go_mirror": self.mirror.as_uri(),
                "result_file": str(self.base / host / "result.json"),
                "gvw_environment": {
                    "GVW_CACHE_DIR": str(self.base / host / "cache"),
                    "GVW_CONFIG": str(self.base / host / "config.toml"),
                    "GVW_PLATFORM": "linux-amd64",
                    "HOME": str(home),
                    "PYTHONPATH": str(REPO),
                    "PATH": "/usr/bin:/bin",  # gvw from the interpreter: python -m gvw
                },
            }
            if host == "remote":
                entry.update(
                    ansible_connection="ssh",
                    ansible_host="127.0.0.1",
                    ansible_port=self.sshd.port,
                    ansible_user=self.sshd.user,
                    ansible_ssh_private_key_file=str(self.sshd.key),
                    ansible_ssh_common_args="-o StrictHostKeyChecking=no "
                    "-o UserKnownHostsFile=/dev/null",
                )
            else:
                entry["ansible_connection"] = "local"
            hosts[host] = entry
        path = self.base / "inventory.json"
        path.write_text(json.dumps({"all": {"hosts": hosts}}), encoding="utf-8")
        return path

    def play(self, *args: str, bad_host: str | None = None) -> dict[str, list[dict[str, Any]]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GVW_", "ANSIBLE_"))}
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(REPO),
            ANSIBLE_HOME=str(self.base / "ansible-home"),
            ANSIBLE_LOCAL_TEMP=str(self.base / "ansible-tmp"),
            ANSIBLE_HOST_KEY_CHECKING="False",
            ANSIBLE_RETRY_FILES_ENABLED="False",
            LC_ALL="C.UTF-8",
        )
        playbook = Path(sys.executable).with_name("ansible-playbook")
        done = subprocess.run(
            [
                str(playbook),
                "-i",
                str(self.inventory(bad_host)),
                *args,
                str(self.base / "play.yml"),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
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
def fleet(tmp_path: Path, sshd: SshServer) -> Fleet:
    if shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("ansible-core is not installed (it is in the test extra)")
    return Fleet(tmp_path, sshd)


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


def test_windows_module_parses_and_takes_the_same_parameters() -> None:
    script = (COLLECTION / "plugins" / "modules" / "win_toolchains.ps1").read_text("utf-8")
    assert syntax_errors(script) == []
    python_module = (COLLECTION / "plugins" / "modules" / "toolchains.py").read_text("utf-8")
    for option in ("versions", "global", "prune", "mirror", "lock", "manifest", "gvw_root", "gvw"):
        assert f"{option} = @{{" in script, option
        assert f"  {option}:\n" in python_module, option
    assert "'apply', $manifest, '--json'" in script
    assert "--check" in script and "21" in script
