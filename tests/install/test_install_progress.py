"""Download progress: a bar on a terminal, nothing noisy in a pipe or with --quiet."""

from __future__ import annotations

import os
from pathlib import Path

from tests.install.install_helpers import ARCHIVE, LINUX, synthetic_server
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import (
    Member,
    add_archive,
    synthetic_members,
    tar_gz_bytes,
)
from tests.support.terminal import run_on_terminal

# --- output ------------------------------------------------------------------------------


def test_progress_bar_on_a_terminal(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    directory = tmp_path / "mirror"
    big = [*synthetic_members("1.22.10", LINUX), Member("go/src/big.bin", os.urandom(3000000))]
    add_archive(directory, "1.22.10", LINUX, tar_gz_bytes(big))
    server = mirror_factory(directory)
    run = run_on_terminal(gvw, "install", "--mirror", server.url, "1.22.10", cwd=tmp_path)
    text = run.terminal
    assert run.returncode == 0, text
    assert f"Downloading {ARCHIVE}" in text
    assert "MB/s" in text and "left" in text
    # a .tar.gz is unpacked as it downloads: one bar, no separate extraction
    assert "Extracting" not in text


def test_no_progress_output_in_a_pipe_or_with_quiet(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    piped = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert "\r" not in piped.stderr and "MB/s" not in piped.stderr
    quiet = run_ok(gvw, "install", "--quiet", "--mirror", server.url, "1.21.13")
    assert quiet.stdout == ""
    assert "MB/s" not in quiet.stderr
