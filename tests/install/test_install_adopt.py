r"""gvw install --adopt DIR: a Go tree already on the machine (what an MSI leaves in
C:\Program Files\Go, a /usr/local/go) becomes a version of the store, so nothing is
lost when it is removed. Shown on Linux with a real Go tree (no MSI here)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.toolchains import archive_name, unpack_toolchain


def _tree_digest(tree: Path) -> dict[str, str]:
    return {
        str(path.relative_to(tree)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(tree.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def system_go(tmp_path: Path, real_mirror_dir: Path) -> Path:
    """A real Go 1.22.10 tree outside any store, as /usr/local/go would be."""
    unpacked = unpack_toolchain(
        real_mirror_dir / archive_name("1.22.10"), tmp_path / "u", "1.22.10"
    )
    tree = tmp_path / "usr local" / "go"
    tree.parent.mkdir()
    shutil.move(unpacked, tree)
    return tree


@pytest.mark.slow
def test_an_adopted_tree_is_a_version_that_verifies_and_runs(
    gvw: GvwEnv, system_go: Path, tmp_path: Path
) -> None:
    before = _tree_digest(system_go)
    done = run_ok(gvw, "install", "--adopt", str(system_go))
    version_dir = gvw.root / "versions" / "1.22.10"
    assert done.stdout.splitlines() == [
        f"Installed Go 1.22.10 in {version_dir}",
        "Go 1.22.10 is now the global version (none was selected); "
        "change it with: gvw global <version>",  # the first install, as any
    ]
    assert _tree_digest(system_go) == before  # the original is left as it was
    metadata = (version_dir / "gvw-install.toml").read_text("utf-8")
    assert f'source = "adopted from {system_go}"' in metadata
    assert 'sha256 = ""' in metadata
    assert os.access(version_dir / "bin" / "go", os.X_OK)
    verified = gvw.run("verify", "1.22.10")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # the shims run it, and the system tree can go
    shutil.rmtree(system_go)
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".go-version").write_text("1.22.10\n")
    go = subprocess.run(
        [str(gvw.root / "shims" / "go"), "version"],
        cwd=project,
        env=gvw.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert go.stdout.startswith("go version go1.22.10 "), go.stderr
    again = run_ok(gvw, "install", "--adopt", str(version_dir))
    assert again.stdout == f"Go 1.22.10 is already installed in {version_dir}\n"


def _fake_tree(base: Path, version_line: bytes = b"go1.22.10\ntime 2024-12-03\n") -> Path:
    tree = base / "go"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin" / "go").write_bytes(b"#!/bin/sh\n")
    (tree / "VERSION").write_bytes(version_line)
    return tree


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (
            "no-bin",
            ["gvw: {tree} is not a Go tree (it has no bin directory)"],
        ),
        (
            "no-version",
            ["gvw: {tree} has no readable VERSION file, so its Go version is unknown"],
        ),
        (
            "garbage-version",
            [
                "gvw: {tree}/VERSION names no Go release ('devel ?[31m')",
                "gvw: a Go release tree's VERSION file starts with its release, such as go1.22.10",
            ],
        ),
        (
            "link-out",
            [
                "gvw: {tree} holds a link, src/escape; refusing to adopt it, nothing was installed",
                "gvw: a Go release tree holds only directories and files: check what this "
                "directory is",
            ],
        ),
        (
            "fifo",
            [
                "gvw: {tree} holds a device or special file, misc/pipe; refusing to adopt it, "
                "nothing was installed",
                "gvw: a Go release tree holds only directories and files: check what this "
                "directory is",
            ],
        ),
    ],
)
def test_a_tree_that_is_not_a_plain_go_tree_is_refused_and_nothing_is_installed(
    gvw: GvwEnv, tmp_path: Path, layout: str, expected: list[str]
) -> None:
    tree = _fake_tree(tmp_path)
    if layout == "no-bin":
        shutil.rmtree(tree / "bin")
    elif layout == "no-version":
        (tree / "VERSION").unlink()
    elif layout == "garbage-version":
        (tree / "VERSION").write_bytes(b"devel \x1b[31m\n")
    elif layout == "link-out":
        (tree / "src").mkdir()
        (tree / "src" / "escape").symlink_to("/etc/passwd")
    else:
        (tree / "misc").mkdir()
        os.mkfifo(tree / "misc" / "pipe")
    result = gvw.run("install", "--adopt", str(tree), timeout=60)
    lines = [line.format(tree=tree) for line in expected]
    assert result.stderr_lines[: len(lines)] == lines
    assert result.returncode == (10 if layout in ("link-out", "fifo") else 3)
    assert [name for name in gvw.store_listing() if name != ".staging"] == []


def test_adopt_goes_alone(gvw: GvwEnv, tmp_path: Path) -> None:
    result = gvw.run("install", "--adopt", str(tmp_path), "1.22", timeout=60)
    assert result.returncode == 2
    assert "give one of VERSION..., --from-file and --adopt" in result.stderr
