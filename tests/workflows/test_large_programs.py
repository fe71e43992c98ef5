"""A large program in GOPATH/bin costs neither memory nor disk (issue 19 item 12): a
900 MB file (sparse: it takes no room here) whose build information sits at its very
end is read in pieces by ``gvw tools`` and by snapshots, hashed by streaming, and,
larger than MAX_KEPT_TOOL, recorded by its sha256 only instead of being copied into
the snapshot store; a restore leaves it alone and says why. Real gvw processes; the
memory is the process's own peak (its ru_maxrss, reported by a parent that runs it
alone)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gvw.history.snapshots.model import MAX_KEPT_TOOL
from tests.support.buildinfo_blobs import program_claiming
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

SIZE = 900 << 20
PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(done.stdout.decode() + "\\n" + str(peak))
sys.exit(done.returncode)
"""


def peak_kib(gvw: GvwEnv, *args: str) -> tuple[str, int]:
    """The command's output and its peak resident memory in KiB."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *gvw.command(*args)],
        env=gvw.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    output, _, peak = done.stdout.rpartition("\n")
    return output, int(peak)


@pytest.fixture
def big(gvw: GvwEnv, tmp_path: Path) -> Path:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), GOPATH=str(tmp_path / "gopath"))
    program = tmp_path / "gopath" / "bin" / "huge"
    program.parent.mkdir(parents=True)
    blob = program_claiming("example.com/cmd/huge", "example.com", "v1.0.0")
    with program.open("wb") as handle:
        handle.truncate(SIZE - len(blob))  # a hole: no disk, zeros when read
        handle.seek(SIZE - len(blob))
        handle.write(blob)
    program.chmod(0o755)
    return program


def test_gvw_tools_reads_a_900_mb_program_in_pieces(gvw: GvwEnv, big: Path) -> None:
    output, peak = peak_kib(gvw, "tools", "--json")
    (tool,) = json.loads(output)["tools"]
    assert (tool["size"], tool["package"], tool["module_version"]) == (
        SIZE,
        "example.com/cmd/huge",
        "v1.0.0",
    )
    assert peak < 150 << 10, f"{peak >> 10} MiB"  # the file is 900 MiB


def test_a_snapshot_records_it_by_hash_only_and_a_restore_says_so(
    gvw: GvwEnv, big: Path, tmp_path: Path
) -> None:
    assert SIZE > MAX_KEPT_TOOL
    _, peak = peak_kib(gvw, "install", "1.21.13")  # snapshots GOPATH/bin first
    assert peak < 150 << 10, f"{peak >> 10} MiB"
    snapshots = gvw.root / "snapshots"
    kept = sum(p.stat().st_blocks * 512 for p in (snapshots / "blobs").iterdir())
    assert kept < 1 << 20, kept  # no copy of the 900 MB
    first = max(snapshots.glob("*.toml")).stem
    (tool,) = json.loads(run_ok(gvw, "snapshots", "show", first, "--json").stdout)["tools"]["files"]
    assert (tool["name"], tool["size"], tool["kept"]) == ("huge", SIZE, False)
    assert "(not kept: too large)" in run_ok(gvw, "snapshots", "show", first).stdout
    big.unlink()  # gone: a restore cannot put it back, and says so
    restored = run_ok(gvw, "restore", first)
    assert (
        f"left GOPATH/bin/huge alone: larger than {MAX_KEPT_TOOL >> 20} MiB, it was "
        "recorded by its sha256 only; reinstall it to put it back"
    ) in restored.stderr
    assert not big.exists()
