"""The fleet's drift report (``gvw drift``): every host's ``gvw facts --json --manifest``
document merged into one table and one JSON document.

The documents come from outside (gathered by Ansible, a management agent or a CI job),
so each is read defensively: a size cap, JSON only, every field checked by type; a
document that cannot be used is a row with an error, never a traceback. A host is in
line only when its document says it was compared with a manifest and nothing differs;
a document without that comparison, or one that cannot be read, counts as drift too
(a scheduled check must not pass because a host said nothing).

Known vulnerabilities are read from ``installed[].vulnerabilities`` (a list of OSV ids,
or of objects with an ``id``) when the facts carry them; facts without that field say
nothing either way, shown as unknown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gvw.base.errors import UsageError
from gvw.base.sanitize import printable

MAX_DOCUMENT_BYTES = 4 << 20  # one host's facts: a few KiB, more with many versions
MAX_DOCUMENTS = 100_000
_FIELD_CHARS = 200  # one value shown in the table; longer ones are cut


@dataclass(frozen=True)
class HostRow:
    host: str
    source: str  # the document it came from
    read: bool = False  # whether its facts could be read (else only the error is known)
    platform: str | None = None
    global_version: str | None = None
    installed: tuple[str, ...] = ()
    vulnerable: dict[str, tuple[str, ...]] | None = None  # None: the facts do not say
    differences: tuple[str, ...] = ()  # from the manifest, in words
    actions: tuple[dict[str, Any], ...] = ()  # the same, as gvw apply --json gives them
    error: str | None = None  # why this host could not be judged

    @property
    def in_line(self) -> bool:
        return self.error is None and not self.differences

    def as_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "source": self.source,
            "in_line": self.in_line,
            "platform": self.platform,
            "global": self.global_version,
            "installed": list(self.installed),
            "vulnerable": None
            if self.vulnerable is None
            else {version: list(ids) for version, ids in self.vulnerable.items()},
            "differences": list(self.differences),
            "actions": list(self.actions),
            "error": self.error,
        }


@dataclass(frozen=True)
class DriftReport:
    rows: tuple[HostRow, ...]

    @property
    def drifted(self) -> list[str]:
        """Hosts that differ from the manifest."""
        return [row.host for row in self.rows if row.error is None and row.differences]

    @property
    def unchecked(self) -> list[str]:
        """Hosts that could not be compared with it."""
        return [row.host for row in self.rows if row.error is not None]

    @property
    def in_line(self) -> bool:
        return all(row.in_line for row in self.rows)

    def as_json(self) -> dict[str, Any]:
        return {
            "in_line": self.in_line,
            "hosts": [row.as_json() for row in self.rows],
            "drifted": self.drifted,
            "unchecked": self.unchecked,
        }


def find_documents(paths: Sequence[Path]) -> list[Path]:
    """The files named, and the ``*.json`` files of each directory named (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        else:
            found.append(path)
        if len(found) > MAX_DOCUMENTS:
            raise UsageError(f"more than {MAX_DOCUMENTS} facts documents given; nothing was read")
    if not found:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no facts documents in {shown} (looked for *.json)",
            hint="write one per host with: gvw facts --json --manifest FILE > HOST.json",
        )
    return found


def build_report(documents: Iterable[Path]) -> DriftReport:
    return DriftReport(tuple(read_document(path) for path in documents))


def read_document(path: Path) -> HostRow:
    """One host's row; ``path``'s stem names the host when the document does not."""
    fallback = printable(path.stem, _FIELD_CHARS)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        return HostRow(fallback, str(path), error=f"cannot read {path}: {exc.strerror or exc}")
    if len(raw) > MAX_DOCUMENT_BYTES:
        return HostRow(fallback, str(path), error=f"larger than {MAX_DOCUMENT_BYTES >> 20} MiB")
    try:
        document = json.loads(_decode(raw))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return HostRow(fallback, str(path), error=f"not JSON: {printable(why, _FIELD_CHARS)}")
    if not isinstance(document, dict):
        return HostRow(fallback, str(path), error="not a gvw facts document (not an object)")
    return _row(document, fallback, str(path))


def _decode(raw: bytes) -> str:
    """UTF-8 (a BOM is ignored), or UTF-16 with a BOM: Windows PowerShell 5.1's ``>``."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _row(document: Mapping[str, Any], fallback: str, source: str) -> HostRow:
    host = _text(document.get("host")) or fallback
    error = _text(document.get("error"))  # a host the gatherer could not reach
    if error is not None:
        return HostRow(host, source, error=error)
    installed = _installed(document.get("installed"))
    if installed is None:
        return HostRow(host, source, error="not a gvw facts document (no installed list)")
    drift = document.get("drift")
    base = HostRow(
        host,
        source,
        read=True,
        platform=_text(document.get("platform")),
        global_version=_text(document.get("global")),
        installed=tuple(name for name, _ in installed),
        vulnerable=_vulnerable(installed),
    )
    if not isinstance(drift, dict):
        return replace(base, error="not compared with a manifest (gvw facts --manifest FILE)")
    drift_error = _text(drift.get("error"))
    if drift_error is not None:
        return replace(base, error=drift_error)
    actions = drift.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        return replace(base, error="drift.actions is not a list of actions")
    return replace(
        base,
        differences=tuple(printable(describe_action(a), _FIELD_CHARS) for a in actions),
        actions=tuple(actions),
    )


def describe_action(action: Mapping[str, Any]) -> str:
    """One action of ``gvw apply --json`` in a few words: ``install 1.22.10``,
    ``global 1.21.13 -> 1.22.10``, ``prune 1.20``; other actions as JSON."""
    kind = action.get("action")
    if kind in ("install", "prune", "uninstall") and isinstance(action.get("version"), str):
        return f"{kind} {action['version']}"
    if kind == "global" and isinstance(action.get("new"), str):
        return f"global {action.get('old') or '(unset)'} -> {action['new']}"
    return json.dumps(action, sort_keys=True)  # an action a newer gvw added


def table(report: DriftReport) -> list[str]:
    """The report as aligned columns, one host per row, then a verdict line."""
    header = ("HOST", "PLATFORM", "GLOBAL", "INSTALLED", "VULNERABLE", "DIFFERS FROM THE MANIFEST")
    rows = [header, *(_cells(row) for row in report.rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(r, widths)), r[-1]]).rstrip()
        for r in rows
    ]
    total = len(report.rows)
    if report.drifted:
        hosts = report.drifted
        lines.append(f"{len(hosts)} of {total} hosts differ from the manifest: {', '.join(hosts)}")
    if report.unchecked:
        hosts = report.unchecked
        lines.append(f"{len(hosts)} of {total} hosts could not be compared: {', '.join(hosts)}")
    if report.in_line:
        lines.append(f"all {total} hosts are in line with the manifest")
    if any(row.vulnerable is None and row.error is None for row in report.rows):
        lines.append("?: the facts carry no vulnerability data (written by a gvw that has none)")
    return lines


def _cells(row: HostRow) -> tuple[str, ...]:
    if not row.read:
        return (row.host, "-", "-", "-", "-", f"unknown: {row.error}")
    if row.vulnerable is None:
        vulnerable = "?"
    else:
        vulnerable = ", ".join(f"{v} ({len(ids)})" for v, ids in row.vulnerable.items()) or "-"
    if row.error is not None:
        verdict = f"unknown: {row.error}"
    else:
        verdict = "; ".join(row.differences) or "in line"
    return (
        row.host,
        row.platform or "-",
        row.global_version or "(unset)",
        ", ".join(row.installed) or "(none)",
        vulnerable,
        verdict,
    )


def _text(value: object) -> str | None:
    return printable(value, _FIELD_CHARS) if isinstance(value, str) and value else None


def _installed(value: object) -> list[tuple[str, Mapping[str, Any]]] | None:
    """(version, entry) of each installed entry, or None when it is not such a list."""
    if not isinstance(value, list):
        return None
    found = []
    for entry in value:
        name = _text(entry.get("version")) if isinstance(entry, dict) else None
        if name is None:
            return None
        found.append((name, entry))
    return found


def _vulnerable(
    installed: Sequence[tuple[str, Mapping[str, Any]]],
) -> dict[str, tuple[str, ...]] | None:
    """Version -> ids of its known vulnerabilities; None when no entry carries the field."""
    if not any("vulnerabilities" in entry for _, entry in installed):
        return None
    found = {}
    for name, entry in installed:
        listed = entry.get("vulnerabilities")
        ids = [_vulnerability_id(item) for item in listed] if isinstance(listed, list) else []
        if any(ids):
            found[name] = tuple(i or "?" for i in ids)
    return found


def _vulnerability_id(item: object) -> str | None:
    if isinstance(item, dict):
        item = item.get("id")
    return _text(item)
