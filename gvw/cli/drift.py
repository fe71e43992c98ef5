"""gvw drift: many hosts' facts in one table and one JSON document (the work is in
gvw.fleet.drift_report)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gvw.base.errors import ExitCode
from gvw.cli.command import Command


@click.command(cls=Command)
@click.argument(
    "paths", nargs=-1, required=True, metavar="FILE|DIR...", type=click.Path(path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON document, not the table.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON document to FILE.",
)
def drift(*, paths: tuple[Path, ...], as_json: bool, output: Path | None) -> int:
    """Merge many hosts' facts into one drift report.

    For each host: its platform, global version, installed versions, versions with
    known vulnerabilities (when the facts carry them) and how it differs from the
    manifest.

    Each FILE is one host's `gvw facts --json --manifest MANIFEST` (a DIR: its *.json
    files; the file name names a host whose document does not). Exit 21 when any host
    differs, was not compared with a manifest, or has no readable facts; 0 when every
    host is in line.

    \b
    Examples:
      gvw facts --json --manifest fleet.toml > facts/$(hostname).json   # on each host
      gvw drift facts/ --output drift.json                             # in CI
    """
    from gvw.base.fsutil import atomic_write_text
    from gvw.fleet.drift_report import build_report, find_documents, table

    report = build_report(find_documents(paths))
    document = json.dumps(report.as_json(), indent=2) + "\n"
    if output is not None:
        atomic_write_text(output, document)
    if as_json:
        click.echo(document, nl=False)
    else:
        for line in table(report):
            click.echo(line)
    return int(ExitCode.OK if report.in_line else ExitCode.DRIFT)
