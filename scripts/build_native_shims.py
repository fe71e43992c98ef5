#!/usr/bin/env python3
"""Cross-compile the native shim (shims/posix_shim.c) for Linux and macOS with zig cc.

    python3 scripts/build_native_shims.py            # writes gvw/shim_files/native_shim-*
    python3 scripts/build_native_shims.py --check    # exit 1 if a committed file is stale
    python3 scripts/build_native_shims.py -o DIR     # build into another directory

One program per platform, named by Go's os-arch: linux-amd64 and linux-arm64 (static,
musl: they run on any distribution), darwin-amd64 and darwin-arm64 (libSystem). The
compiler is zig from PyPI (`ziglang`, pinned in the `test` extra), run as
`python -m ziglang cc`: one pip package cross-compiles to all four with their C
libraries, no SDK and no system compiler needed, and the same zig gives the same bytes.

The build is reproducible: the sources are compiled under fixed names in a fresh
temporary directory, there is no build id or compiler identification string, and the
result is stripped. The zig cache (its build of musl) is shared between runs, which
changes how long a build takes, never its output.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = (REPO / "shims" / "posix_shim.c", REPO / "shims" / "gvw_core.h")
OUTPUT_DIR = REPO / "gvw" / "shim_files"
PREFIX = "native_shim-"

# Go's os-arch -> zig's target
TARGETS = {
    "linux-amd64": "x86_64-linux-musl",
    "linux-arm64": "aarch64-linux-musl",
    "darwin-amd64": "x86_64-macos",
    "darwin-arm64": "aarch64-macos",
}

# No unwind tables: nothing unwinds a C program that never throws, and on Apple
# silicon (16 KiB pages) they alone took the shim's code onto a second page (+16 KiB).
CFLAGS = (
    "-std=c11",
    "-Os",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-fno-ident",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
)
LDFLAGS = {"linux": ("-static", "-Wl,--build-id=none", "-s"), "darwin": ("-s",)}


def output_name(platform: str) -> str:
    return PREFIX + platform


def build(platform: str, output: Path) -> None:
    """Compile the shim for ``platform`` into ``output`` (written atomically)."""
    target = TARGETS[platform]
    with tempfile.TemporaryDirectory(prefix="gvw-native-shim-") as tmp:
        work = Path(tmp)
        for source in SOURCES:
            (work / source.name).write_bytes(source.read_bytes())
        env = {**os.environ, "LC_ALL": "C", "SOURCE_DATE_EPOCH": "0"}
        cmd = [
            sys.executable,
            "-m",
            "ziglang",
            "cc",
            "-target",
            target,
            *CFLAGS,
            "posix_shim.c",
            "-o",
            "shim",
            *LDFLAGS[platform.split("-")[0]],
        ]
        try:
            result = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
        except OSError as exc:
            raise SystemExit(f"build_native_shims: cannot run zig ({exc})") from exc
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            if "No module named ziglang" in result.stderr:
                raise SystemExit(
                    "build_native_shims: zig is missing: pip install -e '.[test]' (ziglang)"
                )
            raise SystemExit(f"build_native_shims: zig cc for {target} failed")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".tmp")
        partial.write_bytes((work / "shim").read_bytes())
        partial.chmod(0o755)
        os.replace(partial, output)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check(directory: Path) -> int:
    """Rebuild every platform into a temporary directory; 0 when all equal the files
    in ``directory``."""
    stale = []
    with tempfile.TemporaryDirectory(prefix="gvw-native-check-") as tmp:
        for platform in TARGETS:
            committed = directory / output_name(platform)
            fresh = Path(tmp) / output_name(platform)
            build(platform, fresh)
            if not committed.is_file():
                stale.append(f"{committed} is missing")
            elif committed.read_bytes() != fresh.read_bytes():
                stale.append(
                    f"{committed.name} does not match its source (committed sha256 "
                    f"{_sha256(committed.read_bytes())}, rebuilt {_sha256(fresh.read_bytes())})"
                )
    for line in stale:
        print(f"build_native_shims: {line}", file=sys.stderr)
    if stale:
        print(
            "build_native_shims: run python3 scripts/build_native_shims.py and commit the result",
            file=sys.stderr,
        )
        return 1
    print(f"build_native_shims: the {len(TARGETS)} native shims are up to date")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the committed builds")
    parser.add_argument("-o", "--output-dir", type=Path, default=OUTPUT_DIR, help="directory")
    parser.add_argument(
        "--platform", choices=sorted(TARGETS), action="append", help="only these (repeatable)"
    )
    args = parser.parse_args(argv)
    if args.check:
        return check(args.output_dir)
    for platform in args.platform or TARGETS:
        output = args.output_dir / output_name(platform)
        build(platform, output)
        print(f"build_native_shims: wrote {output} ({_sha256(output.read_bytes())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
