"""The pure-Python reader of Go build info, checked against `go version -m` on programs
built here by the real toolchains (ELF, PE, Mach-O, 32-bit) and against files that
are not Go programs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gvw.host.buildinfo import MAGIC, BuildInfo, read_build_info
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
