"""gvw log: the audit log of state-changing commands, newest first."""

from __future__ import annotations

import itertools
import json
from typing import Any

import click

from gvw.cli.app import App, machine_option
from gvw.history.audit import entry_time, parse_since


@click.command("log")
@click.option("-n", "count", type=click.IntRange(min=1), help="Show at most N entries.")
@click.option("--since", metavar="DATE", help="Only entries at or after DATE (UTC ISO date).")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@machine_option
def log(*, count: int | None, since: str | None, as_json: bool, machine: bool) -> None:
    """Show what gvw changed on this machine (<root>/log/audit.jsonl), newest first."""
    app = App(machine=machine)
    try:
        after = parse_since(since) if since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    entries = app.audit_log.entries()
    if after is not None:
        entries = (e for e in entries if (entry_time(e) or after) >= after)
    chosen = list(itertools.islice(entries, count))
    if as_json:
        click.echo(json.dumps(chosen, indent=2, ensure_ascii=False))
        return
    if not chosen:
        click.echo(f"No entries in {app.audit_log.path}")
        return
    for entry in chosen:
        click.echo(_line(entry))


def _line(entry: dict[str, Any]) -> str:
    if "damaged" in entry:
        return f"(damaged line in {entry.get('file')}: {entry['damaged']!r})"
    outcome = entry.get("outcome") or {}
    status = outcome.get("status", "?")
    if status != "ok":
        status = f"{status} (exit {outcome.get('exit_code')}: {outcome.get('message', '')})"
    snapshot = f" snapshot {entry['snapshot']}" if entry.get("snapshot") else ""
    what = "; ".join(_change_text(c) for c in entry.get("changes") or [])
    return (
        f"{entry.get('time', '?')}  {entry.get('user', '?')}@{entry.get('host', '?')}  "
        f"gvw {entry.get('command', '?')}  {status}{snapshot}" + (f"  [{what}]" if what else "")
    )


def _change_text(change: dict[str, Any]) -> str:
    details = ", ".join(f"{k}={v}" for k, v in change.items() if k != "kind")
    return f"{change.get('kind', '?')} {details}".strip()
