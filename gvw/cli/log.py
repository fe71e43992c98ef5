"""gvw log: the audit log of state-changing commands, newest first, one line each in
words; ``--json`` prints the entries as recorded.

Every field is text from a file anyone who can write the store can edit (and command
lines hold whatever the user typed): each goes through :func:`printable`, so no
newline can forge a line and no escape sequence reaches the terminal.
"""

from __future__ import annotations

import itertools
import json
import socket
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import click

from gvw.base.errors import ExitCode
from gvw.base.sanitize import printable
from gvw.cli import terminal
from gvw.cli.app import App, machine_option
from gvw.cli.command import Command
from gvw.history.audit import entry_time, parse_since

MESSAGE_CHARS = 100  # a failure's message, cut: --json has it whole
_STOPPED = {
    int(ExitCode.INTERRUPTED): ("interrupted", "Ctrl+C"),
    int(ExitCode.TERMINATED): ("terminated", "SIGTERM"),
    int(ExitCode.HANGUP): ("hung up", "SIGHUP"),
}


@click.command("log", cls=Command)
@click.option("-n", "count", type=click.IntRange(min=1), help="Show at most N entries.")
@click.option("--since", metavar="DATE", help="Only entries at or after DATE (UTC ISO date).")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON.")
@machine_option
def log(*, count: int | None, since: str | None, as_json: bool, machine: bool) -> None:
    """Show what gvw changed on this machine, newest first.

    One line per change, read from <root>/log/audit.jsonl (--machine: the machine
    store's); --json prints every detail recorded (the full command line, the
    directory, the process, the snapshot).

    \b
    Examples:
      gvw log
      gvw log -n 5
      gvw log --since 2026-01-01 --json
    """
    app = App(machine=machine)
    try:
        after = parse_since(since) if since is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    entries = app.audit_log.entries()
    if after is not None:
        entries = (e for e in entries if (entry_time(e) or after) >= after)
    chosen = list(itertools.islice(entries, count))
    if as_json:  # ASCII: a C1 control (U+009B is CSI to some terminals) stays escaped
        click.echo(json.dumps(chosen, indent=2, ensure_ascii=True))
        return
    if not chosen:
        click.echo(f"No entries in {app.audit_log.path}")
        return
    words = Words(app.env, global_file=str(app.paths.global_file))
    for entry in chosen:
        line = words.line(entry)
        click.echo(line if not _failed(entry) else terminal.paint(line, "error", sys.stdout))


class Words:
    """An audit entry as one line of words: when, who, the command, what changed."""

    def __init__(self, env: Mapping[str, str], *, global_file: str) -> None:
        self.env = env
        self.global_file = global_file
        self.host = socket.gethostname()

    def line(self, entry: Mapping[str, Any]) -> str:
        if "damaged" in entry:
            where = self.path(str(entry.get("file", "?")))
            return f"(a damaged line in {where}: {printable(str(entry['damaged']), 80)})"
        who = _text(entry.get("user", "?"))
        if entry.get("host") not in (None, self.host):
            who += "@" + _text(entry["host"])
        return f"{_when(entry.get('time'))}  {who}  gvw {_text(entry.get('command', '?'))}: " + (
            self.what(entry)
        )

    def what(self, entry: Mapping[str, Any]) -> str:
        changes = [c for c in entry.get("changes") or [] if isinstance(c, Mapping)]
        done = "; ".join(self.change(c) for c in changes)
        outcome = _mapping(entry.get("outcome"))
        status = outcome.get("status")
        code = outcome.get("exit_code")
        if status == "ok":
            return done or "done, nothing to change"
        nothing = not changes and not entry.get("snapshot")
        argv = entry.get("argv")
        # entries written before dry runs and usage errors stayed out of the log
        if nothing and isinstance(argv, list) and "--dry-run" in argv:
            return "dry run, nothing changed"
        if nothing and code == int(ExitCode.USAGE):
            return "usage error, nothing changed"
        if isinstance(code, int) and code in _STOPPED:
            how, detail = _STOPPED[code]
        else:
            message = printable(str(outcome.get("message") or ""), MESSAGE_CHARS)
            how, detail = "failed", f"exit {_text(code)}" + (f": {message}" if message else "")
        if nothing:
            return f"{how}, nothing changed ({detail})"
        return f"{done}; then {how} ({detail})" if done else f"{how} ({detail})"

    def change(self, change: Mapping[str, Any]) -> str:
        kind = _text(change.get("kind", "?"))
        field = {k: _text(v) for k, v in change.items() if v is not None}
        if kind in ("installed", "uninstalled", "pruned"):
            why = f" ({field['why']})" if "why" in field else ""
            return f"{kind} Go {field.get('version', '?')}{why}"
        if kind == "pin":
            return self.pin(change)
        if kind == "tool":
            return (
                f"rebuilt {field.get('name', '?')} with {field.get('new_go', '?')} "
                f"(was {field.get('old_go') or 'unknown'})"
            )
        if kind == "setup":
            path = f" in {self.path(field['path'])}" if "path" in field else ""
            return f"set up {field.get('target', '?')}{path}"
        if kind == "restored":
            return f"restored {field.get('what', '?')}"
        if kind == "snapshot_discarded":
            return f"set damaged snapshot {field.get('id', '?')} aside"
        details = ", ".join(f"{k} {v}" for k, v in field.items() if k != "kind")
        return f"{kind} {details}".strip()

    def pin(self, change: Mapping[str, Any]) -> str:
        path = str(change.get("path", "?"))
        old, new = change.get("old"), change.get("new")
        if path == self.global_file:
            if old is None:
                return f"set the global version to {_text(new)}"
            if new is None:
                return f"removed the global version (was {_text(old)})"
            return f"changed the global version {_text(old)} -> {_text(new)}"
        shown = self.path(path)
        if old is None:
            return f"pinned {shown} to {_text(new)}"
        if new is None:
            return f"removed {shown} (was {_text(old)})"
        return f"pinned {shown} {_text(old)} -> {_text(new)}"

    def path(self, path: str) -> str:
        return printable(terminal.tilde(path, self.env))


def _failed(entry: Mapping[str, Any]) -> bool:
    return _mapping(entry.get("outcome")).get("status") not in (None, "ok")


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    return printable(str(value))


def _when(value: object) -> str:
    """The entry's UTC time as local time to the minute (--json keeps it exact)."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return _text(value)
    if moment.tzinfo is None:
        return _text(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
