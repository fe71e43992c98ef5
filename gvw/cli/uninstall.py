"""gvw uninstall: move installed versions to the trash (gvw rollback brings them back)."""

from __future__ import annotations

import contextlib

import click

from gvw.cli.app import App
from gvw.cli.terminal import TerminalReporter
from gvw.errors import GvwError, InUseError, InvalidVersionError
from gvw.selection import Selection, find_selection, read_version_file, resolve
from gvw.versions import ExactSpec, GoVersion, parse_spec


@click.command()
@click.argument("versions", nargs=-1, required=True, metavar="VERSION...")
@click.option("--force", is_flag=True, help="Also remove the global or selected version.")
def uninstall(*, versions: tuple[str, ...], force: bool) -> None:
    """Remove installed Go versions (exact names, as gvw list shows them).

    They go to the trash first: gvw rollback brings them back without a download.
    """
    app = App()
    targets: list[GoVersion] = []
    for text in versions:
        spec = parse_spec(text, origin="the command line")
        if not isinstance(spec, ExactSpec):
            raise InvalidVersionError(
                f"uninstall needs an exact version, not {text.strip()!r}",
                hint="see the installed versions with: gvw list",
            )
        app.store.require(spec.version)
        targets.append(spec.version)
    if not force:
        _refuse_selected(app, targets)
    app.snapshot_before(" ".join(["uninstall", *(v.name for v in targets)]), scope=["installed"])
    for version in targets:
        with app.store.lock(f"install-{version.name}"):
            app.store.remove(version)
        click.echo(f"Uninstalled Go {version}")
    app.rehash()
    reporter = TerminalReporter()
    reporter.info("moved to the trash; undo with: gvw rollback")
    from gvw.snapshots.retention import prune_trash

    try:  # the uninstall is done: old trash that cannot go now goes next time
        prune_trash(app.store, app.config)
    except GvwError as exc:
        reporter.warn(f"could not empty old trash: {exc.message}")


def _refuse_selected(app: App, targets: list[GoVersion]) -> None:
    """The global version and the one selected here are in use: removing them would
    break every `go` run that relies on them."""
    in_use: list[tuple[GoVersion, str]] = []
    selections: list[tuple[Selection | None, str]] = []
    with contextlib.suppress(GvwError, OSError):  # a broken pin is not our business here
        if app.paths.global_file.is_file():
            selections.append((read_version_file(app.paths.global_file), "the global version"))
    with contextlib.suppress(GvwError, OSError):
        selections.append((find_selection(app.cwd, app.env, app.paths), "selected here"))
    for selection, role in selections:
        with contextlib.suppress(GvwError):
            version = resolve(selection, app.store, app.env).version if selection else None
            if version in targets and selection is not None:
                in_use.append((version, f"{role} (set by {selection.origin})"))
    if in_use:
        version, why = in_use[0]
        raise InUseError(
            f"refusing to uninstall Go {version}: it is {why}",
            hint="select another version first (gvw global VERSION / gvw local VERSION), "
            "or use --force",
        )
