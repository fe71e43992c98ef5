"""While try, upgrade and verify run a command, the user sees which command, under
which Go, and for how long: a spinner on a terminal, one plain line when piped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, install_unselected, write_files
from tests.support.patch_mirror import NEW, OLD, copy_store
from tests.support.terminal import run_on_terminal

# long enough for the spinner to turn a few times
SLOW_TEST = b"""package project

import (
\t"testing"
\t"time"
)

func TestSlow(t *testing.T) { time.Sleep(700 * time.Millisecond) }
"""


@pytest.fixture(scope="module")
def both(patch_store: GvwEnv, tmp_path_factory: pytest.TempPathFactory) -> GvwEnv:
    gvw = copy_store(patch_store, tmp_path_factory.mktemp("progress"))
    install_unselected(gvw, NEW)
    return gvw


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_files(
        tmp_path / "project",
        {
            "go.mod": b"module example.com/project\n\ngo 1.25\n",
            "slow_test.go": SLOW_TEST,
            ".go-version": b"1.25.4\n",
        },
    )
    return tmp_path / "project"


def test_a_running_check_shows_a_spinner_with_its_go_and_elapsed_time_on_a_terminal(
    both: GvwEnv, project: Path
) -> None:
    run = run_on_terminal(both, "try", NEW, "--", "go", "test", "-count=1", "./...", cwd=project)
    assert run.returncode == 0, run.terminal
    label = f"Go {NEW}: go test -count=1 ./..."
    frames = re.findall(rf"\r(.) {re.escape(label)}  (\d+\.\d)s\x1b\[K", run.terminal)
    assert len({frame for frame, _ in frames}) >= 3  # it turned
    times = [float(t) for _, t in frames]
    assert times == sorted(times) and times[-1] >= 0.6  # the time counts up
    # when the command ends its line becomes a record of it
    assert re.search(rf"\r\x1b\[Kgvw: {re.escape(label)} ok \(\d+\.\ds\)\r\n", run.terminal)
    assert run.stdout.startswith("COMMAND")  # the result itself is on stdout, unchanged


def test_piped_each_command_is_one_plain_line_and_quiet_shows_none(
    both: GvwEnv, project: Path
) -> None:
    result = both.run("try", NEW, "--", "go", "test", "-count=1", "./...", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stderr_lines == [
        f"gvw: Go {OLD}: go list -m all",
        f"gvw: Go {NEW}: go list -m all",
        f"gvw: Go {OLD}: go test -count=1 ./...",
        f"gvw: Go {NEW}: go test -count=1 ./...",
    ]
    quiet = both.run("try", NEW, "-q", "--", "go", "test", "-count=1", "./...", cwd=project)
    assert quiet.returncode == 0 and quiet.stderr == ""
    dumb = run_on_terminal(both, "verify", OLD, cwd=project, env={"TERM": "dumb"})
    assert "\r" not in dumb.terminal.replace("\r\n", "\n") and "\x1b" not in dumb.terminal


def test_verify_shows_each_step_while_it_runs(both: GvwEnv, project: Path) -> None:
    run = run_on_terminal(both, "verify", OLD, cwd=project)
    assert run.returncode == 0, run.terminal
    finished = re.findall(r"gvw: Go 1\.25\.4: (.+?) (ok|exit \d+) \(\d+\.\ds\)", run.terminal)
    assert finished == [
        ("checking its files against the manifest", "ok"),
        ("go version", "ok"),
        ("go env GOROOT", "ok"),
        ("go build (hello world)", "ok"),
        ("hello world", "ok"),
    ]
