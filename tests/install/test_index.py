"""The download index parser tolerates what the real go.dev index contains."""

from __future__ import annotations

import json

import pytest

from gvw.base.errors import BadIndexError
from gvw.base.platforms import Platform
from gvw.base.versions import parse_release_name, parse_spec
from gvw.install.release_index import parse_index, read_index

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


def test_unknown_and_hostile_entries_are_left_out_and_each_is_named() -> None:
    index = read_index(
        json.dumps(
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
                        archive("go1.22.10.linux-amd64.tar.gz", sha256="not hex"),
                        archive("go1.22.10.linux-amd64.tar.gz", size=-5),
                        archive("go1.22.10.linux-amd64.tar.gz", os=None),
                        {"filename": None},
                        7,
                        archive("go1.22.10.linux-amd64.tar.gz"),
                    ],
                },
                {"version": "go1.22.10", "stable": True, "files": []},  # a repeated version
                {"version": "go1.21.0", "files": "all of them"},
                {"version": "go1.20\u001b[2J" + "x" * 100},
            ]
        ).encode(),
        source="test",
    )
    assert [r.version.name for r in index.releases] == ["1.22.10", "1.21.0"]
    (only,) = index.releases[0].files
    assert only.filename == "go1.22.10.linux-amd64.tar.gz" and only.sha256 == SHA
    assert [str(p) for p in index.problems] == [
        "entry 1: not an object",
        "entry 2: version 12 is not a Go release",
        "entry 3: version 'weekly.2011-01-01' is not a Go release",
        "release 'go1.22.10', file 1: file name '../../etc/passwd' is not a plain file name",
        "release 'go1.22.10', file 2: file name 'go1.22.10.linux-amd64.tar.gz/../x' is not a "
        "plain file name",
        "release 'go1.22.10', file 3: file name 'sub/dir.tar.gz' is not a plain file name",
        "release 'go1.22.10', file 4: file name '.hidden.tar.gz' is not a plain file name",
        "release 'go1.22.10', file 5: sha256 'not hex' is not 64 hexadecimal digits",
        "release 'go1.22.10', file 6: size -5 is not a number of bytes",
        "release 'go1.22.10', file 7: os null is not text",
        "release 'go1.22.10', file 8: no file name",
        "release 'go1.22.10', file 9: not an object",
        "release go1.22.10 (entry 5): listed twice",
        "release 'go1.21.0': its files are not a list",
        "entry 7: version 'go1.20?[2J" + "x" * 54 + "...' is not a Go release",
    ]
    passwd = index.problems[3]
    assert (passwd.version.name, passwd.os, passwd.arch, passwd.kind) == (
        "1.22.10",
        "linux",
        "amd64",
        "archive",
    )


def test_the_real_index_shape_has_no_problems() -> None:
    data = json.dumps(
        [
            {
                "version": "go1.22.10",
                "stable": True,
                "files": [
                    archive("go1.22.10.linux-amd64.tar.gz"),
                    archive("go1.22.10.src.tar.gz", "", "", kind="source"),
                    archive("go1.22.10.windows-amd64.msi", "windows", kind="installer"),
                ],
            },
            {"version": "go1.4", "stable": True, "files": [archive("go1.4.x.tar.gz", sha256="")]},
            {"version": "go1.9.2rc2", "stable": False, "files": []},
        ]
    ).encode()
    assert read_index(data, source="test").problems == []


def problems_for(spec: str, *entries: dict, chosen: str | None = None, target=LINUX):
    index = read_index(json.dumps(list(entries)).encode(), source="test")
    chosen_version = parse_release_name(chosen) if chosen else None
    return index.problem_for(parse_spec(spec, origin="test"), chosen_version, target)


BAD_1_22_10 = {
    "version": "go1.22.10",
    "stable": True,
    "files": [archive("../go1.22.10.linux-amd64.tar.gz")],
}


def test_the_bad_entry_of_the_release_asked_for_is_found() -> None:
    assert problems_for("1.22.10", BAD_1_22_10) is not None
    assert problems_for("go1.22.10", BAD_1_22_10) is not None
    # a family or latest: the bad entry would have been newer than what was chosen
    assert problems_for("1.22", BAD_1_22_10, chosen="1.22.9") is not None
    assert problems_for("latest", BAD_1_22_10, chosen="1.21.13") is not None
    assert problems_for("1.22", BAD_1_22_10) is not None  # nothing else matched


def test_bad_entries_of_other_releases_platforms_and_kinds_are_not_the_answer() -> None:
    assert problems_for("1.22.9", BAD_1_22_10) is None
    assert problems_for("1.21", BAD_1_22_10, chosen="1.21.13") is None
    assert problems_for("1.22", BAD_1_22_10, chosen="1.22.11") is None  # older than chosen
    assert problems_for("1.22.10", BAD_1_22_10, target=Platform("windows", "amd64")) is None
    rc = {"version": "go1.23rc1", "files": [archive("../x")]}
    assert problems_for("latest", rc, chosen="1.22.10") is None  # latest is never an rc
    msi = {"version": "go1.22.10", "files": [archive("../x.msi", kind="installer")]}
    assert problems_for("1.22.10", msi) is None


def test_warnings_name_each_bad_entry_up_to_a_limit() -> None:
    entries = [{"version": f"go1.{n}.0", "files": [archive("../x")]} for n in range(1, 9)]
    index = read_index(json.dumps(entries).encode(), source="http://m/")
    skip = index.problems[0]
    lines = index.warnings(skip=skip)
    assert lines[0] == (
        "the download index from http://m/: release 'go1.2.0', file 1: "
        "file name '../x' is not a plain file name (left out)"
    )
    assert len(lines) == 6
    assert lines[-1] == "the download index from http://m/: 2 more bad entries left out"


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
