"""The shared selection table against the Python resolver: `gvw which` and
`gvw current`, run as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from gvw.base.errors import GvwError, InvalidVersionError
from gvw.base.paths import Paths
from gvw.selection.resolver import find_selection, read_global_file
from tests.selection_cases import CASES, MACHINE, USER_DATA, Case, broken_pin_lines, lay_out
from tests.support.gvw_env import GvwEnv
from tests.support.posix_world import UNPRIVILEGED_ID, open_to_everyone

PYTHON_CASES = [case for case in CASES if not case.shim_only]


def build_world(world: Path, case: Case) -> tuple[Path, dict[str, str]]:
    def toolchain(path: Path, version: str, tool: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"#!/bin/sh\necho {version} {tool}\n")
        path.chmod(0o755)

    cwd = lay_out(world, case, toolchain=toolchain, shim=None)
    env = {
        # gvw has no shims' location to start from: with the machine store's shims
        # the user store is the user data directory's, as for gvw without GVW_ROOT
        "GVW_ROOT": "" if case.machine_shims else str(world / "root"),
        "GVW_MACHINE_ROOT": str(world / MACHINE),
        "XDG_DATA_HOME": str(world / USER_DATA),
        "PATH": str(world / "sys"),
        **case.env,
    }
    return cwd, env


def expected_lines(case: Case, world: Path) -> list[str]:
    return [
        line.format(world=world, sep=os.sep, root=world / "root") for line in case.expect_stderr
    ]


def expected_path(case: Case, world: Path) -> Path:
    tool = "go" if case.tool.startswith("go1") else case.tool
    goroot = case.expected_goroot()
    if goroot is None:
        return world / "sys" / tool
    return world.joinpath(*goroot.split("/")) / "bin" / tool


@pytest.mark.parametrize("case", PYTHON_CASES, ids=[c.name for c in PYTHON_CASES])
def test_python_resolver(case: Case, tmp_path: Path) -> None:
    world = tmp_path / "world"
    world.mkdir()
    cwd, env = build_world(world, case)
    gvw = GvwEnv(tmp_path)
    which = gvw.run("which", case.tool, cwd=cwd, env=env)
    assert which.returncode == case.expect_exit, which.stderr
    if case.expect_exit:
        assert which.stderr_lines == expected_lines(case, world)
        assert which.stdout == ""
    else:
        assert which.stdout == f"{expected_path(case, world)}\n"
    if case.tool != "go":
        return
    current = gvw.run("current", cwd=cwd, env=env)
    assert current.returncode == case.expect_exit
    if case.expect_exit:
        assert current.stderr_lines == expected_lines(case, world)
    else:
        assert current.stdout == f"{case.expect_version} ({expected_origin(case, world, cwd)})\n"


def expected_origin(case: Case, world: Path, cwd: Path) -> str:
    """Where `gvw current` must say the selection came from, worked out from the case."""
    if case.env.get("GVW_GO_VERSION", "").strip():
        return "set by GVW_GO_VERSION environment variable"
    for directory in (cwd, *cwd.parents):
        if (directory / ".go-version").is_file():
            return f"set by {directory / '.go-version'}"
    for store in (world.joinpath(*case.user_store.split("/")), world / MACHINE):
        if (store / "version").is_file():
            return f"set by {store / 'version'}"
    return f"{world / 'sys' / 'go'}; no version selected"


# --- broken pins beyond the table ------------------------------------------------------


def _select_as_unprivileged(cwd: Path, env: dict[str, str], paths: Paths) -> list[str]:
    """The resolver's answer (exit code, message, hint) in a forked child that, as root,
    first drops to an unprivileged user: root reads every file. A fork, not a new
    gvw process, so that the interpreter need not be usable by that user."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read_end)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(UNPRIVILEGED_ID)
                os.setuid(UNPRIVILEGED_ID)
            try:
                find_selection(cwd, env, paths)
                answer = "selected"
            except GvwError as error:
                answer = f"{int(error.exit_code)}\ngvw: {error.message}\ngvw: {error.hint}"
            os.write(write_end, answer.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer_file:
        answer = answer_file.read().decode()
    os.waitpid(pid, 0)
    return answer.splitlines()


def test_an_unreadable_version_file_is_a_broken_pin() -> None:
    """The resolver run by a user who may not read the pin, in a world every user can
    traverse."""
    base = Path(tempfile.mkdtemp(prefix="gvw-selection-"))
    try:
        world = base / "world"
        world.mkdir()
        case = Case("unreadable", files={"proj/.go-version": b"1.22.10\n"})
        cwd, env = build_world(world, case)
        open_to_everyone(base)
        pin = cwd / ".go-version"
        pin.chmod(0)
        paths = Paths(world / "root", base / "cache", base / "config.toml")
        assert _select_as_unprivileged(cwd, env, paths) == ["3", *broken_pin_lines(str(pin))]
    finally:
        shutil.rmtree(base)


@pytest.mark.parametrize("kind", ["dangling", "fifo"])
def test_doctor_reports_a_broken_pin(tmp_path: Path, kind: str) -> None:
    world = tmp_path / "world"
    world.mkdir()
    case = Case("broken", files={"root/version": b"1.22.10\n"}, special={"proj/.go-version": kind})
    cwd, env = build_world(world, case)
    result = GvwEnv(tmp_path).run("doctor", "--json", cwd=cwd, env=env, timeout=60)
    assert result.returncode == 16, result.stderr
    findings = {f["check"]: f for f in json.loads(result.stdout)["checks"]}
    line, fix = broken_pin_lines(str(cwd / ".go-version"))
    assert findings["selected-version"] == {
        "check": "selected-version",
        "ok": False,
        "message": line.removeprefix("gvw: "),
        "fix": fix.removeprefix("gvw: "),
        "warning": False,  # a problem, not a warning
    }


def test_the_global_file_is_read_by_the_same_rules(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "root", tmp_path / "cache", tmp_path / "config.toml")
    assert read_global_file(paths) is None
    paths.global_file.parent.mkdir(parents=True)
    paths.global_file.mkdir()
    with pytest.raises(InvalidVersionError) as raised:
        read_global_file(paths)
    assert raised.value.message == f"cannot read version file {paths.global_file}"
    paths.global_file.rmdir()
    paths.global_file.write_bytes(b"go1.22\n")
    selection = read_global_file(paths)
    assert selection is not None and str(selection.spec) == "1.22"
