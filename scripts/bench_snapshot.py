#!/usr/bin/env python3
"""Benchmark: what the snapshot step adds to `gvw global X`.

One store with the real Go 1.21.13 and 1.22.10 (from the test mirror), a GOPATH/bin
holding real Go programs (the toolchain's own go, gofmt and tools: ~90 MB, like a
developer's gopls, dlv, staticcheck...) and a go env file. Each round runs
`gvw global 1.21` / `gvw global 1.22` (every run changes the selection)
twice, interleaved: once as gvw runs, once with the snapshot step replaced
by a no-op. Both go through the same small driver (a fresh Python each time), so the
only difference is the snapshot. Prints both medians, the overhead in ms and the
ratio, and the cost of the first snapshot (when every program is read and hashed).

    python scripts/bench_snapshot.py [--rounds N]
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DRIVER = """
import sys
from gvw.cli import run
if sys.argv[1] == "without":
    from gvw.cli.app import App
    App.snapshot_before = lambda self, command, **kwargs: ""
sys.exit(run(sys.argv[2:]))
"""
TOOLS = ("go", "gofmt")
PKG_TOOLS = ("vet", "compile", "link", "asm", "cgo", "cover")


def run(env: dict[str, str], mode: str, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", DRIVER, mode, *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds

    from scripts.build_mirror import build_mirror

    mirror = build_mirror()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        home = base / "home"
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "PYTHONPATH": str(REPO),
            "GVW_ROOT": str(base / "root"),
            "GVW_CACHE_DIR": str(base / "cache"),
            "GVW_CONFIG": str(base / "config.toml"),
            "GVW_MIRROR": mirror.as_uri(),
        }
        subprocess.run(
            [sys.executable, "-m", "gvw", "install", "-q", "1.21.13", "1.22.10"],
            env=env,
            cwd=REPO,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        goroot = base / "root" / "versions" / "1.22.10"
        bin_dir = home / "go" / "bin"
        bin_dir.mkdir(parents=True)
        for name in TOOLS:
            shutil.copy2(goroot / "bin" / name, bin_dir / name)
        for name in PKG_TOOLS:
            shutil.copy2(goroot / "pkg" / "tool" / "linux_amd64" / name, bin_dir / name)
        size = sum(p.stat().st_size for p in bin_dir.iterdir())
        env_file = home / ".config" / "go" / "env"
        env_file.parent.mkdir(parents=True)
        env_file.write_text("GOPROXY=https://proxy.golang.org,direct\nGOFLAGS=-mod=mod\n")

        first = run(env, "with", "global", "1.21")  # reads and keeps every program once
        with_times: list[float] = []
        without_times: list[float] = []
        current = "1.21"
        for index in range(rounds):
            # alternate which arm goes first; every run changes the selection
            for mode in ("with", "without") if index % 2 else ("without", "with"):
                current = "1.22" if current == "1.21" else "1.21"
                times = with_times if mode == "with" else without_times
                times.append(run(env, mode, "global", current))
        snapshots = len(list((base / "root" / "snapshots").glob("*.toml")))

    with_median = statistics.median(with_times)
    without_median = statistics.median(without_times)
    print(
        f"GOPATH/bin: {len(TOOLS) + len(PKG_TOOLS)} real Go programs, {size / 1e6:.0f} MB; "
        f"{rounds} rounds; {snapshots} snapshots kept"
    )
    print(f"gvw global, no snapshot step : median {without_median * 1000:.0f} ms")
    print(f"gvw global, with snapshot    : median {with_median * 1000:.0f} ms")
    print(
        f"overhead: {(with_median - without_median) * 1000:.0f} ms, "
        f"ratio {with_median / without_median:.2f}"
    )
    print(f"first snapshot (every program read, hashed and kept): {first * 1000:.0f} ms")
    if os.environ.get("CI"):
        print("(CI machine: figures are noisy)")


if __name__ == "__main__":
    main()
