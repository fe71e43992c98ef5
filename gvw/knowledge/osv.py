"""One entry of the Go vulnerability database (OSV JSON), reduced to what a toolchain
needs: which Go releases it affects, what fixes it, and how to name it.

The database describes the Go distribution as two modules: ``stdlib`` (the standard
library) and ``toolchain`` (``cmd/go`` and the other commands). Their versions are
SEMVER (``1.22.0``, ``1.21.0-rc.1``, with or without a ``v``) where Go's release names
are ``1.22.0``, ``1.21rc1`` and, before 1.21, ``1.20`` for the first release of a
family (https://go.dev/doc/security/vuln/database). Ranges are lists of events:
``introduced`` opens an affected interval, ``fixed`` closes it (exclusive),
``last_affected`` closes it (inclusive); ``"0"`` is the beginning of time.

Entries come from a server gvw does not control: every field is checked, text is made
printable and cut, counts are capped; an entry that does not fit is refused with the
reason (:class:`BadEntry`), never half-used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gvw.base.sanitize import printable
from gvw.base.versions import GoVersion

GO_MODULES = ("stdlib", "toolchain")  # the modules that describe a Go toolchain
ID_RE = re.compile(r"^GO-[0-9]{4}-[0-9]{4,8}$")  # also a safe file name: ID/<id>.json
MAX_SUMMARY = 160
MAX_ALIASES = 16
MAX_PACKAGES = 64
MAX_EVENTS = 256

_SEMVER_RE = re.compile(
    r"^v?(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})"
    r"(?:-(0|beta\.[1-9][0-9]{0,8}|rc\.[1-9][0-9]{0,8}))?$"
)
# "-0" is the lowest pre-release of a version: the database writes "introduced":
# "1.25.0-0" for "from 1.25's first beta on"
_PRE_RANK = {"0": -1, "beta": 0, "rc": 1}
_PRE_NAMES = {-1: "", 0: "beta", 1: "rc"}

# a point on the version line, comparable: (major, minor, patch, final, pre rank, pre
# number); final is 1 for a release and 0 for its betas and rcs, so 1.21.0-rc.1 < 1.21.0
Point = tuple[int, ...]
BEGINNING: Point = (-1,)


class BadEntry(ValueError):
    """An entry gvw cannot use; the message says why."""


def point_of(version: GoVersion) -> Point:
    """Where a Go release sits on the database's version line (``1.20`` is 1.20.0,
    ``1.21rc1`` is 1.21.0-rc.1, ``1.9.2rc2`` is 1.9.2-rc.2)."""
    final = 0 if version.pre else 1
    rank = _PRE_RANK.get(version.pre or "", 0)
    return (version.major, version.minor, version.patch or 0, final, rank, version.pre_num)


def parse_point(text: str) -> Point:
    if text == "0":
        return BEGINNING
    match = _SEMVER_RE.match(text)
    if match is None:
        raise BadEntry(f"version {printable(text, 40)!r} is not a SEMVER version")
    major, minor, patch, pre = match.groups()
    kind, _, number = (pre or "").partition(".")
    rank = _PRE_RANK.get(kind, 0)
    return (int(major), int(minor), int(patch), 0 if pre else 1, rank, int(number or 0))


def go_name(point: Point) -> str:
    """The Go release name of a point: ``1.25.5``, ``1.21rc1``, ``1.20`` (first releases
    before 1.21 had no ``.0``)."""
    major, minor, patch, final, rank, number = point
    pre = "" if final else _PRE_NAMES[rank] + (str(number) if rank >= 0 else "")
    if patch == 0 and (pre or (major, minor) < (1, 21)):
        return f"{major}.{minor}{pre}"
    return f"{major}.{minor}.{patch}{pre}"


def semver_of(point: Point) -> str:
    major, minor, patch, final, rank, number = point
    pre = "" if final else "-" + _PRE_NAMES[rank] + (f".{number}" if rank >= 0 else "0")
    return f"{major}.{minor}.{patch}{pre}"


@dataclass(frozen=True)
class Interval:
    """Affected from ``start`` (inclusive) to ``end`` (exclusive, or inclusive when
    ``end_inclusive``); ``end`` None: not fixed yet."""

    start: Point
    end: Point | None
    end_inclusive: bool = False

    def contains(self, point: Point) -> bool:
        if point < self.start:
            return False
        if self.end is None:
            return True
        return point <= self.end if self.end_inclusive else point < self.end


@dataclass(frozen=True)
class Advisory:
    id: str  # GO-2025-4175
    aliases: tuple[str, ...]  # CVE-2025-61727, GHSA-...
    summary: str  # one line, printable
    modified: str  # as the database wrote it (RFC 3339)
    modules: tuple[str, ...]  # of GO_MODULES
    packages: tuple[str, ...]  # import paths: crypto/x509, cmd/go
    intervals: tuple[Interval, ...]

    def affects(self, version: GoVersion) -> bool:
        point = point_of(version)
        return any(i.contains(point) for i in self.intervals)

    def fixed_in(self, version: GoVersion) -> str | None:
        """The release that fixes it for ``version``'s line (the end of the interval
        that holds it), or None when no fix is known."""
        point = point_of(version)
        for interval in self.intervals:
            if interval.contains(point) and interval.end is not None:
                if interval.end_inclusive:
                    return None  # the database names the last affected, not a fix
                return go_name(interval.end)
        return None

    def as_json(self) -> dict[str, Any]:
        """What reports show: id, aliases, summary, modules, packages."""
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "modules": list(self.modules),
            "packages": list(self.packages),
        }

    def as_osv(self) -> dict[str, Any]:
        """A trimmed OSV entry that :func:`parse_entry` reads back to this advisory."""
        events: list[dict[str, str]] = []
        for interval in self.intervals:
            start = "0" if interval.start == BEGINNING else semver_of(interval.start)
            events.append({"introduced": start})
            if interval.end is not None:
                end = "last_affected" if interval.end_inclusive else "fixed"
                events.append({end: semver_of(interval.end)})
        return {
            "id": self.id,
            "modified": self.modified,
            "aliases": list(self.aliases),
            "summary": self.summary,
            "affected": [
                {
                    "package": {"name": module, "ecosystem": "Go"},
                    "ranges": [{"type": "SEMVER", "events": events}],
                    "ecosystem_specific": {"imports": [{"path": p} for p in self.packages]},
                }
                for module in self.modules
            ],
        }


def parse_entry(document: object, *, expected_id: str | None = None) -> Advisory | None:
    """The advisory of one OSV entry for the Go toolchain; None when it is withdrawn or
    names no Go toolchain module. Raises :class:`BadEntry` for anything malformed."""
    entry = _mapping(document, "the entry")
    entry_id = _text(entry.get("id"), "id")
    if not ID_RE.match(entry_id):
        raise BadEntry(f"id {printable(entry_id, 40)!r} is not a Go vulnerability id")
    if expected_id is not None and entry_id != expected_id:
        raise BadEntry(f"asked for {expected_id}, got {entry_id}")
    if entry.get("withdrawn"):
        return None
    affected = entry.get("affected", [])
    if not isinstance(affected, list):
        raise BadEntry("affected is not a list")
    modules: list[str] = []
    packages: list[str] = []
    intervals: list[Interval] = []
    for item in affected:
        block = _mapping(item, "an affected entry")
        package = _mapping(block.get("package"), "affected.package")
        name = package.get("name")
        if name not in GO_MODULES:
            continue
        assert isinstance(name, str)
        modules.append(name)
        intervals.extend(_intervals(block.get("ranges", [])))
        packages.extend(_imports(block.get("ecosystem_specific")))
    if not modules:
        return None
    return Advisory(
        id=entry_id,
        aliases=tuple(_aliases(entry.get("aliases", []))),
        summary=_summary(entry),
        modified=printable(_text(entry.get("modified", ""), "modified", empty=True), 40),
        modules=tuple(dict.fromkeys(modules)),
        packages=tuple(dict.fromkeys(packages))[:MAX_PACKAGES],
        intervals=tuple(dict.fromkeys(intervals)),
    )


def _intervals(ranges: object) -> Iterable[Interval]:
    if not isinstance(ranges, list):
        raise BadEntry("ranges is not a list")
    for item in ranges:
        block = _mapping(item, "a range")
        if block.get("type") != "SEMVER":
            continue  # GIT and ECOSYSTEM ranges say nothing about release numbers
        events = block.get("events")
        if not isinstance(events, list) or len(events) > MAX_EVENTS:
            raise BadEntry(f"a range's events are not a list of at most {MAX_EVENTS}")
        yield from _walk([_event(e) for e in events])


def _event(item: object) -> tuple[Point, str]:
    event = _mapping(item, "an event")
    if len(event) != 1:
        raise BadEntry("an event must have exactly one of introduced, fixed, last_affected")
    ((kind, value),) = event.items()
    if kind not in ("introduced", "fixed", "last_affected"):
        raise BadEntry(f"unknown event {printable(str(kind), 40)!r}")
    return parse_point(_text(value, kind)), kind


def _walk(events: list[tuple[Point, str]]) -> Iterable[Interval]:
    # sorted by version; at one version an introduced comes before the end it meets
    order = {"introduced": 0, "fixed": 1, "last_affected": 1}
    start: Point | None = None
    for point, kind in sorted(events, key=lambda e: (e[0], order[e[1]])):
        if kind == "introduced":
            start = point if start is None else start
        elif start is not None:
            yield Interval(start, point, end_inclusive=kind == "last_affected")
            start = None
    if start is not None:
        yield Interval(start, None)


def _imports(specific: object) -> Iterable[str]:
    if specific is None:
        return
    imports = _mapping(specific, "ecosystem_specific").get("imports", [])
    if not isinstance(imports, list):
        raise BadEntry("ecosystem_specific.imports is not a list")
    for item in imports[:MAX_PACKAGES]:
        path = _mapping(item, "an import").get("path")
        if isinstance(path, str) and path:
            yield printable(path, 100)


def _aliases(value: object) -> Iterable[str]:
    if not isinstance(value, list):
        raise BadEntry("aliases is not a list")
    for alias in value[:MAX_ALIASES]:
        yield printable(_text(alias, "an alias"), 40)


def _summary(entry: Mapping[str, Any]) -> str:
    """The entry's summary, else the first sentence of its details, on one line."""
    summary = entry.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        details = entry.get("details")
        summary = details if isinstance(details, str) else ""
        summary = re.split(r"(?<=\.)\s|\n\s*\n", summary.strip(), maxsplit=1)[0]
    return printable(" ".join(summary.split()), MAX_SUMMARY)


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise BadEntry(f"{what} is not an object")
    return value


def _text(value: object, what: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty):
        raise BadEntry(f"{what} is not a non-empty string")
    return value
