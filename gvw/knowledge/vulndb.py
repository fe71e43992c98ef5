"""The Go vulnerability database: where it is, and copying its toolchain part.

The database (https://go.dev/doc/security/vuln/database#api) is a tree of JSON
documents that any static server or a ``file://`` directory can serve:
``index/db.json`` (``{"modified": ...}``), ``index/modules.json`` (each module with
its vulnerabilities' ids and modification times) and ``ID/<id>.json`` (one OSV entry).
gvw needs the entries of the ``stdlib`` and ``toolchain`` modules only.

:func:`sync` copies those into a directory of the same layout — the cache, or a
mirror's ``vulndb/`` for machines without internet — fetching only entries that are new
or changed since the directory's last copy, and writing ``index/db.json`` last, so a
copy cut short is never taken for a complete one. :func:`read_directory` reads such a
directory (or a ``file://`` database) back.

Where: ``GOVULNDB`` (the variable Go's tools read), else the ``vulndb`` setting, else
``https://vuln.go.dev``; ``off`` switches the vulnerability checks off. Every document
has a size cap and a nesting cap; ids must look like Go's (``GO-2025-4175``), so an
id can never name a path.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gvw.base import http
from gvw.base.bounded import InputRefused, parse_json, read_regular_file
from gvw.base.errors import BadIndexError, ConfigError, NetworkError
from gvw.base.fileurl import file_url_path, is_file_url
from gvw.base.fsutil import atomic_write_bytes, unlink_quietly
from gvw.base.sanitize import printable
from gvw.knowledge.osv import GO_MODULES, ID_RE, Advisory, BadEntry, parse_entry

OFF = "off"
DB_JSON = "index/db.json"
MODULES_JSON = "index/modules.json"
MAX_DB_JSON = 64 << 10
MAX_MODULES_JSON = 64 << 20  # the whole database's module list (a few MB today)
MAX_ENTRY = 1 << 20  # one OSV entry (a few KB today)
MAX_DEPTH = 32  # real documents nest 6 deep
MAX_ENTRIES = 20_000  # toolchain entries (a few hundred today)
FETCH_WORKERS = 8
_HINT = (
    "check the network, or point GOVULNDB at a copy (gvw mirror create DIR --vulndb "
    "makes one); GOVULNDB=off switches the vulnerability checks off"
)


@dataclass(frozen=True)
class VulnDB:
    url: str  # no trailing slash: https://vuln.go.dev, file:///srv/vulndb
    origin: str  # GOVULNDB, the config file, the default

    @classmethod
    def parse(cls, text: str, *, origin: str) -> VulnDB | None:
        """The database ``text`` names; None for ``off``."""
        url = text.strip()
        if url == OFF:
            return None
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("https", "http", "file") or "," in url:
            raise ConfigError(
                f"vulnerability database {printable(url, 200)!r} (set by {origin}) is not "
                "one https://, http:// or file:// URL",
                hint="e.g. GOVULNDB=https://vuln.go.dev, GOVULNDB=file:///srv/vulndb or "
                "GOVULNDB=off",
            )
        return cls(url.rstrip("/"), origin)

    @property
    def is_local(self) -> bool:
        return is_file_url(self.url)

    @property
    def directory(self) -> Path:
        return file_url_path(self.url + "/")

    def location(self, relative: str) -> str:
        if self.is_local:
            return str(self.directory / relative)
        return f"{self.url}/{relative}"


@dataclass
class Database:
    """What a copy of the database holds for the Go toolchain."""

    modified: str  # index/db.json's
    advisories: list[Advisory]
    problems: list[str] = field(default_factory=list)  # entries left out, and why


@dataclass
class SyncResult:
    modified: str
    entries: int  # toolchain entries in the copy
    fetched: int  # of those, fetched this time (new or changed)
    problems: list[str] = field(default_factory=list)


def sync(db: VulnDB, target: Path, *, timeout: float) -> SyncResult:
    """Bring the copy in ``target`` up to date with ``db`` (see the module doc)."""
    db_json = _fetch(db, DB_JSON, MAX_DB_JSON, timeout)
    modified = _modified(_parse(db_json, db.location(DB_JSON), MAX_DB_JSON))
    if _copied_modified(target) == modified:  # nothing changed since the last copy
        return SyncResult(modified, len(_copied_times(target)), 0)
    modules_json = _fetch(db, MODULES_JSON, MAX_MODULES_JSON, timeout)
    modules = _toolchain_modules(_parse(modules_json, db.location(MODULES_JSON), MAX_MODULES_JSON))
    wanted = _entry_times(modules, db.location(MODULES_JSON))
    have = _copied_times(target)
    stale = [i for i, when in wanted.items() if have.get(i) != when or not _entry(target, i)]
    problems = _fetch_entries(db, stale, target, timeout)
    entries = target / "ID"
    with contextlib.suppress(OSError):
        for old in entries.iterdir():  # withdrawn from the index altogether
            if old.name.removesuffix(".json") not in wanted:
                unlink_quietly(old)
    atomic_write_bytes(target / MODULES_JSON, json.dumps(modules, indent=1).encode())
    atomic_write_bytes(target / DB_JSON, db_json)  # last: the copy is complete
    return SyncResult(modified, len(wanted), len(stale), problems)


def read_directory(directory: Path, *, source: str) -> Database:
    """The toolchain advisories of a database directory (a copy or ``file://``)."""
    where = f"{source} ({directory})" if source != str(directory) else source
    raw = _read_file(directory / DB_JSON, MAX_DB_JSON, where)
    modified = _modified(_parse(raw, where, MAX_DB_JSON))
    raw = _read_file(directory / MODULES_JSON, MAX_MODULES_JSON, where)
    modules = _toolchain_modules(_parse(raw, where, MAX_MODULES_JSON))
    advisories: list[Advisory] = []
    problems: list[str] = []
    for entry_id in _entry_times(modules, where):
        try:
            data = _read_file(directory / "ID" / f"{entry_id}.json", MAX_ENTRY, where)
            advisory = parse_entry(_load(data, MAX_ENTRY), expected_id=entry_id)
        except (OSError, BadEntry, ValueError, BadIndexError) as exc:
            problems.append(f"{entry_id}: {_reason(exc)}")
            continue
        if advisory is not None:
            advisories.append(advisory)
    return Database(modified, advisories, problems)


# --- fetching ----------------------------------------------------------------------


def _fetch(db: VulnDB, relative: str, max_bytes: int, timeout: float) -> bytes:
    if db.is_local:
        path = db.directory / relative
        try:
            return _read_file(path, max_bytes, f"{db.url} (set by {db.origin})")
        except OSError as exc:
            raise NetworkError(
                f"cannot read {path} of the vulnerability database {db.url} (set by "
                f"{db.origin}): {exc.strerror or exc}",
                hint=_HINT,
            ) from None
    try:
        return http.fetch_bytes(db.location(relative), timeout=timeout, max_bytes=max_bytes)
    except NetworkError as exc:
        raise NetworkError(
            f"{exc.message} (the vulnerability database, set by {db.origin})", hint=_HINT
        ) from None


def _fetch_entries(db: VulnDB, ids: list[str], target: Path, timeout: float) -> list[str]:
    """Fetch and check each entry, then write it into ``target``; entries that are not
    valid are left out and named (the rest of the copy is still good)."""
    from concurrent.futures import ThreadPoolExecutor

    problems: list[str] = []

    def fetch_one(entry_id: str) -> tuple[str, bytes | None, str | None]:
        relative = f"ID/{entry_id}.json"
        data = _fetch(db, relative, MAX_ENTRY, timeout)
        try:
            parse_entry(_load(data, MAX_ENTRY), expected_id=entry_id)
        except (BadEntry, ValueError) as exc:
            return entry_id, None, _reason(exc)
        return entry_id, data, None

    pool = ThreadPoolExecutor(max_workers=FETCH_WORKERS, thread_name_prefix="gvw-vulndb")
    try:
        for entry_id, data, problem in pool.map(fetch_one, ids):
            if data is None:
                problems.append(f"{entry_id}: {problem}")
                unlink_quietly(target / "ID" / f"{entry_id}.json")
            else:
                atomic_write_bytes(target / "ID" / f"{entry_id}.json", data)
    finally:  # a failure or a signal: do not wait for the rest
        pool.shutdown(wait=False, cancel_futures=True)
    return problems


# --- reading -----------------------------------------------------------------------


def _read_file(path: Path, max_bytes: int, where: str) -> bytes:
    """A regular file's bytes, at most ``max_bytes`` (gvw.base.bounded: a FIFO could
    block, a device never end). Raises OSError when it cannot be read, and BadIndexError
    naming the file and ``where`` the database is when it is refused."""
    try:
        return read_regular_file(path, max_bytes)
    except InputRefused as refused:
        raise _bad(where, f"{path} {refused.reason}") from None


def _load(data: bytes, max_bytes: int) -> Any:
    """Raises ValueError: not JSON, or past the limits (gvw.base.bounded)."""
    return parse_json(data, max_depth=MAX_DEPTH, max_bytes=max_bytes)


def _parse(data: bytes, where: str, max_bytes: int) -> Any:
    try:
        return _load(data, max_bytes)
    except InputRefused as refused:
        raise _bad(where, refused.reason) from None
    except ValueError as exc:
        raise _bad(where, f"not valid JSON ({exc})") from None


def _modified(document: object) -> str:
    modified = document.get("modified") if isinstance(document, dict) else None
    if not isinstance(modified, str) or not modified:
        raise _bad("index/db.json", 'no "modified" time')
    return printable(modified, 40)


def _toolchain_modules(document: object) -> list[dict[str, Any]]:
    if not isinstance(document, list):
        raise _bad("index/modules.json", "not a list of modules")
    return [m for m in document if isinstance(m, dict) and m.get("path") in GO_MODULES]


def _entry_times(modules: Iterable[Mapping[str, Any]], where: str) -> dict[str, str]:
    """id -> modified for every vulnerability of the toolchain modules."""
    times: dict[str, str] = {}
    for module in modules:
        vulns = module.get("vulns")
        if not isinstance(vulns, list):
            raise _bad(where, f"module {module.get('path')}: vulns is not a list")
        for vuln in vulns:
            entry_id = vuln.get("id") if isinstance(vuln, dict) else None
            if not isinstance(entry_id, str) or not ID_RE.match(entry_id):
                raise _bad(where, f"vulnerability id {printable(str(entry_id), 40)!r}")
            times[entry_id] = str(vuln.get("modified", ""))
    if len(times) > MAX_ENTRIES:
        raise _bad(where, f"more than {MAX_ENTRIES} toolchain entries")
    return times


def _copied_times(target: Path) -> dict[str, str]:
    """What the copy in ``target`` holds: id -> modified (empty when there is none)."""
    try:
        data = _read_file(target / MODULES_JSON, MAX_MODULES_JSON, str(target))
        return _entry_times(_toolchain_modules(_load(data, MAX_MODULES_JSON)), str(target))
    except (OSError, ValueError, BadIndexError):
        return {}


def _copied_modified(target: Path) -> str | None:
    try:
        data = _read_file(target / DB_JSON, MAX_DB_JSON, str(target))
        return _modified(_load(data, MAX_DB_JSON))
    except (OSError, ValueError, BadIndexError):
        return None


def _entry(target: Path, entry_id: str) -> bool:
    return (target / "ID" / f"{entry_id}.json").is_file()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc.message if isinstance(exc, BadIndexError) else exc)


def _bad(where: str, why: str) -> BadIndexError:
    return BadIndexError(
        f"the vulnerability database {where} cannot be used: {why}",
        hint="check GOVULNDB (or the vulndb setting); GOVULNDB=off switches the checks off",
    )
