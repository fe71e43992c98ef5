"""gvw install: put official Go toolchains into the store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gvw.cli.app import App
from gvw.cli.completion import complete_releases
from gvw.cli.terminal import TerminalReporter
from gvw.errors import GvwError
from gvw.install import Installer, InstallOutcome
from gvw.versions import parse_spec


@click.command()
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
    "--skip-checksum",
    is_flag=True,
    help="With --from-file or a goproxy mirror: install without checksum verification "
    "(not recommended).",
)
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def install(
    *,
    specs: tuple[str, ...],
    mirror: str | None,
    from_file: Path | None,
    sha256: str | None,
    skip_checksum: bool,
    refresh: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Install Go versions: 1.22.10, go1.22.10, 1.22 (newest 1.22.x), 1.23rc1, latest.

    Installing a version that is already installed does nothing and succeeds.
    """
    if from_file is not None and specs:
        raise click.UsageError("give either VERSION... or --from-file, not both")
    if from_file is None and not specs:
        raise click.UsageError("name at least one version, e.g. gvw install 1.22")
    if sha256 and from_file is None:
        raise click.UsageError("--sha256 goes with --from-file")
    app = App()
    source = app.mirror(mirror) if specs else None  # --from-file needs no mirror
    if skip_checksum and from_file is None and not (source and source.is_goproxy):
        raise click.UsageError("--skip-checksum goes with --from-file or --mirror goproxy")
    reporter = TerminalReporter(quiet=quiet or as_json)
    command = f"install --from-file {from_file.name}" if from_file else "install"
    with app.changes.change(
        " ".join([command, *(s.strip() for s in specs)]), scope=["installed"]
    ) as change:

        def snapshot_first(_version: object) -> None:  # a version is about to appear
            change.snapshot()

        # every spec is parsed before anything else happens
        parsed = [(parse_spec(s, origin="the command line"), s.strip()) for s in specs]
        installer = Installer(
            app.store,
            config=app.config,
            mirror=source,
            platform=app.platform,
            reporter=reporter,
            refresh_index=refresh,
            before_change=snapshot_first,  # under the version's lock
            skip_checksum=skip_checksum,
        )
        # every spec is resolved against the index before anything is downloaded
        plans = [installer.plan(spec, spelled=spelled) for spec, spelled in parsed]
        outcomes: list[InstallOutcome] = []
        try:  # versions installed before a failure are kept and get their shims
            if from_file is not None:
                outcomes.append(
                    installer.install_file(from_file, sha256=sha256, skip_checksum=skip_checksum)
                )
            for planned in plans:
                outcomes.append(installer.install_planned(planned))
        except GvwError:
            _show(outcomes, as_json=as_json, quiet=quiet)  # what did get installed
            raise
        finally:
            for outcome in outcomes:
                if not outcome.already_installed:
                    change.versions_changed()
                    change.note("installed", version=outcome.version.name)
    _show(outcomes, as_json=as_json, quiet=quiet)


def _show(outcomes: list[InstallOutcome], *, as_json: bool, quiet: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "version": o.version.name,
                        "path": str(o.path),
                        "status": "already-installed" if o.already_installed else "installed",
                    }
                    for o in outcomes
                ],
                indent=2,
            )
        )
        return
    if quiet:
        return
    for outcome in outcomes:
        if outcome.already_installed:
            click.echo(f"Go {outcome.version} is already installed in {outcome.path}")
        else:
            click.echo(f"Installed Go {outcome.version} in {outcome.path}")
