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
- A persistent wineserver (``wineserver -p``) makes each Wine start cost tens of
  milliseconds instead of seconds.
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
import shutil
import subprocess
import tempfile
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
    ``info["start_error"]``, the Windows error code.
    """

    exit_code: int
    stdout: bytes
    stderr: bytes
    info: Mapping[str, str] = field(default_factory=dict)

    @property
    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.decode("utf-8", "replace").splitlines()


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
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(
                [WINE, os.fspath(exe), *args],
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
        ran = self.run(
            self.runner, [wine_path(request), wine_path(results)], cwd=workdir, timeout=timeout
        )
        if ran.exit_code != 0 or not results.exists():
            raise RuntimeError(f"runner.exe failed ({ran.exit_code}): {ran.stderr!r}")
        report = results.read_text(encoding="utf-8").splitlines()
        if len(report) != len(jobs):
            raise RuntimeError(f"runner.exe reported {len(report)} of {len(jobs)} jobs: {report}")
        out: list[Result] = []
        for i, line in enumerate(report):
            words = line.split()
            if words[0] == "startfail":  # CreateProcessW failed: exit_code -1
                out.append(Result(-1, b"", b"", {"start_error": words[1]}))
                continue
            info = dict(w.split("=", 1) for w in words[2:])
            out.append(
                Result(
                    int(words[1]),
                    _read(workdir / f"{i}.out"),
                    _read(workdir / f"{i}.err"),
                    info,
                )
            )
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


def prepare_prefix(wine: Wine) -> None:
    """Creates the prefix on first use (``wineboot -i``), installs the stand-in DLL."""
    from filelock import FileLock

    wine.prefix.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(wine.prefix) + ".lock", timeout=600):
        ready = wine.prefix / PREFIX_READY
        if not ready.exists():
            subprocess.run(
                ["wineboot", "-i"],
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
    # Keep one wineserver for the session: a Wine start costs tens of milliseconds
    # instead of seconds. "already running" is fine. It outlives the tests by
    # SERVER_PERSIST_SECONDS and exits by itself: other sessions may share the prefix.
    subprocess.run(
        ["wineserver", "-p", str(SERVER_PERSIST_SECONDS)],
        env=wine.environ(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


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
    wine = Wine(prefix=base / "wine-prefix", helpers=build_helpers(base / "wine-helpers"))
    prepare_prefix(wine)
    return wine


@pytest.fixture(scope="session")
def wine() -> Iterator[Wine]:
    yield make_wine()
