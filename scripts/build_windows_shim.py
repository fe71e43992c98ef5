#!/usr/bin/env python3
"""Cross-compile the Windows shim (shims/windows_shim.c) with mingw-w64.

    python3 scripts/build_windows_shim.py            # writes gvw/shim_files/windows_shim.exe
    python3 scripts/build_windows_shim.py --check    # exit 1 if the committed file is stale
    python3 scripts/build_windows_shim.py -o OUT     # build somewhere else

The build is reproducible: the same source and compiler give the same bytes. The
source is compiled under a fixed name in a fresh temporary directory (no absolute
path can reach the output), the PE time stamp is left out (--no-insert-timestamp),
there is no build id and no compiler identification string, and the result is
stripped. The program needs only kernel32: no C runtime, no start-up code.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "shims" / "windows_shim.c"
CORE = REPO / "shims" / "gvw_core.h"  # the platform-free rules, shared with posix_shim.c
OUTPUT = REPO / "gvw" / "shim_files" / "windows_shim.exe"
COMPILER = "x86_64-w64-mingw32-gcc"

CFLAGS = (
    "-std=gnu11",
    "-Os",
    "-Wall",
    "-Wextra",
    "-Werror",
    # no C runtime: kernel32 only, our own entry point
    "-nostdlib",
    "-nostartfiles",
    "-ffreestanding",
    "-fno-stack-protector",
    # keeps gcc from turning the memset/memcpy loops into calls to themselves
    "-fno-tree-loop-distribute-patterns",
    # reproducibility
    "-fno-ident",
)
LDFLAGS = (
    "-Wl,-e,entry",
    "-Wl,--subsystem,console",
    "-Wl,--no-insert-timestamp",
    "-Wl,--build-id=none",
    "-Wl,--dynamicbase",
    "-Wl,--nxcompat",
    "-Wl,--high-entropy-va",
    "-s",
)
LIBS = ("-lkernel32",)


def build(output: Path, *, compiler: str = COMPILER) -> None:
    """Compile SOURCE into ``output`` (written atomically)."""
    if shutil.which(compiler) is None:
        raise SystemExit(
            f"build_windows_shim: {compiler} not found; install mingw-w64 "
            "(Debian: apt-get install gcc-mingw-w64-x86-64)"
        )
    with tempfile.TemporaryDirectory(prefix="gvw-shim-build-") as tmp:
        work = Path(tmp)
        shutil.copyfile(SOURCE, work / "windows_shim.c")
        shutil.copyfile(CORE, work / CORE.name)
        env = {**os.environ, "LC_ALL": "C", "SOURCE_DATE_EPOCH": "0"}
        cmd = [
            compiler,
            *CFLAGS,
            "-ffile-prefix-map=" + tmp + "=.",
            "windows_shim.c",
            "-o",
            "windows_shim.exe",
            *LDFLAGS,
            *LIBS,
        ]
        result = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"build_windows_shim: {compiler} failed ({result.returncode})")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".tmp")
        shutil.copyfile(work / "windows_shim.exe", partial)
        os.replace(partial, output)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(committed: Path) -> int:
    """Rebuild into a temporary file; 0 when it equals ``committed``."""
    with tempfile.TemporaryDirectory(prefix="gvw-shim-check-") as tmp:
        fresh = Path(tmp) / "windows_shim.exe"
        build(fresh)
        if not committed.is_file():
            print(f"build_windows_shim: {committed} is missing; run {_self()}", file=sys.stderr)
            return 1
        if committed.read_bytes() != fresh.read_bytes():
            print(
                f"build_windows_shim: {committed.relative_to(REPO)} does not match "
                f"{SOURCE.relative_to(REPO)} (committed sha256 {_sha256(committed)}, "
                f"rebuilt {_sha256(fresh)}); run {_self()} and commit the result",
                file=sys.stderr,
            )
            return 1
    print(f"build_windows_shim: {committed.relative_to(REPO)} is up to date ({_sha256(committed)})")
    return 0


def _self() -> str:
    return "python3 scripts/build_windows_shim.py"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed build")
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="output file")
    args = parser.parse_args(argv)
    if args.check:
        return check(args.output)
    build(args.output)
    print(f"build_windows_shim: wrote {args.output} ({_sha256(args.output)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
