"""gvw install: put official Go toolchains into the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gvw.cli.app import App
from gvw.cli.terminal import TerminalReporter
from gvw.errors import GvwError
from gvw.install import Installer, InstallOutcome
from gvw.versions import parse_spec


@click.command()
@click.argument("specs", nargs=-1, metavar="[VERSION]...")
@click.option(
    "--mirror",
    metavar="URL",
    help="Download from this mirror (https://, http://, "
    "file://); overrides GVW_MIRROR and the config file.",
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
    help="With --from-file: install even without a checksum (not recommended).",
)
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
@click.option("--verify", "verify", is_flag=True, help="Run gvw verify on the versions after.")
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
    verify: bool,
    as_json: bool,
) -> None:
    """Install Go versions: 1.22.10, go1.22.10, 1.22 (newest 1.22.x), 1.23rc1, latest.

    Installing a version that is already installed does nothing and succeeds.
    """
    if from_file is not None and specs:
        raise click.UsageError("give either VERSION... or --from-file, not both")
    if from_file is None and not specs:
        raise click.UsageError("name at least one version, e.g. gvw install 1.22")
    if (sha256 or skip_checksum) and from_file is None:
        raise click.UsageError("--sha256 and --skip-checksum go with --from-file")
    app = App()
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
            mirror=app.mirror(mirror) if specs else None,  # --from-file needs no mirror
            platform=app.platform,
            reporter=reporter,
            refresh_index=refresh,
            before_change=snapshot_first,  # under the version's lock
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
    if not verify:
        _show(outcomes, as_json=as_json, quiet=quiet)
        return
    from gvw.cli.verify import show, verify_versions
    from gvw.verify import require_ok

    reports = verify_versions(app, [o.version for o in outcomes], clean_cache=False)
    _show(outcomes, as_json=as_json, quiet=quiet, verified=[r.as_json() for r in reports])
    if not as_json:
        show(reports, as_json=False)
    require_ok(reports)


def _show(
    outcomes: list[InstallOutcome],
    *,
    as_json: bool,
    quiet: bool,
    verified: list[dict[str, Any]] | None = None,
) -> None:
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "version": o.version.name,
                "path": str(o.path),
                "status": "already-installed" if o.already_installed else "installed",
            }
            for o in outcomes
        ]
        for row, report in zip(rows, verified or []):  # --verify: gvw verify --json's entry
            row["verify"] = report
        click.echo(json.dumps(rows, indent=2))
        return
    if quiet:
        return
    for outcome in outcomes:
        if outcome.already_installed:
            click.echo(f"Go {outcome.version} is already installed in {outcome.path}")
        else:
            click.echo(f"Installed Go {outcome.version} in {outcome.path}")
