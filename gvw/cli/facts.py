"""gvw facts: this host as an inventory sees it (versions, checksums, global, doctor)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gvw.cli.app import App
from gvw.cli.command import Command

if TYPE_CHECKING:
    from gvw.install.release_index import Release


@click.command(cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@click.option("--refresh", is_flag=True, help="Fetch the download index (else: cached only).")
@click.option("--mirror", metavar="URL", help="The mirror whose index tells pending patches.")
@click.option(
    "--manifest",
    "manifest_file",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Also say how this host differs from a fleet manifest (as gvw apply --check).",
)
@click.option("--locked", is_flag=True, help="With --manifest: as gvw apply --locked.")
def facts(
    *,
    as_json: bool,
    refresh: bool,
    mirror: str | None,
    manifest_file: Path | None,
    locked: bool,
) -> None:
    """Describe this machine for an inventory.

    The gvw version, host name, platform, store, installed versions with their archive
    sha256, known vulnerabilities and whether Go still supports them, the global
    version, whether the shims are first on PATH, pending patch releases (from a cached
    index) and the doctor's problems.

    With --manifest FILE, also how this host differs from the manifest ("drift": what
    gvw apply FILE --check would do; resolving a family such as 1.22 may fetch the
    index). gvw drift merges such documents from many hosts into one report.

    Uses no network unless --refresh is given (it fetches the download index and the
    vulnerability database first) or --manifest needs the index.

    \b
    Examples:
      gvw facts
      gvw facts --json --refresh
      gvw facts --json --manifest fleet.toml
    """
    import socket

    from gvw.cli.doctor import machine_of
    from gvw.cli.terminal import TerminalReporter
    from gvw.fleet.facts import gather
    from gvw.install.mirror import cached_index, load_store_index
    from gvw.workflows import doctor

    if locked and manifest_file is None:
        raise click.UsageError("--locked goes with --manifest FILE")
    app = App()
    source = app.mirror(mirror)
    releases: list[Release] | None
    if refresh:
        reporter = TerminalReporter()
        releases = load_store_index(source, app.store, app.config, reporter, refresh=True).releases
        knowledge = app.knowledge(reporter, releases=[r.version for r in releases], force=True)
    else:
        cached = cached_index(source, cache_dir=app.paths.index_cache)
        releases = cached.releases if cached is not None else None
        knowledge = app.known()
    found = gather(
        app.store,
        host=socket.gethostname(),
        platform=app.platform,
        findings=doctor.run(machine_of(app)),
        releases=releases,
        knowledge=knowledge,
    )
    if manifest_file is not None:
        found["drift"] = _drift(app, manifest_file, locked=locked, mirror=mirror)
    if as_json:
        from gvw.base.redaction import redact

        click.echo(json.dumps(redact(found), indent=2))
        return
    click.echo(f"gvw {found['gvw_version']} on {found['platform']}, store {found['root']}")
    for item in found["installed"]:
        line = f"installed {item['version']}  sha256 {item['sha256'] or '(unverified)'}"
        if item["vulnerabilities"]:
            line += "  vulnerable: " + ", ".join(v["id"] for v in item["vulnerabilities"])
        if item["supported"] is False:
            line += "  unsupported"
        click.echo(line)
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
    if manifest_file is not None:
        from gvw.fleet.drift_report import describe_action

        actions = found["drift"]["actions"]
        shown = "; ".join(describe_action(a) for a in actions) or "in line"
        click.echo(f"compared with {manifest_file}: {shown}")


def _drift(app: App, manifest_file: Path, *, locked: bool, mirror: str | None) -> dict[str, Any]:
    from gvw.cli.apply import RecordingReporter, prepare_manifest
    from gvw.cli.terminal import TerminalReporter
    from gvw.fleet.facts import drift
    from gvw.fleet.plan import make_plan

    reporter = RecordingReporter(TerminalReporter(quiet=True), show=False)
    manifest, lock, installer, known = prepare_manifest(
        app, manifest_file, locked=locked, mirror=mirror, refresh=False, reporter=reporter
    )
    plan = make_plan(manifest, store=app.store, installer=installer, lock=lock, knowledge=known)
    found = drift(plan, manifest_file)
    found["warnings"].extend(reporter.warnings)  # a cached index used, for one
    return found
