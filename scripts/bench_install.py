#!/usr/bin/env python3
"""Benchmark: `gvw install` against `curl | tar xz` of the same archive, and mise.

All of them fetch go1.22.10.linux-amd64.tar.gz (~67 MB) from the same local mirror
server on 127.0.0.1 into fresh directories each round, interleaved (the order rotates
every round); gvw also fetches the index, verifies the sha256, writes the manifest and
moves the tree into place, as it does for a user. Two places are measured: a tmpfs
(/dev/shm) and the disk (the system's temporary directory, when it is not a tmpfs).

mise (the npm package @jdxcode/mise-linux-x64) is installed into the script's own
temporary prefix when npm is there; it lists Go's versions from a git repository
(MISE_GO_REPO, here a local one holding the tag) and downloads from
MISE_GO_DOWNLOAD_MIRROR, the same server. Without npm or network it is left out.

Prints each tool's median and the median ratio to `curl | tar xz` (per round, paired),
per place. docs/dev/benchmarks.md quotes it; the goal is gvw <= 1.1x curl | tar and no
slower than mise.

    python scripts/bench_install.py [--rounds N] [--where tmpfs,disk] [--no-mise]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.build_mirror import build_mirror  # noqa: E402
from tests.support.mirror_server import MirrorServer  # noqa: E402

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"
VERSION = "1.22.10"
MISE_PACKAGE = "@jdxcode/mise-linux-x64"

Runner = Callable[[Path], list[str] | str]


def timed(command: list[str] | str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        shell=isinstance(command, str),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=REPO,
    )
    return time.perf_counter() - started


def is_tmpfs(path: Path) -> bool:
    best, kind = "", ""
    for line in Path("/proc/mounts").read_text().splitlines():
        fields = line.split()
        mount = fields[1]
        if str(path).startswith(mount) and len(mount) > len(best):
            best, kind = mount, fields[2]
    return kind == "tmpfs"


def places(asked: list[str]) -> dict[str, Path]:
    found = {}
    shm = Path("/dev/shm")
    if "tmpfs" in asked and shm.is_dir() and is_tmpfs(shm):
        found["tmpfs"] = shm
    disk = Path(tempfile.gettempdir())
    if "disk" in asked:
        if is_tmpfs(disk):
            print(f"{disk} is a tmpfs: no disk measurement (set TMPDIR to a disk)")
        else:
            found["disk"] = disk
    return found


def install_mise(prefix: Path) -> Path | None:
    """mise from npm in ``prefix``; None when it cannot be installed here."""
    if shutil.which("npm") is None:
        print("npm not found: mise left out")
        return None
    done = subprocess.run(
        ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", MISE_PACKAGE],
        capture_output=True,
        text=True,
    )
    binary = prefix / "node_modules" / MISE_PACKAGE / "bin" / "mise"
    if done.returncode != 0 or not binary.is_file():
        print(f"npm could not install {MISE_PACKAGE}: mise left out")
        return None
    # mise lists Go's versions with git ls-remote: a local repository with the tag
    repo = prefix / "go-tags"
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    subprocess.run([*git, "-C", str(repo), "tag", f"go{VERSION}"], check=True)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True)
    print(f"mise {version.stdout.split()[0] if version.stdout else '?'} from npm")
    return binary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--where", default="tmpfs,disk", help="tmpfs, disk or both")
    parser.add_argument("--no-mise", action="store_true")
    options = parser.parse_args()
    mirror = build_mirror()
    size = (mirror / ARCHIVE).stat().st_size
    with MirrorServer(mirror) as server, tempfile.TemporaryDirectory() as tools:
        mise = None if options.no_mise else install_mise(Path(tools))
        url = server.url + ARCHIVE

        def curl_tar(work: Path) -> float:
            (work / "tar").mkdir()
            return timed(f"curl -sSf '{url}' | tar xz -C '{work / 'tar'}'")

        def gvw(work: Path) -> float:
            env = {
                "PATH": "/usr/bin:/bin",
                "GVW_ROOT": str(work / "root"),
                "GVW_CACHE_DIR": str(work / "cache"),
                "GVW_CONFIG": str(work / "config.toml"),
            }
            command = [sys.executable, "-m", "gvw", "install", "--quiet"]
            return timed([*command, "--mirror", server.url, VERSION], env)

        def mise_install(work: Path) -> float:
            assert mise is not None
            env = {
                "PATH": "/usr/bin:/bin",
                "HOME": str(work / "home"),
                "MISE_DATA_DIR": str(work / "data"),
                "MISE_CACHE_DIR": str(work / "cache"),
                "MISE_CONFIG_DIR": str(work / "config"),
                "MISE_STATE_DIR": str(work / "state"),
                "MISE_GO_REPO": (Path(tools) / "go-tags").as_uri(),
                "MISE_GO_DOWNLOAD_MIRROR": server.url.rstrip("/"),
                "MISE_YES": "1",
            }
            return timed([str(mise), "install", f"go@{VERSION}"], env)

        contenders: dict[str, Callable[[Path], float]] = {"curl | tar xz": curl_tar, "gvw": gvw}
        if mise is not None:
            contenders["mise"] = mise_install
        print(f"archive: {ARCHIVE}, {size / 1e6:.1f} MB, {options.rounds} rounds (+1 warm-up)")
        for place, base in places(options.where.split(",")).items():
            measure(place, base, contenders, options.rounds)


def measure(place: str, base: Path, contenders: dict[str, Callable[[Path], float]], rounds: int):
    times: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    load = os.getloadavg()[0]
    for round_number in range(rounds + 1):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:  # rotate who goes first
            work = Path(tempfile.mkdtemp(dir=base, prefix="gvw-bench-"))
            try:
                elapsed = contenders[name](work)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            if round_number:  # the first round warms the page cache and is not counted
                times[name].append(elapsed)
    baseline = times["curl | tar xz"]
    print(f"\n{place} ({base}), load average {load:.1f} at the start:")
    for name, values in times.items():
        paired = statistics.median(t / b for t, b in zip(values, baseline))
        print(
            f"  {name:14} median {statistics.median(values):6.2f} s   "
            f"ratio to curl | tar xz: {paired:.2f} (paired median)"
        )


if __name__ == "__main__":
    main()
