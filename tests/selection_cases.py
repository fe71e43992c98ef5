"""One table of version-selection cases, run against every implementation.

The Python resolver (`gvw current`), the POSIX shim and the Windows shim (under Wine)
each have a runner that builds the case's world in a temporary directory, runs, and
compares with the expectation. The rules are in docs/selection.md.

A world is a directory holding:
- ``root/``: the gvw store (``root/versions/<v>/`` for each installed version,
  ``root/shims/``, the global file ``root/version``);
- ``machine/``: the machine store (docs/machine-store.md), which every runner names
  with ``GVW_MACHINE_ROOT``; its versions are the case's ``machine``;
- ``data/``: the user data directory, which every runner names with ``XDG_DATA_HOME``
  (``LOCALAPPDATA`` on Windows): where the user store is when the shims that run are
  the machine store's (``machine_shims``): ``data/gvw``, which then holds the case's
  ``installed`` versions instead of ``root/``;
- ``sys/``: a directory with a fake system ``go`` that runners put on PATH when
  ``system_go`` is true;
- any other files the case lists (paths relative to the world, ``/``-separated),
  and the special files it lists (:func:`make_specials`: links, FIFOs, sockets,
  devices), created on the Linux side, so every runner sees the same world.

Runners put both stores' shims directories on PATH (:func:`shims_on_path`), the ones
that run first, then ``sys/`` when the case has a system go.

Expected stderr lines may use ``{world}`` (the world directory, as the implementation
under test spells absolute paths), ``{sep}`` (its path separator) and ``{root}``
(``{world}{sep}root``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

INSTALLED = ("1.20", "1.20.14", "1.21.0", "1.21.13", "1.21rc2", "1.22.10", "1.22rc1", "1.23rc1")
EXPECTED_HINT = "gvw: expected a version such as 1.22.10, 1.22, latest or system"


@dataclass(frozen=True)
class Case:
    name: str
    cwd: str = "proj"
    files: dict[str, bytes] = field(default_factory=dict)
    # path -> one of SPECIAL_KINDS, made after ``files``
    special: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    installed: tuple[str, ...] = INSTALLED
    system_go: bool = False
    tool: str = "go"
    # the selected version directory name, or "system"; None when an error is expected
    expect_version: str | None = None
    expect_exit: int = 0
    expect_stderr: tuple[str, ...] = ()
    # behaviour of the shims only (the loop guard); the Python resolver skips it
    shim_only: bool = False
    # versions installed in the machine store (machine/versions/<v>)
    machine: tuple[str, ...] = ()
    # the shims that run are the machine store's: the user store is data/gvw
    machine_shims: bool = False
    # the store the selected version runs from: "user" or "machine"
    expect_store: str = "user"

    @property
    def user_store(self) -> str:
        """The user store's directory in the world: the parent of the shims that run
        (``root``), or with the machine store's shims the user data directory's."""
        return USER_DATA_STORE if self.machine_shims else "root"

    @property
    def shims_dir(self) -> str:
        """The directory of the shims that run."""
        return f"{MACHINE}/shims" if self.machine_shims else "root/shims"

    def expected_goroot(self) -> str | None:
        """The selected toolchain's directory in the world (``/``-separated), or None
        for the system go and for errors."""
        if self.expect_version in (None, "system"):
            return None
        store = MACHINE if self.expect_store == "machine" else self.user_store
        return f"{store}/versions/{self.expect_version}"


MACHINE = "machine"  # the machine store, named by GVW_MACHINE_ROOT
USER_DATA = "data"  # the user data directory, named by XDG_DATA_HOME / LOCALAPPDATA
USER_DATA_STORE = f"{USER_DATA}/gvw"


def shims_on_path(case: Case) -> list[str]:
    """The shims directories runners put first on PATH (relative to the world): the
    ones that run, then the other store's (a system go is found past both)."""
    other = case.user_store + "/shims" if case.machine_shims else f"{MACHINE}/shims"
    return [case.shims_dir, other]


SPECIAL_KINDS = ("dangling", "loop", "fifo", "socket", "device", "link-to-file", "link-to-dir")


# Cases whose expected text changed in the Python resolver and the sh shim before the
# native shims' C source (shims/gvw_core.h, rebuilt into gvw/shim_files/) caught up.
# The native and Windows runners expect exactly these to fail (strict: once the C text
# matches, the XPASS fails the run, and the name must go from this set).
PENDING_IN_C: dict[str, str] = {}  # a case the C shims do not pass yet: its reason


def native_params() -> list[object]:
    """CASES as pytest parameters for the native and Windows shims' runners."""
    import pytest

    return [
        pytest.param(
            case,
            id=case.name,
            marks=pytest.mark.xfail(strict=True, reason=PENDING_IN_C[case.name])
            if case.name in PENDING_IN_C
            else (),
        )
        for case in CASES
    ]


def make_specials(world: Path, special: dict[str, str]) -> None:
    """Create the case's special files under ``world``: a dangling symbolic link, a
    link that points to itself (a loop), a FIFO, a socket, a character device (the
    same device as /dev/null; a link to /dev/null when not root, as mknod needs
    root), a link to ``version-target`` (a file holding 1.21.0) or to ``dir-target``
    (a directory) beside it."""
    for relative, kind in special.items():
        path = world.joinpath(*relative.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "dangling":
            os.symlink("no-such-file", path)
        elif kind == "loop":
            os.symlink(path.name, path)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket":
            os.mknod(path, stat.S_IFSOCK | 0o644)  # no bind: a socket path may be long
        elif kind == "device" and os.geteuid() == 0:
            os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 3))
        elif kind == "device":
            os.symlink("/dev/null", path)
        elif kind == "link-to-file":
            (path.parent / "version-target").write_bytes(b"1.21.0\n")
            os.symlink("version-target", path)
        elif kind == "link-to-dir":
            (path.parent / "dir-target").mkdir()
            os.symlink("dir-target", path)
        else:
            raise ValueError(f"unknown special file kind {kind!r}")


# lay_out's hooks: put a fake toolchain program (version, tool name) or a shim at a path
ToolWriter = Callable[[Path, str, str], None]
ShimWriter = Callable[[Path], None]


def lay_out(
    world: Path,
    case: Case,
    *,
    toolchain: ToolWriter,
    shim: ShimWriter | None,
    exe: str = "",
) -> Path:
    """Build the case's world (described above) in ``world``; returns the directory the
    case runs in. Each runner says only how its platform writes a fake toolchain and a
    shim (``exe``: the programs' suffix, ``.exe`` on Windows): the world is the same
    for the Python resolver (no shims), the POSIX and native shims and the Windows one.
    The fake system go is made only when ``case.system_go``."""
    stores = ((world.joinpath(*case.user_store.split("/")), case.installed),)
    stores += ((world / MACHINE, case.machine),)
    for store, versions in stores:
        for version in versions:
            for tool in ("go", "gofmt"):
                toolchain(store / "versions" / version / "bin" / f"{tool}{exe}", version, tool)
    running, other = (world.joinpath(*d.split("/")) for d in shims_on_path(case))
    running.mkdir(parents=True, exist_ok=True)
    (world / USER_DATA).mkdir(exist_ok=True)
    if shim is not None:
        launchers = {f"go{v}" for v in case.installed + case.machine}
        for name in {"go", "gofmt", case.tool} | launchers:
            shim(running / f"{name}{exe}")
        # the other store has shims too, as where both are set up: a system go is
        # looked for past them
        for name in ("go", "gofmt"):
            shim(other / f"{name}{exe}")
    (world / "sys").mkdir(exist_ok=True)
    if case.system_go:
        for tool in ("go", "gofmt"):
            toolchain(world / "sys" / f"{tool}{exe}", "system", tool)
    for relative, content in case.files.items():
        path = world.joinpath(*relative.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    make_specials(world, case.special)
    cwd = world.joinpath(*case.cwd.split("/"))
    cwd.mkdir(parents=True, exist_ok=True)
    return cwd


def _pin(path: str, content: bytes) -> dict[str, bytes]:
    return {path: content}


def _invalid(word: str, origin: str) -> tuple[str, ...]:
    return (f'gvw: invalid Go version "{word}" (set by {origin})', EXPECTED_HINT)


def _missing(spec: str, origin: str) -> tuple[str, ...]:
    return (
        f"gvw: Go {spec} is not installed (set by {origin})",
        f"gvw: install it with: gvw install {spec}",
    )


def broken_pin_lines(path: str) -> list[str]:
    """What every implementation prints for a version file it cannot read."""
    return list(_broken(path))


def _broken(path: str) -> tuple[str, ...]:
    return (
        f"gvw: cannot read version file {path}",
        "gvw: it is not a readable regular file: fix or remove it",
    )


PIN = "{world}{sep}proj{sep}.go-version"
GLOBAL = "{root}{sep}version"
MACHINE_GLOBAL = "{world}{sep}machine{sep}version"
ENV = "GVW_GO_VERSION environment variable"
DEEP = "proj/a/b/c/d/e/f/g/h/i/j/k/l"


def _broken_pin(
    name: str,
    kind: str,
    *,
    at: str = "proj/.go-version",
    cwd: str = "proj",
    files: dict[str, bytes] | None = None,
) -> Case:
    """A case whose pin ``at`` is a special file of ``kind``; a global file and a
    system go exist, so that an implementation that skipped the pin would succeed."""
    global_file = {"root/version": b"1.21.13\n"} if at != "root/version" else {}
    return Case(
        name,
        cwd=cwd,
        files={**global_file, **(files or {})},
        special={at: kind},
        system_go=True,
        expect_exit=3,
        expect_stderr=_broken("{world}{sep}" + at.replace("/", "{sep}")),
    )


CASES: tuple[Case, ...] = (
    # --- .go-version in the current directory and above
    Case(
        "exact version in the current directory",
        files=_pin("proj/.go-version", b"1.22.10\n"),
        expect_version="1.22.10",
    ),
    Case(
        "family prefix picks the newest stable of the family",
        files=_pin("proj/.go-version", b"1.21\n"),
        expect_version="1.21.13",
    ),
    Case(
        "family prefix of an old release with no .0 picks its newest patch",
        files=_pin("proj/.go-version", b"1.20\n"),
        expect_version="1.20.14",
    ),
    Case(
        "family prefix never picks a release candidate",
        files=_pin("proj/.go-version", b"1.23\n"),
        expect_exit=4,
        expect_stderr=_missing("1.23", PIN),
    ),
    Case(
        "exact release candidate is selected",
        files=_pin("proj/.go-version", b"1.23rc1\n"),
        expect_version="1.23rc1",
    ),
    Case(
        "go prefix is accepted",
        files=_pin("proj/.go-version", b"go1.22.10\n"),
        expect_version="1.22.10",
    ),
    Case(
        "latest is the newest installed stable",
        files=_pin("proj/.go-version", b"latest\n"),
        expect_version="1.22.10",
    ),
    Case(
        "version file in a parent directory",
        cwd="proj/cmd/tool",
        files=_pin("proj/.go-version", b"1.21.0\n"),
        expect_version="1.21.0",
    ),
    Case(
        "version file twelve levels up",
        cwd=DEEP,
        files=_pin("proj/.go-version", b"1.21.13\n"),
        expect_version="1.21.13",
    ),
    Case(
        "nearest version file wins",
        cwd="proj/sub",
        files={"proj/.go-version": b"1.21.13\n", "proj/sub/.go-version": b"1.22.10\n"},
        expect_version="1.22.10",
    ),
    Case(
        "a directory named .go-version is ignored",
        cwd="proj/sub",
        files={"proj/.go-version": b"1.21.13\n", "proj/sub/.go-version/keep": b""},
        expect_version="1.21.13",
    ),
    # --- broken pins: a name that exists but is no readable regular file (never skipped)
    _broken_pin("a dangling symbolic link named .go-version is an error", "dangling"),
    _broken_pin("a symbolic link loop named .go-version is an error", "loop"),
    _broken_pin("a FIFO named .go-version is an error and does not block", "fifo"),
    _broken_pin("a socket named .go-version is an error", "socket"),
    _broken_pin("a device named .go-version is an error", "device"),
    _broken_pin(
        "a broken pin hides the version file above it",
        "dangling",
        at="proj/sub/.go-version",
        cwd="proj/sub",
        files=_pin("proj/.go-version", b"1.21.13\n"),
    ),
    _broken_pin("a dangling global file is an error", "dangling", at="root/version"),
    _broken_pin(
        "a FIFO as the global file is an error and does not block", "fifo", at="root/version"
    ),
    Case(
        "a global file that is a directory is an error",
        files=_pin("root/version/keep", b""),
        system_go=True,
        expect_exit=3,
        expect_stderr=_broken(GLOBAL),
    ),
    Case(
        "a symbolic link to a version file is followed",
        special={"proj/.go-version": "link-to-file"},
        expect_version="1.21.0",
    ),
    Case(
        "a symbolic link to a directory named .go-version is ignored",
        cwd="proj/sub",
        files=_pin("proj/.go-version", b"1.22.10\n"),
        special={"proj/sub/.go-version": "link-to-dir"},
        expect_version="1.22.10",
    ),
    Case(
        "the environment variable beats a broken pin",
        special={"proj/.go-version": "dangling"},
        env={"GVW_GO_VERSION": "1.21.13"},
        expect_version="1.21.13",
    ),
    Case(
        "a launcher ignores a broken pin",
        tool="go1.21.0",
        special={"proj/.go-version": "fifo"},
        expect_version="1.21.0",
    ),
    # --- file format
    Case(
        "UTF-8 BOM is ignored",
        files=_pin("proj/.go-version", b"\xef\xbb\xbf1.22.10\r\n"),
        expect_version="1.22.10",
    ),
    Case(
        "CRLF line ends", files=_pin("proj/.go-version", b"1.21.13\r\n"), expect_version="1.21.13"
    ),
    Case("no final newline", files=_pin("proj/.go-version", b"1.21.13"), expect_version="1.21.13"),
    Case(
        "blank lines and comments before the version",
        files=_pin("proj/.go-version", b"\n   \n# pinned for the release\n\t1.21.0  # ok\n"),
        expect_version="1.21.0",
    ),
    Case(
        "surrounding white space",
        files=_pin("proj/.go-version", b"   1.22.10   \n"),
        expect_version="1.22.10",
    ),
    Case(
        "only the first word counts",
        files=_pin("proj/.go-version", b"1.22.10 1.21.13\n"),
        expect_version="1.22.10",
    ),
    Case(
        "a version file with only comments is an error",
        files=_pin("proj/.go-version", b"# nothing here\n\n"),
        expect_exit=3,
        expect_stderr=(f"gvw: no Go version in {PIN}", EXPECTED_HINT),
    ),
    Case(
        "an empty version file is an error",
        files=_pin("proj/.go-version", b""),
        expect_exit=3,
        expect_stderr=(f"gvw: no Go version in {PIN}", EXPECTED_HINT),
    ),
    Case(
        "a version beyond the first 4096 bytes is not read",
        files=_pin("proj/.go-version", b"\n" * 5000 + b"1.22.10\n"),
        expect_exit=3,
        expect_stderr=(f"gvw: no Go version in {PIN}", EXPECTED_HINT),
    ),
    Case(
        "a huge single-line file is rejected without reading it all",
        files=_pin("proj/.go-version", b"1" * 200_000),
        expect_exit=3,
        expect_stderr=_invalid("1" * 64, PIN),
    ),
    # --- invalid and hostile values
    Case(
        "a path is rejected",
        files=_pin("proj/.go-version", b"../../etc/passwd\n"),
        expect_exit=3,
        expect_stderr=_invalid("../../etc/passwd", PIN),
    ),
    Case(
        "a backslash path is rejected",
        files=_pin("proj/.go-version", b"..\\1.22.10\n"),
        expect_exit=3,
        expect_stderr=_invalid("..\\1.22.10", PIN),
    ),
    Case(
        "a version with a slash is rejected",
        files=_pin("proj/.go-version", b"1.22.10/bin\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.22.10/bin", PIN),
    ),
    Case(
        "garbage is rejected",
        files=_pin("proj/.go-version", b"stable\n"),
        expect_exit=3,
        expect_stderr=_invalid("stable", PIN),
    ),
    Case(
        "a major version alone is rejected",
        files=_pin("proj/.go-version", b"1\n"),
        expect_exit=3,
        expect_stderr=_invalid("1", PIN),
    ),
    Case(
        "leading zeros are rejected",
        files=_pin("proj/.go-version", b"1.021\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.021", PIN),
    ),
    Case(
        "a trailing dot is rejected",
        files=_pin("proj/.go-version", b"1.22.\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.22.", PIN),
    ),
    Case(
        "control characters are shown as question marks",
        files=_pin("proj/.go-version", b"1.2\x1b[31m\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.2?[31m", PIN),
    ),
    Case(
        "non-ASCII bytes are shown as question marks",
        files=_pin("proj/.go-version", "1.22é\n".encode()),
        expect_exit=3,
        expect_stderr=_invalid("1.22??", PIN),
    ),
    Case(
        "release candidate zero is rejected",
        files=_pin("proj/.go-version", b"1.22rc0\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.22rc0", PIN),
    ),
    Case(
        "the go prefix only comes before a digit",
        files=_pin("proj/.go-version", b"golatest\n"),
        expect_exit=3,
        expect_stderr=_invalid("golatest", PIN),
    ),
    Case(
        "a double go prefix is rejected",
        files=_pin("proj/.go-version", b"gogo1.22\n"),
        expect_exit=3,
        expect_stderr=_invalid("gogo1.22", PIN),
    ),
    # --- missing versions
    Case(
        "an exact version that is not installed",
        files=_pin("proj/.go-version", b"1.19.13\n"),
        expect_exit=4,
        expect_stderr=_missing("1.19.13", PIN),
    ),
    Case(
        "a missing version keeps the spelling without the go prefix",
        files=_pin("proj/.go-version", b"go1.24\n"),
        expect_exit=4,
        expect_stderr=_missing("1.24", PIN),
    ),
    Case(
        "latest with nothing installed",
        files=_pin("proj/.go-version", b"latest\n"),
        installed=(),
        expect_exit=4,
        expect_stderr=_missing("latest", PIN),
    ),
    # --- GVW_GO_VERSION
    Case(
        "the environment variable beats the version file",
        files=_pin("proj/.go-version", b"1.21.13\n"),
        env={"GVW_GO_VERSION": "1.22"},
        expect_version="1.22.10",
    ),
    Case(
        "an empty environment variable is ignored",
        files=_pin("proj/.go-version", b"1.21.13\n"),
        env={"GVW_GO_VERSION": ""},
        expect_version="1.21.13",
    ),
    Case(
        "white space around the environment variable is ignored",
        env={"GVW_GO_VERSION": " go1.21.0 "},
        expect_version="1.21.0",
    ),
    Case(
        "an invalid environment variable names itself",
        files=_pin("proj/.go-version", b"1.21.13\n"),
        env={"GVW_GO_VERSION": "1.21 1.22"},
        expect_exit=3,
        expect_stderr=_invalid("1.21 1.22", ENV),
    ),
    Case(
        "a missing version from the environment variable",
        env={"GVW_GO_VERSION": "1.18"},
        expect_exit=4,
        expect_stderr=_missing("1.18", ENV),
    ),
    # --- global file and system
    Case(
        "global file when no version file exists",
        files=_pin("root/version", b"1.21\n"),
        expect_version="1.21.13",
    ),
    Case(
        "global file with a BOM and comments",
        files=_pin("root/version", b"\xef\xbb\xbf# global\r\n1.22.10\r\n"),
        expect_version="1.22.10",
    ),
    Case(
        "the version file beats the global file",
        files={"root/version": b"1.21\n", "proj/.go-version": b"1.22\n"},
        expect_version="1.22.10",
    ),
    Case(
        "invalid global file names itself",
        files=_pin("root/version", b"1.22/x\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.22/x", GLOBAL),
    ),
    Case(
        "missing global version names the global file",
        files=_pin("root/version", b"1.17\n"),
        expect_exit=4,
        expect_stderr=_missing("1.17", GLOBAL),
    ),
    Case("nothing selected falls back to the system go", system_go=True, expect_version="system"),
    Case(
        "system selected explicitly",
        files=_pin("proj/.go-version", b"system\n"),
        system_go=True,
        expect_version="system",
    ),
    Case(
        "system selected but no go on PATH",
        files=_pin("proj/.go-version", b"system\n"),
        expect_exit=4,
        expect_stderr=(
            f"gvw: no system Go found on PATH (set by {PIN})",
            "gvw: select a version with: gvw global <version>",
        ),
    ),
    Case(
        "nothing selected and no system go",
        expect_exit=5,
        expect_stderr=(
            "gvw: no Go version selected and no other go on PATH",
            "gvw: install one with: gvw install latest",
        ),
    ),
    # --- tools and launchers
    Case(
        "gofmt follows the same selection",
        tool="gofmt",
        files=_pin("proj/.go-version", b"1.21\n"),
        expect_version="1.21.13",
    ),
    Case(
        "a launcher runs its own version whatever is selected",
        tool="go1.21.0",
        files=_pin("proj/.go-version", b"1.22.10\n"),
        expect_version="1.21.0",
    ),
    Case(
        "a launcher ignores an invalid selection",
        tool="go1.21.0",
        files=_pin("proj/.go-version", b"../x\n"),
        expect_version="1.21.0",
    ),
    Case(
        "a launcher for a version that is gone",
        tool="go1.19.13",
        expect_exit=4,
        expect_stderr=_missing("1.19.13", "launcher go1.19.13"),
    ),
    # --- the machine store (docs/machine-store.md): looked in after the user store
    Case(
        "a version only the machine store has runs from there",
        files=_pin("proj/.go-version", b"1.24.1\n"),
        machine=("1.24.1",),
        expect_version="1.24.1",
        expect_store="machine",
    ),
    Case(
        "the user store's copy of a version wins over the machine store's",
        files=_pin("proj/.go-version", b"1.22.10\n"),
        machine=("1.22.10",),
        expect_version="1.22.10",
    ),
    Case(
        "a family picks its newest release of both stores",
        files=_pin("proj/.go-version", b"1.21\n"),
        machine=("1.21.14", "1.21.2"),
        expect_version="1.21.14",
        expect_store="machine",
    ),
    Case(
        "a family takes the user store's copy of its newest release",
        files=_pin("proj/.go-version", b"1.21\n"),
        machine=("1.21.13",),
        expect_version="1.21.13",
    ),
    Case(
        "latest looks in both stores",
        files=_pin("proj/.go-version", b"latest\n"),
        installed=("1.21.13",),
        machine=("1.22.10", "1.23rc1"),
        expect_version="1.22.10",
        expect_store="machine",
    ),
    Case(
        "the machine store's global applies when the user store has none",
        files=_pin("machine/version", b"1.24.1\n"),
        machine=("1.24.1",),
        expect_version="1.24.1",
        expect_store="machine",
    ),
    Case(
        "the machine store's global may select a version of the user store",
        files=_pin("machine/version", b"1.21\n"),
        machine=("1.24.1",),
        expect_version="1.21.13",
    ),
    Case(
        "the user store's global beats the machine store's",
        files={"root/version": b"1.21.13\n", "machine/version": b"1.24.1\n"},
        machine=("1.24.1",),
        expect_version="1.21.13",
    ),
    Case(
        "a version file beats the machine store's global",
        files={"proj/.go-version": b"1.22.10\n", "machine/version": b"1.24.1\n"},
        machine=("1.24.1",),
        expect_version="1.22.10",
    ),
    Case(
        "a missing version from the machine store's global names that file",
        files=_pin("machine/version", b"1.17\n"),
        machine=("1.24.1",),
        expect_exit=4,
        expect_stderr=_missing("1.17", MACHINE_GLOBAL),
    ),
    Case(
        "an invalid machine store global names itself",
        files=_pin("machine/version", b"1.2x\n"),
        expect_exit=3,
        expect_stderr=_invalid("1.2x", MACHINE_GLOBAL),
    ),
    Case(
        "a broken machine store global is an error",
        special={"machine/version": "dangling"},
        system_go=True,
        expect_exit=3,
        expect_stderr=_broken(MACHINE_GLOBAL),
    ),
    Case(
        "a launcher finds its version in the machine store",
        tool="go1.24.1",
        machine=("1.24.1",),
        expect_version="1.24.1",
        expect_store="machine",
    ),
    Case(
        "a launcher prefers the user store's copy",
        tool="go1.21.0",
        machine=("1.21.0",),
        expect_version="1.21.0",
    ),
    Case(
        "nothing selected falls back to a system go past the machine store's shims",
        machine=("1.24.1",),
        system_go=True,
        expect_version="system",
    ),
    # --- the machine store's shims (a user or a service without a store of their own)
    Case(
        "the machine store's shims run the machine store's global",
        machine_shims=True,
        installed=(),
        files=_pin("machine/version", b"1.24\n"),
        machine=("1.24.1", "1.22.10"),
        expect_version="1.24.1",
        expect_store="machine",
    ),
    Case(
        "the machine store's shims honour the user's own global",
        machine_shims=True,
        installed=(),
        files={"data/gvw/version": b"1.22.10\n", "machine/version": b"1.24.1\n"},
        machine=("1.24.1", "1.22.10"),
        expect_version="1.22.10",
        expect_store="machine",
    ),
    Case(
        "the machine store's shims run the user's own versions first",
        machine_shims=True,
        installed=("1.22.10",),
        files={"proj/.go-version": b"1.22\n", "machine/version": b"1.24.1\n"},
        machine=("1.24.1", "1.22.10"),
        expect_version="1.22.10",
    ),
    Case(
        "the machine store's shims name the user's missing global",
        machine_shims=True,
        installed=(),
        files={"data/gvw/version": b"1.19.13\n"},
        machine=("1.24.1",),
        expect_exit=4,
        expect_stderr=_missing("1.19.13", "{world}{sep}data{sep}gvw{sep}version"),
    ),
    Case(
        "the machine store's launchers run the machine store's version",
        machine_shims=True,
        installed=(),
        tool="go1.24.1",
        machine=("1.24.1",),
        expect_version="1.24.1",
        expect_store="machine",
    ),
    Case(
        "nothing selected from the machine store's shims: a system go past both stores' shims",
        machine_shims=True,
        installed=(),
        machine=("1.24.1",),
        system_go=True,
        expect_version="system",
    ),
    # --- loop guard
    Case(
        "the loop guard stops deep recursion",
        files=_pin("proj/.go-version", b"1.22.10\n"),
        env={"GVW_SHIM_DEPTH": "16"},
        expect_exit=6,
        shim_only=True,
        expect_stderr=(
            "gvw: shim recursion detected (GVW_SHIM_DEPTH=16); check PATH and the selected version",
        ),
    ),
    Case(
        "moderate nesting is allowed",
        files=_pin("proj/.go-version", b"1.22.10\n"),
        env={"GVW_SHIM_DEPTH": "3"},
        expect_version="1.22.10",
        shim_only=True,
    ),
)
