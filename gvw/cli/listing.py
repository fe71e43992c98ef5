"""gvw list and gvw list-remote."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gvw.base.errors import GvwError
from gvw.base.versions import GoVersion, Spec, parse_spec
from gvw.cli import terminal
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.terminal import TerminalReporter
from gvw.selection.resolver import find_selection, resolve

if TYPE_CHECKING:
    from gvw.knowledge.release_knowledge import Knowledge


@click.command("list", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_installed(*, as_json: bool) -> None:
    """Show the installed Go versions, newest first.

    A * marks the version selected in this directory. Versions with known
    vulnerabilities and minor releases Go no longer supports are marked (as of the last
    check: gvw upgrade --check, gvw try, gvw facts --refresh; no network). Versions of
    the machine store (docs/machine-store.md) are marked "(machine)".

    \b
    Examples:
      gvw list
      gvw list --json
    """
    app = App()
    installed = app.store.everywhere()
    selected: Path | None = None  # the GOROOT of the selection: a version in one store
    # a broken selection is `gvw current`'s business, not the listing's
    with contextlib.suppress(GvwError):
        selected = resolve(find_selection(app.cwd, app.env, app.paths), app.store, app.env).goroot
    known = app.known()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "version": entry.version.name,
                        "path": str(entry.path),
                        "selected": entry.path == selected,
                        "store": "machine" if entry.machine else "user",
                        **known.version_facts(entry.version),
                    }
                    for entry in installed
                ],
                indent=2,
            )
        )
        return
    if not installed:  # on stderr: stdout stays a list, empty here
        TerminalReporter().info(
            "no Go version is installed yet; install one with: gvw install latest "
            "(see what exists with: gvw list-remote)"
        )
    marks = {entry.version: version_marks(known, entry.version) for entry in installed}
    width = max((len(entry.version.name) for entry in installed), default=0)
    for entry in installed:
        shown = [
            mark for mark in ("(machine)" if entry.machine else "", marks[entry.version]) if mark
        ]
        star = "*" if entry.path == selected else " "
        click.echo(f"{star} {entry.version.name:<{width}}  {' '.join(shown)}".rstrip())
    if any(marks.values()) and known.checked:
        TerminalReporter().info(
            f"marks as of the Go vulnerability database checked {known.checked}; "
            "what an upgrade fixes: gvw upgrade --check"
        )


def version_marks(known: Knowledge, version: GoVersion) -> str:
    """``2 known vulnerabilities (fixed in 1.25.5); no longer supported``, or ""."""
    from gvw.knowledge.support import family_name

    marks = []
    found = known.vulnerabilities(version) or []
    if found:
        fix = known.fix_for(version)
        fixed = f"fixed in {fix}" if fix else "not all fixed yet"
        count = len(found)
        marks.append(f"{count} known vulnerabilit{'ies' if count != 1 else 'y'} ({fixed})")
    if known.is_supported(version) is False and known.supported:
        families = " and ".join(family_name(f) for f in known.supported)
        marks.append(f"no longer supported (Go supports {families})")
    return "; ".join(marks)


@click.command("list-remote", cls=Command)
@click.argument("prefix", required=False)
@click.option("--all", "show_all", is_flag=True, help="Include release candidates and betas.")
@click.option("--mirror", metavar="URL", help="Read this mirror's index.")
@click.option("--refresh", is_flag=True, help="Fetch the index even if cached.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_remote(
    *, prefix: str | None, show_all: bool, mirror: str | None, refresh: bool, as_json: bool
) -> None:
    """Show the Go versions that can be installed here.

    Newest first; stable releases only, unless --all. PREFIX limits the list, e.g. 1.22
    for every 1.22.x.

    \b
    Examples:
      gvw list-remote
      gvw list-remote 1.22
      gvw list-remote 1.23 --all   with release candidates and betas
      gvw list-remote --mirror https://mirror.corp.example/golang/
    """
    from gvw.install.installer import Installer  # tarfile, threading: only for the remote list

    app = App()
    installer = Installer(
        app.store,
        config=app.config,
        mirror=app.mirror(mirror),
        platform=app.platform,
        reporter=TerminalReporter(),
        refresh_index=refresh,
    )
    wanted = (prefix or "").strip().removeprefix("go")
    installed = set(app.store.installed())
    releases = installer.index().releases
    installer.index().warn(installer.reporter)
    rows = [
        (release, archive)
        for release in releases
        if (show_all or release.stable)
        and (archive := release.archive_for(app.platform)) is not None
        and _matches(release.version, wanted)
    ]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "version": r.version.name,
                        "stable": r.stable,
                        "installed": r.version in installed,
                        "filename": archive.filename,
                    }
                    for r, archive in rows
                ],
                indent=2,
            )
        )
        return
    if not rows:  # on stderr: stdout stays a list, empty here
        source = app.mirror(mirror)
        available = [r.version for r in releases if r.archive_for(app.platform) is not None]
        _say_none_match(wanted, show_all, available, source.url, source.option)
    for release, _ in rows:
        mark = "  (installed)" if release.version in installed else ""
        click.echo(release.version.name + mark)


def _say_none_match(
    wanted: str, show_all: bool, available: list[GoVersion], url: str, option: str
) -> None:
    from gvw.install.nearest import nearest_releases

    if not show_all and any(v.is_prerelease and _matches(v, wanted) for v in available):
        terminal.note(f"only pre-releases match {wanted}")
        terminal.note(f"see them with: gvw list-remote {wanted} --all{option}")
        return
    try:
        spec: Spec | None = parse_spec(wanted, origin="the command line")
    except GvwError:
        spec = None  # a prefix such as "1" is no spec: the newest releases are still named
    nearest = nearest_releases(spec, available)
    terminal.note(f"no Go release matches {wanted} on {url}; {nearest.text}")
    if nearest.spec:
        terminal.note(f"see what exists with: gvw list-remote{option}")


def _matches(version: GoVersion, prefix: str) -> bool:
    """``1.22`` matches 1.22, 1.22rc1, 1.22.3 but not 1.220."""
    name = version.name
    if not prefix or name == prefix:
        return True
    return name.startswith(prefix) and not name[len(prefix)].isdigit()
