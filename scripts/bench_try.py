#!/usr/bin/env python3
"""Benchmark: what the release-engineer checks cost `gvw try`, side by side with the
defaults it had before them.

The baseline is gvw as it was before issue 22 (commit ``51d74fb`` by default,
``--baseline REV`` for another; its ``gvw/`` is taken with ``git archive``): its
`gvw try` ran `go build ./...` and `go test ./...` and compared exit codes and times.
Today's defaults add `go vet ./...`, run the tests for real every time
(``-count=1``), list the modules (`go list -m all`) under each version, sample the
whole process tree's memory, and link the programs to measure their sizes.

A project (a package, its test, a program under ``cmd/``) pinned to Go 1.25.4, a store
with 1.25.4 and 1.25.5 from the real test mirror (``mirror-patch``, built by
scripts/build_mirror.py), one warm GOCACHE. After a warm-up round, each round runs,
interleaved (the order alternates):

- defaults: ``gvw try 1.25.5`` with the baseline and with this checkout;
- one command: ``gvw try 1.25.5 -- go build ./...`` with both (what the machinery
  itself costs: module lists, memory sampling, the link for the sizes).

Prints the medians, differences and ratios, and this checkout's per-check medians.

    python scripts/bench_try.py [--rounds N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OLD, NEW = "1.25.4", "1.25.5"
BASELINE = "51d74fb"  # main before issue 22


def baseline_tree(rev: str, into: Path) -> Path:
    """gvw/ as it was at ``rev``, unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "archive", rev, "gvw"], cwd=REPO, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into)
    return into


def run(env: dict[str, str], code: Path, cwd: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gvw", *args],
        env={**env, "PYTHONPATH": str(code)},
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"gvw {' '.join(args)} failed ({code}):\n{done.stderr}")
    return elapsed, done.stdout


def project_in(base: Path) -> Path:
    project = base / "project"
    (project / "cmd" / "hello").mkdir(parents=True)
    (project / "go.mod").write_text("module example.com/p\n\ngo 1.25\n")
    (project / ".go-version").write_text(f"{OLD}\n")
    (project / "p.go").write_text("package p\n\nfunc Add(a, b int) int { return a + b }\n")
    (project / "p_test.go").write_text(
        'package p\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n'
        '\tif Add(1, 2) != 3 {\n\t\tt.Fatal("bad")\n\t}\n}\n'
    )
    (project / "cmd" / "hello" / "main.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'
    )
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", default=BASELINE)
    options = parser.parse_args()

    from scripts.build_mirror import PATCH_VERSIONS, build_mirror, cache_dir
    from tests.support.mirror_server import MirrorServer

    mirror_dir = build_mirror(cache_dir() / "mirror-patch", PATCH_VERSIONS, ["linux-amd64"])
    with (
        tempfile.TemporaryDirectory(prefix="gvw-bench-try-") as temp,
        MirrorServer(mirror_dir) as mirror,
    ):
        base = Path(temp)
        old_code = baseline_tree(options.baseline, base / "baseline")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "GVW_"))}
        env.update(GVW_MIRROR=mirror.url, HOME=str(base / "home"), GOVULNDB="off")
        env.update(GVW_ROOT=str(base / "root"), GVW_CACHE_DIR=str(base / "cache"))
        env.update(GOCACHE=str(base / "gocache"))
        project = project_in(base)
        run(env, REPO, project, "install", "-q", OLD, NEW)
        pairs = {
            "defaults": ("try", NEW),
            "go build only": ("try", NEW, "--", "go", "build", "./..."),
        }
        times: dict[tuple[str, str], list[float]] = {}
        checks: dict[str, list[float]] = {}
        for number in range(options.rounds + 1):  # round 0 warms the caches: not counted
            for pair, args in pairs.items():
                order = [("baseline", old_code), ("this checkout", REPO)]
                for name, code in order if number % 2 else reversed(order):
                    elapsed, _ = run(env, code, project, *args)
                    if number:
                        times.setdefault((pair, name), []).append(elapsed)
            if number:
                _, out = run(env, REPO, project, "try", NEW, "--json")
                for entry in json.loads(out)["runs"]:
                    key = f"{' '.join(entry['command'])} (Go {entry['version']})"
                    checks.setdefault(key, []).append(entry["seconds"])
    print(f"{options.rounds} rounds after a warm-up, medians (baseline: gvw at {options.baseline})")
    for pair in pairs:
        old = statistics.median(times[(pair, "baseline")])
        new = statistics.median(times[(pair, "this checkout")])
        print(
            f"{pair:<14} baseline {old:6.2f} s   this checkout {new:6.2f} s   "
            f"{new - old:+.2f} s, ratio {new / old:.2f}"
        )
    print("this checkout's checks (median wall time of each):")
    for key, values in checks.items():
        print(f"  {key:<40} {statistics.median(values):.2f} s")


if __name__ == "__main__":
    main()
