"""The pure-Python reader of Go build info, checked against `go version -m` on programs
built here by the real toolchains (ELF, PE, Mach-O, 32-bit) and against files that
are not Go programs."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from gvw.host.buildinfo import MAGIC, BuildInfo, read_build_info, read_build_info_from
from tests.support.buildinfo_blobs import FRAME, aligned_blob
from tests.support.gvw_env import GvwEnv, go_bin

MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from a tool") }\n'


def go_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No network: modules come from the local tree only."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "GOPATH": str(tmp_path / "gopath"),
        "GOCACHE": str(tmp_path / "gocache"),
        "GOENV": "off",
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    env.update(extra)
    return env


def write_module(directory: Path, module: str = "example.com/tools") -> Path:
    (directory / "cmd" / "hello").mkdir(parents=True, exist_ok=True)
    (directory / "go.mod").write_text(f"module {module}\n\ngo 1.21\n")
    (directory / "cmd" / "hello" / "main.go").write_text(MAIN)
    return directory


def expected_from_go(go: Path, program: Path, env: dict[str, str]) -> BuildInfo:
    """What `go version -m` says: the first line, then the path and mod lines."""
    out = subprocess.run(
        [str(go), "version", "-m", str(program)], env=env, capture_output=True, text=True
    ).stdout.splitlines()
    version = out[0].split(": ", 1)[1]
    fields = {}
    for line in out[1:]:
        columns = line.strip().split("\t")
        fields.setdefault(columns[0], columns[1:])
    mod = fields.get("mod", ["", ""])
    return BuildInfo(version, fields.get("path", [""])[0], mod[0], mod[1])


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.21.13", "1.22.10"])
@pytest.mark.parametrize(
    ("goos", "goarch"),
    [("linux", "amd64"), ("windows", "amd64"), ("darwin", "arm64"), ("linux", "386")],
)
def test_reads_what_go_version_m_reports(
    installed_gvw: GvwEnv, tmp_path: Path, version: str, goos: str, goarch: str
) -> None:
    go = go_bin(installed_gvw, version)
    source = write_module(tmp_path / "src")
    env = go_env(tmp_path, GOOS=goos, GOARCH=goarch)
    program = tmp_path / "hello.bin"
    subprocess.run(
        [str(go), "build", "-o", str(program), "./cmd/hello"], cwd=source, env=env, check=True
    )
    info = read_build_info(program.read_bytes())
    assert info == expected_from_go(go, program, go_env(tmp_path))
    assert info == BuildInfo(
        f"go{version}", "example.com/tools/cmd/hello", "example.com/tools", "(devel)"
    )


@pytest.mark.slow
def test_go_install_into_gopath_bin_is_read(installed_gvw: GvwEnv, tmp_path: Path) -> None:
    go = go_bin(installed_gvw, "1.22.10")
    source = write_module(tmp_path / "src", "example.com/gadget")
    env = go_env(tmp_path)
    subprocess.run([str(go), "install", "./cmd/hello"], cwd=source, env=env, check=True)
    program = tmp_path / "gopath" / "bin" / "hello"
    info = read_build_info(program.read_bytes())
    assert info == BuildInfo(
        "go1.22.10", "example.com/gadget/cmd/hello", "example.com/gadget", "(devel)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["bin/go", "bin/gofmt", "pkg/tool/linux_amd64/vet"])
def test_the_toolchains_own_programs(installed_gvw: GvwEnv, tool: str) -> None:
    # the go command links debug/buildinfo, so the magic also appears in its rodata:
    # the reader must skip that copy and find the real blob
    program = installed_gvw.root / "versions" / "1.21.13" / tool
    data = program.read_bytes()
    if tool == "bin/go":
        assert data.count(MAGIC) >= 2
    go = go_bin(installed_gvw, "1.21.13")
    assert read_build_info(data) == expected_from_go(go, program, dict(os.environ))
    assert read_build_info(data).go_version == "go1.21.13"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", None),
        (b"#!/bin/sh\necho not go\n", None),
        (os.urandom(4096).replace(MAGIC, b""), None),
        # the magic as text, with nothing valid after it
        (b"x" * 16 + MAGIC + b" and then some prose that is not a header", None),
        # pre-1.18 pointer format (flags without the inline bit): fields left empty
        (aligned_blob(b"go1.17", b"", flags=0), None),
        # a header whose version is not a Go version
        (aligned_blob(b"\x1b[31mred", b""), None),
        # truncated in the middle of the version string
        (aligned_blob(b"go1.22.10", b"")[:40], None),
        # no module info (GOPATH mode build)
        (aligned_blob(b"go1.22.10", b""), BuildInfo("go1.22.10")),
        (
            aligned_blob(
                b"go1.22.10",
                FRAME + b"path\tx.org/a/cmd/b\nmod\tx.org/a\tv1.2.3\th1:abc=\n" + FRAME,
            ),
            BuildInfo("go1.22.10", "x.org/a/cmd/b", "x.org/a", "v1.2.3"),
        ),
        # control characters in a hostile module path are not passed on to terminals
        (
            aligned_blob(b"go1.22.10", FRAME + b"path\tx\x1b[2J\nmod\tm\tv1\t\n" + FRAME),
            BuildInfo("go1.22.10", "x?[2J", "m", "v1"),
        ),
    ],
)
def test_files_that_are_not_readable_go_programs(data: bytes, expected: BuildInfo | None) -> None:
    assert read_build_info(data) == expected


class CountingReader(io.BufferedReader):
    """A file that counts the bytes read from it and refuses to give more than
    ``budget`` (so a reader that would read gigabytes fails at once, not after minutes)."""

    def __init__(self, path: Path, budget: int) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.budget = budget
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        assert self.bytes_read <= self.budget, f"read {self.bytes_read:,} bytes and more"
        return data


def test_a_program_holding_the_magic_200000_times_is_read_about_once(tmp_path: Path) -> None:
    """Each hit used to cost a 1 MiB window read before its header was looked at: the
    magic a million times made `gvw tools` take ~50 s. Now a hit's header is checked in
    the piece already read, and the file is read about once, whatever it holds."""
    program = tmp_path / "many-magics"
    # back to back (each hit's header is the next magic), then a real blob at the end
    blob = aligned_blob(b"go1.22.10", FRAME + b"path\tx.org/a/cmd/b\nmod\tx.org/a\tv1\t\n" + FRAME)
    body = MAGIC * 200_000
    body += b"\0" * (-len(body) % 16)
    program.write_bytes(body + blob + b"\0" * 64)
    size = program.stat().st_size
    with CountingReader(program, budget=size + (4 << 20)) as handle:
        info = read_build_info_from(handle)
        read = handle.bytes_read
    assert info == BuildInfo("go1.22.10", "x.org/a/cmd/b", "x.org/a", "v1")
    assert read <= size + (2 << 20)  # the file once, and the one window the real blob needs


def test_valid_headers_repeated_unaligned_cost_one_window(tmp_path: Path) -> None:
    """Hits that pass the header check are decoded only while that can change the
    answer: the first unaligned blob is kept, the rest are skipped unread."""
    program = tmp_path / "many-blobs"
    one = b"\0" + aligned_blob(b"go1.22.10", b"")  # 1 byte off the 16-byte boundary
    program.write_bytes(one * 50_000)
    size = program.stat().st_size
    with CountingReader(program, budget=size + (4 << 20)) as handle:
        assert read_build_info_from(handle) == BuildInfo("go1.22.10")
        assert handle.bytes_read <= size + (2 << 20)
