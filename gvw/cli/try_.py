"""gvw try: run the project's commands with the current Go and with another, side by side."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from gvw.base.errors import NotInstalledError, RegressionError
from gvw.base.versions import GoVersion, newest_matching, parse_spec
from gvw.cli import Command
from gvw.cli.app import App
from gvw.cli.runs import CACHE_NOTE, show_runs
from gvw.cli.terminal import TerminalReporter
from gvw.selection.resolver import find_selection, resolve

if TYPE_CHECKING:
    from gvw.workflows.trying import Toolchain


@click.command("try", cls=Command, context_settings={"ignore_unknown_options": True})
@click.argument("version")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[-- COMMAND [ARG]...]")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, help="Runs of each command.")
@click.option("--install", "install_", is_flag=True, help="Install VERSION first if needed.")
@click.option("--mirror", metavar="URL", help="With --install: download from this mirror.")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def try_(
    *,
    version: str,
    command: tuple[str, ...],
    repeat: int,
    install_: bool,
    mirror: str | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Build and test this project with another Go, side by side.

    Runs COMMAND (default in a Go module: go build ./... and go test ./...) with the
    current Go and with VERSION, and compares exit codes and wall times. Changes
    nothing: no snapshot, no pin, nothing in the store (only --install installs, as gvw
    install does). Each run has GVW_GO_VERSION and GOTOOLCHAIN=local set; logs go to
    the cache directory. Exit 18 when a command that passes with the current version
    fails with VERSION.

    \b
    Examples:
      gvw try 1.23.4
      gvw try 1.23 --install
      gvw try 1.23.4 --repeat 3 -- go test ./...
    """
    from gvw.workflows.trying import (
        Toolchain,
        default_commands,
        go_mod_note,
        new_log_dir,
        regressions,
        run_checks,
    )

    app = App()
    reporter = TerminalReporter(quiet=quiet or as_json)
    cwd = app.require_cwd()
    commands = [tuple(command)] if command else default_commands(cwd)
    current = _current(app)
    candidate_version = _candidate(app, version, install_=install_, mirror=mirror, quiet=quiet)
    root = app.paths.version_dir(candidate_version.name)
    candidate = Toolchain("candidate", candidate_version, root)
    notes = [n for n in (go_mod_note(cwd, app.env, t) for t in (current, candidate)) if n]
    if current.version == candidate.version:
        notes.append(f"Go {candidate.name} is also the current version: both columns run it")
    log_dir = new_log_dir(app.paths.cache)
    toolchains = [current, candidate]
    runs = run_checks(
        commands,
        toolchains,
        cwd=cwd,
        env=app.env,
        log_dir=log_dir,
        reporter=reporter,
        repeat=repeat,
    )
    found = regressions(runs)
    if as_json:
        data = {
            "current": current.name,
            "candidate": candidate.name,
            "repeat": repeat,
            "runs": [run.as_json() for run in runs],
            "regressions": [list(after.command) for _before, after in found],
            "notes": notes,
            "log_dir": str(log_dir),
        }
        click.echo(json.dumps(data, indent=2))
    else:
        show_runs(runs)
        for note in [*notes, CACHE_NOTE]:
            click.echo(f"note: {note}")
    if found:
        _before, after = found[0]
        what = "; ".join(" ".join(a.command) for _b, a in found)
        raise RegressionError(
            f"Go {candidate.name} regresses: {what} passes with Go {current.name} but "
            f"fails with Go {candidate.name} (exit {after.exit_code})",
            hint=f"full log: {after.log}",
        )


def _current(app: App) -> Toolchain:
    from gvw.workflows.trying import Toolchain

    resolved = resolve(find_selection(app.cwd, app.env, app.paths), app.store, app.env)
    return Toolchain("current", resolved.version, resolved.goroot)


def _candidate(
    app: App, text: str, *, install_: bool, mirror: str | None, quiet: bool
) -> GoVersion:
    spec = parse_spec(text, origin="the command line")
    found = newest_matching(spec, app.store.installed())
    if found is not None:
        return found
    if not install_:
        raise NotInstalledError(
            f"Go {text.strip()} is not installed",
            hint=f"install it first, or let try do it: gvw try {text.strip()} --install",
        )
    from gvw.install.installer import Installer

    with app.changes.change(f"install {text.strip()}", scope=["installed"]) as change:

        def snapshot_first(_version: object) -> None:  # a version is about to appear
            change.snapshot()

        installer = Installer(
            app.store,
            config=app.config,
            mirror=app.mirror(mirror),
            platform=app.platform,
            reporter=TerminalReporter(quiet=quiet),
            before_change=snapshot_first,
        )
        outcome = installer.install(spec, spelled=text.strip())
        if not outcome.already_installed:
            change.versions_changed()
            change.note("installed", version=outcome.version.name)
    return outcome.version
