"""A command that waits for a lock says so: which command holds it, its process id,
since when, and how long it will wait, once, on stderr. The holder is a real gvw,
stopped with SIGSTOP while it holds the lock."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gvw.base.locks import read_holder
from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import wait_for
from tests.support.processes import read_line, resume, stop

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"


def stopped_while_holding(gvw: GvwEnv, lock: Path, *args: str) -> subprocess.Popen[str]:
    """A gvw running ``args``, stopped once it holds ``lock``."""
    first = gvw.popen(*args)
    assert wait_for(lambda: (read_holder(lock) or object).__dict__.get("pid") == first.pid, 60)
    stop(first)
    return first


def waiting_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for _ in range(20):  # past the plain-http warnings of the test mirror
        line = read_line(process.stderr, timeout=30)
        if not line.startswith("gvw: warning:"):
            return line
    return ""


def test_a_second_install_says_which_stopped_install_it_waits_for(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    server = mirror_factory(tmp_path / "mirror")
    server.stall(ARCHIVE, after_bytes=100, seconds=2, times=1)
    lock = gvw.root / ".locks" / "install-1.22.10.lock"
    first = stopped_while_holding(gvw, lock, "install", "--mirror", server.url, "1.22.10")
    second = gvw.popen("install", "--mirror", server.url, "1.22.10")
    try:
        line = waiting_line(second)
        assert re.fullmatch(
            rf"gvw: waiting for gvw install --mirror {re.escape(server.url)} 1\.22\.10 "
            rf"\(process {first.pid}, since \d\d:\d\d:\d\d\) to release "
            rf"{re.escape(str(lock))}; will wait up to 30 minutes\n",
            line,
        ), line
        assert second.poll() is None
    finally:
        resume(first)
    assert first.wait(timeout=120) == 0
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert out.startswith(f"Go 1.22.10 is already installed in {gvw.root / 'versions'}")
    assert "waiting for" not in err  # said once


def test_a_second_apply_says_which_stopped_apply_it_waits_for(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    server = mirror_factory(tmp_path / "mirror")
    server.stall(ARCHIVE, after_bytes=100, seconds=2, times=1)
    manifest = tmp_path / "fleet.toml"
    manifest.write_text('[go]\nversions = ["1.22.10"]\nglobal = "1.22.10"\n', encoding="utf-8")
    lock = gvw.root / ".locks" / "apply.lock"
    apply = ("apply", str(manifest), "--mirror", server.url)
    first = stopped_while_holding(gvw, lock, *apply)
    second = gvw.popen(*apply)
    try:
        line = waiting_line(second)
        assert re.fullmatch(
            rf"gvw: waiting for gvw apply {re.escape(str(manifest))} --mirror "
            rf"{re.escape(server.url)} \(process {first.pid}, since \d\d:\d\d:\d\d\) to "
            rf"release {re.escape(str(lock))}; will wait up to 30 minutes\n",
            line,
        ), line
    finally:
        resume(first)
    assert first.wait(timeout=120) == 0
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "nothing to do" in out  # it planned again once it held the lock
