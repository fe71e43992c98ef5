"""Signed notes and verifier keys, against notes signed by the test database's keys."""

from __future__ import annotations

import pytest

from gvw.base.errors import ConfigError, SumdbError
from gvw.install.sumdb.note import open_note, parse_verifier
from tests.support.sumdb_fixture import make_key

GO_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"


def test_the_published_key_of_sum_golang_org_parses() -> None:
    verifier = parse_verifier(GO_KEY, origin="test")
    assert verifier.name == "sum.golang.org"
    assert verifier.text == GO_KEY


def test_a_note_signed_by_the_key_opens() -> None:
    key = make_key("db.example", "a")
    verifier = parse_verifier(key.verifier, origin="test")
    assert open_note(key.sign("hello\nworld\n"), verifier, source="the note") == "hello\nworld\n"


def test_other_signers_are_ignored_beside_the_expected_one() -> None:
    key, other = make_key("db.example", "a"), make_key("witness.example", "w")
    signed = key.sign("text\n")
    extra = other.sign("text\n").split(b"\n\n", 1)[1]
    verifier = parse_verifier(key.verifier, origin="test")
    assert open_note(signed + extra, verifier, source="the note") == "text\n"


def test_a_note_signed_by_another_key_of_the_same_name_is_refused() -> None:
    verifier = parse_verifier(make_key("db.example", "a").verifier, origin="test")
    with pytest.raises(SumdbError, match=r"is not signed by the key db\.example"):
        open_note(make_key("db.example", "b").sign("t\n"), verifier, source="the note")


def test_a_changed_text_fails_the_signature() -> None:
    key = make_key("db.example", "a")
    signed = key.sign("go.sum database tree\n5\n")
    forged = signed.replace(b"\n5\n", b"\n6\n", 1)
    with pytest.raises(SumdbError, match=r"invalid signature by db\.example"):
        open_note(forged, parse_verifier(key.verifier, origin="test"), source="the note")


def test_text_without_signatures_is_not_a_note() -> None:
    verifier = parse_verifier(make_key("db.example", "a").verifier, origin="test")
    with pytest.raises(SumdbError, match="the note is not a signed note"):
        open_note(b"just text\n", verifier, source="the note")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sum.golang.org", "is not name\\+hash\\+key"),
        ("sum.golang.org+033de0ae+AAAA", "does not hold an ed25519 public key"),
        (GO_KEY.replace("033de0ae", "033de0af"), "has a hash that does not match"),
    ],
)
def test_bad_verifier_keys_are_refused_naming_the_setting(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"\\(set by GOSUMDB\\) {problem}"):
        parse_verifier(text, origin="GOSUMDB")
