"""What gvw knows about Go releases, as of its last check: the toolchain advisories of
the vulnerability database and the minor releases Go still supports.

Commands that go to the network anyway (``upgrade``, ``try``, ``facts --refresh``,
``apply``) call :func:`refresh_knowledge`: the database is copied into the cache
(:func:`gvw.knowledge.vulndb.sync`, only what changed) at most once per cache lifetime,
like the download index, and when it cannot be reached the cached knowledge is used
with a warning. The result is also kept as one small file, so read-only commands
(``list``, ``doctor``, ``facts``) learn it with :func:`cached_knowledge` in a few
milliseconds and without the network. A ``file://`` database is read where it is.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import re
import time
import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gvw.base import bounded_json
from gvw.base.errors import BadIndexError, GvwError, NetworkError
from gvw.base.fsutil import atomic_write_bytes
from gvw.base.redaction import redact
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_release_name
from gvw.knowledge.osv import Advisory, BadEntry, parse_entry, point_of
from gvw.knowledge.support import Family, family_name, is_supported, supported_families
from gvw.knowledge.vulndb import Database, VulnDB, read_directory

FORMAT = 1
_TIME = "%Y-%m-%dT%H:%M:%SZ"
MAX_KNOWLEDGE_BYTES = 32 << 20
Lock = Callable[[str], AbstractContextManager[None]]


@dataclass(frozen=True)
class Knowledge:
    """None means unknown (no data yet, or the checks are off), never "none found"."""

    database: str | None = None  # where the advisories came from (user info redacted)
    modified: str | None = None  # the database's own time of last change
    checked: str | None = None  # when gvw last read it (UTC, ISO 8601)
    advisories: tuple[Advisory, ...] | None = None
    supported: tuple[Family, ...] | None = None  # newest first
    problems: tuple[str, ...] = ()  # entries left out, and why

    def vulnerabilities(self, version: GoVersion) -> list[Advisory] | None:
        """The known vulnerabilities of a Go release, by id."""
        if self.advisories is None:
            return None
        return sorted((a for a in self.advisories if a.affects(version)), key=lambda a: a.id)

    def fixed_by(self, current: GoVersion, target: GoVersion) -> list[Advisory] | None:
        """What moving from ``current`` to ``target`` fixes: known vulnerabilities of
        ``current`` that ``target`` does not have."""
        known = self.vulnerabilities(current)
        if known is None:
            return None
        return [a for a in known if not a.affects(target)]

    def fix_for(self, version: GoVersion) -> str | None:
        """The oldest release of ``version``'s line that fixes all its known
        vulnerabilities; None when one of them has no fix yet (or none are known)."""
        fixes = [a.fixed_in(version) for a in self.vulnerabilities(version) or []]
        if not fixes or None in fixes:
            return None
        return max(fixes, key=lambda name: point_of(parse_release_name(name or "") or version))

    def is_supported(self, version: GoVersion) -> bool | None:
        return None if self.supported is None else is_supported(version, self.supported)

    def version_facts(self, version: GoVersion) -> dict[str, Any]:
        """One release as every JSON report shows it: its known vulnerabilities (with
        the release that fixes each) and whether Go still supports it; None: unknown."""
        found = self.vulnerabilities(version)
        return {
            "vulnerabilities": None
            if found is None
            else [{**a.as_json(), "fixed_in": a.fixed_in(version)} for a in found],
            "supported": self.is_supported(version),
        }

    def describe(self) -> dict[str, Any]:
        """Where the knowledge comes from and how old it is, for reports."""
        return {
            "database": self.database,
            "modified": self.modified,
            "checked": self.checked,
            "supported_releases": None
            if self.supported is None
            else [family_name(f) for f in self.supported],
        }


def cached_knowledge(db: VulnDB | None, *, cache: Path) -> Knowledge:
    """What is known without the network: the kept record (or a ``file://``
    database, read where it is); empty when there is none or it is damaged."""
    known = _read_record(cache, db)
    if db is not None and db.is_local:
        with contextlib.suppress(GvwError, OSError):
            return _from_database(db, read_directory(db.directory, source=db.url), known)
    if db is None:
        known = replace(known, database=None, modified=None, advisories=None, problems=())
    return known


def refresh_knowledge(
    db: VulnDB | None,
    *,
    cache: Path,
    releases: Sequence[GoVersion] | None,
    max_age: float,
    timeout: float,
    reporter: Reporter,
    lock: Lock | None = None,
    force: bool = False,
    required: bool = False,
) -> Knowledge:
    """The knowledge, brought up to date when the kept record is older than
    ``max_age`` seconds (or ``force``); ``releases`` (from the download index, when the
    command has it) renews which releases are supported.

    When the database cannot be read, the kept record is used with a warning; with
    none, the vulnerabilities are unknown (a warning) or, when ``required``, the error
    is raised.
    """
    kept = cached_knowledge(db, cache=cache)
    known = kept
    if releases is not None:
        known = replace(known, supported=supported_families(releases))
    if (
        db is None
        or db.is_local
        or (not force and known.advisories is not None and _age(known) < max_age)
    ):
        if known != kept:
            _keep(cache, db, known)
        return known
    from gvw.knowledge.vulndb import sync  # the network: only when it is needed

    try:
        with lock(f"vulndb-{_key(db)}") if lock is not None else contextlib.nullcontext():
            result = sync(db, _copy_dir(cache, db), timeout=timeout)
            fresh = _from_database(db, read_directory(_copy_dir(cache, db), source=db.url), known)
    except (NetworkError, BadIndexError) as exc:
        if known.advisories is None and required:
            raise
        when = f"checked {known.checked}" if known.checked else None
        reporter.warn(
            f"{exc.message}; "
            + (f"using the vulnerability data {when}" if when else "vulnerabilities unknown")
        )
        return known
    for problem in [*result.problems, *fresh.problems][:5]:
        reporter.warn(f"left out a vulnerability entry of {redact(db.url)}: {problem}")
    _keep(cache, db, fresh)
    return fresh


def knowledge_file(cache: Path, db: VulnDB | None) -> Path:
    return cache / "knowledge" / f"{_key(db)}.json"


def _copy_dir(cache: Path, db: VulnDB) -> Path:
    return cache / "vulndb" / _key(db)


def _key(db: VulnDB | None) -> str:
    """A file name for the database (no hashlib: it loads OpenSSL, and gvw list is
    hot); the checksum keeps two URLs that read alike apart."""
    url = db.url if db else "off"
    return f"{re.sub(r'[^A-Za-z0-9.-]+', '_', url)[:80]}-{zlib.crc32(url.encode()):08x}"


def _from_database(db: VulnDB, database: Database, known: Knowledge) -> Knowledge:
    return replace(
        known,
        database=redact(db.url),
        modified=database.modified,
        checked=_now(),
        advisories=tuple(database.advisories),
        problems=tuple(database.problems),
    )


def _age(known: Knowledge) -> float:
    """Seconds since the database was last read."""
    try:
        return time.time() - calendar.timegm(time.strptime(known.checked or "", _TIME))
    except ValueError:
        return float("inf")


def _keep(cache: Path, db: VulnDB | None, known: Knowledge) -> None:
    """Write the record (a cache: failing to write it is not worth failing for)."""
    data = {
        "format": FORMAT,
        **known.describe(),
        "entries": None if known.advisories is None else [a.as_osv() for a in known.advisories],
        "problems": list(known.problems),
    }
    with contextlib.suppress(GvwError):
        atomic_write_bytes(knowledge_file(cache, db), json.dumps(data).encode())


def _read_record(cache: Path, db: VulnDB | None) -> Knowledge:
    try:
        data = knowledge_file(cache, db).read_bytes()
        record = bounded_json.loads(data, max_bytes=MAX_KNOWLEDGE_BYTES, max_depth=16)
        return _record(record)
    except (OSError, bounded_json.JsonLimitError, BadEntry, KeyError, TypeError, ValueError):
        return Knowledge()  # no record, or a damaged one: a cache miss


def _record(record: Any) -> Knowledge:
    if record.get("format") != FORMAT:
        return Knowledge()
    entries = record["entries"]
    advisories = None
    if entries is not None:
        parsed = (parse_entry(e) for e in entries)
        advisories = tuple(a for a in parsed if a is not None)
    supported = record["supported_releases"]
    families = None
    if supported is not None:
        families = tuple((int(a), int(b)) for a, b in (s.split(".") for s in supported))
    texts = {k: record[k] for k in ("database", "modified", "checked")}
    return Knowledge(
        database=texts["database"] if isinstance(texts["database"], str) else None,
        modified=texts["modified"] if isinstance(texts["modified"], str) else None,
        checked=texts["checked"] if isinstance(texts["checked"], str) else None,
        advisories=advisories,
        supported=families,
        problems=tuple(str(p) for p in record.get("problems", [])),
    )


def _now() -> str:
    return time.strftime(_TIME, time.gmtime())
