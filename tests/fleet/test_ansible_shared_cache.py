"""Three Ansible hosts on one machine, each with its own gvw_root and one shared cache
directory, run by real ansible-playbook (the installed collection) with its default
forks: the installs run at once, download into the one cache, and none removes
another's download in progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.install.install_helpers import partial_downloads
from tests.support.ansible_hosts import AnsibleHost, InstalledCollection, run_playbook
from tests.support.gvw_env import GvwEnv
from tests.support.mirror_server import MirrorServer

pytestmark = pytest.mark.slow

PLAYBOOK = """
- hosts: all
  gather_facts: false
  environment: "{{ gvw_environment }}"
  tasks:
    - gvw.go.toolchains:
        versions: ["1.21.13", "1.22"]
        global: "1.22"
        mirror: "{{ go_mirror }}"
        gvw_root: "{{ gvw_root }}"
      register: apply
      ignore_errors: true
    - ansible.builtin.copy:
        content: "{{ apply | to_json }}"
        dest: "{{ result_file }}"
"""


def test_three_hosts_sharing_one_cache_all_install(
    real_mirror: MirrorServer, installed_collection: InstalledCollection, tmp_path: Path
) -> None:
    cache = tmp_path / "shared-cache"
    hosts = [
        AnsibleHost(
            name,
            GvwEnv(tmp_path / name),
            env={"GVW_PLATFORM": "linux-amd64", "GVW_CACHE_DIR": str(cache)},  # one cache
            hostvars={
                "go_mirror": real_mirror.url,
                "result_file": str(tmp_path / name / "result.json"),
            },
        )
        for name in ("host1", "host2", "host3")
    ]
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    done = run_playbook(
        tmp_path / "play.yml", hosts, collection=installed_collection, workdir=tmp_path
    )
    for host in hosts:
        result = json.loads((tmp_path / host.name / "result.json").read_text("utf-8"))
        assert not result.get("failed"), f"{host.name}: {result.get('msg')}\n{done.stdout}"
        assert result["changed"] is True
        root = host.gvw.root
        assert sorted(p.name for p in (root / "versions").iterdir()) == ["1.21.13", "1.22.10"]
        assert (root / "version").read_text() == "1.22.10\n"
    assert done.returncode == 0, done.stdout
    assert partial_downloads(cache) == []  # no download left behind
