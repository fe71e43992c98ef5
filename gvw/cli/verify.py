"""gvw verify: check that installed toolchains are intact and work."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from gvw.base.errors import NotInstalledError
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, newest_matching, parse_spec
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.output import say
from gvw.cli.terminal import TerminalReporter
from gvw.selection.resolver import find_selection, resolve
from gvw.workflows.verify import VersionReport, require_ok, verify_version


@click.command(cls=Command)
@click.argument("specs", nargs=-1, metavar="[VERSION]...")
@click.option("--all", "all_", is_flag=True, help="Verify every installed version.")
@click.option("--clean-cache", is_flag=True, help="Build with a temporary GOCACHE.")
@click.option("--json", "as_json", is_flag=True, help="Print one entry per check as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
def verify(
    *, specs: tuple[str, ...], all_: bool, clean_cache: bool, as_json: bool, quiet: bool
) -> None:
    """Check that installed Go versions are intact and work.

    Default: the version selected here. Integrity: every file against the manifest
    recorded at install time (missing, changed and extra files by path). Function:
    `go version`, `go env GOROOT` and a hello-world build, with GOROOT, GOFLAGS and the
    go env file ignored and GOTOOLCHAIN=local. Exit code 17 when any check fails.

    \b
    Examples:
      gvw verify
      gvw verify 1.22.10
      gvw verify --all --json
    """
    if all_ and specs:
        raise click.UsageError("give either VERSION... or --all, not both")
    app = App()
    if all_:  # every tree, in this store and the machine store
        trees = [(entry.version, entry.path) for entry in app.store.everywhere()]
        if not trees:
            raise NotInstalledError(
                "no Go version is installed", hint="install one with: gvw install latest"
            )
    else:
        trees = [(v, _located(app, v)) for v in _chosen(app, specs)]
    reporter = TerminalReporter(quiet=quiet or as_json)
    reports = [
        _verify(app, version, tree, clean_cache=clean_cache, reporter=reporter)
        for version, tree in trees
    ]
    show(reports, as_json=as_json)
    require_ok(reports)


def verify_versions(
    app: App, versions: Sequence[GoVersion], *, clean_cache: bool, reporter: Reporter
) -> list[VersionReport]:
    return [
        _verify(app, v, _located(app, v), clean_cache=clean_cache, reporter=reporter)
        for v in versions
    ]


def _verify(
    app: App, version: GoVersion, tree: Path, *, clean_cache: bool, reporter: Reporter
) -> VersionReport:
    return verify_version(
        version,
        tree,
        platform=app.platform,
        env=app.env,
        clean_cache=clean_cache,
        reporter=reporter,
    )


def _located(app: App, version: GoVersion) -> Path:
    """Where the version selection would run: the user store's, else the machine's."""
    return app.store.locate(version) or app.store.require(version)


def show(reports: Sequence[VersionReport], *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([r.as_json() for r in reports], indent=2))
        return
    for report in reports:
        say(f"Go {report.version} ({report.path}): {'ok' if report.ok else 'FAILED'}")
        for check in report.checks:
            say(f"  {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.message}")
            for kind in ("missing", "changed", "extra"):
                for path in check.details.get(kind, []):
                    say(f"          {kind}: {path}")


def _chosen(app: App, specs: Sequence[str]) -> list[GoVersion]:
    if not specs:
        resolved = resolve(find_selection(app.cwd, app.env, app.paths), app.store, app.env)
        if resolved.version is None:
            raise NotInstalledError(
                f"the Go selected here is the system Go ({resolved.system_go}), not gvw's",
                hint="name an installed version: gvw verify 1.22",
            )
        return [resolved.version]
    installed = app.store.selectable()
    chosen = []
    for text in specs:
        version = newest_matching(parse_spec(text, origin="the command line"), installed)
        if version is None:
            raise NotInstalledError(
                f"Go {text.strip()} is not installed", hint=f"gvw install {text.strip()}"
            )
        chosen.append(version)
    return chosen
