"""A project's commands on the command line: given as strings (upgrade --run, apply
--health-check), and the side-by-side table of their runs under two Go versions (try,
upgrade)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import click

from gvw.workflows.trying import Run

CACHE_NOTE = (
    "a version's first run fills its build cache, so its time includes that; "
    "gvw try VERSION --repeat N compares warm runs"
)


def split_commands(texts: Sequence[str], *, option: str) -> list[tuple[str, ...]]:
    """Each string split like a shell (quotes, no pipes or variables: nothing runs a shell)."""
    try:
        parsed = [tuple(shlex.split(text)) for text in texts]
    except ValueError as exc:  # unbalanced quotes
        raise click.BadParameter(f"{exc} in {tuple(texts)!r}", param_hint=option) from None
    if not all(parsed):
        raise click.UsageError(f"{option} needs a command, e.g. {option} 'go test ./...'")
    return parsed


def show_runs(runs: Sequence[Run]) -> None:
    """One row per command, one column per version: exit code and wall time; then the
    last lines of every failing run with the path of its full log."""
    if not runs:
        return
    columns: list[str] = []
    for run in runs:
        label = f"Go {run.toolchain.name} ({run.toolchain.role})"
        if label not in columns:
            columns.append(label)
    rows: dict[str, dict[str, str]] = {}
    for run in runs:
        label = f"Go {run.toolchain.name} ({run.toolchain.role})"
        result = "ok" if run.ok else f"exit {run.exit_code}"
        rows.setdefault(" ".join(run.command), {})[label] = f"{result}  {run.seconds:.2f}s"
    first = max(len("COMMAND"), *(len(c) for c in rows))
    widths = [max(len(c), *(len(r.get(c, "")) for r in rows.values())) for c in columns]
    header = [f"{'COMMAND':<{first}}", *(f"{c:<{w}}" for c, w in zip(columns, widths))]
    click.echo("  ".join(header).rstrip())
    for command, cells in rows.items():
        line = [
            f"{command:<{first}}",
            *(f"{cells.get(c, '-'):<{w}}" for c, w in zip(columns, widths)),
        ]
        click.echo("  ".join(line).rstrip())
    for run in runs:
        if not run.ok:
            click.echo(
                f"--- {' '.join(run.command)} with Go {run.toolchain.name}: exit "
                f"{run.exit_code}; last lines (full log: {run.log}):"
            )
            for text in run.tail:
                click.echo(f"    {text}")
