"""The shared selection table against the Python resolver: `gvw which` and
`gvw current`, run as a user runs them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.selection_cases import CASES, Case
from tests.support.gvw_env import GvwEnv, write_files

PYTHON_CASES = [case for case in CASES if not case.shim_only]


def build_world(world: Path, case: Case) -> tuple[Path, dict[str, str]]:
    root = world / "root"
    for version in case.installed:
        for tool in ("go", "gofmt"):
            exe = root / "versions" / version / "bin" / tool
            exe.parent.mkdir(parents=True, exist_ok=True)
            exe.write_text(f"#!/bin/sh\necho {version} {tool}\n")
            exe.chmod(0o755)
    (root / "shims").mkdir(parents=True, exist_ok=True)
    system = world / "sys"
    system.mkdir()
    if case.system_go:
        for tool in ("go", "gofmt"):
            (system / tool).write_text("#!/bin/sh\necho system\n")
            (system / tool).chmod(0o755)
    write_files(world, case.files)
    cwd = world / case.cwd
    cwd.mkdir(parents=True, exist_ok=True)
    env = {"GVW_ROOT": str(root), "PATH": str(system), **case.env}
    return cwd, env


def expected_lines(case: Case, world: Path) -> list[str]:
    return [
        line.format(world=world, sep=os.sep, root=world / "root") for line in case.expect_stderr
    ]


def expected_path(case: Case, world: Path) -> Path:
    tool = "go" if case.tool.startswith("go1") else case.tool
    if case.expect_version == "system":
        return world / "sys" / tool
    return world / "root" / "versions" / str(case.expect_version) / "bin" / tool


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
    if (world / "root" / "version").is_file():
        return f"set by {world / 'root' / 'version'}"
    return f"{world / 'sys' / 'go'}; no version selected"
