"""Temporaries that outlive a killed gvw (gvw/base/leftovers.py, fsutil.create_held):
held by their live owner, removed only when nobody holds them; and the next run of the
command that owns them removes them: gvw global (the global file), gvw setup (a shell
profile), a rehash (shims), gvw tools rebuild (GOPATH/bin). The owners here are real
processes, killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gvw.base.fsutil import remove_if_abandoned
from gvw.base.leftovers import OWNER_FILE, remove_abandoned_directory
from tests.support.gvw_env import REPO, GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.processes import read_line

_OWNER = """
import os, sys
from pathlib import Path
from gvw.base.fsutil import create_held
from gvw.base.leftovers import held_directory
path = Path(sys.argv[2])
if sys.argv[1] == "file":
    create_held(path)
    print("made", flush=True)
else:
    with held_directory(path.parent, path.name) as made:
        print(made, flush=True)
        sys.stdin.read()
sys.stdin.read()
"""


class Owner:
    """A real process that made a temporary file (or a directory starting with a
    prefix) and holds it until it is killed."""

    def __init__(self, kind: str, path: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _OWNER, kind, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert self.process.stdout is not None
        line = read_line(self.process.stdout, 30).strip()
        assert line, "the owner did not start"
        self.path = path if kind == "file" else Path(line)

    def kill(self) -> Path:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        return self.path


def killed_owners_file(path: Path) -> Path:
    return Owner("file", path).kill()


# --- the rule -----------------------------------------------------------------------------


def test_a_temporary_file_is_removed_only_once_its_owner_is_gone(tmp_path: Path) -> None:
    owner = Owner("file", tmp_path / ".version.gvw-1-0123abcd.tmp")
    assert not remove_if_abandoned(owner.path)  # held by a live process
    assert owner.path.exists()
    owner.kill()
    assert remove_if_abandoned(owner.path)
    assert not owner.path.exists()


def test_a_temporary_directory_is_removed_only_once_its_owner_is_gone(tmp_path: Path) -> None:
    owner = Owner("directory", tmp_path / ".gvw-rebuild-")
    (owner.path / "bin").mkdir()
    assert (owner.path / OWNER_FILE).is_file()
    assert not remove_abandoned_directory(owner.path)
    assert (owner.path / "bin").is_dir()
    owner.kill()
    assert remove_abandoned_directory(owner.path)
    assert not owner.path.exists()
    older = tmp_path / ".gvw-rebuild-abc123"  # as tempfile.mkdtemp named them: no owner file
    (older / "bin").mkdir(parents=True)
    assert remove_abandoned_directory(older)


def test_a_link_or_a_file_of_someone_else_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "precious"
    target.write_text("keep")
    link = tmp_path / ".version.gvw-1-0123abcd.tmp"
    link.symlink_to(target)
    assert not remove_if_abandoned(link)
    assert target.read_text() == "keep" and link.is_symlink()


# --- the commands that own them ----------------------------------------------------------


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    write_synthetic_mirror(tmp_path / "mirror", ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env["GVW_MIRROR"] = (tmp_path / "mirror").as_uri()
    run_ok(gvw, "install", "1.21.13")
    return gvw


def test_gvw_global_removes_what_killed_writes_of_the_global_file_left(store: GvwEnv) -> None:
    older = store.root / ".version.4242.deadbeef.tmp"  # as gvw named them before
    older.write_text("1.21")
    killed = killed_owners_file(store.root / ".version.gvw-4243-deadbeef.tmp")
    running = Owner("file", store.root / ".version.gvw-4244-deadbeef.tmp")
    other = store.root / ".version.backup"  # not gvw's
    other.write_text("mine")
    run_ok(store, "global", "1.21.13")
    assert not older.exists() and not killed.exists()
    assert running.path.exists() and other.exists()
    running.kill()
    run_ok(store, "global", "1.21.13")  # the same pin: nothing written, still cleaned
    assert not running.path.exists()
    assert sorted(p.name for p in store.root.glob(".version*")) == [".version.backup"]


def test_a_rehash_removes_what_killed_writes_of_shims_left(store: GvwEnv) -> None:
    shims = store.root / "shims"
    older = shims / ".go1.21.13.4242.deadbeef.tmp"
    older.write_bytes(b"half a shim")
    killed = killed_owners_file(shims / ".go1.22.10.gvw-4243-deadbeef.tmp")
    run_ok(store, "install", "1.22.10")
    assert not older.exists() and not killed.exists()
    assert sorted(p.name for p in shims.iterdir()) == ["go", "go1.21.13", "go1.22.10", "gofmt"]


def test_gvw_setup_removes_what_killed_writes_of_the_profile_left(store: GvwEnv) -> None:
    home = store.base / "home"
    home.mkdir(exist_ok=True)
    older = home / "..bashrc.4242.deadbeef.tmp"
    older.write_text("half a profile")
    killed = killed_owners_file(home / "..bashrc.gvw-4243-deadbeef.tmp")
    run_ok(store, "setup", "--shell", "bash")
    assert not older.exists() and not killed.exists()
    older.write_text("half a profile")
    run_ok(store, "setup", "--shell", "bash")  # already set up: still cleaned
    assert not older.exists()


def test_gvw_tools_rebuild_removes_what_killed_rebuilds_and_restores_left(
    store: GvwEnv,
) -> None:
    run_ok(store, "global", "1.21.13")
    gobin = store.base / "home" / "go" / "bin"
    gobin.mkdir(parents=True)
    older_dir = gobin / ".gvw-rebuild-k3j4x9"  # as tempfile.mkdtemp named them
    (older_dir / "dlv").parent.mkdir()
    (older_dir / "dlv").write_bytes(b"a half-built program")
    owner = Owner("directory", gobin / ".gvw-rebuild-")
    killed_dir = owner.kill()
    older_copy = gobin / ".dlv.4242.deadbeef.tmp"  # a restore's copy of a program
    older_copy.write_bytes(b"a copy")
    running = Owner("file", gobin / ".gopls.gvw-4243-deadbeef.tmp")
    tool = gobin / "staticcheck"
    tool.write_bytes(b"#!/bin/sh\n")
    assert store.run("tools", "rebuild").returncode == 22  # not a Go program: left alone
    assert not older_dir.exists() and not killed_dir.exists() and not older_copy.exists()
    assert running.path.exists() and tool.exists()
    running.kill()
