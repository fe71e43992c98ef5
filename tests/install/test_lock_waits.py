"""A command that waits for a lock says so: which command holds it, its process id,
since when, and how long it will wait, once, on stderr. The holder is a real gvw,
stopped with SIGSTOP while it holds the lock."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from gvw.base.locks import read_holder
from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer, wait_for
from tests.support.processes import read_line, resume, stop

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"


def second_waits_for_stopped_first(
    gvw: GvwEnv, lock: Path, *args: str
) -> tuple[subprocess.Popen[str], subprocess.Popen[str]]:
    """Run ``gvw args`` twice: the first stopped (SIGSTOP) once it holds ``lock``, the
    second until it says, exactly, that it waits for the first; then resume the first."""
    first = gvw.popen(*args)
    assert wait_for(lambda: getattr(read_holder(lock), "pid", None) == first.pid, 60)
    stop(first)
    second = gvw.popen(*args)
    try:
        line = waiting_line(second)
        command = " ".join(["gvw", *args])
        assert re.fullmatch(
            rf"gvw: waiting for {re.escape(command)} \(process {first.pid}, since "
            rf"\d\d:\d\d:\d\d\) to release {re.escape(str(lock))}; will wait up to 30 minutes\n",
            line,
        ), line
        assert second.poll() is None
    finally:
        resume(first)
    return first, second


def waiting_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for _ in range(20):  # past the plain-http warnings of the test mirror
        line = read_line(process.stderr, timeout=30)
        if not line.startswith("gvw: warning:"):
            return line
    return ""


@pytest.fixture
def server(mirror_factory, tmp_path: Path) -> MirrorServer:
    """A mirror whose first download of 1.22.10 pauses for two seconds."""
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    server: MirrorServer = mirror_factory(tmp_path / "mirror")
    server.stall(ARCHIVE, after_bytes=100, seconds=2, times=1)
    return server


def test_a_second_install_says_which_stopped_install_it_waits_for(
    gvw: GvwEnv, server: MirrorServer
) -> None:
    lock = gvw.root / ".locks" / "install-1.22.10.lock"
    install = ("install", "--mirror", server.url, "1.22.10")
    first, second = second_waits_for_stopped_first(gvw, lock, *install)
    assert first.wait(timeout=120) == 0
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert out.startswith(f"Go 1.22.10 is already installed in {gvw.root / 'versions'}")
    assert "waiting for" not in err  # said once


def test_a_second_apply_says_which_stopped_apply_it_waits_for(
    gvw: GvwEnv, server: MirrorServer, tmp_path: Path
) -> None:
    manifest = tmp_path / "fleet.toml"
    manifest.write_text('[go]\nversions = ["1.22.10"]\nglobal = "1.22.10"\n', encoding="utf-8")
    lock = gvw.root / ".locks" / "apply.lock"
    apply = ("apply", str(manifest), "--mirror", server.url)
    first, second = second_waits_for_stopped_first(gvw, lock, *apply)
    assert first.wait(timeout=120) == 0
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "nothing to do" in out  # it planned again once it held the lock
