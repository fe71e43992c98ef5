"""How a trial of Go versions on a project is shown (try, upgrade): the table of runs,
the programs' sizes, the module lists, the security fixes, the failures' last lines;
and a project's commands given as strings on the command line (upgrade --run, apply
--health-check)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gvw.cli.terminal import show_note

if TYPE_CHECKING:
    from gvw.knowledge.osv import Advisory
    from gvw.workflows.binaries import Binaries
    from gvw.workflows.trial import Trial
    from gvw.workflows.trying import Run, Toolchain


F = TypeVar("F", bound=Callable[..., Any])


def judgement_options(slower: str) -> Callable[[F], F]:
    """``--repeat N`` and ``--max-slowdown PERCENT`` (try, upgrade); ``slower`` says
    what a check that much slower means for the command."""

    def decorate(function: F) -> F:
        function = click.option(
            "--max-slowdown",
            type=click.FloatRange(0, 10_000),
            metavar="PERCENT",
            help=f"A check this much slower (median) {slower}.",
        )(function)
        return click.option(
            "--repeat", type=click.IntRange(1, 100), default=1, help="Runs of each check."
        )(function)

    return decorate


def column(toolchain: Toolchain) -> str:
    return f"Go {toolchain.name} ({toolchain.role})"


def show_trial(trial: Trial) -> None:
    """Everything a trial found, on stdout; notes last."""
    show_runs(trial.runs)
    show_binaries(trial.binaries)
    show_module_lists(trial)
    show_failures(trial.runs)


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
    """One row per command, one column per version: exit code, median wall time (and
    how it compares with the current version's), peak memory."""
    current = {r.command: r for r in runs if r.toolchain.role == "current"}
    rows: dict[str, dict[str, str]] = {}
    for run in runs:
        result = "ok" if run.ok else f"exit {run.exit_code}"
        time = f"{run.seconds:.2f}s"
        before = current.get(run.command)
        if run.toolchain.role == "candidate" and before is not None and before.seconds > 0:
            time += f" ({(run.seconds / before.seconds - 1) * 100:+.0f}%)"
        memory = human_size(run.peak_memory) if run.peak_memory is not None else "-"
        rows.setdefault(" ".join(run.command), {})[column(run.toolchain)] = (
            f"{result}  {time}  {memory}"
        )
    table(["COMMAND", *dict.fromkeys(column(r.toolchain) for r in runs)], rows)


def show_binaries(binaries: Sequence[Binaries]) -> None:
    """The programs a build produced, their size per version."""
    first: dict[str, int] = {}
    rows: dict[str, dict[str, str]] = {}
    for found in binaries:
        for name, size in found.sizes.items():
            cell = human_size(size)
            if name in first and first[name] > 0:
                cell += f" ({(size / first[name] - 1) * 100:+.1f}%)"
            first.setdefault(name, size)
            rows.setdefault(name, {})[column(found.toolchain)] = cell
    if rows:
        click.echo("")
        table(["PROGRAM", *dict.fromkeys(column(b.toolchain) for b in binaries)], rows)


def show_module_lists(trial: Trial) -> None:
    lists = [m for m in trial.modules if m.modules is not None]
    if not lists:
        return
    changes = trial.module_changes()
    where = lists[0].file.parent
    if all(c.none for c in changes.values()):
        count = len(lists[0].modules or [])
        click.echo(
            f"\nModule list (go list -m all): the same under every version, {count} "
            f"module{'s' if count != 1 else ''}; kept in {where}"
        )
        return
    current = next(m.toolchain for m in lists if m.toolchain.role == "current")
    for toolchain, change in changes.items():
        if not change.none:
            click.echo(f"\nModule list under Go {toolchain.name}, against Go {current.name}:")
            for line in change.lines():
                click.echo(f"  {line}")
    click.echo(f"(the lists are kept in {where})")


def show_failures(runs: Sequence[Run]) -> None:
    for run in runs:
        if not run.ok:
            click.echo(
                f"--- {' '.join(run.command)} with Go {run.toolchain.name}: exit "
                f"{run.exit_code}; last lines (full log: {run.log}):"
            )
            for text in run.tail:
                click.echo(f"    {text}")


def show_fixes(target: str, current: str, fixes: Sequence[Advisory]) -> None:
    """``Go 1.25.5 fixes 2 known vulnerabilities of Go 1.25.4:`` and one line each."""
    count = f"{len(fixes)} known vulnerabilit{'ies' if len(fixes) != 1 else 'y'}"
    click.echo(f"Go {target} fixes {count} of Go {current}:")
    for advisory in fixes:
        click.echo(f"  {advisory_line(advisory)}")


def advisory_line(advisory: Advisory) -> str:
    """``GO-2025-4155 (CVE-2025-61729) in crypto/x509: Excessive resource ...``"""
    aliases = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
    where = f" in {', '.join(advisory.packages[:3])}" if advisory.packages else ""
    return f"{advisory.id}{aliases}{where}: {advisory.summary}"


def show_notes(notes: Sequence[str]) -> None:
    for note in notes:
        show_note(note)


def table(header: Sequence[str], rows: dict[str, dict[str, str]]) -> None:
    """Left-aligned columns; the first holds the row names."""
    names = [header[0], *rows]
    widths = [max(len(n) for n in names)]
    widths += [max(len(c), *(len(r.get(c, "-")) for r in rows.values())) for c in header[1:]]
    click.echo("  ".join(f"{h:<{w}}" for h, w in zip(header, widths)).rstrip())
    for name, cells in rows.items():
        line = [f"{name:<{widths[0]}}"]
        line += [f"{cells.get(c, '-'):<{w}}" for c, w in zip(header[1:], widths[1:])]
        click.echo("  ".join(line).rstrip())


def human_size(size: int) -> str:
    """``312 MB``, ``1.6 MB``, ``980 KB`` (decimal units, as download sizes)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{size} B"
