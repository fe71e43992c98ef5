#!/usr/bin/env python3
"""Benchmark: what `gvw upgrade` adds to the same steps done by hand.

A project pinned to Go 1.25.4 (a package and its test) in a store with only 1.25.4,
the real mirror of 1.25.4/1.25.5 on 127.0.0.1 (``mirror-patch``, built by
scripts/build_mirror.py) and one warm GOCACHE. Each round starts from a fresh copy of
that store, then, interleaved:

- by hand: `gvw install 1.25.5`, `gvw verify 1.25.5`, `go list -m all`,
  `go build ./...`, `go vet ./...` and `go test -count=1 ./...` with each version's go
  (GOTOOLCHAIN=local) — upgrade's default checks —, `gvw local 1.25.5`;
- `gvw upgrade`, which does all of that (plus its snapshot and audit entry).

Prints both medians, the difference and the ratio.

    python scripts/bench_upgrade.py [--rounds N]
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
OLD, NEW = "1.25.4", "1.25.5"
CHECKS = (
    ("list", "-m", "all"),
    ("build", "./..."),
    ("vet", "./..."),
    ("test", "-count=1", "./..."),
)


def gvw(env: dict[str, str], cwd: Path, *args: str) -> None:
    command = [sys.executable, "-m", "gvw", *args]
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def by_hand(env: dict[str, str], project: Path, root: Path) -> None:
    gvw(env, project, "install", "-q", NEW)
    gvw(env, project, "verify", "-q", NEW)
    for version in (OLD, NEW):
        go = str(root / "versions" / version / "bin" / "go")
        for args in CHECKS:
            run_env = {**env, "GOTOOLCHAIN": "local", "GOROOT": str(root / "versions" / version)}
            subprocess.run([go, *args], env=run_env, cwd=project, check=True, capture_output=True)
    gvw(env, project, "local", NEW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds

    from scripts.build_mirror import PATCH_VERSIONS, build_mirror, cache_dir
    from tests.support.mirror_server import MirrorServer

    mirror_dir = build_mirror(cache_dir() / "mirror-patch", PATCH_VERSIONS, ["linux-amd64"])
    with (
        tempfile.TemporaryDirectory(prefix="gvw-bench-upgrade-") as temp,
        MirrorServer(mirror_dir) as mirror,
    ):
        base = Path(temp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "GVW_"))}
        env.update(PYTHONPATH=str(REPO), GVW_MIRROR=mirror.url, HOME=str(base / "home"))
        env.update(GOVULNDB="off")  # the machinery, not the network
        env.update(GVW_CACHE_DIR=str(base / "cache"), GOCACHE=str(base / "gocache"))
        template = base / "template"
        project = base / "project"
        project.mkdir()
        (project / "go.mod").write_text("module example.com/p\n\ngo 1.25\n")
        (project / "p.go").write_text("package p\n\nfunc Add(a, b int) int { return a + b }\n")
        (project / "p_test.go").write_text(
            'package p\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n'
            '\tif Add(1, 2) != 3 {\n\t\tt.Fatal("bad")\n\t}\n}\n'
        )
        gvw({**env, "GVW_ROOT": str(template)}, project, "install", "-q", OLD, NEW)
        times: dict[str, list[float]] = {"by hand": [], "gvw upgrade": []}
        for number in range(rounds + 1):  # round 0 warms the build cache, not counted
            for name in times:
                root = base / f"root-{number}-{name.replace(' ', '-')}"
                shutil.copytree(template, root, symlinks=True)
                shutil.rmtree(root / "versions" / NEW)
                (project / ".go-version").write_text(f"{OLD}\n")
                round_env = {**env, "GVW_ROOT": str(root)}
                started = time.perf_counter()
                if name == "by hand":
                    by_hand(round_env, project, root)
                else:
                    gvw(round_env, project, "upgrade", "-q")
                elapsed = time.perf_counter() - started
                assert (project / ".go-version").read_text() == f"{NEW}\n"
                if number:
                    times[name].append(elapsed)
                shutil.rmtree(root)
    hand, upgrade = (statistics.median(times[name]) for name in times)
    print(f"{rounds} rounds, medians (install, verify, list+build+vet+test under both, pin)")
    print(f"by hand       {hand:.2f} s")
    print(f"gvw upgrade   {upgrade:.2f} s")
    print(f"overhead      {upgrade - hand:+.2f} s, ratio {upgrade / hand:.2f}")


if __name__ == "__main__":
    main()
