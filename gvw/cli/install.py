"""gvw install: put official Go toolchains into the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gvw.base.errors import GvwError
from gvw.base.versions import parse_spec
from gvw.cli import terminal
from gvw.cli.app import App, machine_option
from gvw.cli.command import Command
from gvw.cli.completion import complete_releases
from gvw.cli.output import say
from gvw.cli.terminal import TerminalReporter
from gvw.install.installer import Installer, InstallOutcome, Planned
from gvw.workflows.pins import PinWrite, nothing_selected, select_if_unselected
from gvw.workflows.project import ProjectNeeds, project_needs

if TYPE_CHECKING:
    from gvw.base.reporting import Reporter
    from gvw.history.changes import Change
    from gvw.install.mirror import Mirror


@click.command(cls=Command)
@click.argument("specs", nargs=-1, metavar="[VERSION]...", shell_complete=complete_releases)
@click.option(
    "--mirror",
    metavar="URL",
    help="Download from this mirror (https://, http://, file://, or goproxy for "
    "Go's GOPROXY); overrides GVW_MIRROR and the config file.",
)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Install this archive (go<version>.<os>-<arch>.tar.gz or .zip); no network.",
)
@click.option("--sha256", metavar="HEX", help="The archive's sha256, for --from-file.")
@click.option(
    "--adopt",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Copy a Go tree already on this machine (an MSI's C:\\Program Files\\Go, a "
    "/usr/local/go) into the store as the version its VERSION file names.",
)
@click.option(
    "--skip-checksum",
    is_flag=True,
    help="With --from-file or a goproxy mirror: install without checksum verification "
    "(not recommended).",
)
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
@click.option("--verify", "verify", is_flag=True, help="Run gvw verify on the versions after.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@machine_option
def install(
    *,
    machine: bool,
    specs: tuple[str, ...],
    mirror: str | None,
    from_file: Path | None,
    adopt: Path | None,
    sha256: str | None,
    skip_checksum: bool,
    refresh: bool,
    quiet: bool,
    verify: bool,
    as_json: bool,
) -> None:
    """Install Go versions, verified, side by side.

    VERSION is 1.22.10 (or go1.22.10), 1.22 (the newest 1.22.x), 1.23rc1 or latest.
    Every archive is checked against its published sha256 first. With no VERSION: what
    this directory needs (its .go-version or the global version, and the Go its go.mod
    or go.work asks for when that is newer). A version that is already installed is
    left as it is. While no version is selected, the first one installed becomes the
    global version; later installs never change the selection.

    \b
    Examples:
      gvw install latest           the newest stable release
      gvw install 1.22             the newest 1.22.x
      gvw install 1.21.13 1.22.10  several at once
      gvw install                  what this project needs
      gvw install --from-file go1.22.10.linux-amd64.tar.gz --sha256 HEX
    """
    if sum((bool(specs), from_file is not None, adopt is not None)) > 1:
        raise click.UsageError("give one of VERSION..., --from-file and --adopt")
    if sha256 and from_file is None:
        raise click.UsageError("--sha256 goes with --from-file")
    app = App(machine=machine)
    local = from_file is not None or adopt is not None
    source = None if local else app.mirror(mirror)  # --from-file and --adopt: none
    if skip_checksum and from_file is None and not (source and source.is_goproxy):
        raise click.UsageError("--skip-checksum goes with --from-file or --mirror goproxy")
    reporter = TerminalReporter(quiet=quiet or as_json)
    command = f"install --from-file {from_file.name}" if from_file else "install"
    if adopt is not None:
        command = f"install --adopt {adopt}"
    # every spec is parsed before anything else happens (a typo is no change to log)
    parsed = [(parse_spec(s, origin="the command line"), s.strip(), "") for s in specs]
    # a new user's first install becomes the global version (decided again, under the
    # state lock, once installed); the machine store's default is gvw global --machine's
    first = not machine and nothing_selected(app.cwd, app.env, app.store)
    # a download takes minutes and decides nothing from the selection: no state lock
    with app.changes.change(
        " ".join([command, *(s.strip() for s in specs)]),
        scope=["installed", "global"] if first else ["installed"],
        exclusive=False,
    ) as change:
        project = None
        if not local and not specs:
            project = project_needs(app.require_cwd(), app.env, app.store)
        installer = make_installer(
            app, change, reporter, mirror=source, refresh=refresh, skip_checksum=skip_checksum
        )
        # every spec is resolved against the index before anything is downloaded
        plans = [(installer.plan(spec, spelled=text), why) for spec, text, why in parsed]
        if project is not None:
            plans = _project_plans(installer, project)
        plans = [(_from_machine_store(app, planned), why) for planned, why in plans]
        outcomes: list[tuple[InstallOutcome, str]] = []
        try:  # versions installed before a failure are kept and get their shims
            if from_file is not None:
                done = installer.install_file(from_file, sha256=sha256, skip_checksum=skip_checksum)
                outcomes.append((done, ""))
            if adopt is not None:
                outcomes.append((installer.install_tree(adopt), ""))
            for planned, why in plans:
                outcomes.append((installer.install_planned(planned), why))
        except GvwError:
            _show(outcomes, as_json=as_json, quiet=quiet)  # what did get installed
            raise
        finally:
            for outcome, why in outcomes:
                if not outcome.already_installed:
                    change.versions_changed()
                    change.note("installed", version=outcome.version.name, **_why(why))
        selected = None
        if first and outcomes:
            selected = select_if_unselected(
                outcomes[0][0].version, cwd=app.cwd, env=app.env, store=app.store, change=change
            )
    if project is not None and not outcomes and not as_json and not quiet:
        click.echo(
            "Nothing to install: the system Go is selected here, and no go.mod asks for more"
        )
    if not verify:
        _show(outcomes, as_json=as_json, quiet=quiet, selected=selected)
        return
    from gvw.cli.verify import show, verify_versions
    from gvw.workflows.verify import require_ok

    reports = verify_versions(
        app,
        [o.version for o, _ in outcomes],
        clean_cache=False,
        reporter=TerminalReporter(quiet=quiet or as_json),
    )
    _show(
        outcomes,
        as_json=as_json,
        quiet=quiet,
        selected=selected,
        verified=[r.as_json() for r in reports],
    )
    if not as_json:
        show(reports, as_json=False)
    require_ok(reports)


def make_installer(
    app: App,
    change: Change,
    reporter: Reporter,
    *,
    mirror: Mirror | None,
    refresh: bool = False,
    skip_checksum: bool = False,
) -> Installer:
    """An installer that snapshots the change just before a version appears (under the
    version's lock), so installs that change nothing leave no snapshot."""

    def snapshot_first(_version: object) -> None:
        change.snapshot()

    return Installer(
        app.store,
        config=app.config,
        mirror=mirror,  # None for --from-file, which needs none
        platform=app.platform,
        reporter=reporter,
        refresh_index=refresh,
        before_change=snapshot_first,
        skip_checksum=skip_checksum,
    )


def _from_machine_store(app: App, planned: Planned) -> Planned:
    """A version the machine store has is installed for this user: selection runs it
    from there (docs/machine-store.md), so it is not downloaded into the user store."""
    machine = app.store.machine
    if planned.archive is None or machine is None or not machine.is_installed(planned.version):
        return planned
    return Planned(planned.version, None)


def _project_plans(installer: Installer, project: ProjectNeeds) -> list[tuple[Planned, str]]:
    """The selection first, then the go.mod toolchain if it is newer than what the
    selection turned out to be."""
    plans: list[tuple[Planned, str]] = []
    selected = project.selected
    if project.selection is not None:
        need = project.selection
        # installed already (a family spec too): no index needed
        planned = (
            Planned(selected, None)
            if selected is not None
            else installer.plan(need.spec, spelled=str(need.spec))
        )
        plans.append((planned, need.reason))
        selected = planned.version
    extra = project.go_mod_need(selected)
    if extra is not None:
        plans.append((installer.plan(extra.spec, spelled=str(extra.spec)), extra.reason))
    return plans


def _why(reason: str) -> dict[str, str]:
    return {"reason": reason} if reason else {}


def _show(
    outcomes: list[tuple[InstallOutcome, str]],
    *,
    as_json: bool,
    quiet: bool,
    selected: PinWrite | None = None,
    verified: list[dict[str, Any]] | None = None,
) -> None:
    global_version = selected.spec if selected is not None else None
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "version": o.version.name,
                "path": str(o.path),
                "status": "already-installed" if o.already_installed else "installed",
                **_why(why),
                **({"selected": "global"} if o.version.name == global_version else {}),
            }
            for o, why in outcomes
        ]
        for row, report in zip(rows, verified or []):  # --verify: gvw verify --json's entry
            row["verify"] = report
        click.echo(json.dumps(rows, indent=2))
        return
    if quiet:
        return
    for outcome, why in outcomes:
        because = f" ({why})" if why else ""
        if outcome.already_installed:
            say(f"Go {outcome.version} is already installed in {outcome.path}{because}")
        else:
            terminal.success(f"Installed Go {outcome.version} in {outcome.path}{because}")
    if global_version is not None:
        terminal.success(
            f"Go {global_version} is now the global version (none was selected); "
            "change it with: gvw global <version>"
        )
