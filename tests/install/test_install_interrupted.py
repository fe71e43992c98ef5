"""Concurrent installs, kills and signals: one download, nothing half-installed, the
next run cleans up."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.install.install_helpers import ARCHIVE, partial_downloads, synthetic_server
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import MirrorServer, wait_for

# --- concurrency and crashes ------------------------------------------------------------


def test_concurrent_installs_download_once_and_all_succeed(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.delay(ARCHIVE, 1.0)  # keep the first download busy while the others start
    processes = [
        gvw.popen("install", "--mirror", server.url, spec)
        for spec in ("1.22.10", "1.22", "go1.22.10", "1.22.10")
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    assert server.count(ARCHIVE) == 1
    stdout = [out for out, _ in outputs]
    assert sum("Installed Go 1.22.10" in s for s in stdout) == 1
    assert sum("already installed" in s for s in stdout) == 3


def test_a_killed_download_leaves_nothing_installed_and_the_next_run_resumes_it(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    size = (tmp_path / "mirror" / ARCHIVE).stat().st_size
    server.stall(ARCHIVE, after_bytes=300, times=1)
    process = gvw.popen("install", "--mirror", server.url, "1.22.10")
    part = gvw.cache / "downloads" / f"{ARCHIVE}.part"
    assert wait_for(lambda: part.exists() and part.stat().st_size == 300, 30)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (gvw.root / "versions" / "1.22.10").exists()
    assert partial_downloads(gvw.cache) == [f"{ARCHIVE}.part", f"{ARCHIVE}.part.json"]
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert "removed leftovers of an interrupted install of 1.22.10" in result.stderr
    assert f"gvw: resuming the download of {ARCHIVE} at 300 bytes" in result.stderr
    ranges = [r.headers.get("Range") for r in server.requests if r.path.endswith(ARCHIVE)]
    assert ranges == [None, "bytes=300-"]
    assert server.sent(ARCHIVE) == size  # not a byte twice
    assert partial_downloads(gvw.cache) == []
    assert run_ok(gvw, "list").stdout.split() == ["*", "1.22.10"]  # the first: selected


@pytest.mark.slow
def test_killed_extraction_leaves_nothing_installed_and_the_next_run_cleans_up(
    gvw: GvwEnv, real_mirror: MirrorServer
) -> None:
    process = gvw.popen("install", "--mirror", real_mirror.url, "1.22.10")
    staging = gvw.root / ".staging"
    assert wait_for(lambda: any((d / "src").exists() for d in staging.glob("1.22.10.*")), 120)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (gvw.root / "versions" / "1.22.10").exists()
    assert run_ok(gvw, "list").stdout == ""
    result = run_ok(gvw, "install", "--mirror", real_mirror.url, "1.22.10")
    assert "removed leftovers" in result.stderr
    assert list(staging.iterdir()) == []
    assert (gvw.root / "versions" / "1.22.10" / "bin" / "go").is_file()


SIGNALS = [
    pytest.param(signal.SIGTERM, 143, "gvw: terminated (SIGTERM)", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "gvw: hung up (SIGHUP)", id="SIGHUP"),
    pytest.param(signal.SIGINT, 130, "gvw: interrupted", id="SIGINT"),
]


def assert_cleaned_up_after_signal(gvw: GvwEnv, process, code: int, last_line: str) -> None:
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.splitlines()[-1] == last_line
    assert "" not in stderr.splitlines()  # no blank line before the message
    # the partial download stays (the next run resumes it); no private copy does
    assert set(partial_downloads(gvw.cache)) <= {f"{ARCHIVE}.part", f"{ARCHIVE}.part.json"}
    assert list((gvw.root / ".staging").glob("*")) == []
    assert not (gvw.root / "versions").exists()
    assert not (gvw.root / "snapshots").exists()  # nothing changed, so no snapshot


@pytest.mark.parametrize(("signum", "code", "last_line"), SIGNALS)
def test_a_signal_during_the_download_cleans_up_and_exits_with_its_code(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, signum: int, code: int, last_line: str
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, times=1)
    process = gvw.popen("install", "--mirror", server.url, "1.22.10")
    # the .part file opens before the request: wait for both, so the stall is used up
    assert wait_for(lambda: any((gvw.cache / "downloads").glob("*.part")), 30)
    assert wait_for(lambda: server.count(ARCHIVE) == 1, 30)
    process.send_signal(signum)
    assert_cleaned_up_after_signal(gvw, process, code, last_line)
    assert partial_downloads(gvw.cache) == [f"{ARCHIVE}.part", f"{ARCHIVE}.part.json"]
    # the locks were released: the next install runs at once, finds nothing to clean
    # and resumes the download
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert "leftovers" not in result.stderr
    assert f"gvw: resuming the download of {ARCHIVE} at 300 bytes" in result.stderr
    assert partial_downloads(gvw.cache) == []


def test_a_hangup_ignored_by_the_caller_stays_ignored(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    # nohup gvw install ...: the caller asked for SIGHUP to be ignored, and it is
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, times=1)
    process = subprocess.Popen(
        gvw.command("install", "--mirror", server.url, "1.22.10"),
        env=gvw.env(),
        cwd=gvw.base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    assert wait_for(lambda: server.count(ARCHIVE) == 1, 30)
    process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert process.poll() is None  # still downloading
    process.send_signal(signal.SIGTERM)
    assert_cleaned_up_after_signal(gvw, process, 143, "gvw: terminated (SIGTERM)")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "last_line"), SIGNALS[:2])
def test_a_signal_during_extraction_of_a_real_toolchain_cleans_up(
    gvw: GvwEnv, real_mirror: MirrorServer, signum: int, code: int, last_line: str
) -> None:
    process = gvw.popen("install", "--mirror", real_mirror.url, "1.22.10")
    staging = gvw.root / ".staging"
    assert wait_for(lambda: any((d / "src").exists() for d in staging.glob("1.22.10.*")), 120)
    process.send_signal(signum)
    assert_cleaned_up_after_signal(gvw, process, code, last_line)
