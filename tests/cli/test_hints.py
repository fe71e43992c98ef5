"""Every hint works: each case puts a store into a state, provokes a message with a hint,
then runs the hint's command in that same state; it must succeed. Where the first
command can succeed after it, it is run again and must.

A hint is the last stderr line, ``gvw: <words>: gvw <command>`` (or ``e.g. gvw …``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, Result, install_unselected, run_ok

HINT = re.compile(r"^gvw: (?:.*?(?:: |e\.g\. ))?(gvw .*)$")


@dataclass(frozen=True)
class Case:
    name: str
    command: tuple[str, ...]
    exit_code: int
    hint: str  # the command the hint names, exactly
    given: Callable[[GvwEnv, Path], None] = lambda user, here: None
    then_ok: bool = False  # the first command succeeds once the hint has run
    env: dict[str, str] = field(default_factory=dict)


def installed(*versions: str) -> Callable[[GvwEnv, Path], None]:
    def given(user: GvwEnv, _here: Path) -> None:
        install_unselected(user, *versions)

    return given


def global_(version: str, *installs: str) -> Callable[[GvwEnv, Path], None]:
    def given(user: GvwEnv, here: Path) -> None:
        installed(*installs)(user, here)
        run_ok(user, "global", version)

    return given


def files(written: dict[str, str]) -> Callable[[GvwEnv, Path], None]:
    def given(_user: GvwEnv, here: Path) -> None:
        for name, text in written.items():
            (here / name).write_text(text)

    return given


CASES = [
    Case("nothing installed: go and current", ("current",), 5, "gvw install latest", then_ok=True),
    Case("no such release", ("install", "9.9"), 7, "gvw install latest"),
    Case("no such patch release", ("install", "1.22.99"), 7, "gvw install 1.22"),
    Case("nothing to install here", ("install",), 2, "gvw install latest"),
    Case("global of no release", ("global", "9.9"), 4, "gvw install latest"),
    Case(
        "global of a release not installed", ("global", "1.22"), 4, "gvw install 1.22", then_ok=True
    ),
    Case(
        "local shown, nothing pinned",
        ("local",),
        5,
        "gvw local 1.21.13",
        installed("1.21.13"),
        then_ok=True,
    ),
    Case("local shown, nothing installed", ("local",), 5, "gvw install latest"),
    Case(
        "global shown, unset",
        ("global",),
        5,
        "gvw global 1.21.13",
        installed("1.21.13"),
        then_ok=True,
    ),
    Case(
        "uninstall of the global version",
        ("uninstall", "1.22.10"),
        14,
        "gvw global 1.21.13",
        global_("1.22.10", "1.21.13", "1.22.10"),
        then_ok=True,
    ),
    Case(
        "uninstall of the only version, the global one",
        ("uninstall", "1.22.10"),
        14,
        "gvw uninstall --force 1.22.10",
        global_("1.22.10", "1.22.10"),
    ),
    Case(
        "uninstall of a family",
        ("uninstall", "1.22"),
        2,
        "gvw uninstall 1.22.10",
        installed("1.22.10"),
    ),
    Case(
        "a pinned version not installed",
        ("current",),
        4,
        "gvw install 1.21",
        files({".go-version": "1.21\n"}),
        then_ok=True,
    ),
    Case(
        "exec under a missing pin",
        ("exec", "--", "go", "version"),
        4,
        "gvw install 1.21",
        files({".go-version": "1.21\n"}),
        then_ok=True,
    ),
    Case(
        "go.mod asks for a Go not installed",
        ("local", "--from-go-mod"),
        4,
        "gvw local --from-go-mod --install",
        files({"go.mod": "module m\n\ngo 1.22.10\n"}),
        then_ok=True,
    ),
    Case("verify with nothing installed", ("verify", "--all"), 4, "gvw install latest"),
    Case("a mistyped command", ("instal", "1.22.10"), 2, "gvw install 1.22.10"),
    Case("a mistyped option", ("install", "--mirrorr", "x"), 2, "gvw install --help"),
]


def hint_of(result: Result) -> str:
    found = HINT.match(result.stderr_lines[-1]) if result.stderr_lines else None
    assert found, result.stderr
    return found[1]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_hint_is_a_command_that_works_here(user: GvwEnv, tmp_path: Path, case: Case) -> None:
    here = tmp_path / "here"
    here.mkdir()
    case.given(user, here)
    first = user.run(*case.command, cwd=here, env=case.env)
    assert first.returncode == case.exit_code, first.stderr
    hint = hint_of(first)
    assert hint == case.hint
    assert "<" not in hint  # a command, not a template
    followed = user.run(*shlex.split(hint)[1:], cwd=here, env=case.env)
    assert followed.returncode == 0, followed.stderr
    if case.then_ok:
        again = user.run(*case.command, cwd=here, env=case.env)
        assert again.returncode == 0, again.stderr


def test_a_hint_after_mirror_on_the_command_line_keeps_the_mirror(
    user: GvwEnv, tmp_path: Path
) -> None:
    url = user.extra_env.pop("GVW_MIRROR")  # the default mirror is out of reach here
    failed = user.run("install", "--mirror", url, "9.9")
    assert hint_of(failed) == f"gvw install latest --mirror {url}/"
    run_ok(user, *shlex.split(hint_of(failed))[1:])


def test_list_remote_without_a_match_says_so_on_stderr(user: GvwEnv) -> None:
    nothing = run_ok(user, "list-remote", "9.9")
    assert nothing.stdout == ""
    assert nothing.stderr_lines == [
        f"gvw: no Go release matches 9.9 on {user.extra_env['GVW_MIRROR']}/; the newest "
        "release is 1.22.10; nearest families: 1.22, 1.21",
        "gvw: see what exists with: gvw list-remote",
    ]
    assert run_ok(user, "list-remote").stdout == "1.22.10\n1.21.13\n"
