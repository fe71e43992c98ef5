"""gvw apply: bring this machine in line with a fleet manifest (options and output;
the work is in gvw.fleet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gvw.base.errors import ExitCode
from gvw.base.redaction import redact
from gvw.base.reporting import Progress
from gvw.base.versions import parse_installed_name
from gvw.cli import Command
from gvw.cli.app import App
from gvw.cli.terminal import TerminalReporter


@click.command(cls=Command)
@click.argument("manifest_file", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 21 when the machine drifted.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the state before and after.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--locked", is_flag=True, help="Install exactly what the lock file names.")
@click.option("--mirror", metavar="URL", help="Download from this mirror (beats go.mirror).")
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
def apply(
    *,
    manifest_file: Path,
    check: bool,
    show_diff: bool,
    as_json: bool,
    locked: bool,
    mirror: str | None,
    refresh: bool,
    quiet: bool,
) -> int:
    """Install, pin and prune Go versions as a manifest says.

    A machine already in line changes nothing. Every change is snapshotted and
    logged: gvw rollback undoes the whole apply. Exit codes: 0 in line (or brought in
    line), 21 with --check when something would change.

    \b
    Examples:
      gvw apply fleet.toml --check
      gvw apply fleet.toml
      gvw apply fleet.toml --locked --json
    """
    from gvw.fleet.apply import apply_lock, carry_out
    from gvw.fleet.desired_state import load_manifest
    from gvw.fleet.lockfile import load_lock
    from gvw.fleet.plan import make_plan
    from gvw.install.installer import Installer

    app = App()
    reporter = RecordingReporter(TerminalReporter(quiet=quiet or as_json), show=not as_json)
    command = f"apply {manifest_file}" + (" --locked" if locked else "")
    snapshot_id = None

    def prepare() -> tuple[Any, Any, Installer]:
        manifest = load_manifest(manifest_file)
        use_lock = locked or manifest.lock is not None
        lock = load_lock(manifest.default_lock(), manifest=manifest_file) if use_lock else None
        source = app.mirror(mirror) if mirror else manifest.mirror or app.mirror(None)
        installer = Installer(
            app.store,
            config=app.config,
            mirror=source,
            platform=app.platform,
            reporter=reporter,
            refresh_index=refresh,
        )
        return manifest, lock, installer

    if check:
        manifest, lock, installer = prepare()
        plan = make_plan(manifest, store=app.store, installer=installer, lock=lock)
    else:
        with app.changes.change(command, scope=["installed", "global"]) as change:
            manifest, lock, installer = prepare()
            with apply_lock(app.store):  # plans again once it holds the lock
                plan = make_plan(manifest, store=app.store, installer=installer, lock=lock)
                carry_out(plan, store=app.store, installer=installer, env=app.env, change=change)
            snapshot_id = change.snapshot_id
    warnings = [*plan.warnings, *reporter.warnings]
    for warning in plan.warnings:
        if not as_json:
            reporter.warn(warning)
    if as_json:
        report = {
            "changed": not plan.in_line,
            "check": check,
            "manifest": str(manifest_file),
            "actions": plan.actions(),
            "before": plan.before,
            "after": plan.after,
            "snapshot": snapshot_id,
            "warnings": warnings,
        }
        click.echo(json.dumps(redact(report), indent=2))  # no mirror user:token on stdout
    else:
        _describe(plan.actions(), check=check, manifest=manifest_file, quiet=quiet)
        if show_diff:
            _diff(plan.before, plan.after)
        if snapshot_id and not quiet:
            click.echo("undo with: gvw rollback")
    return int(ExitCode.DRIFT if check and not plan.in_line else ExitCode.OK)


class RecordingReporter:
    """Shows warnings (unless JSON is printed) and keeps them for the JSON report."""

    def __init__(self, inner: TerminalReporter, *, show: bool) -> None:
        self.inner = inner
        self.show = show
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.show:
            self.inner.warn(message)

    def notice(self, message: str) -> None:
        if not self.inner.quiet:
            self.warn(message)

    def info(self, message: str) -> None:
        self.inner.info(message)

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress:
        return self.inner.progress(label, total, unit=unit)


def _describe(actions: list[dict[str, Any]], *, check: bool, manifest: Path, quiet: bool) -> None:
    if quiet:
        return
    if not actions:
        click.echo(f"in line with {manifest}: nothing to do")
        return
    for action in actions:
        kind = action["action"]
        if kind == "install":
            line = f"install Go {action['version']} ({action['archive']})"
        elif kind == "global":
            line = f"set the global version to {action['new']} (was {action['old'] or 'unset'})"
        else:
            line = f"prune Go {action['version']} (to the trash)"
        click.echo(("would " if check else "done: ") + line)
    if check:
        click.echo(f"{len(actions)} change(s) needed to bring this machine in line with {manifest}")


def _diff(before: dict[str, Any], after: dict[str, Any]) -> None:
    click.echo("--- before\n+++ after")
    old, new = set(before["installed"]), set(after["installed"])
    for name in sorted(old | new, key=parse_installed_name):  # type: ignore[arg-type]
        mark = " " if name in old and name in new else "-" if name in old else "+"
        click.echo(f"{mark}installed {name}")
    if before["global"] == after["global"]:
        click.echo(f" global {before['global'] or '(unset)'}")
    else:
        click.echo(f"-global {before['global'] or '(unset)'}")
        click.echo(f"+global {after['global']}")
