#!/usr/bin/env python3
"""Benchmark: how fast `gvw install --from-file` refuses hostile archives.

Generates entry-count bombs (one-byte files a bit past gvw's MAX_ENTRIES, four times
that, and the 210,000 of issue 19's 3 MB tar.gz, which the compressed-bytes-per-entry
check refuses at entry RATIO_FROM; and files padded with incompressible bytes, which
pass that check and meet MAX_ENTRIES) and size bombs (headers declaring more than
8 GiB) as tar.gz and zip, installs each through the real CLI into a fresh store, and
prints the archive size, the time to refusal and the refusal rate. Beside the tar.gz
entry bombs it times `tar xzf` of the same archive, in the same run, since both pay the
disk's cost per created file; and, as the baseline of what a refusal may cost, a real
install of the test mirror's go1.22.10 tar.gz (10,665 entries) when it is cached.

Fails (exit 1) unless every archive is refused with exit 10, leaves nothing in staging,
and is refused within the bounds below.

    python scripts/bench_archive_bombs.py
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gvw.install.archive import MAX_ENTRIES, MAX_TOTAL_BYTES, RATIO_FROM  # noqa: E402
from tests.support.hostile_archives import (  # noqa: E402
    tar_entry_bomb,
    tar_size_bomb,
    zip_entry_bomb,
    zip_size_bomb,
)

# The bounds. Bombs that need no writes (zip: refused from the central directory; size
# bombs: refused at the header) must be refused in time proportional to their size
# (reading a 200,000-entry central directory is ~20 MB), whatever they declare. A tar
# entry bomb of one-byte files is refused at entry RATIO_FROM (too few compressed bytes
# an entry): at most twice what `tar xzf` takes for the same archive on this disk (tar
# creates them all; gvw stops early), plus Python's start-up. A padded one passes that
# check and is refused past MAX_ENTRIES: it may cost what a real install costs, no more
# (when the test mirror's go1.22.10 is cached; else the tar bound).
NO_WRITE_SECONDS_PER_MB = 0.5
TAR_RATIO_BOUND = 2.0
START_UP_SECONDS = 1.0

Builder = Callable[[int], bytes]
TAR = "go1.22.10.linux-amd64.tar.gz"


def padded_bomb(entries: int) -> bytes:
    return tar_entry_bomb(entries, padded=True)


CASES: list[tuple[str, str, Builder, int]] = [
    ("tar.gz entries", TAR, tar_entry_bomb, MAX_ENTRIES + 1),
    ("tar.gz entries x4", TAR, tar_entry_bomb, 4 * MAX_ENTRIES),
    ("tar.gz 210,000", TAR, tar_entry_bomb, 210_000),
    ("tar.gz padded", TAR, padded_bomb, MAX_ENTRIES + 1),
    ("zip entries", "go1.22.10.windows-amd64.zip", zip_entry_bomb, MAX_ENTRIES + 1),
    ("zip entries x4", "go1.22.10.windows-amd64.zip", zip_entry_bomb, 4 * MAX_ENTRIES),
    ("tar.gz 8 GiB+", "go1.22.10.linux-amd64.tar.gz", tar_size_bomb, MAX_TOTAL_BYTES + 1),
    ("zip 8 GiB+", "go1.22.10.windows-amd64.zip", zip_size_bomb, MAX_TOTAL_BYTES + 1),
    ("tar.gz 1 TiB", "go1.22.10.linux-amd64.tar.gz", tar_size_bomb, 1 << 40),
    ("zip 1 TiB", "go1.22.10.windows-amd64.zip", zip_size_bomb, 1 << 40),
]


def refuse(archive: Path, base: Path) -> tuple[float, int, list[str]]:
    """Install ``archive`` into a fresh store: (seconds, exit code, staging leftovers)."""
    root = base / "root"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GVW_ROOT": str(root),
        "GVW_CACHE_DIR": str(base / "cache"),
        "GVW_CONFIG": str(base / "config.toml"),
        "HOME": str(base / "home"),
        "PYTHONPATH": str(REPO),
    }
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    command = [sys.executable, "-m", "gvw", "install", "--quiet"]
    command += ["--from-file", str(archive), "--sha256", digest]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, cwd=base)
    seconds = time.perf_counter() - started
    staging = root / ".staging"
    leftovers = sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []
    shutil.rmtree(root, ignore_errors=True)
    return seconds, done.returncode, leftovers


def tar_seconds(archive: Path, base: Path) -> float:
    target = base / "tar"
    target.mkdir()
    started = time.perf_counter()
    subprocess.run(["tar", "xzf", str(archive), "-C", str(target)], check=True)
    seconds = time.perf_counter() - started
    shutil.rmtree(target)
    return seconds


def real_install_seconds(base: Path) -> float | None:
    """A real install of the test mirror's go1.22.10 (scripts/build_mirror.py), if cached."""
    cache = Path(os.environ.get("GVW_TEST_CACHE", Path.home() / ".cache" / "gvw-tests"))
    archive = cache / "mirror" / TAR
    if not archive.is_file():
        return None
    seconds, code, _ = refuse(archive, base)
    return seconds if code == 0 else None


def main() -> int:
    failures: list[str] = []
    print(
        f"MAX_ENTRIES {MAX_ENTRIES:,}, RATIO_FROM {RATIO_FROM:,}, "
        f"MAX_TOTAL_BYTES {MAX_TOTAL_BYTES >> 30} GiB"
    )
    print(f"{'archive':<18} {'size':>9} {'refused in':>10} {'MB/s':>7}  side by side")
    with tempfile.TemporaryDirectory(prefix="gvw-bombs-") as scratch:
        base = Path(scratch)
        (base / "real").mkdir()
        real = real_install_seconds(base / "real")
        if real is not None:
            what = "installed (10,665 entries): what a refusal may cost"
            print(f"{'real go1.22.10':<18} {'':>9} {real:>9.2f}s {'':>7}  {what}")
        for label, name, build, argument in CASES:
            case_dir = base / label.replace(" ", "_")
            case_dir.mkdir()
            archive = case_dir / name
            archive.write_bytes(build(argument))
            size = archive.stat().st_size
            seconds, code, leftovers = refuse(archive, case_dir)
            rate = size / 1e6 / seconds
            beside = ""
            if build in (tar_entry_bomb, padded_bomb):
                tar = tar_seconds(archive, case_dir)
                bound = TAR_RATIO_BOUND * tar + START_UP_SECONDS
                if build is padded_bomb and real is not None:
                    bound = max(bound, real)
                beside = f"tar xzf {tar:.2f} s (ratio {seconds / tar:.2f}, bound {bound:.1f} s)"
            else:
                bound = START_UP_SECONDS + 1.0 + NO_WRITE_SECONDS_PER_MB * size / 1e6
                beside = f"(bound {bound:.1f} s)"
            print(f"{label:<18} {size / 1e6:>7.2f}MB {seconds:>9.2f}s {rate:>7.2f}  {beside}")
            if code != 10:
                failures.append(f"{label}: exit {code}, expected 10")
            if leftovers:
                failures.append(f"{label}: left {leftovers} in staging")
            if seconds > bound:
                failures.append(f"{label}: refused in {seconds:.2f} s, bound {bound:.1f} s")
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
