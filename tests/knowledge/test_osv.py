"""OSV entries of the Go vulnerability database, read as a toolchain needs them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gvw.base.versions import parse_release_name
from gvw.knowledge.osv import BadEntry, go_name, parse_entry, parse_point, point_of
from tests.support.vulndb_fixture import CMD_GO, OTHER_MODULE, RC_ONLY, WITHDRAWN, X509_A


def _v(name: str) -> Any:
    version = parse_release_name(name)
    assert version is not None
    return version


@pytest.mark.parametrize(
    ("release", "semver"),
    [
        ("1.25.5", "1.25.5"),
        ("1.21.0", "v1.21.0"),
        ("1.21rc1", "1.21.0-rc.1"),
        ("1.19beta1", "v1.19.0-beta.1"),
        ("1.20", "1.20.0"),  # before 1.21 the first release had no .0
        ("1.9.2rc2", "1.9.2-rc.2"),
    ],
)
def test_go_release_names_sit_where_the_database_puts_them(release: str, semver: str) -> None:
    assert point_of(_v(release)) == parse_point(semver)
    assert go_name(parse_point(semver)) == release


def test_the_lowest_pre_release_sorts_below_every_beta_and_rc() -> None:
    assert parse_point("1.25.0-0") < point_of(_v("1.25rc1")) < point_of(_v("1.25.0"))
    assert parse_point("1.24.11") < parse_point("1.25.0-0")


def test_an_entry_affects_the_releases_between_introduced_and_fixed() -> None:
    advisory = parse_entry(X509_A)
    assert advisory is not None
    assert (advisory.id, advisory.aliases, advisory.modules, advisory.packages) == (
        "GO-2025-4155",
        ("CVE-2025-61729",),
        ("stdlib",),
        ("crypto/x509",),
    )
    affected = {name: advisory.affects(_v(name)) for name in ("1.24.10", "1.24.11", "1.25rc1")}
    affected.update({name: advisory.affects(_v(name)) for name in ("1.25.4", "1.25.5", "1.20")})
    assert affected == {
        "1.24.10": True,
        "1.24.11": False,
        "1.25rc1": True,
        "1.25.4": True,
        "1.25.5": False,
        "1.20": True,
    }
    assert (advisory.fixed_in(_v("1.25.4")), advisory.fixed_in(_v("1.24.2"))) == (
        "1.25.5",
        "1.24.11",
    )


def test_a_release_candidate_range_affects_only_that_candidate() -> None:
    advisory = parse_entry(RC_ONLY)
    assert advisory is not None
    assert [advisory.affects(_v(n)) for n in ("1.26rc1", "1.26rc2", "1.25.5")] == [
        True,
        False,
        False,
    ]
    assert advisory.fixed_in(_v("1.26rc1")) == "1.26rc2"


def test_withdrawn_entries_and_entries_of_other_modules_are_no_toolchain_advisories() -> None:
    assert parse_entry(WITHDRAWN) is None
    assert parse_entry(OTHER_MODULE) is None


def test_the_summary_falls_back_to_the_first_sentence_of_the_details_on_one_line() -> None:
    entry = copy.deepcopy(CMD_GO)
    del entry["summary"]
    entry["details"] = "The go command may run\ncode from a \x1b[2Jrepository. More text."
    advisory = parse_entry(entry)
    assert advisory is not None
    assert advisory.summary == "The go command may run code from a ?[2Jrepository."


def test_an_advisory_written_as_a_trimmed_entry_reads_back_the_same() -> None:
    for entry in (X509_A, CMD_GO, RC_ONLY):
        advisory = parse_entry(entry)
        assert advisory is not None
        assert parse_entry(advisory.as_osv()) == advisory


def _changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    entry = copy.deepcopy(X509_A)
    target: Any = entry
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return entry


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (_changed(("id",), "../../etc/passwd"), "is not a Go vulnerability id"),
        (_changed(("affected",), {"a": 1}), "affected is not a list"),
        (_changed(("affected", 0, "ranges", 0, "events"), "0"), "events are not a list"),
        (
            _changed(("affected", 0, "ranges", 0, "events", 1), {"fixed": "1.25"}),
            "is not a SEMVER version",
        ),
        (
            _changed(("affected", 0, "ranges", 0, "events", 1), {"fixed": "1", "x": "2"}),
            "exactly one of",
        ),
        (_changed(("aliases",), "CVE-1"), "aliases is not a list"),
    ],
)
def test_malformed_entries_are_refused_with_the_reason(entry: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadEntry, match=reason):
        parse_entry(entry)
