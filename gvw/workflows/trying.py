"""Running a project's own commands under a given Go (``gvw try``, ``gvw upgrade``).

Each run has the toolchain's ``bin`` first on PATH, GOROOT set to it, and
``GVW_GO_VERSION`` set (so a ``go`` shim anywhere below picks the same version) and
``GOTOOLCHAIN=local``: a go.mod asking for a newer Go cannot silently switch away,
Go refuses instead, which names the toolchain that really ran. Output goes to a log
file under the cache directory (never into the store); the runs of one command
alternate between the versions so that a noisy machine slows both alike.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from gvw.base.errors import UsageError
from gvw.base.fsutil import remove_tree, store_error
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion
from gvw.selection.gomod import governing_file, read_go_lines
from gvw.selection.pathsearch import find_up
from gvw.selection.resolver import ENV_VAR

DEFAULT_COMMANDS = (("go", "build", "./..."), ("go", "test", "./..."))
TAIL_LINES = 20
TIMED_OUT = 124  # what coreutils timeout(1) exits with
KEEP_LOG_DIRS = 20  # older runs' logs are removed when a new run starts

Role = Literal["current", "candidate"]


@dataclass(frozen=True)
class Toolchain:
    role: Role
    version: GoVersion | None  # None: the system Go
    goroot: Path | None

    @property
    def name(self) -> str:
        return self.version.name if self.version is not None else "system"


@dataclass
class Run:
    toolchain: Toolchain
    command: tuple[str, ...]
    exit_code: int  # of the first failing repeat, else 0
    seconds: float  # the median wall time of the repeats
    log: Path
    tail: list[str]  # the last lines of the log, for failures

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": self.toolchain.name,
            "role": self.toolchain.role,
            "command": list(self.command),
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "log": str(self.log),
        }
        if not self.ok:
            data["tail"] = self.tail
        return data


def default_commands(cwd: Path) -> list[tuple[str, ...]]:
    """``go build ./...`` then ``go test ./...`` in a Go module; else say what to do."""
    if find_up(cwd, "go.mod") is None:
        raise UsageError(
            f"{cwd} is not in a Go module (no go.mod here or above), so there is nothing "
            "to build by default",
            hint="cd into a module, or name the command: gvw try VERSION -- go vet ./...",
        )
    return [tuple(c) for c in DEFAULT_COMMANDS]


def go_mod_note(cwd: Path, env: Mapping[str, str], toolchain: Toolchain) -> str | None:
    """Says so when go.mod/go.work asks for a newer Go than ``toolchain`` (with
    GOTOOLCHAIN=local the go command then refuses to run instead of switching)."""
    path = governing_file(cwd, env)
    if path is None or toolchain.version is None:
        return None
    try:
        required = read_go_lines(path).required
    except OSError:
        return None
    if required is None or required[0].sort_key <= toolchain.version.sort_key:
        return None
    return (
        f"{path} asks for Go {required[0].name} ({required[1]}), newer than "
        f"{toolchain.name}: with GOTOOLCHAIN=local Go {toolchain.name} refuses to "
        "build it instead of switching"
    )


def run_env(env: Mapping[str, str], toolchain: Toolchain) -> dict[str, str]:
    result = dict(env)
    result[ENV_VAR] = toolchain.name
    result["GOTOOLCHAIN"] = "local"
    if toolchain.goroot is not None:
        result["GOROOT"] = str(toolchain.goroot)
        result["PATH"] = str(toolchain.goroot / "bin") + os.pathsep + env.get("PATH", "")
    return result


def run_checks(
    commands: Sequence[tuple[str, ...]],
    toolchains: Sequence[Toolchain],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_dir: Path,
    reporter: Reporter,
    repeat: int = 1,
) -> list[Run]:
    """Run every command under every toolchain ``repeat`` times; one Run per
    (command, toolchain), in that order."""
    runs = []
    for number, command in enumerate(commands, 1):
        times: dict[str, list[float]] = {t.role: [] for t in toolchains}
        codes: dict[str, int] = {t.role: 0 for t in toolchains}
        logs: dict[str, Path] = {}
        for attempt in range(repeat):
            for toolchain in toolchains:
                log = log_dir / f"{number}-{toolchain.role}-{toolchain.name}-{attempt + 1}.log"
                reporter.info(f"Go {toolchain.name}: {' '.join(command)}")
                code, seconds = run_logged(command, run_env(env, toolchain), cwd, log)
                times[toolchain.role].append(seconds)
                if code != 0 and codes[toolchain.role] == 0:
                    codes[toolchain.role] = code
                    logs[toolchain.role] = log  # the failing run's log is the one to read
                logs.setdefault(toolchain.role, log)
        for toolchain in toolchains:
            log = logs[toolchain.role]
            code = codes[toolchain.role]
            median = statistics.median(times[toolchain.role])
            runs.append(Run(toolchain, command, code, median, log, log_tail(log) if code else []))
    return runs


def regressions(runs: Sequence[Run]) -> list[tuple[Run | None, Run]]:
    """Candidate runs that fail where the current version passed (or was not run)."""
    current = {r.command: r for r in runs if r.toolchain.role == "current"}
    found = []
    for run in runs:
        if run.toolchain.role == "candidate" and not run.ok:
            before = current.get(run.command)
            if before is None or before.ok:
                found.append((before, run))
    return found


def new_log_dir(cache: Path) -> Path:
    """A fresh directory for one command's logs; old ones beyond a few are removed."""
    base = cache / "runs"
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = base / f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise store_error(exc, "create", path) from exc
    for old in sorted(p for p in base.iterdir() if p != path)[:-KEEP_LOG_DIRS]:
        with contextlib.suppress(OSError):  # another gvw may still write there: next time
            remove_tree(old)
    return path


def run_logged(
    command: tuple[str, ...],
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    *,
    timeout: float | None = None,
) -> tuple[int, float]:
    """Run ``command`` with its output in ``log``; (exit code, seconds). With a
    ``timeout``, a command still running then is killed with everything it started
    (POSIX: its process group) and the code is :data:`TIMED_OUT`."""
    # look the program up on the run's PATH: Windows would search gvw's own PATH
    program = shutil.which(command[0], path=env.get("PATH")) or command[0]
    started = time.monotonic()
    with open(log, "wb") as out:
        out.write(f"$ {shlex.join(command)}\n".encode())
        out.flush()
        try:
            process = subprocess.Popen(
                [program, *command[1:]],
                cwd=cwd,
                env=dict(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # its own group, so that a time-out can stop go's compilers and test binaries
                start_new_session=timeout is not None and os.name == "posix",
            )
        except OSError as exc:
            out.write(f"gvw: cannot run {command[0]}: {exc.strerror or exc}\n".encode())
            return 127, time.monotonic() - started
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            out.write(f"gvw: stopped after {timeout:g} s\n".encode())
            code = TIMED_OUT
        except BaseException:  # interrupted: the command must not outlive gvw
            _kill(process)
            raise
    return code, time.monotonic() - started


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        if os.name == "posix" and process.pid == os.getpgid(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    process.wait()


def log_tail(log: Path) -> list[str]:
    """The last lines of a run's log (its failure, usually)."""
    try:
        with open(log, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16384))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return []
    return text.splitlines()[-TAIL_LINES:]
