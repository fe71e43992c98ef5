"""Stores that share one cache (several GVW_ROOTs with one GVW_CACHE_DIR: CI jobs with a
root each, Ansible hosts on one machine): an install never removes another store's
download in progress (it waits for it), and a download whose process is gone is resumed
by the next store that needs it. Three Ansible hosts sharing a cache:
tests/fleet/test_ansible_shared_cache.py."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.install.install_helpers import ARCHIVE, partial_downloads, synthetic_server
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import wait_for


def store_sharing(cache: Path, base: Path) -> GvwEnv:
    base.mkdir()
    return GvwEnv(base, extra_env={"GVW_CACHE_DIR": str(cache)})


def test_an_install_leaves_another_stores_download_in_progress_alone(
    mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, seconds=5, times=1)
    cache = tmp_path / "shared-cache"
    first, second = store_sharing(cache, tmp_path / "a"), store_sharing(cache, tmp_path / "b")
    slow = second.popen("install", "--mirror", server.url, "1.22.10")
    downloads = cache / "downloads"
    assert wait_for(lambda: server.count(ARCHIVE) == 1 and any(downloads.glob("*.part")), 30)
    done = run_ok(first, "install", "--mirror", server.url, "1.22.10")  # while it stalls
    assert "leftovers" not in done.stderr
    out, err = slow.communicate(timeout=120)
    assert slow.returncode == 0, err
    assert out.startswith("Installed Go 1.22.10")
    for store in (first, second):  # each store's first install: its global version
        assert run_ok(store, "list").stdout.split() == ["*", "1.22.10"]
    assert partial_downloads(cache) == []


def test_a_download_whose_process_was_killed_is_resumed_by_another_store(
    mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, times=1)  # until the server stops
    cache = tmp_path / "shared-cache"
    first, second = store_sharing(cache, tmp_path / "a"), store_sharing(cache, tmp_path / "b")
    killed = second.popen("install", "--mirror", server.url, "1.22.10")
    downloads = cache / "downloads"
    assert wait_for(lambda: server.count(ARCHIVE) == 1 and any(downloads.glob("*.part")), 30)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    done = run_ok(first, "install", "--mirror", server.url, "1.22.10")
    assert "gvw: resuming the download of go1.22.10.linux-amd64.tar.gz at 300 bytes" in (
        done.stderr_lines
    )
    assert partial_downloads(cache) == []
