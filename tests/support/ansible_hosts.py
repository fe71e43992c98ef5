"""Real ``ansible-playbook`` runs against hosts on this machine, with the gvw.go
collection as users get it.

- ``installed_collection`` (session): the collection built with ``ansible-galaxy
  collection build`` and installed from that tarball with ``ansible-galaxy collection
  install`` into a collections path of the session; every playbook run uses it (and no
  other copy: the repository is not on Ansible's collections path).
- :class:`AnsibleHost`: one managed host — a name and a :class:`GvwEnv` (its own store
  root, cache, config file and home) — reached with the local connection, or over SSH
  when given the ``sshd`` fixture's server. Its inventory entry runs the modules with
  this interpreter and this checkout's gvw (``python -m gvw``).
- :func:`run_playbook`: ``ansible-playbook`` with an inventory of such hosts.
- :func:`clone_store`: a host that starts with what a template store has installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.gvw_env import REPO, GvwEnv
from tests.support.sshd import SshServer

COLLECTION_SOURCE = REPO / "ansible_collections" / "gvw" / "go"
BIN = Path(sys.executable).parent


def ansible_tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not installed (ansible-core is in the test extra)")
    return str(path)


@dataclass(frozen=True)
class InstalledCollection:
    tarball: Path
    path: Path  # the collections path: <path>/ansible_collections/gvw/go

    @property
    def root(self) -> Path:
        return self.path / "ansible_collections" / "gvw" / "go"


def _galaxy(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [ansible_tool("ansible-galaxy"), "collection", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env=ansible_env(cwd),
    )
    assert done.returncode == 0, f"ansible-galaxy collection {args[0]}:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory: pytest.TempPathFactory) -> InstalledCollection:
    base = tmp_path_factory.mktemp("collection")
    _galaxy("build", str(COLLECTION_SOURCE), "--output-path", str(base / "dist"), cwd=base)
    (tarball,) = (base / "dist").glob("gvw-go-*.tar.gz")
    _galaxy("install", str(tarball), "-p", str(base / "installed"), cwd=base)
    return InstalledCollection(tarball, base / "installed")


def ansible_env(workdir: Path, collections: Path | None = None) -> dict[str, str]:
    """The environment of the Ansible commands: no user configuration, no colour, the
    given collections path only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GVW_", "ANSIBLE_", "GO"))}
    env.update(
        ANSIBLE_HOME=str(workdir / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(workdir / "ansible-tmp"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False",
        LC_ALL="C.UTF-8",
    )
    if collections is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    return env


@dataclass(frozen=True)
class AnsibleHost:
    name: str
    gvw: GvwEnv  # its store, cache, config and home
    ssh: SshServer | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # more for the modules' runs
    hostvars: Mapping[str, Any] = field(default_factory=dict)

    def inventory_entry(self) -> dict[str, Any]:
        home = self.gvw.base / "home"
        home.mkdir(parents=True, exist_ok=True)
        entry: dict[str, Any] = {
            "ansible_python_interpreter": sys.executable,
            "gvw_root": str(self.gvw.root),
            "gvw_environment": {
                "GVW_CACHE_DIR": str(self.gvw.cache),
                "GVW_CONFIG": str(self.gvw.config),
                "HOME": str(home),
                "PYTHONPATH": str(REPO),
                "PATH": "/usr/bin:/bin",  # gvw from the interpreter: python -m gvw
                **self.env,
            },
            **self.hostvars,
        }
        if self.ssh is None:
            entry["ansible_connection"] = "local"
        else:
            entry.update(
                ansible_connection="ssh",
                ansible_host="127.0.0.1",
                ansible_port=self.ssh.port,
                ansible_user=self.ssh.user,
                ansible_ssh_private_key_file=str(self.ssh.key),
                ansible_ssh_common_args="-o StrictHostKeyChecking=no "
                "-o UserKnownHostsFile=/dev/null",
            )
        return entry


def write_inventory(path: Path, hosts: Sequence[AnsibleHost]) -> Path:
    entries = {host.name: host.inventory_entry() for host in hosts}
    path.write_text(json.dumps({"all": {"hosts": entries}}), encoding="utf-8")
    return path


def run_playbook(
    playbook: Path,
    hosts: Sequence[AnsibleHost],
    *,
    collection: InstalledCollection,
    workdir: Path,
    args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """``ansible-playbook`` over an inventory of ``hosts`` (whose play sets
    ``environment: "{{ gvw_environment }}"``); the completed process, whatever its code."""
    inventory = write_inventory(workdir / "inventory.json", hosts)
    return subprocess.run(
        [ansible_tool("ansible-playbook"), "-i", str(inventory), *args, str(playbook)],
        env=ansible_env(workdir, collection.path),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )


def clone_store(template: GvwEnv, target: GvwEnv) -> GvwEnv:
    """``target`` with the store of ``template``: the version trees hard-linked (gvw
    never writes into an installed tree: it adds and moves whole trees), everything else
    copied (the audit log is appended to in place)."""
    shutil.copytree(
        template.root,
        target.root,
        symlinks=True,
        ignore=lambda directory, _names: ["versions"] if Path(directory) == template.root else [],
    )
    shutil.copytree(
        template.root / "versions", target.root / "versions", symlinks=True, copy_function=os.link
    )
    return target


def tree_listing(root: Path) -> Iterator[str]:
    """Every path under ``root``, relative, sorted."""
    yield from sorted(str(p.relative_to(root)) for p in root.rglob("*"))
