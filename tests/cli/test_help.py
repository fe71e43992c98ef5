"""Help you can scan: commands grouped by purpose with one-sentence summaries, examples
at the end of every command's help (each one a command line gvw accepts), `gvw help`,
and `gvw help exit-codes` printing the table docs/exit-codes.md holds."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from gvw.base.errors import EXIT_CODE_MEANINGS, ExitCode
from gvw.cli.group import COMMANDS, cli
from gvw.cli.helptext import GROUPS
from tests.support.gvw_env import REPO, GvwEnv, run_ok

HELP_WIDTH = 80  # click wraps help at 80 columns on wide terminals and in pipes


def command_paths() -> list[list[str]]:
    """Every command and subcommand, as the words after `gvw`."""
    ctx = click.Context(cli, info_name="gvw")
    paths = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        paths.append([name])
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command, info_name=name, parent=ctx)
            paths += [[name, sub] for sub in command.list_commands(sub_ctx)]
    return paths


def sections(text: str) -> dict[str, list[str]]:
    """The help's sections (a line ending with ":" at the margin) and their lines."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = line[:-1]
            found[current] = []
        elif not line.strip():
            current = ""  # a section's lines are contiguous
        elif current:
            found[current].append(line)
    return found


def test_top_level_help_lists_each_command_once_under_its_purpose(gvw: GvwEnv) -> None:
    shown = run_ok(gvw, "--help").stdout
    found = sections(shown)
    assert list(found) == ["Options", *GROUPS]
    rows = [line for title in GROUPS for line in found[title]]
    assert sorted(row.split()[0] for row in rows) == sorted(COMMANDS)  # each exactly once
    summaries = [row.split(None, 1)[1] for row in rows]
    assert len({row.index(summary) for row, summary in zip(rows, summaries)}) == 1  # aligned
    for summary in summaries:  # one line each, a whole sentence
        assert summary[0].isupper() and summary.endswith("."), summary
    assert all(len(line) <= HELP_WIDTH for line in shown.splitlines())


def test_top_level_help_points_to_help_command_and_exit_codes(gvw: GvwEnv) -> None:
    shown = " ".join(run_ok(gvw, "--help").stdout.split())
    assert "Run `gvw help COMMAND` for a command's options and examples" in shown
    assert "`gvw help exit-codes` for what each exit code means" in shown


def test_gvw_help_is_the_same_as_dash_dash_help(gvw: GvwEnv) -> None:
    assert run_ok(gvw, "help").stdout == run_ok(gvw, "--help").stdout
    assert run_ok(gvw, "help", "install").stdout == run_ok(gvw, "install", "--help").stdout
    assert run_ok(gvw, "help", "snapshots", "diff").stdout == (
        run_ok(gvw, "snapshots", "diff", "--help").stdout
    )


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_help_ends_with_examples_gvw_accepts(gvw: GvwEnv, path: list[str]) -> None:
    shown = run_ok(gvw, *path, "--help").stdout
    head, _, examples = shown.rstrip("\n").rpartition("\n  Examples:\n")
    assert head, f"gvw {' '.join(path)} --help has no Examples section"
    assert "Options:" in head  # the examples come last, after the options
    lines = [line.strip() for line in examples.splitlines()]
    assert lines and all(line.startswith("gvw ") for line in lines), lines
    summary = head.split("\n\n")[1].strip()
    assert "\n" not in summary and summary.endswith("."), summary
    for line in lines:
        words = shlex.split(re.split(r"\s{2,}", line)[0])  # without its comment
        shell = [i for i, word in enumerate(words) if word in (">", ">>", "|", "&&")]
        assert parses(words[1 : shell[0] if shell else None]), line  # gvw's part


def parses(words: list[str]) -> bool:
    """Whether click takes ``gvw WORDS`` without a usage error (nothing is run)."""
    ctx = click.Context(cli, info_name="gvw")
    name, rest = words[0], words[1:]
    command = cli.get_command(ctx, name)
    assert command is not None, name
    if isinstance(command, click.Group) and rest and command.get_command(ctx, rest[0]):
        ctx = click.Context(command, info_name=name, parent=ctx)
        name, rest = rest[0], rest[1:]
        command = command.get_command(ctx, name)
        assert command is not None
    command.make_context(name, rest, parent=ctx)  # raises click.UsageError
    return True


def test_gvw_help_exit_codes_prints_every_code_with_its_meaning(gvw: GvwEnv) -> None:
    shown = run_ok(gvw, "help", "exit-codes").stdout
    joined = "".join(shown.split())  # wrapped anywhere, even at a hyphen
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert "".join(f"{int(code)} {code.name} {meaning}".split()) in joined
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)


def test_the_docs_exit_code_table_and_the_code_agree() -> None:
    text = (REPO / "docs" / "exit-codes.md").read_text("utf-8")
    rows = re.findall(r"^\| (\d+) \| (\w+) \| (.+) \|$", text, flags=re.MULTILINE)
    link = r" \(\[[^\]]*\]\([^)]*\)\)"  # " ([fleets.md](fleets.md#...))": the docs' own
    documented = [(int(code), name, re.sub(link, "", meaning)) for code, name, meaning in rows]
    assert documented == [
        (int(code), code.name, meaning) for code, meaning in EXIT_CODE_MEANINGS.items()
    ]


def test_help_for_an_unknown_command_suggests_the_right_one(gvw: GvwEnv) -> None:
    result = gvw.run("help", "instal")
    assert (result.returncode, result.stderr_lines) == (
        2,
        ["gvw: no such command 'instal'", "gvw: did you mean: gvw help install"],
    )
    topic = gvw.run("help", "exit-code")
    assert topic.stderr_lines[-1] == "gvw: did you mean: gvw help exit-codes"


def test_a_command_that_runs_normally_never_imports_the_help_module(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    probe = (
        "import sys\nfrom gvw.cli import run\nrun(sys.argv[1:])\n"
        "print('helptext' if 'gvw.cli.helptext' in sys.modules else 'lean')\n"
    )
    for args in (["current"], ["list"], ["--version"]):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=gvw.env(),
        )
        assert done.stdout.splitlines()[-1] == "lean", (args, done.stderr)
