"""gvw mirror create: write an offline mirror (go.dev/dl layout) for air-gapped machines."""

from __future__ import annotations

from pathlib import Path

import click

from gvw.cli.app import App
from gvw.cli.command import Group
from gvw.cli.terminal import TerminalReporter


@click.group(cls=Group)
def mirror() -> None:
    """Create offline mirrors for machines without internet.

    \b
    Examples:
      gvw mirror create /srv/golang 1.22 1.21
      gvw mirror create /srv/golang --from-lock fleet.lock.toml
    """


@mirror.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.argument("specs", nargs=-1, metavar="[VERSION]...")
@click.option(
    "--platform",
    "platforms",
    multiple=True,
    metavar="OS-ARCH",
    help="Archives for this platform (repeatable; default: this machine's).",
)
@click.option(
    "--from-lock",
    "from_lock",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Take the archives and checksums from this lock file (gvw lock).",
)
@click.option(
    "--vulndb",
    "with_vulndb",
    is_flag=True,
    help="Also copy the Go vulnerability database (its toolchain part) into DIRECTORY/vulndb.",
)
@click.option("--mirror", "source_url", metavar="URL", help="Download from this mirror.")
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
def create(
    *,
    directory: Path,
    specs: tuple[str, ...],
    platforms: tuple[str, ...],
    from_lock: Path | None,
    with_vulndb: bool,
    source_url: str | None,
    refresh: bool,
    quiet: bool,
) -> None:
    """Download Go archives into an offline mirror directory.

    The archives of VERSION... for each --platform, verified, with index.json and
    <file>.sha256: use it as --mirror file://DIRECTORY or serve it with any web
    server. Running it again adds to it without downloading again.

    --vulndb copies the vulnerability database (GOVULNDB's, default vuln.go.dev) into
    DIRECTORY/vulndb: use it with GOVULNDB=file://DIRECTORY/vulndb. Re-running fetches
    only what changed; --vulndb alone (no VERSION) refreshes just the database.

    \b
    Examples:
      gvw mirror create /srv/go 1.25 --platform linux-amd64 --platform windows-amd64
      gvw mirror create /srv/go --from-lock fleet.lock.toml --vulndb
      gvw mirror create /srv/go --vulndb
    """
    if specs and from_lock:
        raise click.UsageError("give VERSION... or --from-lock LOCK (one of them)")
    if not specs and not from_lock and not with_vulndb:
        raise click.UsageError("give VERSION..., --from-lock LOCK or --vulndb")
    if from_lock and platforms:
        raise click.UsageError("--from-lock takes its platforms from the lock file")
    app = App()
    reporter = TerminalReporter(quiet=quiet)
    if with_vulndb and app.vulndb is None:
        raise click.UsageError('--vulndb: GOVULNDB=off (or vulndb = "off"): nothing to copy')
    if specs or from_lock:
        _archives(app, directory, specs, platforms, from_lock, source_url, refresh, reporter, quiet)
    if with_vulndb:
        from gvw.fleet.mirror_create import VULNDB_DIR, copy_vulndb

        assert app.vulndb is not None
        copied = copy_vulndb(directory, app.vulndb, timeout=app.config.timeout_seconds)
        for problem in copied.problems:
            reporter.warn(f"left out a vulnerability entry: {problem}")
        if not quiet:
            where = (directory / VULNDB_DIR).absolute()
            click.echo(
                f"Vulnerability database: {copied.entries} toolchain entries ({copied.fetched} "
                f"fetched), modified {copied.modified}: GOVULNDB={where.as_uri()}"
            )


def _archives(
    app: App,
    directory: Path,
    specs: tuple[str, ...],
    platforms: tuple[str, ...],
    from_lock: Path | None,
    source_url: str | None,
    refresh: bool,
    reporter: TerminalReporter,
    quiet: bool,
) -> None:
    from gvw.base.platforms import host_platform
    from gvw.base.versions import parse_spec
    from gvw.fleet.lockfile import load_lock, resolve_lock
    from gvw.fleet.mirror_create import create_mirror
    from gvw.install.mirror import load_store_index

    source = app.mirror(source_url)
    if from_lock is not None:
        lock = load_lock(from_lock, manifest=None)
    else:
        parsed = [(s.strip(), parse_spec(s, origin="the command line")) for s in specs]
        chosen = [host_platform({"GVW_PLATFORM": p}) for p in dict.fromkeys(platforms)]
        releases = load_store_index(
            source, app.store, app.config, reporter, refresh=refresh
        ).releases
        lock = resolve_lock(
            parsed, releases, chosen or [app.platform], path=directory, origin="the command line"
        )
    result = create_mirror(
        directory,
        lock,
        source=source,
        timeout=app.config.timeout_seconds,
        reporter=reporter,
        command=app.command_line,
    )
    if not quiet:
        for name in result.downloaded:
            click.echo(f"added {name}")
        for name in result.kept:
            click.echo(f"already there: {name}")
        click.echo(f"Mirror ready: --mirror {directory.absolute().as_uri()}")
