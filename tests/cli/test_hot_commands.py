"""The hot read-only commands (gvw.cli.hot) print what the click command line prints:
`gvw current`, `gvw which`, `gvw which go|gofmt` and `gvw --version`, run as users run
them (``python -m gvw``, no click imported) and through the click command line
(gvw.cli.run), in each situation a user meets: a pin, the global version, nothing
selected with and without a go on PATH, a pin naming a version not installed, a
directory whose name holds escape sequences, a deleted current directory. Both must
agree on stdout, stderr and the exit code, whichever answered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

HOT = [["current"], ["which"], ["which", "go"], ["which", "gofmt"], ["--version"]]
# prints whether click was imported, whichever way the process ends
WATCH = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('CLICK=%s\\n' % ('click' in sys.modules)))\n"
)
AS_USERS_RUN_IT = WATCH + "from gvw.cli import main\nmain(sys.argv[1:])\n"
THROUGH_CLICK = WATCH + "from gvw.cli import run\nsys.exit(run(sys.argv[1:]))\n"


def both(gvw: GvwEnv, cwd: Path, args: list[str], env: dict[str, str] | None = None):
    """(hot, click): each (exit code, stdout, stderr without the CLICK line, clicked)."""
    outcomes = []
    for probe in (AS_USERS_RUN_IT, THROUGH_CLICK):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            cwd=cwd,
            env=gvw.env(env),
            capture_output=True,
            text=True,
            timeout=60,
        )
        lines = done.stderr.splitlines(keepends=True)
        assert lines and lines[-1].startswith("CLICK="), done.stderr
        outcomes.append(
            (done.returncode, done.stdout, "".join(lines[:-1]), lines[-1] == "CLICK=True\n")
        )
    return outcomes


@pytest.fixture
def machine(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), PATH="/usr/bin:/bin")
    run_ok(gvw, "install", "1.21.13")
    run_ok(gvw, "install", "1.22.10")
    (gvw.root / "version").unlink()  # the first install was made global: nothing is
    return gvw


@pytest.mark.parametrize("args", HOT, ids=" ".join)
@pytest.mark.parametrize(
    "situation", ["pin", "global", "hostile name", "pin not installed", "nothing selected"]
)
def test_the_hot_path_prints_what_the_click_path_prints(
    machine: GvwEnv, tmp_path: Path, args: list[str], situation: str
) -> None:
    project = tmp_path / ("app\x1b]0;pwned\x07\ndir" if situation == "hostile name" else "app")
    project.mkdir()
    if situation in ("pin", "hostile name"):
        (project / ".go-version").write_text("1.21.13\n")
    elif situation == "pin not installed":
        (project / ".go-version").write_text("1.20.1\n")
    elif situation == "global":
        run_ok(machine, "global", "1.22.10")
    hot, through_click = both(machine, project, args)
    assert hot[:3] == through_click[:3]
    assert through_click[3]  # the comparison is with click's own answer
    errors = situation in ("pin not installed", "nothing selected") and args != ["--version"]
    # the hot path answers without click; an error is reported by the click command line
    assert hot[3] is errors, hot
    assert "\x1b" not in hot[1] + hot[2]
    if not errors:
        assert hot[0] == 0 and hot[1].count("\n") == 1, hot


def test_a_go_on_path_with_nothing_selected(machine: GvwEnv, tmp_path: Path) -> None:
    system = tmp_path / "system" / "bin"
    system.mkdir(parents=True)
    (system / "go").write_text("#!/bin/sh\necho go version go1.19 linux/amd64\n")
    (system / "go").chmod(0o755)
    path = {"PATH": f"{system}:/usr/bin:/bin"}
    for args in (["current"], ["which"]):
        hot, through_click = both(machine, tmp_path, args, path)
        assert hot[:3] == through_click[:3] and not hot[3]
    assert hot[1] == f"{system / 'go'}\n"


def test_options_and_other_tools_go_through_click(machine: GvwEnv, tmp_path: Path) -> None:
    run_ok(machine, "global", "1.22.10")
    for args in (["current", "--json"], ["which", "go1.21.13"], ["current", "--help"]):
        hot, through_click = both(machine, tmp_path, args)
        assert hot == through_click and hot[3], args


def test_a_deleted_current_directory(machine: GvwEnv, tmp_path: Path) -> None:
    run_ok(machine, "global", "1.22.10")
    gone = tmp_path / "gone"
    gone.mkdir()
    results = []
    for probe in (AS_USERS_RUN_IT, THROUGH_CLICK):
        script = "import os, sys\nos.rmdir(sys.argv[1])\nsys.argv[1:2] = []\n" + probe
        done = subprocess.run(
            [sys.executable, "-c", script, str(gone), "current"],
            cwd=gone if os.path.isdir(gone) else tmp_path,
            env=machine.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        results.append((done.returncode, done.stdout, done.stderr.rsplit("CLICK=", 1)[0]))
        gone.mkdir()
    assert results[0] == results[1]
    assert results[0][0] == 0


def test_no_stdout_at_all(machine: GvwEnv, tmp_path: Path) -> None:
    # pythonw, a detached process, `>&-`: click prints nothing and succeeds; so does this
    run_ok(machine, "global", "1.22.10")
    for args in (["current"], ["--version"]):
        outcomes = []
        for probe in (AS_USERS_RUN_IT, THROUGH_CLICK):
            done = subprocess.run(
                [sys.executable, "-c", probe, *args],
                cwd=tmp_path,
                env=machine.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
                preexec_fn=lambda: os.close(1),
            )
            outcomes.append((done.returncode, done.stderr.rsplit("CLICK=", 1)[0]))
        assert outcomes[0] == outcomes[1] == (0, ""), outcomes


def test_an_ascii_only_stdout_is_left_to_click(machine: GvwEnv, tmp_path: Path) -> None:
    # click writes UTF-8 where Python was told ASCII; the hot path leaves such a stream to it
    project = tmp_path / "café" / "日本"
    project.mkdir(parents=True)
    (project / ".go-version").write_text("1.22.10\n")
    for encoding in ("ascii:backslashreplace", "ascii:replace"):
        hot, through_click = both(machine, project, ["current"], {"PYTHONIOENCODING": encoding})
        assert hot[:3] == through_click[:3]
        assert "café/日本" in hot[1]


def test_shell_completion_is_left_to_click(machine: GvwEnv, tmp_path: Path) -> None:
    run_ok(machine, "global", "1.22.10")  # `gvw which` alone would answer
    completing = {"_GVW_COMPLETE": "bash_complete", "COMP_WORDS": "gvw which g", "COMP_CWORD": "2"}
    hot, through_click = both(machine, tmp_path, ["which"], completing)
    assert hot == through_click and hot[3]
    assert "plain,gofmt" in hot[1].splitlines()


SLOW_SELECTION = (
    "import time, gvw.selection.resolver as resolver\n"
    "found = resolver.find_selection\n"
    "def slow(*args):\n"
    "    print('looking', flush=True)\n"
    "    time.sleep(30)\n"
    "    return found(*args)\n"
    "resolver.find_selection = slow\n"
)


@pytest.mark.parametrize(("signum", "code", "said"), [
    (signal.SIGTERM, 143, "gvw: terminated (SIGTERM)\n"),
    (signal.SIGHUP, 129, "gvw: hung up (SIGHUP)\n"),
    (signal.SIGINT, 130, "gvw: interrupted\n"),
])  # fmt: skip
def test_a_signal_ends_it_as_it_ends_any_command(
    machine: GvwEnv, tmp_path: Path, signum: int, code: int, said: str
) -> None:
    run_ok(machine, "global", "1.22.10")
    outcomes = []
    for probe in (AS_USERS_RUN_IT, THROUGH_CLICK):
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_SELECTION + probe, "current"],
            cwd=tmp_path,
            env=machine.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stdout.readline() == "looking\n"
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
        outcomes.append((process.returncode, out, err.rsplit("CLICK=", 1)[0]))
    assert outcomes[0] == outcomes[1] == (code, "", said), outcomes
