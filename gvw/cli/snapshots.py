"""gvw snapshots (list, show, diff), gvw restore and gvw rollback: options and output;
the work is done by gvw.history.snapshots.service."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime

import click

from gvw.base.errors import SnapshotError
from gvw.base.redaction import holds_credentials, redact
from gvw.cli import terminal
from gvw.cli.app import App, machine_option
from gvw.cli.command import Command, Group
from gvw.cli.completion import complete_snapshot_ids
from gvw.cli.terminal import TerminalReporter
from gvw.history.snapshots.apply import Plan
from gvw.history.snapshots.diff import diff
from gvw.history.snapshots.display import Change, describe, excerpt, local_time, summary
from gvw.history.snapshots.fileformat import as_dict
from gvw.history.snapshots.model import Snapshot
from gvw.history.snapshots.service import RestoreOptions, RestoreResult


@click.group(cls=Group, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@machine_option
@click.pass_context
def snapshots(ctx: click.Context, *, as_json: bool, machine: bool) -> None:
    """List, show, compare and discard snapshots.

    gvw takes a snapshot before every command that changes something (install,
    uninstall, global, local, setup, restore, rollback). Without a subcommand: the
    list, newest first.

    \b
    Examples:
      gvw snapshots
      gvw snapshots show 20260101-120000-123
      gvw snapshots diff 20260101-120000-123
      gvw snapshots discard 20260101-120000-123
    """
    ctx.obj = machine  # the store of the subcommands too
    if ctx.invoked_subcommand is not None:
        return
    app = App(machine=machine)
    found, problems = app.snapshots.repo.load_all()
    reporter = TerminalReporter()
    for problem in problems:
        reporter.warn(problem.message + (f" (skipped; {problem.hint})" if problem.hint else ""))
    if as_json:
        rows = [
            {
                "id": s.id,
                "time": s.created.isoformat(),
                "command": s.command,
                "summary": summary(s.state),
            }
            for s in found
        ]
        click.echo(json.dumps(redact(rows), indent=2))
        return
    if not found:
        click.echo("no snapshots yet: gvw takes one before every change")
        return
    commands = [excerpt(s.command, 40) for s in found]
    width = max(len("COMMAND"), *(len(c) for c in commands))
    click.echo(f"{'ID':<19}  {'TIME':<19}  {'COMMAND':<{width}}  SUMMARY")
    for snapshot, command in zip(found, commands):
        click.echo(
            f"{snapshot.id}  {local_time(snapshot)}  {command:<{width}}  {summary(snapshot.state)}"
        )


@snapshots.command()
@click.argument("snapshot_id", metavar="ID", shell_complete=complete_snapshot_ids)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def show(*, snapshot_id: str, as_json: bool) -> None:
    """Show everything one snapshot holds.

    ID may be a unique prefix of a snapshot's id (gvw snapshots lists them).

    \b
    Examples:
      gvw snapshots show 20260101-120000-123
      gvw snapshots show 20260101 --json
    """
    app = App(machine=_machine())
    repo = app.snapshots.repo
    snapshot = repo.load(repo.resolve(snapshot_id))
    if as_json:
        # the values as recorded, but no credential (the file itself keeps them)
        click.echo(json.dumps(redact(as_dict(snapshot)), indent=2, default=_iso))
        return
    for line in describe(snapshot):
        click.echo(line)


@snapshots.command("diff")
@click.argument("first", metavar="ID", shell_complete=complete_snapshot_ids)
@click.argument("second", metavar="[ID]", required=False, shell_complete=complete_snapshot_ids)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def diff_(*, first: str, second: str | None, as_json: bool) -> None:
    """Show what changed since a snapshot.

    Compares snapshot ID with a second one, or with the state now.

    \b
    Examples:
      gvw snapshots diff 20260101-120000-123
      gvw snapshots diff 20260101-120000-123 20260102-090000-456
    """
    app = App(machine=_machine())
    repo = app.snapshots.repo
    old = repo.load(repo.resolve(first))
    if second is None:
        new = app.snapshots.capture_like(old)
    else:
        new = repo.load(repo.resolve(second)).state
    changes = diff(old.state, new)
    if as_json:
        click.echo(json.dumps([c.__dict__ for c in changes], indent=2))
        return
    for change in changes:
        terminal.change_line(change.label, change.old, change.new, change.note)
    if not changes:
        click.echo("no differences")


@snapshots.command()
@click.argument("snapshot_id", metavar="ID", shell_complete=complete_snapshot_ids)
def discard(*, snapshot_id: str) -> None:
    """Set a damaged snapshot aside.

    It moves into snapshots/damaged/, so that gvw rollback goes past it. Readable
    snapshots are kept: retention removes those.

    \b
    Examples:
      gvw snapshots discard 20260101-120000-123
    """
    app = App(machine=_machine())
    repo = app.snapshots.repo
    found = repo.resolve(snapshot_id)
    try:
        repo.load(found)
    except SnapshotError as damage:
        reason = damage.message
    else:
        raise SnapshotError(
            f"snapshot {found} is not damaged; nothing was changed",
            hint="discard sets only damaged snapshots aside (see them with: gvw snapshots)",
        )
    with app.changes.change(f"snapshots discard {found}", scope=[]) as change:
        moved = repo.set_aside(found)
        change.note("snapshot_discarded", id=found, path=str(moved), reason=reason)
    click.echo(f"Moved damaged snapshot {found} to {moved}")


@click.command(cls=Command)
@click.argument("snapshot_id", metavar="ID", shell_complete=complete_snapshot_ids)
@click.option("--mirror", metavar="URL", help="Where to download versions the trash lacks.")
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@machine_option
def restore(
    *, snapshot_id: str, mirror: str | None, dry_run: bool, quiet: bool, machine: bool
) -> None:
    """Go back to the state a snapshot recorded.

    Puts back everything snapshot ID recorded (versions, selection, go env file,
    GOPATH/bin programs, shell profiles, on Windows the user environment), whatever
    command it was taken before. The current state is snapshotted first, so
    `gvw rollback` undoes the restore.

    \b
    Examples:
      gvw restore 20260101-120000-123 --dry-run
      gvw restore 20260101-120000-123
    """
    app = App(machine=machine)
    reporter = TerminalReporter(quiet=quiet)
    options = _options(app, reporter, mirror=mirror, dry_run=dry_run)
    printer = _Printer(reporter, dry_run=dry_run)
    with app.changes.change(f"restore {snapshot_id.strip()}", scope=[]) as change:
        result = app.snapshots.restore(snapshot_id, options, printer, change)
    _finish(result, "Nothing to restore", dry_run=dry_run)


@click.command(cls=Command)
@click.option("--mirror", metavar="URL", help="Where to download versions the trash lacks.")
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@machine_option
def rollback(*, mirror: str | None, dry_run: bool, quiet: bool, machine: bool) -> None:
    """Undo the last change.

    Restores the newest snapshot that differs from now, but only what its command
    could change (`gvw snapshots show ID` names it as the scope): a rollback of
    `gvw global` puts back the global version and leaves go env settings and GOPATH/bin
    programs changed since alone. `gvw restore ID` puts back everything. Rolling back
    twice redoes: the rollback itself was snapshotted first.

    \b
    Examples:
      gvw rollback --dry-run
      gvw rollback
    """
    app = App(machine=machine)
    reporter = TerminalReporter(quiet=quiet)
    options = _options(app, reporter, mirror=mirror, dry_run=dry_run)
    printer = _Printer(reporter, dry_run=dry_run)
    with app.changes.change("rollback", scope=[]) as change:
        result = app.snapshots.rollback(options, printer, change)
    _finish(result, "Nothing to roll back", dry_run=dry_run)


def _machine() -> bool:
    """``gvw snapshots --machine ...``: the group's option, for its subcommands (a
    context inherits its parent's ``obj``)."""
    return bool(click.get_current_context().obj)


def _options(
    app: App, reporter: TerminalReporter, *, mirror: str | None, dry_run: bool
) -> RestoreOptions:
    return RestoreOptions(
        mirror=lambda: app.mirror(mirror),
        platform=app.platform,
        reporter=reporter,
        dry_run=dry_run,
    )


class _Printer:
    """Shows a restore's steps as they happen."""

    def __init__(self, reporter: TerminalReporter, *, dry_run: bool) -> None:
        self.reporter = reporter
        self.dry_run = dry_run

    def starting(self, plan: Plan) -> None:
        _warn(plan, self.reporter)
        target = plan.target
        verb = "Would restore" if self.dry_run else "Restoring"
        click.echo(
            f"{verb} snapshot {target.id} ({local_time(target)}, before: {excerpt(target.command)})"
        )

    def saved(self, snapshot: Snapshot) -> None:
        click.echo(
            f"Saved the state before this as snapshot {snapshot.id} (gvw rollback undoes it)"
        )

    def changed(self, change: Change) -> None:
        terminal.change_line("  " + change.label, change.old, change.new, change.note)


def _finish(result: RestoreResult, nothing: str, *, dry_run: bool) -> None:
    plan = result.plan
    if not plan.changes_anything:
        _warn(plan)  # what was left alone, so that "nothing" is not misread
        click.echo(f"{nothing}: this is already the state of snapshot {plan.target.id}")
    elif plan.registry and not dry_run:
        click.echo("New programs see the registry change; open terminals keep their values.")
    _print_env_commands(plan.env)


def _warn(plan: Plan, reporter: TerminalReporter | None = None) -> None:
    for warning in plan.warnings:
        (reporter or TerminalReporter()).warn(warning)


def _print_env_commands(env: Mapping[str, str | None]) -> None:
    if not env:
        return
    click.echo("gvw cannot change your shell's variables; to restore them run:")
    for line in shell_commands(env, powershell=sys.platform == "win32"):
        click.echo(f"  {line}")


def shell_commands(env: Mapping[str, str | None], *, powershell: bool) -> list[str]:
    """Commands that set ``env`` back: POSIX sh, or PowerShell on Windows. A value
    holding control characters or credentials (never printed) is left to the user."""
    from gvw.host.shells import get_shell

    shell = get_shell("powershell" if powershell else "bash")
    lines = []
    for name, value in env.items():
        if value is not None and not all(c.isprintable() for c in value):
            lines.append(f"# {name} holds control characters; set it by hand")
        elif value is not None and holds_credentials(value):
            lines.append(f"# {name} holds credentials, never shown; set it by hand")
        else:
            lines.append(shell.set_env(name, value))
    return lines


def _iso(value: object) -> str:
    """JSON for the one non-JSON type in a snapshot's fields: its time."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
