"""Version names, Go's ordering and spec parsing."""

from __future__ import annotations

import pytest

from gvw.base.errors import InvalidVersionError
from gvw.base.versions import (
    ExactSpec,
    FamilySpec,
    LatestSpec,
    SystemSpec,
    newest_matching,
    parse_installed_name,
    parse_release_name,
    parse_spec,
)


def names(*versions: str) -> list:
    parsed = [parse_release_name(v) for v in versions]
    assert None not in parsed
    return parsed


def test_go_ordering_puts_language_version_before_prereleases_before_releases() -> None:
    ordered = [
        "1.9.1",
        "1.9.2rc2",
        "1.9.2",
        "1.20",
        "1.20rc1",
        "1.20.1",
        "1.21beta1",
        "1.21rc1",
        "1.21rc2",
        "1.21.0",
        "1.21.2",
        "1.21.10",
        "1.22rc1",
    ]
    assert [v.name for v in sorted(names(*reversed(ordered)))] == ordered


def test_numbers_compare_numerically_not_as_text() -> None:
    assert parse_release_name("1.21.10") > parse_release_name("1.21.9")
    assert parse_release_name("1.100.0") > parse_release_name("1.99.0")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.22.10", ExactSpec(parse_release_name("1.22.10"))),
        (" go1.22.10\n", ExactSpec(parse_release_name("1.22.10"))),
        ("1.23rc1", ExactSpec(parse_release_name("1.23rc1"))),
        ("1.21beta2", ExactSpec(parse_release_name("1.21beta2"))),
        ("1.22", FamilySpec(1, 22)),
        ("go1.20", FamilySpec(1, 20)),
        ("latest", LatestSpec()),
        ("system", SystemSpec()),
    ],
)
def test_specs(text: str, expected: object) -> None:
    assert parse_spec(text, origin="test") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.",
        "1.22.",
        "01.22",
        "1.022",
        "1.22.01",
        "1.22rc0",
        "1.22rc",
        "1.22-rc1",
        "golatest",
        "gogo1.22",
        "Go1.22",
        "1.22.10.1",
        "../1.22",
        "1.22/x",
        "1.22\\x",
        "1.1234567890",
        "latest1",
        "v1.22",
    ],
)
def test_invalid_specs_name_their_origin(text: str) -> None:
    with pytest.raises(InvalidVersionError) as caught:
        parse_spec(text, origin="the test")
    assert caught.value.message.endswith("(set by the test)")


def test_invalid_word_is_shown_safely() -> None:
    with pytest.raises(InvalidVersionError) as caught:
        parse_spec("\x1b]0;pwned\x07" + "x" * 100, origin="o")
    assert caught.value.message == f'invalid Go version "?]0;pwned?{"x" * 54}" (set by o)'


def test_installed_names_must_be_canonical() -> None:
    assert parse_installed_name("1.22.10") is not None
    assert parse_installed_name("go1.22.10") is None
    assert parse_installed_name("1.22.010") is None
    assert parse_installed_name(".staging") is None


def test_newest_matching_takes_stable_releases_for_families_and_latest() -> None:
    installed = names("1.21.0", "1.21.13", "1.22rc1", "1.20")
    assert newest_matching(FamilySpec(1, 21), installed).name == "1.21.13"
    assert newest_matching(FamilySpec(1, 22), installed) is None
    assert newest_matching(FamilySpec(1, 20), installed).name == "1.20"
    assert newest_matching(LatestSpec(), installed).name == "1.21.13"
    assert newest_matching(ExactSpec(parse_release_name("1.22rc1")), installed).name == "1.22rc1"
