"""Worlds for running the POSIX shim (``gvw/shim_files/posix_shim.sh``) in tests.

A world is laid out as ``tests/selection_cases.py`` describes: ``root/`` (the store,
with fake toolchains under ``root/versions/<v>/bin``), ``sys/`` (a fake system go),
and the case's own files. The fake ``go`` / ``gofmt`` are tiny ``#!/bin/sh`` scripts
that report what they were run with (see :data:`FAKE_TOOL`), so a test can check
which toolchain a shim chose, with which GOROOT, depth and arguments.

The shim's error paths use a few utilities (``tr``, ``cut``, ``head``, ``readlink``);
worlds link them into ``tools/`` and runs put only ``tools/`` after the shims (and
``sys/`` when the case has a system go) on PATH, so a Go installed on the machine
running the tests can never be found as the "system" go.

To check what the shim does with a file it may not read, a test runs it without
root's power to read everything (:func:`unprivileged`), in a world every user can
traverse (:func:`open_to_everyone`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.selection_cases import USER_DATA, Case, lay_out, shims_on_path

REPO_ROOT = Path(__file__).resolve().parents[2]
POSIX_SHIM = REPO_ROOT / "gvw" / "shim_files" / "posix_shim.sh"


def native_shim(platform: str) -> Path:
    """The committed native shim for a Go os-arch (scripts/build_native_shims.py)."""
    return REPO_ROOT / "gvw" / "shim_files" / f"native_shim-{platform}"


# The user a root test run drops to (nobody on Debian and most other systems).
UNPRIVILEGED_ID = 65534

# Utilities the shim (error and rare paths) and the fake tools use.
TOOLS = ("tr", "cut", "head", "readlink", "cat", "env")

# The fake Go tool. {version} and {tool} are filled in; the rest is shell.
# --exit N: exit with N; --cat: copy stdin to stdout. FAKE_ARGS_FILE / FAKE_ENV_FILE:
# write the arguments / environment there, NUL-separated.
FAKE_TOOL = """#!/bin/sh
case ${{1-}} in
    --exit) exit "$2" ;;
    --cat) exec cat ;;
esac
if [ -n "${{FAKE_ARGS_FILE-}}" ]; then
    : >"$FAKE_ARGS_FILE"
    [ $# -eq 0 ] || printf '%s\\0' "$@" >"$FAKE_ARGS_FILE"
fi
if [ -n "${{FAKE_ENV_FILE-}}" ]; then env -0 >"$FAKE_ENV_FILE"; fi
printf 'VERSION=%s\\n' '{version}'
printf 'TOOL=%s\\n' '{tool}'
printf 'SELF=%s\\n' "$0"
printf 'GOROOT=%s\\n' "${{GOROOT-<unset>}}"
printf 'DEPTH=%s\\n' "${{GVW_SHIM_DEPTH-<unset>}}"
printf 'LC_ALL=%s\\n' "${{LC_ALL-<unset>}}"
printf 'PID=%s\\n' "$$"
"""


@dataclass(frozen=True)
class Shell:
    """How a shim is started: ``argv`` before the shim's path (empty: exec it)."""

    name: str
    argv: tuple[str, ...] = ()

    def available(self) -> bool:
        return not self.argv or shutil.which(self.argv[0]) is not None

    def command(self) -> list[str]:
        """``argv`` with the program as an absolute path (runs use a bare PATH)."""
        if not self.argv:
            return []
        found = shutil.which(self.argv[0])
        if found is None:
            raise RuntimeError(f"{self.argv[0]} is not installed")
        return [found, *self.argv[1:]]


# /bin/sh is dash on Debian and Ubuntu: the shim runs as the user's system runs it.
SHELLS = (
    Shell("sh"),
    Shell("bash", ("bash",)),
    Shell("busybox", ("busybox", "sh")),
)


def write_fake_tool(path: Path, version: str, tool: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE_TOOL.format(version=version, tool=tool), encoding="utf-8")
    path.chmod(0o755)


def install_shim(shims: Path, name: str, program: Path = POSIX_SHIM) -> Path:
    """Copy a shim program (the POSIX sh shim unless told) into ``shims`` as ``name``
    (what gvw does)."""
    shims.mkdir(parents=True, exist_ok=True)
    target = shims / name
    shutil.copyfile(program, target)
    target.chmod(0o755)
    return target


def parse_report(stdout: str) -> dict[str, str]:
    """The KEY=value lines a fake tool prints."""
    report: dict[str, str] = {}
    for line in stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            report.setdefault(key, value)
    return report


@dataclass(frozen=True)
class World:
    path: Path

    @property
    def root(self) -> Path:
        return self.path / "root"

    @property
    def shims(self) -> Path:
        return self.root / "shims"

    @property
    def sys_bin(self) -> Path:
        return self.path / "sys"

    @property
    def tools(self) -> Path:
        return self.path / "tools"

    @property
    def machine(self) -> Path:
        """The machine store (tests/selection_cases.py): never /opt/gvw of this host."""
        return self.path / "machine"

    def goroot(self, version: str) -> Path:
        return self.root / "versions" / version

    def expand(self, line: str) -> str:
        """An expected stderr line with {world}, {sep} and {root} filled in."""
        return (
            line.replace("{world}", str(self.path))
            .replace("{sep}", "/")
            .replace("{root}", str(self.root))
        )

    def base_env(self, *, system_go: bool = False) -> dict[str, str]:
        path = [str(self.shims)]
        if system_go:
            path.append(str(self.sys_bin))
        path.append(str(self.tools))
        return {
            "PATH": os.pathsep.join(path),
            "HOME": str(self.path),
            "LANG": "C.UTF-8",
            "GVW_MACHINE_ROOT": str(self.machine),
        }

    def run(
        self,
        shim: Path | str,
        args: Sequence[str] = (),
        *,
        cwd: Path,
        env: Mapping[str, str],
        shell: Shell = SHELLS[0],
        stdin: bytes | None = None,
        timeout: float = 60,
        prefix: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[bytes]:
        """``prefix`` goes before everything, e.g. :func:`unprivileged`."""
        return subprocess.run(
            [*prefix, *shell.command(), str(shim), *args],
            cwd=cwd,
            env=dict(env),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )


def build_world(
    base: Path,
    installed: Sequence[str] = (),
    *,
    launchers: bool = True,
    program: Path = POSIX_SHIM,
) -> World:
    """An empty world in ``base`` (created): store, shims (copies of ``program``), fake
    system go, tools."""
    base.mkdir(parents=True, exist_ok=True)
    world = World(Path(os.path.realpath(base)))
    for version in installed:
        for tool in ("go", "gofmt"):
            write_fake_tool(world.goroot(version) / "bin" / tool, version, tool)
    for name in ("go", "gofmt"):
        install_shim(world.shims, name, program)
    if launchers:
        for version in installed:
            install_shim(world.shims, "go" + version, program)
    for tool in ("go", "gofmt"):
        write_fake_tool(world.sys_bin / tool, "system", tool)
    world.tools.mkdir(exist_ok=True)
    for name in TOOLS:
        found = shutil.which(name)
        if found is None:
            raise RuntimeError(f"{name} is needed on PATH to test the POSIX shim")
        (world.tools / name).symlink_to(found)
    return world


def write_files(world: World, files: Mapping[str, bytes]) -> None:
    for relative, content in files.items():
        target = world.path.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def build_case_world(base: Path, case: Case, program: Path = POSIX_SHIM) -> World:
    """The world of one shared selection case (tests/selection_cases.py ``lay_out``),
    with this shim ``program`` and the tools the POSIX runner puts on PATH."""
    world = build_world(base, program=program)  # shims and tools; the store below
    lay_out(
        world.path,
        case,
        toolchain=lambda path, version, tool: write_fake_tool(path, version, tool),
        shim=lambda path: install_shim(path.parent, path.name, program),
    )
    return world


def case_env(world: World, case: Case) -> dict[str, str]:
    """The environment a shim runs a shared case in: both stores' shims on PATH (the
    case's first), the system go when the case has one, the tools; the machine store
    and the user data directory in the world; the case's own variables."""
    env = world.base_env(system_go=case.system_go)
    first = [str(world.path.joinpath(*d.split("/"))) for d in shims_on_path(case)]
    rest = env["PATH"].split(os.pathsep)[1:]  # base_env's: root/shims, then the others
    env.update(PATH=os.pathsep.join(first + rest), XDG_DATA_HOME=str(world.path / USER_DATA))
    env.update(case.env)
    return env


def unprivileged() -> list[str]:
    """A command prefix that runs a program without the right to read every file.

    As root (CI runs as root) that is ``setpriv`` (util-linux) to uid and gid
    :data:`UNPRIVILEGED_ID` with no supplementary groups and no capabilities; as any
    other user, nothing. The files the program needs must be readable by that user
    (:func:`open_to_everyone`)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("setpriv (util-linux) is needed to run a program as a user, not root")
    return [
        setpriv,
        f"--reuid={UNPRIVILEGED_ID}",
        f"--regid={UNPRIVILEGED_ID}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def open_to_everyone(top: Path) -> None:
    """Every directory under ``top`` (and ``top``) searchable and readable by every user,
    every file readable, whatever the umask (symbolic links are left alone)."""
    paths = [top]
    for directory, dirs, files in os.walk(top):
        paths += [Path(directory, name) for name in dirs + files]
    for path in paths:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        path.chmod(mode | (0o555 if path.is_dir() else 0o444))
