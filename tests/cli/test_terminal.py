"""Output people enjoy: colour for errors, warnings, success and diffs on a real terminal
only (NO_COLOR and FORCE_COLOR honoured), one style of gvw: lines, tables with headers
and human sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gvw.cli.terminal import human_size
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.terminal import run_on_terminal

RED, YELLOW, GREEN, RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[0m"


def test_an_error_is_red_on_a_terminal_and_its_hint_plain(user: GvwEnv) -> None:
    run = run_on_terminal(user, "install", "9.9", cwd=user.base)
    assert run.returncode == 7
    message, hint = run.terminal.splitlines()
    assert message.startswith(f"gvw: {RED}no Go release matches 9.9 on ") and message.endswith(
        RESET
    )
    assert hint == "gvw: install it with: gvw install latest"


def test_no_colour_when_piped_or_with_no_color_and_colour_with_force_color(user: GvwEnv) -> None:
    piped = user.run("install", "9.9")
    assert "\x1b" not in piped.stderr
    no_color = run_on_terminal(user, "install", "9.9", env={"NO_COLOR": "1"}, cwd=user.base)
    assert "\x1b" not in no_color.terminal
    forced = user.run("install", "9.9", env={"FORCE_COLOR": "1"})
    assert forced.stderr.startswith(f"gvw: {RED}no Go release matches")
    both = user.run("install", "9.9", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b" not in both.stderr  # NO_COLOR wins
    dumb = run_on_terminal(user, "install", "9.9", env={"TERM": "dumb"}, cwd=user.base)
    assert "\x1b" not in dumb.terminal


def test_success_is_green_on_a_terminal(user: GvwEnv) -> None:
    run = run_on_terminal(user, "install", "1.21.13", stream="stdout", cwd=user.base)
    assert run.returncode == 0
    assert run.terminal.splitlines()[0] == (
        f"{GREEN}Installed Go 1.21.13 in {user.root / 'versions' / '1.21.13'}{RESET}"
    )
    assert "\x1b" not in run_ok(user, "install", "1.22.10").stdout  # piped: plain


def test_a_warning_is_one_yellow_word_on_a_terminal(user: GvwEnv) -> None:
    run_ok(user, "install", "1.21.13")
    home = Path(user.env()["HOME"])
    home.mkdir(exist_ok=True)
    run = run_on_terminal(user, "local", "1.21.13", cwd=home)
    assert run.terminal.splitlines() == [
        f"gvw: {YELLOW}warning:{RESET} ~/.go-version covers every directory in your home "
        "without its own; gvw global sets a default"
    ]


def test_a_diff_shows_the_old_value_red_and_the_new_green(user: GvwEnv) -> None:
    run_ok(user, "install", "1.21.13", "1.22.10")
    run_ok(user, "global", "1.22.10")
    first = run_ok(user, "snapshots", "--json").stdout.split('"id": "')[-1].split('"')[0]
    run = run_on_terminal(user, "snapshots", "diff", first, stream="stdout", cwd=user.base)
    assert sorted(run.terminal.splitlines()) == [
        f"Go 1.21.13: {RED}not installed{RESET} -> {GREEN}installed{RESET}",
        f"Go 1.22.10: {RED}not installed{RESET} -> {GREEN}installed{RESET}",
        f"global: {RED}(absent){RESET} -> {GREEN}1.22.10{RESET}",
    ]


def test_tools_are_a_table_with_headers_and_human_sizes(user: GvwEnv) -> None:
    run_ok(user, "install", "1.21.13")
    bin_dir = Path(user.env()["HOME"]) / "go" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "script").write_bytes(b"#!/bin/sh\n" + b"#" * 2990)  # no Go build info
    assert run_ok(user, "tools").stdout.splitlines() == [
        "~/go/bin, the Go selected here: go1.21.13",
        "NAME    SIZE    BUILT WITH  MODULE",
        "script  3.0 kB  ?           -",
        "script cannot be rebuilt: no Go build information (not a Go program, or built "
        "before Go 1.18)",
    ]


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (15_728_640, "15.7 MB"), (3 * 10**9, "3.0 GB")],
)
def test_sizes_are_shown_in_decimal_units(size: int, shown: str) -> None:
    assert human_size(size) == shown
