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
from gvw.host.processes import Finished, run_tree
from gvw.selection.gomod import governing_file, read_go_lines
from gvw.selection.pathsearch import find_up
from gvw.selection.resolver import ENV_VAR

# -count=1: the tests run under every version every time; a result cached from the
# user's own work would otherwise make the current version look fast
DEFAULT_COMMANDS = (
    ("go", "build", "./..."),
    ("go", "vet", "./..."),
    ("go", "test", "-count=1", "./..."),
)
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
    """A command's runs under one toolchain (``--repeat`` of them)."""

    toolchain: Toolchain
    command: tuple[str, ...]
    exit_code: int  # of the first failing run, else 0
    times: list[float]  # wall time of every run, in order
    peak_memory: int | None  # bytes, the largest of the runs' peaks; None: not measured
    log: Path
    tail: list[str]  # the last lines of the log, for failures

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def counted(self) -> list[float]:
        """The times the median is taken over: with more than one run the first, which
        fills the build cache, is left out."""
        return self.times[1:] if len(self.times) > 1 else self.times

    @property
    def seconds(self) -> float:
        return statistics.median(self.counted)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": self.toolchain.name,
            "role": self.toolchain.role,
            "command": list(self.command),
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "times": [round(t, 3) for t in self.times],
            "counted_runs": len(self.counted),
            "peak_memory_bytes": self.peak_memory,
            "log": str(self.log),
        }
        if not self.ok:
            data["tail"] = self.tail
        return data


def default_commands(cwd: Path) -> list[tuple[str, ...]]:
    """``go build ./...``, ``go vet ./...``, ``go test -count=1 ./...`` in a Go module;
    else say what to do."""
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
    """Run every command under every toolchain ``repeat`` times, the toolchains taking
    turns (a machine that gets busier slows all alike); one Run per (command,
    toolchain), in that order."""
    runs = []
    for number, command in enumerate(commands, 1):
        times: dict[Toolchain, list[float]] = {t: [] for t in toolchains}
        peaks: dict[Toolchain, list[int]] = {t: [] for t in toolchains}
        codes: dict[Toolchain, int] = {t: 0 for t in toolchains}
        logs: dict[Toolchain, Path] = {}
        for attempt in range(repeat):
            for toolchain in toolchains:
                log = log_dir / f"{number}-{toolchain.role}-{toolchain.name}-{attempt + 1}.log"
                label = f"Go {toolchain.name}: {' '.join(command)}"
                if repeat > 1:
                    label += f" (run {attempt + 1} of {repeat})"
                finished = run_logged(command, run_env(env, toolchain), cwd, log, reporter, label)
                times[toolchain].append(finished.seconds)
                if finished.peak_memory is not None:
                    peaks[toolchain].append(finished.peak_memory)
                if finished.exit_code != 0 and codes[toolchain] == 0:
                    codes[toolchain] = finished.exit_code
                    logs[toolchain] = log  # the failing run's log is the one to read
                logs.setdefault(toolchain, log)
        for toolchain in toolchains:
            log, code = logs[toolchain], codes[toolchain]
            peak = max(peaks[toolchain], default=None)
            tail = log_tail(log) if code else []
            runs.append(Run(toolchain, command, code, times[toolchain], peak, log, tail))
    return runs


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
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
    reporter: Reporter,
    label: str,
    *,
    timeout: float | None = None,
) -> Finished:
    """Run one command with its output in ``log``, showing ``label`` while it runs; a
    command that cannot start is exit 127, with the reason in the log. With a
    ``timeout``, a command still running then is ended with everything it started and
    its code is :data:`TIMED_OUT`."""
    # look the program up on the run's PATH: Windows would search gvw's own PATH
    program = shutil.which(command[0], path=env.get("PATH")) or command[0]
    activity = reporter.activity(label)
    finished = Finished(127, 0.0, None)
    ended: int | None = None  # stays None when interrupted
    try:
        with open(log, "wb") as out:
            out.write(f"$ {shlex.join(command)}\n".encode())
            out.flush()
            try:
                finished = run_tree(
                    [program, *command[1:]], cwd=cwd, env=env, output=out, timeout=timeout
                )
            except OSError as exc:
                out.write(f"gvw: cannot run {command[0]}: {exc.strerror or exc}\n".encode())
            except subprocess.TimeoutExpired:  # the whole tree has been ended
                out.write(f"gvw: stopped after {timeout:g} s\n".encode())
                finished = Finished(TIMED_OUT, float(timeout or 0), None)
        ended = finished.exit_code
    except OSError as exc:
        raise store_error(exc, "write", log) from exc
    finally:
        activity.close(ended)
    return finished


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
