"""gvw global and gvw local: write the global selection or ./.go-version."""

from __future__ import annotations

from pathlib import Path

import click

from gvw.cli.app import App
from gvw.errors import NotInstalledError
from gvw.fsutil import atomic_write_text, store_error
from gvw.selection import VERSION_FILE, Selection, find_system_go, read_version_file, resolve
from gvw.versions import SystemSpec, parse_spec


def _validated(app: App, text: str) -> tuple[str, str]:
    """The spec as it will be written, and what it selects now; fails if nothing
    installed matches (``system`` needs a go on PATH)."""
    spec = parse_spec(text, origin="the command line")
    if isinstance(spec, SystemSpec):
        system_go = find_system_go("go", app.env, app.paths.shims)
        if system_go is None:
            raise NotInstalledError(
                "no system Go found on PATH", hint="install a version with: gvw install 1.22"
            )
        return "system", str(system_go)
    resolved = resolve(Selection(spec, origin="the command line"), app.store, app.env)
    assert resolved.version is not None
    return str(spec), resolved.version.name


def _show_file(path: Path) -> None:
    if not path.is_file():
        raise NotInstalledError(
            f"no version is set in {path}", hint="set one with: gvw global <version>"
        )
    click.echo(f"{read_version_file(path).spec} (set by {path})")


def _write(app: App, path: Path, spec: str, command: str, *, local: bool) -> None:
    text = spec + "\n"
    if not _holds(path, text):  # rewriting the same selection is no change to undo
        app.snapshot_before(command, version_file=path if local else None)
    atomic_write_text(path, text)


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text("utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _unset(app: App, path: Path, command: str, *, local: bool) -> None:
    if path.is_file():
        app.snapshot_before(command, version_file=path if local else None)
    try:
        path.unlink()
    except FileNotFoundError:
        click.echo(f"nothing to unset: {path} does not exist")
        return
    except OSError as exc:
        raise store_error(exc, "remove", path) from exc
    click.echo(f"Removed {path}")


@click.command("global")
@click.argument("version", required=False)
@click.option("--unset", is_flag=True, help="Remove the global selection.")
def global_(*, version: str | None, unset: bool) -> None:
    """Show or set the default Go version (used where no .go-version applies)."""
    app = App()
    path = app.paths.global_file
    if unset:
        _unset(app, path, "global --unset", local=False)
    elif version is None:
        _show_file(path)
    else:
        spec, selects = _validated(app, version)
        _write(app, path, spec, f"global {version.strip()}", local=False)
        click.echo(f"Global Go version: {spec} ({selects}), written to {path}")


@click.command()
@click.argument("version", required=False)
@click.option("--unset", is_flag=True, help="Remove ./.go-version.")
def local(*, version: str | None, unset: bool) -> None:
    """Show or pin the Go version of this directory (writes ./.go-version)."""
    app = App()
    path = app.cwd / VERSION_FILE
    if unset:
        _unset(app, path, "local --unset", local=True)
    elif version is None:
        _show_file(path)
    else:
        spec, selects = _validated(app, version)
        _write(app, path, spec, f"local {version.strip()}", local=True)
        click.echo(f"Wrote {spec} ({selects}) to {path}")
