"""gvw facts: this host as an inventory sees it (versions, checksums, global, doctor)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from gvw.cli import Command
from gvw.cli.app import App

if TYPE_CHECKING:
    from gvw.install.release_index import Release


@click.command(cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@click.option("--refresh", is_flag=True, help="Fetch the download index (else: cached only).")
@click.option("--mirror", metavar="URL", help="The mirror whose index tells pending patches.")
def facts(*, as_json: bool, refresh: bool, mirror: str | None) -> None:
    """Describe this machine for an inventory.

    The gvw version, platform, store, installed versions with their archive sha256,
    the global version, whether the shims are first on PATH, pending patch releases
    (from a cached index; --refresh fetches it) and the doctor's problems. Uses no
    network unless --refresh is given.

    \b
    Examples:
      gvw facts
      gvw facts --json --refresh
    """
    from gvw.cli.doctor import machine_of
    from gvw.cli.terminal import TerminalReporter
    from gvw.fleet.facts import gather
    from gvw.install.mirror import cached_index, load_index
    from gvw.workflows import doctor

    app = App()
    source = app.mirror(mirror)
    releases: list[Release] | None
    if refresh:
        releases = load_index(
            source,
            cache_dir=app.paths.index_cache,
            max_age_seconds=0,
            timeout=app.config.timeout_seconds,
            reporter=TerminalReporter(),
            refresh=True,
        ).releases
    else:
        known = cached_index(source, cache_dir=app.paths.index_cache)
        releases = known.releases if known is not None else None
    found = gather(
        app.store,
        platform=app.platform,
        findings=doctor.run(machine_of(app)),
        releases=releases,
    )
    if as_json:
        from gvw.base.redaction import redact

        click.echo(json.dumps(redact(found), indent=2))
        return
    click.echo(f"gvw {found['gvw_version']} on {found['platform']}, store {found['root']}")
    for item in found["installed"]:
        click.echo(f"installed {item['version']}  sha256 {item['sha256'] or '(unverified)'}")
    click.echo(f"global {found['global'] or '(unset)'}")
    click.echo(f"shims first on PATH: {'yes' if found['shims_first_on_path'] else 'no'}")
    pending = found["pending_patches"]
    if pending is None:
        click.echo("pending patches: unknown (no cached index; use --refresh)")
    else:
        shown = ", ".join(f"{old} -> {new}" for old, new in pending.items()) or "none"
        click.echo(f"pending patches: {shown}")
    problems = found["doctor"]["problems"]
    click.echo(f"doctor: {len(problems)} problem(s)" if problems else "doctor: no problems")
