"""Copying the toolchain part of the Go vulnerability database, and reading it back."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from gvw.base.errors import BadIndexError, ConfigError, NetworkError
from gvw.base.reporting import SilentReporter
from gvw.base.versions import parse_release_name
from gvw.knowledge.release_knowledge import Knowledge, cached_knowledge, refresh_knowledge
from gvw.knowledge.vulndb import VulnDB, read_directory, sync
from tests.support.vulndb_fixture import AFFECTING_OLD, ENTRIES, X509_A, VulnDBServer

TOOLCHAIN_IDS = ["GO-2025-3828", "GO-2025-4100", "GO-2025-4155", "GO-2025-4175", "GO-2026-4301"]


def _db(server: VulnDBServer) -> VulnDB:
    db = VulnDB.parse(server.url, origin="GOVULNDB")
    assert db is not None
    return db


def test_a_copy_holds_the_toolchain_entries_and_reads_back_their_advisories(
    vulndb: VulnDBServer, tmp_path: Path
) -> None:
    result = sync(_db(vulndb), tmp_path / "copy", timeout=10)
    assert (result.entries, result.fetched, result.problems) == (5, 5, [])
    assert sorted(p.name for p in (tmp_path / "copy" / "ID").iterdir()) == [
        f"{i}.json" for i in TOOLCHAIN_IDS
    ]
    modules = json.loads((tmp_path / "copy" / "index" / "modules.json").read_text())
    assert [m["path"] for m in modules] == ["stdlib", "toolchain"]  # x/net left out
    database = read_directory(tmp_path / "copy", source="the copy")
    assert sorted(a.id for a in database.advisories) == [  # the withdrawn one is no advisory
        "GO-2025-3828",
        "GO-2025-4155",
        "GO-2025-4175",
        "GO-2026-4301",
    ]
    assert database.modified == "2025-12-02T18:48:31Z"


def test_a_second_copy_fetches_only_what_changed(vulndb: VulnDBServer, tmp_path: Path) -> None:
    db, target = _db(vulndb), tmp_path / "copy"
    sync(db, target, timeout=10)
    vulndb.server.clear_log()
    again = sync(db, target, timeout=10)
    assert (again.fetched, vulndb.requests()) == (0, ["/vuln/index/db.json"])

    changed = copy.deepcopy(X509_A)
    changed.update(modified="2025-12-09T10:00:00Z", aliases=["CVE-2025-61729", "GHSA-x"])
    rest = [e for e in ENTRIES if e["id"] != changed["id"]]
    vulndb.rewrite([*rest, changed], modified="2025-12-09T10:00:00Z")
    vulndb.server.clear_log()
    third = sync(db, target, timeout=10)
    assert third.fetched == 1
    assert vulndb.requests() == [
        "/vuln/index/db.json",
        "/vuln/index/modules.json",
        "/vuln/ID/GO-2025-4155.json",
    ]
    advisories = read_directory(target, source="x").advisories
    (advisory,) = [a for a in advisories if a.id == changed["id"]]
    assert advisory.aliases == ("CVE-2025-61729", "GHSA-x")


def test_a_copy_cut_short_is_not_taken_for_a_complete_one(
    vulndb: VulnDBServer, tmp_path: Path
) -> None:
    vulndb.server.fail("/vuln/ID/GO-2025-4175.json", 500)
    with pytest.raises(NetworkError, match="the vulnerability database, set by GOVULNDB"):
        sync(_db(vulndb), tmp_path / "copy", timeout=10)
    assert not (tmp_path / "copy" / "index" / "db.json").exists()  # written last


def test_an_entry_that_is_not_valid_is_left_out_and_named(
    vulndb: VulnDBServer, tmp_path: Path
) -> None:
    bad = vulndb.directory / "ID" / "GO-2025-4155.json"
    bad.write_text(json.dumps({**X509_A, "id": "GO-2025-9999"}))
    result = sync(_db(vulndb), tmp_path / "copy", timeout=10)
    assert result.problems == ["GO-2025-4155: asked for GO-2025-4155, got GO-2025-9999"]
    ids = [a.id for a in read_directory(tmp_path / "copy", source="x").advisories]
    assert "GO-2025-4155" not in ids and "GO-2025-4175" in ids


@pytest.mark.parametrize(
    ("path", "body", "why"),
    [
        ("index/db.json", b"[" * 30_000 + b"]" * 30_000, "nested more than 32 levels"),
        ("index/db.json", b" " * (70 << 10), "sent more than"),
        ("index/db.json", b'{"when": 1}', 'no "modified" time'),
        ("index/modules.json", b'{"path": "stdlib"}', "not a list of modules"),
        (
            "index/modules.json",
            b'[{"path": "stdlib", "vulns": [{"id": "../../../etc/passwd"}]}]',
            "vulnerability id '../../../etc/passwd'",
        ),
    ],
)
def test_index_documents_that_cannot_be_used_are_refused_and_nothing_is_written(
    vulndb: VulnDBServer, tmp_path: Path, path: str, body: bytes, why: str
) -> None:
    (vulndb.directory / path).write_bytes(body)
    with pytest.raises((BadIndexError, NetworkError), match=why):
        sync(_db(vulndb), tmp_path / "copy", timeout=10)
    assert not (tmp_path / "copy").exists()


def test_a_file_url_database_is_read_where_it_is(vulndb: VulnDBServer, tmp_path: Path) -> None:
    db = VulnDB.parse(vulndb.directory.as_uri(), origin="GOVULNDB")
    known = cached_knowledge(db, cache=tmp_path / "cache")
    old = parse_release_name("1.25.4")
    assert old is not None
    assert [a.id for a in known.vulnerabilities(old) or []] == list(AFFECTING_OLD)
    # a file refused by gvw.base.bounded is the database's fault, named as such (it was
    # an OSError of errno 0)
    (vulndb.directory / "index" / "db.json").unlink()
    os.mkfifo(vulndb.directory / "index" / "db.json")
    with pytest.raises(BadIndexError) as refused:
        read_directory(vulndb.directory, source=db.url)
    assert refused.value.message == (
        f"the vulnerability database {db.url} ({vulndb.directory}) cannot be used: "
        f"{vulndb.directory / 'index' / 'db.json'} is a FIFO, not a regular file"
    )


def test_unreachable_database_falls_back_to_the_kept_knowledge_with_a_warning(
    vulndb: VulnDBServer, tmp_path: Path
) -> None:
    db, cache = _db(vulndb), tmp_path / "cache"

    def refresh(reporter: SilentReporter) -> Knowledge:
        return refresh_knowledge(
            db, cache=cache, releases=None, max_age=0, timeout=5, reporter=reporter
        )

    first = refresh(SilentReporter())
    assert first.advisories is not None and first.checked is not None
    vulndb.server.fail("/vuln/index/db.json", 503)
    reporter = SilentReporter()
    second = refresh(reporter)
    assert second.advisories == first.advisories
    assert len(reporter.warnings) == 1
    assert reporter.warnings[0].endswith(f"using the vulnerability data checked {first.checked}")
    assert "503" in reporter.warnings[0]


def test_off_and_lists_are_understood_or_refused() -> None:
    assert VulnDB.parse(" off ", origin="GOVULNDB") is None
    with pytest.raises(ConfigError, match="is not one https://, http:// or file:// URL"):
        VulnDB.parse("https://a.example,https://b.example", origin="GOVULNDB")
