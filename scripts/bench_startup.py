#!/usr/bin/env python3
"""Benchmark: how fast read-only commands start, against `python -c "import click"`.

`gvw current`, `gvw which go`, `gvw list` and `gvw --version` run as a user runs them
(the `gvw` console script of this environment, no GVW_* variables: the store found
through the platform directories of a HOME of the script's own, holding a pin and two
installed versions), interleaved with `python -c "import click"` and a bare
`python -c pass`, many times each. Prints the medians and each command's ratio to the
click import (the goal for `gvw current` is <= 1.15; docs/dev/benchmarks.md).

    python scripts/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "gvw current": ["current"],
    "gvw which go": ["which", "go"],
    "gvw list": ["list"],
    "gvw --version": ["--version"],
}


def world(home: Path) -> dict[str, str]:
    """A user's machine: a store with 1.21.13 and 1.22.10 and a global pin, where
    platformdirs puts it for this HOME."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    if sys.platform != "darwin":
        env["XDG_DATA_HOME"] = str(home / ".local" / "share")
    store = home / ".local" / "share" / "gvw"
    for version in ("1.21.13", "1.22.10"):
        bin_dir = store / "versions" / version / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "go").write_text("#!/bin/sh\n")
        (bin_dir / "go").chmod(0o755)
    (store / "version").write_text("1.22.10\n")
    return env


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    runs = parser.parse_args().runs
    gvw = Path(sys.executable).with_name("gvw.exe" if os.name == "nt" else "gvw")
    if not gvw.exists():
        sys.exit(f"no gvw console script beside {sys.executable}: pip install -e . first")
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        env = world(home)
        contenders = {
            'python -c "pass"': [sys.executable, "-c", "pass"],
            'python -c "import click"': [sys.executable, "-c", "import click"],
            **{name: [str(gvw), *args] for name, args in COMMANDS.items()},
        }
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for command in contenders.values():  # warm the page cache
            run(command, env, home)
        names = list(contenders)
        for index in range(runs):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(run(contenders[name], env, home))
    baseline = statistics.median(times['python -c "import click"'])
    print(f"{runs} interleaved runs each, load average {os.getloadavg()[0]:.1f} at the end")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = median / baseline
        print(f"  {name:26} median {median * 1000:6.1f} ms   ratio to import click {ratio:.2f}")


if __name__ == "__main__":
    main()
