"""Where the go command keeps its settings and puts programs, per OS (gvw.host.goenv)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest

from gvw.host.goenv import go_bin_dir, go_env_file, parse_go_env


@pytest.mark.parametrize(
    ("env", "goos", "expected"),
    [
        ({"HOME": "/home/ann"}, "linux", PurePosixPath("/home/ann/.config/go/env")),
        (
            {"HOME": "/home/ann", "XDG_CONFIG_HOME": "/cfg"},
            "linux",
            PurePosixPath("/cfg/go/env"),
        ),
        # Go refuses a relative XDG_CONFIG_HOME (os.UserConfigDir errors): no file
        ({"HOME": "/home/ann", "XDG_CONFIG_HOME": "cfg"}, "linux", None),
        ({}, "linux", None),
        (
            {"HOME": "/Users/ann"},
            "darwin",
            PurePosixPath("/Users/ann/Library/Application Support/go/env"),
        ),
        (
            {"AppData": r"C:\Users\Ann\AppData\Roaming", "USERPROFILE": r"C:\Users\Ann"},
            "windows",
            PureWindowsPath(r"C:\Users\Ann\AppData\Roaming\go\env"),
        ),
        ({"HOME": "/home/ann", "GOENV": "/etc/go.env"}, "linux", PurePosixPath("/etc/go.env")),
        ({"HOME": "/home/ann", "GOENV": "off"}, "linux", None),
    ],
)
def test_go_env_file_location(env: dict[str, str], goos: str, expected: object) -> None:
    assert go_env_file(env, goos) == expected


def test_go_env_file_is_read_as_the_go_command_reads_it() -> None:
    text = "GOPROXY=off\n# a comment\nlowercase=ignored\nNOEQUALS\nGOFLAGS=-mod=mod\nGOPROXY=direct"
    assert parse_go_env(text) == {"GOPROXY": "direct", "GOFLAGS": "-mod=mod"}


@pytest.mark.parametrize(
    ("env", "file_values", "goos", "expected"),
    [
        ({"HOME": "/h"}, {}, "linux", PurePosixPath("/h/go/bin")),
        ({"HOME": "/h", "GOPATH": "/a:/b"}, {}, "linux", PurePosixPath("/a/bin")),
        ({"HOME": "/h"}, {"GOPATH": "/from/file"}, "linux", PurePosixPath("/from/file/bin")),
        ({"HOME": "/h", "GOBIN": "/gobin"}, {"GOBIN": "/other"}, "linux", PurePosixPath("/gobin")),
        ({"HOME": "/h", "GOBIN": ""}, {"GOBIN": "/file/bin"}, "linux", PurePosixPath("/file/bin")),
        ({"HOME": "/h", "GOBIN": "relative"}, {}, "linux", None),
        (
            {"USERPROFILE": r"C:\Users\Ann", "GOPATH": r"D:\go;E:\go"},
            {},
            "windows",
            PureWindowsPath(r"D:\go\bin"),
        ),
        ({"USERPROFILE": r"C:\Users\Ann"}, {}, "windows", PureWindowsPath(r"C:\Users\Ann\go\bin")),
    ],
)
def test_go_bin_dir(
    env: dict[str, str], file_values: dict[str, str], goos: str, expected: object
) -> None:
    assert go_bin_dir(env, file_values, goos) == expected
