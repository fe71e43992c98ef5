"""Shims replaced while they start (issue 20), for the shim tests.

gvw replaces a shim by writing the new program to a temporary file beside it and
renaming that over the shim's name (gvw/store/shims.py, fsutil.atomic_write_bytes); on
Windows, which refuses to replace a running .exe, it first moves the old file aside
as ``.NAME.old-HEX`` (``_retire``). A shim that is starting at that moment must still
know which shim it is: Linux then names the running file ``NAME (deleted)`` in
/proc/self/exe, and the name a system reports may be the moved-aside one.

:func:`start_replacer` runs this file as a separate process that does the same
renames over a set of shims in a loop, as fast as it can, alternating each between
its program and a variant that runs the same (the program with bytes after its end),
so that every ``gvw rehash`` run in between finds them changed and replaces them
too. A separate process, because a process that forks (the test, starting shims)
must not hold a freshly written program open for writing: a child forked at that
moment keeps the descriptor until it execs, and running the program then fails with
ETXTBSY (golang/go#22315).

:func:`call_many` runs calls from several threads at once, and
:func:`call_while_replaced` runs many calls of the shims of a POSIX test world
(tests/support/posix_world.py) while the replacer and a loop of real ``gvw rehash``
runs replace them.

Only the standard library at the top: this file also runs as a script.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from tests.support.gvw_env import Result
    from tests.support.posix_world import World

T = TypeVar("T")
R = TypeVar("R")

# what the variant adds after the program: harmless after an ELF, a PE or a Mach-O
# file (nothing maps it) and after the sh shim (a comment line)
VARIANT_TAIL = b"\n#\n"


class Replacer:
    """The replacing process; :meth:`stop` ends it and returns how many rounds it
    made (each round replaces every shim once)."""

    def __init__(self, proc: subprocess.Popen[str], stop_file: Path) -> None:
        self._proc = proc
        self._stop_file = stop_file

    def stop(self) -> int:
        self._stop_file.touch()
        out, err = self._proc.communicate(timeout=60)
        if self._proc.returncode != 0:
            raise RuntimeError(f"the replacer failed ({self._proc.returncode}): {err}")
        return int(out.split()[-1])


def start_replacer(shims: Sequence[Path], *, windows_style: bool, work: Path) -> Replacer:
    """Replace ``shims`` (renames in their directory) until stopped. With
    ``windows_style`` each one is first moved aside, as gvw does on Windows, and the
    moved-aside file deleted after the new one is in place."""
    work.mkdir(parents=True, exist_ok=True)
    stop_file = work / f"stop-{uuid.uuid4().hex[:8]}"
    args = [sys.executable, __file__, "--stop-file", str(stop_file)]
    if windows_style:
        args.append("--windows-style")
    proc = subprocess.Popen(
        [*args, *map(str, shims)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Replacer(proc, stop_file)


def call_many(items: Sequence[T], call: Callable[[T], R], *, workers: int) -> list[R]:
    """``call`` of every item, ``workers`` at a time; the results in the items' order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(call, items))


@dataclass(frozen=True)
class ShimCall:
    """One call of a shim of a POSIX test world, and the fake toolchain's report it
    must give (its VERSION and TOOL lines)."""

    shim: str
    version: str
    tool: str = "go"
    by_name: bool = False  # found on PATH (argv[0] is the bare name), else by its path


@dataclass
class Replaced:
    failures: list[str]  # every call that did not run the right toolchain, described
    calls: int
    rounds: int  # of the replacer: each replaced every shim once
    rehashes: list[Result]


def call_while_replaced(
    world: World,
    calls: Sequence[ShimCall],
    *,
    gvw_platform: str,
    cwd: Path,
    workers: int = 4,
    min_rehashes: int = 3,
) -> Replaced:
    """Runs ``calls`` (``workers`` at a time, from ``cwd``) while the shims they name are
    replaced over and over: by the replacer and by ``gvw rehash`` (the real command, for
    the store of ``gvw_platform``) run in a loop; and runs them again until that loop
    has run ``min_rehashes`` times (or stopped), so that a fast machine tests as much."""
    from tests.support.gvw_env import GvwEnv
    from tests.support.posix_world import parse_report

    gvw = GvwEnv(world.path)  # its store is the world's root
    assert gvw.root == world.root
    env = world.base_env()
    rehashes: list[Result] = []
    done = threading.Event()

    def rehash_loop() -> None:
        while not done.is_set():  # a rehash that times out ends the loop (and fails)
            rehashes.append(gvw.run("rehash", env={"GVW_PLATFORM": gvw_platform}, timeout=120))

    def call(one: ShimCall) -> str | None:
        argv = [one.shim if one.by_name else str(world.shims / one.shim)]
        ran = _run(argv, cwd, env)
        report = parse_report(ran.stdout.decode("utf-8", "replace"))
        if (ran.returncode, ran.stderr, report.get("VERSION"), report.get("TOOL")) == (
            0,
            b"",
            one.version,
            one.tool,
        ):
            return None
        return f"{one}: exit {ran.returncode}, stderr {ran.stderr!r}, stdout {ran.stdout!r}"

    names = sorted({one.shim for one in calls})
    replacer = start_replacer(
        [world.shims / name for name in names], windows_style=False, work=world.path / "replacer"
    )
    looping = threading.Thread(target=rehash_loop)
    looping.start()
    outcomes: list[str | None] = []
    try:
        while not outcomes or (len(rehashes) < min_rehashes and looping.is_alive()):
            outcomes += call_many(calls, call, workers=workers)
    finally:
        done.set()
        looping.join()
        rounds = replacer.stop()
    failures = [outcome for outcome in outcomes if outcome is not None]
    return Replaced(failures, len(outcomes), rounds, rehashes)


def _run(argv: list[str], cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv, cwd=cwd, env=dict(env), capture_output=True, timeout=120, check=False
        )
    except OSError as exc:  # the shim could not even be started
        return subprocess.CompletedProcess(argv, -1, b"", f"{exc!r}".encode())


# --------------------------------------------------------------------- the process


def _put(path: Path, data: bytes, serial: int) -> None:
    """``data`` at ``path`` as gvw writes it: a temporary sibling renamed over it."""
    tmp = path.with_name(f".{path.name}.replacing-{os.getpid()}-{serial}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)


def _replace_until_stopped(shims: list[Path], stop_file: Path, windows_style: bool) -> int:
    programs = {path: path.read_bytes() for path in shims}
    rounds = 0
    while not stop_file.exists():
        for path in shims:
            data = programs[path] + (VARIANT_TAIL if rounds % 2 == 0 else b"")
            aside = path.with_name(f".{path.name}.old-{uuid.uuid4().hex[:8]}")
            if windows_style:
                os.rename(path, aside)
            _put(path, data, rounds)
            if windows_style:
                # (a gvw rehash running meanwhile may have deleted it already)
                aside.unlink(missing_ok=True)
        rounds += 1
        time.sleep(0.001)  # about a thousand rounds a second: the machine is shared
    return rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop-file", type=Path, required=True)
    parser.add_argument("--windows-style", action="store_true")
    parser.add_argument("shims", type=Path, nargs="+")
    args = parser.parse_args(argv)
    print(_replace_until_stopped(args.shims, args.stop_file, args.windows_style))
    return 0


if __name__ == "__main__":
    sys.exit(main())
