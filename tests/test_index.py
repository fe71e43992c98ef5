"""The download index parser tolerates what the real go.dev index contains."""

from __future__ import annotations

import json

import pytest

from gvw.errors import BadIndexError
from gvw.index import parse_index
from gvw.platforms import Platform

LINUX = Platform("linux", "amd64")
SHA = "a" * 64


def archive(name: str, goos: str = "linux", arch: str = "amd64", **extra: object) -> dict:
    entry = {
        "filename": name,
        "os": goos,
        "arch": arch,
        "kind": "archive",
        "sha256": SHA,
        "size": 10,
    }
    entry.update(extra)
    return entry


def parse(document: object):
    return parse_index(json.dumps(document).encode(), source="test")


def test_real_index_quirks_are_tolerated() -> None:
    releases = parse(
        [
            {
                "version": "go1.22.10",
                "stable": True,
                "files": [
                    archive("go1.22.10.linux-amd64.tar.gz"),
                    archive("go1.22.10.src.tar.gz", "", "", kind="source"),
                    archive("go1.22.10.linux-armv6l.tar.gz", arch="armv6l"),
                    archive("go1.22.10.linux-loong64.tar.gz", arch="loong64"),
                    archive("go1.22.10.windows-amd64.msi", "windows", kind="installer"),
                ],
            },
            {"version": "go1.20", "stable": True, "files": [archive("go1.20.linux-amd64.tar.gz")]},
            {
                "version": "go1.4",
                "stable": True,
                "files": [archive("go1.4.linux-amd64.tar.gz", sha256="")],
            },
            {"version": "go1.9.2rc2", "stable": False, "files": []},
            {
                "version": "go1.23rc1",
                "stable": False,
                "files": [archive("go1.23rc1.linux-amd64.tar.gz")],
            },
        ]
    )
    assert [r.version.name for r in releases] == ["1.23rc1", "1.22.10", "1.20", "1.9.2rc2", "1.4"]
    assert releases[1].archive_for(LINUX).filename == "go1.22.10.linux-amd64.tar.gz"
    assert releases[1].archive_for(Platform("linux", "armv6l")) is not None
    assert releases[1].archive_for(Platform("windows", "amd64")) is None  # msi only
    assert releases[4].archive_for(LINUX).sha256 is None  # empty sha256 on old releases
    assert not releases[0].stable


def test_unknown_and_hostile_entries_are_skipped() -> None:
    releases = parse(
        [
            "not an object",
            {"version": 12},
            {"version": "weekly.2011-01-01", "files": []},
            {
                "version": "go1.22.10",
                "stable": True,
                "files": [
                    archive("../../etc/passwd"),
                    archive("go1.22.10.linux-amd64.tar.gz/../x"),
                    archive("sub/dir.tar.gz"),
                    archive(".hidden.tar.gz"),
                    archive("go1.22.10.linux-amd64.tar.gz", sha256="not hex", size=-5),
                    {"filename": None},
                    7,
                ],
            },
            {"version": "go1.22.10", "stable": True, "files": []},  # a repeated version
        ]
    )
    assert len(releases) == 1
    (only,) = releases[0].files
    assert only.filename == "go1.22.10.linux-amd64.tar.gz"
    assert only.sha256 is None and only.size is None


def test_a_release_marked_stable_with_an_rc_name_is_not_stable() -> None:
    (release,) = parse([{"version": "go1.23rc1", "stable": True, "files": []}])
    assert not release.stable


def test_zip_is_preferred_on_windows() -> None:
    (release,) = parse(
        [
            {
                "version": "go1.22.10",
                "stable": True,
                "files": [
                    archive("go1.22.10.windows-amd64.tar.gz", "windows"),
                    archive("go1.22.10.windows-amd64.zip", "windows"),
                ],
            }
        ]
    )
    assert release.archive_for(Platform("windows", "amd64")).filename.endswith(".zip")


@pytest.mark.parametrize("data", [b"", b"{", b"null", b'{"a": 1}', b"\xff\xfe", b"42"])
def test_documents_that_are_not_an_index(data: bytes) -> None:
    with pytest.raises(BadIndexError) as caught:
        parse_index(data, source="http://mirror/")
    assert "the download index from http://mirror/" in caught.value.message
