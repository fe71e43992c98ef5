"""A command line gvw cannot use: `gvw: <what is wrong>` and `gvw: <a command that
helps>`, exit 2, "did you mean" for commands and options, and no audit entry."""

from __future__ import annotations

import pytest

from tests.support.gvw_env import GvwEnv

CASES = [
    (
        ["instal", "1.25", "--json"],
        ["gvw: no such command 'instal'", "gvw: did you mean: gvw install 1.25 --json"],
    ),
    (["lst"], ["gvw: no such command 'lst'", "gvw: did you mean: gvw list"]),
    (
        ["snapshots", "shwo", "x"],
        ["gvw: snapshots: no such command 'shwo'", "gvw: did you mean: gvw snapshots show x"],
    ),
    (
        ["frobnicate"],
        ["gvw: no such command 'frobnicate'", "gvw: see the commands with: gvw help"],
    ),
    (
        ["install", "--mirrorr", "x"],
        [
            "gvw: install: no such option --mirrorr (did you mean --mirror?)",
            "gvw: see the usage with: gvw install --help",
        ],
    ),
    (
        ["uninstall"],
        [
            "gvw: uninstall: missing argument 'VERSION...'",
            "gvw: see the usage with: gvw uninstall --help",
        ],
    ),
    (
        ["install", "--sha256", "00"],
        [
            "gvw: install: --sha256 goes with --from-file",
            "gvw: see the usage with: gvw install --help",
        ],
    ),
    (  # what the user typed is echoed printable: no escape reaches the terminal
        ["current", "\x1b[2J\x1b]0;title\x07"],
        [
            "gvw: current: got unexpected extra argument (?[2J?]0;title?)",
            "gvw: see the usage with: gvw current --help",
        ],
    ),
    (
        ["log", "-n", "zero"],
        [
            "gvw: log: invalid value for '-n': 'zero' is not a valid integer range",
            "gvw: see the usage with: gvw log --help",
        ],
    ),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[repr(" ".join(a)) for a, _ in CASES])
def test_a_usage_error_says_what_is_wrong_and_a_command_that_helps(
    gvw: GvwEnv, args: list[str], expected: list[str]
) -> None:
    result = gvw.run(*args)
    assert (result.returncode, result.stdout, result.stderr_lines) == (2, "", expected)
    assert not (gvw.root / "log").exists()  # a command that never ran is no change to log


def test_the_suggested_command_is_the_one_meant(gvw: GvwEnv) -> None:
    typo = gvw.run("lst", "--json")
    hint = typo.stderr_lines[-1].removeprefix("gvw: did you mean: gvw ").split()
    meant = gvw.run(*hint)
    assert (meant.returncode, meant.stdout) == (0, "[]\n")


def test_gvw_alone_shows_the_help(gvw: GvwEnv) -> None:
    result = gvw.run()
    assert result.returncode == 2
    assert result.stderr.startswith("Usage: gvw [OPTIONS] COMMAND [ARGS]...")
    assert "Versions:" in result.stderr
