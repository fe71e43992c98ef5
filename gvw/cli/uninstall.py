"""gvw uninstall: remove installed versions."""

from __future__ import annotations

import click

from gvw.cli.app import App
from gvw.errors import InvalidVersionError
from gvw.versions import ExactSpec, GoVersion, parse_spec


@click.command()
@click.argument("versions", nargs=-1, required=True, metavar="VERSION...")
def uninstall(*, versions: tuple[str, ...]) -> None:
    """Remove installed Go versions (exact names, as gvw list shows them)."""
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
    for version in targets:
        with app.store.lock(f"install-{version.name}"):
            entry = app.store.remove(version)
            app.store.purge(entry)
        click.echo(f"Uninstalled Go {version}")
    app.rehash()
