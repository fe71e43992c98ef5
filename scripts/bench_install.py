#!/usr/bin/env python3
"""Benchmark: `gvw install` against `curl | tar xz` of the same archive.

Both fetch go1.22.10.linux-amd64.tar.gz (~70 MB) from the same local mirror server on
127.0.0.1, interleaved, into fresh directories each round; gvw also fetches the index,
verifies the sha256 and moves the tree into place, as it does for a user. Prints both
medians and the median ratio (docs/dev/benchmarks.md quotes it; the goal is <= 1.5, the aim 1.1).

    python scripts/bench_install.py [--rounds N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.build_mirror import build_mirror  # noqa: E402
from tests.support.mirror_server import MirrorServer  # noqa: E402

ARCHIVE = "go1.22.10.linux-amd64.tar.gz"


def timed(command: list[str] | str, **kwargs: object) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs
    )  # type: ignore[call-overload]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    mirror = build_mirror()
    size = (mirror / ARCHIVE).stat().st_size
    curl_times: list[float] = []
    gvw_times: list[float] = []
    with MirrorServer(mirror) as server, tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        url = server.url + ARCHIVE
        for round_number in range(rounds + 1):
            tar_dir, gvw_dir = base / "tar", base / "gvw"
            tar_dir.mkdir()
            curl = timed(f"curl -sSf '{url}' | tar xz -C '{tar_dir}'", shell=True)
            env = {
                "PATH": "/usr/bin:/bin",
                "GVW_ROOT": str(gvw_dir / "root"),
                "GVW_CACHE_DIR": str(gvw_dir / "cache"),
                "GVW_CONFIG": str(gvw_dir / "c"),
            }
            gvw = timed(
                [
                    sys.executable,
                    "-m",
                    "gvw",
                    "install",
                    "--quiet",
                    "--mirror",
                    server.url,
                    "1.22.10",
                ],
                env=env,
                cwd=REPO,
            )
            shutil.rmtree(tar_dir)
            shutil.rmtree(gvw_dir)
            if round_number:  # the first round warms the page cache and is not counted
                curl_times.append(curl)
                gvw_times.append(gvw)
    curl_median = statistics.median(curl_times)
    gvw_median = statistics.median(gvw_times)
    print(f"archive: {ARCHIVE}, {size / 1e6:.1f} MB, {rounds} rounds")
    print(f"curl | tar xz : median {curl_median:.2f} s")
    print(f"gvw install   : median {gvw_median:.2f} s")
    print(f"ratio gvw / curl|tar: {gvw_median / curl_median:.2f} (goal <= 1.5, aim 1.1)")


if __name__ == "__main__":
    main()
