#!/usr/bin/env python3
"""Benchmark: gvw verify's integrity pass against sha256sum over the same tree.

A real Go 1.25.4 tree (~11,000 files, ~250 MB) is installed from the test mirror
(``mirror-patch``, built by scripts/build_mirror.py), so it carries gvw's manifest.
Each round, interleaved and with the files in the page cache for all of them:
`sha256sum` over every file of the tree (one process, the files given by xargs), the
integrity pass with gvw's default threads, and the same pass with one thread. Prints
the medians and the ratios; `gvw verify` as a whole adds the function checks (a few
seconds for a hello-world build with a warm build cache). Then what the manifest costs
an install: extracting the archive with and without hashing on the way, interleaved.

    python scripts/bench_verify.py [--rounds N]
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
VERSION = "1.25.4"


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds

    from gvw.install.tree_manifest import check_tree, default_workers, read_manifest
    from scripts.build_mirror import PATCH_VERSIONS, build_mirror, cache_dir

    mirror = build_mirror(cache_dir() / "mirror-patch", PATCH_VERSIONS, ["linux-amd64"])
    with tempfile.TemporaryDirectory(prefix="gvw-bench-verify-") as temp:
        env = {**os.environ, "GVW_ROOT": f"{temp}/root", "GVW_CACHE_DIR": f"{temp}/cache"}
        env["PYTHONPATH"] = str(REPO)
        install = [sys.executable, "-m", "gvw", "install", "-q", "--mirror", mirror.as_uri()]
        subprocess.run([*install, VERSION], env=env, check=True, stdout=subprocess.DEVNULL)
        tree = Path(temp, "root", "versions", VERSION)
        manifest = read_manifest(tree)
        assert manifest is not None
        files = b"\0".join(str(tree / rel).encode() for rel in manifest)

        def sha256sum() -> None:
            subprocess.run(
                ["xargs", "-0", "sha256sum"], input=files, stdout=subprocess.DEVNULL, check=True
            )

        def verify(workers: int) -> None:
            assert check_tree(tree, manifest, workers=workers).ok

        results: dict[str, list[float]] = {"sha256sum": [], "verify": [], "verify-1": []}
        workers = default_workers()
        sha256sum()  # warm the page cache once
        for _ in range(rounds):
            results["sha256sum"].append(timed(sha256sum))
            results["verify"].append(timed(lambda: verify(workers)))
            results["verify-1"].append(timed(lambda: verify(1)))
        extract = extraction_rounds(mirror / f"go{VERSION}.linux-amd64.tar.gz", Path(temp), rounds)
    medians = {name: statistics.median(times) for name, times in results.items()}
    size = sum(int(e.get("size", 0)) for e in manifest.values()) / 1e6
    print(f"tree: Go {VERSION}, {len(manifest)} files, {size:.0f} MB; {rounds} rounds, medians")
    print(f"sha256sum (xargs -0)         {medians['sha256sum']:.3f} s")
    print(f"gvw integrity, {workers} threads     {medians['verify']:.3f} s")
    print(f"gvw integrity, 1 thread      {medians['verify-1']:.3f} s")
    print(f"ratio gvw / sha256sum        {medians['verify'] / medians['sha256sum']:.2f}")
    print(f"ratio {workers} threads / 1 thread   {medians['verify'] / medians['verify-1']:.2f}")
    plain, hashed = statistics.median(extract["plain"]), statistics.median(extract["manifest"])
    print(f"extract without manifest     {plain:.3f} s")
    print(f"extract with manifest        {hashed:.3f} s")
    print(f"ratio with / without         {hashed / plain:.2f}")


def extraction_rounds(archive: Path, temp: Path, rounds: int) -> dict[str, list[float]]:
    from gvw.base.fsutil import remove_tree
    from gvw.base.reporting import SilentReporter
    from gvw.install.archive import extract_archive
    from gvw.install.tree_manifest import Collector

    times: dict[str, list[float]] = {"plain": [], "manifest": []}
    for number in range(rounds):
        for mode, found in times.items():
            target = temp / f"extract-{mode}-{number}"
            target.mkdir()
            started = time.perf_counter()
            digests = Collector()
            sink = digests.file if mode == "manifest" else None
            extract_archive(
                archive, target, name=archive.name, reporter=SilentReporter(), label="", sink=sink
            )
            if mode == "manifest":
                digests.manifest(target)
            found.append(time.perf_counter() - started)
            remove_tree(target)
    return times


if __name__ == "__main__":
    main()
