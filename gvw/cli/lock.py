"""gvw lock: resolve a fleet manifest to exact archives and checksums per platform."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.output import say
from gvw.cli.terminal import TerminalReporter


@click.command(cls=Command)
@click.argument("manifest_file", metavar="MANIFEST", type=click.Path(path_type=Path))
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="OS-ARCH",
    help="Lock archives for this platform (repeatable; default: this machine's).",
)
@click.option("--output", type=click.Path(path_type=Path), help="Write here, not to go.lock.")
@click.option("--mirror", metavar="URL", help="Resolve against this mirror (beats go.mirror).")
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("--json", "as_json", is_flag=True, help="Print the lock as JSON.")
def lock(
    *,
    manifest_file: Path,
    platforms: tuple[str, ...],
    output: Path | None,
    mirror: str | None,
    refresh: bool,
    as_json: bool,
) -> None:
    """Pin a manifest's archives and checksums in a lock file.

    For each spec of MANIFEST: its release and, per platform, the archive's name, size
    and sha256 (for gvw apply --locked). The file is go.lock in the manifest, else
    <manifest>.lock.toml beside it.

    \b
    Examples:
      gvw lock fleet.toml
      gvw lock fleet.toml --platform linux-amd64 --platform windows-amd64
    """
    from gvw.base.platforms import host_platform
    from gvw.fleet.desired_state import load_manifest
    from gvw.fleet.lockfile import resolve_lock, write_lock
    from gvw.install.mirror import load_store_index

    app = App()
    manifest = load_manifest(manifest_file)
    chosen = [host_platform({"GVW_PLATFORM": p}) for p in dict.fromkeys(platforms)] or [
        app.platform
    ]
    source = app.mirror(mirror) if mirror else manifest.mirror or app.mirror(None)
    releases = load_store_index(
        source, app.store, app.config, TerminalReporter(), refresh=refresh
    ).releases
    path = output or manifest.default_lock()
    result = resolve_lock(
        manifest.specs, releases, chosen, path=path, origin=f"go.versions in {manifest_file}"
    )
    write_lock(result, manifest=manifest)
    if as_json:
        archives = {
            v: {p: a.__dict__ for p, a in per.items()} for v, per in result.archives.items()
        }
        click.echo(json.dumps({"path": str(path), "specs": result.specs, "archives": archives}))
        return
    for spec, version in result.specs.items():
        say(f"{spec} -> {version}")
    say(f"Wrote {path} ({', '.join(str(p) for p in chosen)})")
