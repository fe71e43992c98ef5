"""Mirrors (environment, config, file://, plain http) and the index cache; checksums
from the index or the .sha256 file beside the archive."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.install.install_helpers import ARCHIVE, LINUX, synthetic_server
from tests.support.gvw_env import GvwEnv, go_bin, run_ok
from tests.support.mirror_fixtures import (
    add_archive,
    synthetic_archive,
    write_synthetic_mirror,
)
from tests.support.mirror_server import MirrorServer

# --- mirrors and the index cache ---------------------------------------------------------


def test_mirror_from_environment_and_config_file(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    run_ok(gvw, "install", "1.21.13", env={"GVW_MIRROR": server.url})
    gvw.config.write_text(f'mirror = "{server.url}"\n')
    run_ok(gvw, "install", "1.22.10")
    assert server.count("go1.22.10.linux-amd64.tar.gz") == 1


def test_file_mirror_installs_without_a_server(gvw: GvwEnv, tmp_path: Path) -> None:
    directory = tmp_path / "mirror dir é"
    write_synthetic_mirror(directory, ["1.22.10"], [LINUX])
    run_ok(gvw, "install", "--mirror", directory.as_uri(), "1.22")
    go = go_bin(gvw, "1.22.10")
    assert subprocess.run([str(go), "version"], capture_output=True, text=True).stdout.startswith(
        "go version go1.22.10"
    )


def test_plain_http_mirror_warns(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    warning = (
        f"gvw: warning: mirror {server.url} is plain http: downloads can be altered; prefer https"
    )
    assert warning in result.stderr_lines
    # one line on a 100-column terminal, whatever the port
    assert len(warning.replace(server.url, "http://127.0.0.1:65535/")) <= 100


def test_index_is_cached_and_used_with_a_warning_when_the_mirror_is_down(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.21.13", "1.22.10"], [LINUX])
    with MirrorServer(directory) as server:
        url = server.url
        run_ok(gvw, "list-remote", "--mirror", url)
        run_ok(gvw, "list-remote", "--mirror", url)
        assert server.count("/dl/") == 1  # the second listing came from the cache
    # the server is gone now: a refresh falls back to the cached copy
    result = gvw.run("list-remote", "--refresh", "--mirror", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1.22.10", "1.21.13"]
    assert "gvw: warning: cannot connect to 127.0.0.1" in result.stderr
    assert "using the index cached" in result.stderr


def test_checksum_from_sha256_file_when_the_index_has_none(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    add_archive(directory, "1.22.10", LINUX, synthetic_archive("1.22.10", LINUX), index_sha256="")
    server = mirror_factory(directory)
    run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert server.count(ARCHIVE + ".sha256") == 1


def mirror_without_checksums(directory: Path) -> None:
    """A mirror whose index gives no sha256 for the 1.22.10 archive, and no .sha256
    file beside it."""
    add_archive(
        directory,
        "1.22.10",
        LINUX,
        synthetic_archive("1.22.10", LINUX),
        index_sha256="",
        sidecar=False,
    )


def test_no_checksum_anywhere_installs_nothing(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    directory = tmp_path / "mirror"
    mirror_without_checksums(directory)
    server = mirror_factory(directory)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 9
    assert result.error_lines[0] == (
        f"gvw: no checksum for {ARCHIVE}: the index has none and "
        f"{server.url}{ARCHIVE}.sha256 is missing"
    )
    assert not (gvw.root / "versions" / "1.22.10").exists()


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_a_file_mirror_sidecar_that_is_a_fifo_or_device_is_no_checksum(
    gvw: GvwEnv, tmp_path: Path, kind: str
) -> None:
    # read as over http: a regular file of at most 64 KiB, so it neither hangs nor fills
    # memory (issue 19 item 5)
    directory = tmp_path / "mirror"
    mirror_without_checksums(directory)
    sidecar = directory / f"{ARCHIVE}.sha256"
    if kind == "fifo":
        os.mkfifo(sidecar)  # nothing ever writes: reading would hang
    else:
        sidecar.symlink_to(kind)  # never ends
    result = gvw.run("install", "--mirror", directory.as_uri(), "1.22.10", timeout=60)
    assert result.returncode == 9, result.stderr
    assert "Traceback" not in result.stderr
    assert result.error_lines[0] == (
        f"gvw: no checksum for {ARCHIVE}: the index has none and "
        f"{directory / ARCHIVE}.sha256 is missing or not a regular file"
    )
    assert not (gvw.root / "versions" / "1.22.10").exists()
