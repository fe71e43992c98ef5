"""Three Ansible hosts on one machine, each with its own gvw_root and one shared cache
directory, run by real ansible-playbook with its default forks: the installs run at
once, download into the one cache, and none removes another's download in progress."""

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
from tests.support.mirror_server import MirrorServer

pytestmark = pytest.mark.slow

HOSTS = ("host1", "host2", "host3")

PLAYBOOK = """
- hosts: all
  gather_facts: false
  environment: "{{ gvw_environment }}"
  tasks:
    - name: Go toolchains as the fleet manifest says
      gvw.go.toolchains:
        versions: ["1.21.13", "1.22"]
        global: "1.22"
        mirror: "{{ go_mirror }}"
        gvw_root: "{{ gvw_root }}"
      register: apply
      ignore_errors: true
    - name: Hand the result to the test
      ansible.builtin.copy:
        content: "{{ apply | to_json }}"
        dest: "{{ result_file }}"
"""


def inventory(base: Path, cache: Path, mirror: str) -> Path:
    hosts: dict[str, Any] = {}
    for host in HOSTS:
        home = base / host / "home"
        home.mkdir(parents=True)
        hosts[host] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "gvw_root": str(base / host / "root"),
            "go_mirror": mirror,
            "result_file": str(base / host / "result.json"),
            "gvw_environment": {
                "GVW_CACHE_DIR": str(cache),  # one cache for the three stores
                "GVW_CONFIG": str(base / host / "config.toml"),
                "GVW_PLATFORM": "linux-amd64",
                "HOME": str(home),
                "PYTHONPATH": str(REPO),
                "PATH": "/usr/bin:/bin",
            },
        }
    path = base / "inventory.json"
    path.write_text(json.dumps({"all": {"hosts": hosts}}), encoding="utf-8")
    return path


def test_three_hosts_sharing_one_cache_all_install(
    real_mirror: MirrorServer, tmp_path: Path
) -> None:
    playbook = Path(sys.executable).with_name("ansible-playbook")
    if shutil.which(str(playbook)) is None:
        pytest.fail("ansible-core is not installed (it is in the test extra)")
    cache = tmp_path / "shared-cache"
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GVW_", "ANSIBLE_"))}
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(REPO),
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        ANSIBLE_RETRY_FILES_ENABLED="False",
        LC_ALL="C.UTF-8",
    )
    done = subprocess.run(
        [
            str(playbook),
            "-i",
            str(inventory(tmp_path, cache, real_mirror.url)),
            str(tmp_path / "play.yml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    for host in HOSTS:
        result = json.loads((tmp_path / host / "result.json").read_text("utf-8"))
        assert not result.get("failed"), f"{host}: {result.get('msg')}\n{done.stdout}"
        assert result["changed"] is True
        root = tmp_path / host / "root"
        assert sorted(p.name for p in (root / "versions").iterdir()) == ["1.21.13", "1.22.10"]
        assert (root / "version").read_text() == "1.22.10\n"
    assert done.returncode == 0, done.stdout
    assert list((cache / "downloads").iterdir()) == []  # no download left behind
