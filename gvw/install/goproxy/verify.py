"""The ``h1:`` hash the checksum database vouches for, for one toolchain module.

Where the database is read, as Go decides it (modfetch/sumdb.go): at the URL GOSUMDB
names, when it names one; otherwise through the first proxy that answers
``<proxy>/sumdb/<name>/supported``, falling back to ``https://<name>`` (a proxy's 404
or 410, ``direct`` or ``off`` mean "not through me").
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from gvw.base.errors import ConfigError, NetworkError, SumdbError
from gvw.install.goproxy.modzip import MODULE
from gvw.install.goproxy.settings import Sumdb, sumdb, sumdb_exclusion
from gvw.install.goproxy.source import ProxySource, read
from gvw.install.sumdb.client import SumdbClient

SKIP_FLAG = "--skip-checksum"


@dataclass(frozen=True)
class Vouched:
    hash: str  # "h1:..."
    database: str  # "sum.golang.org (https://sum.golang.org)"


def refuse_unverifiable(source: ProxySource) -> Sumdb:
    """The database to check toolchains with; ConfigError naming the setting that
    turns checking off (GOSUMDB=off, or GONOSUMDB/GOPRIVATE/GONOSUMCHECK matching)."""
    excluded = sumdb_exclusion(source.settings)
    if excluded is not None:
        raise ConfigError(
            f"{excluded} leaves {MODULE} unchecked by the checksum database; "
            "gvw does not install toolchains it cannot verify",
            hint=f"remove {MODULE} from {excluded.name} (go env -u {excluded.name} if set "
            f"with go env -w), or install unverified with {SKIP_FLAG}",
        )
    database = sumdb(source.settings["GOSUMDB"])
    assert database is not None, "GOSUMDB=off is an exclusion"
    return database


def database_base(source: ProxySource, database: Sumdb) -> str:
    if database.url_given:
        return database.url
    for entry in source.entries:
        if entry.url in ("direct", "off"):
            break
        base = f"{entry.url}/sumdb/{database.name}"
        try:
            read(f"{base}/supported", timeout=source.timeout)
            return base
        except NetworkError as exc:
            if exc.status not in (404, 410) and not entry.fall_back_on_error:
                raise
    return database.url


def vouched_hash(
    source: ProxySource,
    modver: str,
    *,
    cache_dir: Path,
    lock: Callable[[], AbstractContextManager[object]],
) -> Vouched:
    database = refuse_unverifiable(source)
    base = database_base(source, database)

    def fetch(path: str) -> bytes:
        return read(f"{base}/{path}", timeout=source.timeout)

    client = SumdbClient(database.verifier, base, fetch=fetch, cache_dir=cache_dir, lock=lock)
    lines = client.lookup(MODULE, modver)
    wanted = f"{MODULE} {modver} "
    for line in lines:
        if line.startswith(wanted) and line[len(wanted) :].startswith("h1:"):
            return Vouched(line[len(wanted) :].strip(), f"{database.name} ({base})")
    raise SumdbError(
        f"the checksum database record of {MODULE}@{modver} at {base} has no h1: hash "
        "for the module zip",
        hint="the database is broken; report it to whoever runs it",
    )
