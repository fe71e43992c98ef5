"""Run Windows programs under Wine, for the Windows shim tests.

Not a pytest plugin: test modules import what they need (``from tests.support.wine
import wine`` brings the session fixture into the module).

- ``wine`` (session fixture): a :class:`Wine` with a prefix under
  ``$GVW_TEST_CACHE`` (default ``~/.cache/gvw-tests``) kept between runs, the helper
  programs built from ``tests/support/wine/*.c`` with mingw-w64 (cached by a hash of
  their sources), and the ``bcryptprimitives.dll`` stand-in installed in the prefix.
- :meth:`Wine.run`: ``wine EXE ARGS`` with a cwd and environment; its exit code is
  the Windows one truncated to 8 bits by Wine.
- :meth:`Wine.run_jobs`: many processes started by a Windows-side parent
  (``runner.exe``) in one Wine start, each with an exact command line, and the full
  32-bit exit codes; also the job-object and console-event experiments.
- :func:`wine_path`: a Linux path as Wine spells it (``Z:\\...``).

Wine facts this relies on (Wine 8):
- Every Windows process a test starts is told to write to files, never to pipes:
  the first Wine process of a session starts services.exe, explorer.exe and the
  like, which inherit its standard handles and live as long as the wineserver; a
  pipe to them would never see EOF.
- A persistent wineserver makes each Wine start cost tens of milliseconds instead
  of seconds. ``wineserver -p`` takes its number attached: ``-p120`` lingers 120 s
  after the last client, ``-p 120`` forever. A server that is already running keeps
  its own setting, so the persistent one is started before every Wine start (a few
  milliseconds when it is running).
- Debian's Wine 8 has no preloader: ``wine64`` is a non-PIE program at 0x7d000000
  and Linux puts its brk heap at a random place up to 1 GiB above it. About one Wine
  process start in a few thousand finds that heap over 0x7ffe0000, where Wine maps the
  shared user data page at a fixed address: the process dies before its first
  instruction ("wine: failed to map the shared user data: c0000018", hidden by
  ``WINEDEBUG=-all``) and its parent's CreateProcessW fails with ERROR_INTERNAL_ERROR
  (1359): a test that starts ~100 processes failed in a few percent of its runs.
  Every Wine start therefore goes through ``setarch -R`` (ADDR_NO_RANDOMIZE, a
  personality every descendant inherits: the runner, the shim, the toolchain), which
  leaves the heap right after ``wine64``.
- Go 1.21+ needs ``ProcessPrng`` from ``bcryptprimitives.dll``, which Wine 8 lacks;
  the Go runtime loads it with ``LoadLibraryExW(..., LOAD_LIBRARY_SEARCH_SYSTEM32)``,
  so the stand-in goes into the prefix's ``system32``. Wine has no builtin of that
  name, so no ``WINEDLLOVERRIDES`` entry is needed for the native one to load.
- The Unix environment becomes the Windows environment, except PATH: the Windows
  PATH comes from the prefix's registry, with ``WINEPATH`` in front of it.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import pytest

HELPER_SOURCES = Path(__file__).resolve().parent / "wine"
MINGW_GCC = "x86_64-w64-mingw32-gcc"
WINE = "wine"
PREFIX_READY = ".gvw-prefix-ready"
# wineserver lingers this long after its last client, so back-to-back Wine starts
# in a test session reuse it
SERVER_PERSIST_SECONDS = 120
# Windows system directories in a Wine prefix: the tail of every PATH a test sets
SYSTEM_PATH = ("C:\\windows\\system32", "C:\\windows")

StrPath = Union[str, "os.PathLike[str]"]

_HELPERS: dict[str, tuple[str, tuple[str, ...]]] = {
    # output name: (source, extra flags)
    "fakego.exe": ("fakego.c", ("-municode",)),
    "runner.exe": ("runner.c", ("-municode",)),
    "bcryptprimitives.dll": (
        "bcryptprimitives.c",
        ("-shared", "-nostdlib", "-Wl,-e,DllMain", "-ladvapi32", "-lkernel32"),
    ),
}


def cache_dir() -> Path:
    return Path(os.environ.get("GVW_TEST_CACHE") or Path.home() / ".cache" / "gvw-tests")


def wine_path(path: StrPath) -> str:
    """``/tmp/x y`` -> ``Z:\\tmp\\x y`` (Wine maps ``/`` to drive Z:)."""
    return "Z:" + os.path.realpath(os.fspath(path)).replace("/", "\\")


def quote_arg(arg: str) -> str:
    """One argument quoted for the Microsoft C runtime's parser (and Go's)."""
    if arg and not any(c in arg for c in ' \t\n\v"'):
        return arg
    out = ['"']
    backslashes = 0
    for c in arg:
        if c == "\\":
            backslashes += 1
            continue
        if c == '"':
            out.append("\\" * (2 * backslashes + 1) + '"')
        else:
            out.append("\\" * backslashes + c)
        backslashes = 0
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


def command_line(args: Sequence[str]) -> str:
    return " ".join(quote_arg(a) for a in args)


def missing_tools() -> list[str]:
    return [tool for tool in (WINE, "wineserver", MINGW_GCC) if shutil.which(tool) is None]


@dataclass(frozen=True)
class Result:
    """What a Windows process left: its exit code, output, and runner notes.

    A job that CreateProcessW could not start has exit_code -1 and
    ``info["start_error"]``, the Windows error code. For runner jobs, ``info["ms"]``
    is how long the job took, ``cmd`` its command line and ``status`` how it ended:
    ``exit``, ``startfail``, or ``timeout`` / ``waitfail`` when the runner had to kill
    it (``exit_code`` is then the runner's 0xDEAD; :meth:`Wine.run_jobs` raises
    :class:`RunnerError` for such a ``run`` job).
    """

    exit_code: int
    stdout: bytes
    stderr: bytes
    info: Mapping[str, str] = field(default_factory=dict)
    cmd: str = ""
    status: str = "exit"

    @property
    def timed_out(self) -> bool:
        return self.status == "timeout"

    @property
    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.decode("utf-8", "replace").splitlines()

    def describe(self) -> str:
        """Everything about the run, for an assertion message."""
        code = f"{self.exit_code:#x}" if self.exit_code >= 0 else str(self.exit_code)
        ended = {
            "exit": "",
            "startfail": " (CreateProcessW failed)",
            "timeout": " (KILLED BY THE RUNNER: still running at its time-out)",
            "waitfail": " (KILLED BY THE RUNNER: waiting for it failed)",
        }.get(self.status, f" ({self.status})")
        lines = [
            f"command line: {self.cmd!r}",
            f"exit code: {self.exit_code} ({code}){ended}",
            f"stdout: {self.stdout!r}",
            f"stderr: {self.stderr!r}",
        ]
        if self.info:
            lines.append(f"runner: {dict(self.info)}")
        if self.info.get("start_error") == "1359" or b"(error 1359)" in self.stderr:
            lines.append(
                "note: error 1359 is Wine failing to start a process (see the Wine facts "
                "in tests/support/wine.py: is `setarch -R` in use?)"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()


class RunnerError(RuntimeError):
    """runner.exe could not say how a job ended: it failed, or a job timed out.

    A job that outlives its ``timeout_ms`` is killed by the runner and reported as
    this error, never as an exit code, so a slow machine is not mistaken for a
    wrong result (and is named as the cause)."""


@dataclass
class Job:
    """One process for :meth:`Wine.run_jobs`; paths and ``cmd`` are Windows strings.

    ``env`` values of None remove the variable. ``mode`` is ``run``, ``kill``,
    ``ctrl-c`` or ``ctrl-break`` (see tests/support/wine/runner.c).
    """

    cmd: str
    cwd: str | None = None
    env: Mapping[str, str | None] = field(default_factory=dict)
    app: str | None = None
    mode: str = "run"
    pidfile: str | None = None
    ready: str | None = None
    timeout_ms: int = 60_000


@dataclass(frozen=True)
class Wine:
    prefix: Path
    helpers: Path
    # what goes before ``wine``/``wineboot``: :func:`no_aslr_launcher`
    launcher: tuple[str, ...] = ()

    @property
    def fakego(self) -> Path:
        return self.helpers / "fakego.exe"

    @property
    def runner(self) -> Path:
        return self.helpers / "runner.exe"

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A small, fixed Unix environment for Wine (it becomes the Windows one)."""
        env = {
            key: os.environ[key] for key in ("HOME", "USER", "LOGNAME", "PATH") if key in os.environ
        }
        env.update(
            {
                "WINEPREFIX": str(self.prefix),
                "WINEDEBUG": "-all",
                # Wine maps Unix file names with the locale's character set
                "LC_ALL": "C.UTF-8",
                # no Mono/Gecko installer prompts
                "WINEDLLOVERRIDES": "mscoree,mshtml=",
            }
        )
        if extra:
            env.update(extra)
        return env

    def run(
        self,
        exe: StrPath,
        args: Sequence[str] = (),
        *,
        cwd: StrPath,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> Result:
        """``wine EXE ARGS``; the exit code is Wine's (the low 8 bits)."""
        start_server(self)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(
                [*self.launcher, WINE, os.fspath(exe), *args],
                cwd=os.fspath(cwd),
                env=self.environ(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                timeout=timeout,
            )
            out.seek(0)
            err.seek(0)
            return Result(proc.returncode, out.read(), err.read())

    def run_jobs(self, jobs: Sequence[Job], *, workdir: Path, timeout: float = 300) -> list[Result]:
        """Runs ``jobs`` one after the other from ``runner.exe`` in one Wine start."""
        workdir.mkdir(parents=True, exist_ok=True)
        request = workdir / "request.txt"
        results = workdir / "results.txt"
        lines: list[str] = []
        for i, job in enumerate(jobs):
            fields: list[tuple[str, str | None]] = [
                ("mode", job.mode),
                ("app", job.app),
                ("cmd", job.cmd),
                ("cwd", job.cwd),
                ("stdout", wine_path(workdir / f"{i}.out")),
                ("stderr", wine_path(workdir / f"{i}.err")),
                ("pidfile", job.pidfile),
                ("ready", job.ready),
                ("timeout", str(job.timeout_ms)),
            ]
            for name, value in job.env.items():
                fields.append(("set", name + "=" + value) if value is not None else ("unset", name))
            lines += [f"{k} {v.encode().hex()}" for k, v in fields if v is not None]
            lines.append("end")
        request.write_text("\n".join(lines) + "\n", encoding="ascii")
        results.unlink(missing_ok=True)
        try:
            ran = self.run(
                self.runner, [wine_path(request), wine_path(results)], cwd=workdir, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            done = _read(results).decode("utf-8", "replace").splitlines()
            raise RunnerError(
                f"runner.exe was still running after {timeout} s (and was killed), in job "
                f"{len(done)} of {len(jobs)}: {jobs[min(len(done), len(jobs) - 1)].cmd!r}; "
                f"the jobs before it: {done}"
            ) from None
        report = _read(results).decode("utf-8", "replace").splitlines()
        if ran.exit_code != 0 or len(report) != len(jobs):
            running = jobs[len(report)].cmd if len(report) < len(jobs) else None
            raise RunnerError(
                f"runner.exe exited with {ran.exit_code} after reporting {len(report)} of "
                f"{len(jobs)} jobs (the next one: {running!r}); stderr: {ran.stderr!r}; "
                f"reports: {report}"
            )
        out: list[Result] = []
        for i, (job, line) in enumerate(zip(jobs, report)):
            status, code, *words = line.split()
            info = dict(w.split("=", 1) for w in words)
            # (a process that died while Wine started it may have left a word on stderr)
            stdout, stderr = _read(workdir / f"{i}.out"), _read(workdir / f"{i}.err")
            if status == "startfail":  # CreateProcessW failed: exit_code -1
                info = {"start_error": code, **info}
                out.append(Result(-1, stdout, stderr, info, job.cmd, status))
                continue
            result = Result(int(code), stdout, stderr, info, job.cmd, status)
            # a plain job that had to be killed has no result to compare (the kill and
            # ctrl-* experiments look at their own outcome)
            if status != "exit" and job.mode == "run":
                what = (
                    f"did not finish within its {job.timeout_ms} ms time-out"
                    if status == "timeout"
                    else "could not be waited for"
                )
                raise RunnerError(
                    f"job {i} of {len(jobs)} {what}; runner.exe killed it (this is not the "
                    f"program's exit code: the machine or Wine stalled, or the program hung)\n"
                    + result.describe()
                )
            out.append(result)
        return out


def _read(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def build_helpers(dest_root: Path) -> Path:
    """Builds the helper programs once per source version; returns their directory."""
    digest = hashlib.sha256()
    version = subprocess.run([MINGW_GCC, "--version"], capture_output=True, text=True).stdout
    digest.update(version.encode())
    for name, (source, flags) in sorted(_HELPERS.items()):
        digest.update(name.encode() + b"\0" + " ".join(flags).encode() + b"\0")
        digest.update((HELPER_SOURCES / source).read_bytes())
    dest = dest_root / digest.hexdigest()[:16]
    if dest.is_dir():
        return dest
    dest_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=dest_root))
    for name, (source, flags) in _HELPERS.items():
        source_path = str(HELPER_SOURCES / source)
        cmd = [MINGW_GCC, "-O2", "-s", "-o", str(staging / name), source_path, *flags]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building {name} failed:\n{done.stdout}{done.stderr}")
    try:
        staging.rename(dest)
    except OSError:  # another session built it first
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def no_aslr_launcher() -> tuple[str, ...]:
    """``setarch <machine> -R``, or () where this machine does not allow it (a container
    whose seccomp filter forbids the personality call): see the Wine facts above."""
    setarch = shutil.which("setarch")
    if setarch is not None:
        launcher = (setarch, platform.machine(), "-R")
        try:
            probe = subprocess.run(
                [*launcher, "true"], capture_output=True, timeout=60, check=False
            )
        except OSError:
            pass
        else:
            if probe.returncode == 0:
                return launcher
    message = (
        "setarch -R is not available here, so Wine processes run with a randomised "
        "heap, and about one Wine start in a few thousand fails (error 1359)"
    )
    if os.environ.get("CI"):
        raise RuntimeError(message)  # CI must be deterministic
    warnings.warn(message, stacklevel=2)
    return ()


def start_server(wine: Wine) -> None:
    """A wineserver that lingers SERVER_PERSIST_SECONDS after its last client, so that
    back-to-back Wine starts share it; nothing happens when one is running already
    (other sessions may share the prefix; it exits by itself)."""
    subprocess.run(
        ["wineserver", f"-p{SERVER_PERSIST_SECONDS}"],
        env=wine.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def prepare_prefix(wine: Wine) -> None:
    """Creates the prefix on first use (``wineboot -i``), installs the stand-in DLL."""
    from filelock import FileLock

    wine.prefix.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(wine.prefix) + ".lock", timeout=600):
        # first, so that wineboot does not start a server with the default 3 s
        start_server(wine)
        ready = wine.prefix / PREFIX_READY
        if not ready.exists():
            subprocess.run(
                [*wine.launcher, "wineboot", "-i"],
                env=wine.environ(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=300,
                check=True,
            )
            ready.write_text("ok\n")
        dll = wine.helpers / "bcryptprimitives.dll"
        system32 = wine.prefix / "drive_c" / "windows" / "system32"
        target = system32 / dll.name
        if not target.exists() or target.read_bytes() != dll.read_bytes():
            shutil.copyfile(dll, str(target) + ".tmp")
            os.replace(str(target) + ".tmp", target)


def make_wine() -> Wine:
    """The shared Wine set-up (no fixture): helpers built, prefix ready."""
    missing = missing_tools()
    if missing:
        packages = "apt-get install wine64 gcc-mingw-w64-x86-64"
        message = f"Wine tests need {', '.join(missing)} ({packages})"
        if os.environ.get("CI"):
            raise RuntimeError(message)  # CI must run them, not skip them
        pytest.skip(message)
    base = cache_dir()
    wine = Wine(
        prefix=base / "wine-prefix",
        helpers=build_helpers(base / "wine-helpers"),
        launcher=no_aslr_launcher(),
    )
    prepare_prefix(wine)
    return wine


@pytest.fixture(scope="session")
def wine() -> Iterator[Wine]:
    yield make_wine()
