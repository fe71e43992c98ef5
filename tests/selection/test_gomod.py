"""gvw.selection.gomod: the go and toolchain lines that make Go switch toolchains."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gvw.base.versions import parse_release_name
from gvw.selection.gomod import GoLines, governing_file, read_go_lines
from tests.support.gvw_env import GvwEnv


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_reads_go_and_toolchain_lines_with_comments_and_blocks(tmp_path: Path) -> None:
    mod = write(
        tmp_path / "go.mod",
        "// go 1.99 in a comment\r\nmodule example.com/x\n\ngo 1.22.3// pinned\n"
        'toolchain go1.23.1\nrequire (\n\tgo v0.1.0\n\t"toolchain" v1\n)\n',
    )
    assert read_go_lines(mod) == GoLines(mod, "1.22.3", "go1.23.1")


def test_toolchain_default_is_no_toolchain(tmp_path: Path) -> None:
    mod = write(tmp_path / "go.mod", "module x\ngo 1.21\ntoolchain default\n")
    assert read_go_lines(mod) == GoLines(mod, "1.21", None)


def test_the_newer_of_the_two_lines_is_required(tmp_path: Path) -> None:
    assert GoLines(tmp_path, "1.22", "go1.22.5").required == (
        parse_release_name("1.22.5"),
        "toolchain go1.22.5",
    )
    assert GoLines(tmp_path, "1.23rc1", "go1.22.5").required == (
        parse_release_name("1.23rc1"),
        "go 1.23rc1",
    )
    assert GoLines(tmp_path, None, None).required is None
    assert GoLines(tmp_path, "banana", None).required is None


def test_a_workspace_file_beats_the_module_file(tmp_path: Path) -> None:
    work = write(tmp_path / "go.work", "go 1.23\nuse ./app\n")
    mod = write(tmp_path / "app" / "go.mod", "module app\ngo 1.21\n")
    cwd = tmp_path / "app" / "cmd"
    cwd.mkdir()
    assert governing_file(cwd, {}) == work
    assert governing_file(cwd, {"GOWORK": "off"}) == mod
    other = write(tmp_path / "elsewhere" / "go.work", "go 1.24\n")
    assert governing_file(cwd, {"GOWORK": str(other)}) == other


def test_nothing_in_the_tree_means_no_file_from_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    found = governing_file(empty, {})
    # (a go.mod above the test's temporary directory would be found; none is in it)
    assert found is None or tmp_path not in found.parents


# --- lines Go refuses are refused, naming the file and line (issue 19 item 8) -----------

REFUSED = [
    ("go 1.22.0\0\n", "3:10: unexpected input character '\\x00'"),
    ("go 1." + "9" * 10_000 + "\n", "3: go '1.99999999999999999999999999999999999...' names"),
    ("go ../x\n", "3: invalid go version '../x': must match format 1.23.0"),
    ("go -h\n", "3: invalid go version '-h': must match format 1.23.0"),
    ('go "1.22"\n', "3: invalid go version '\"1.22\"': must match format 1.23.0"),
    ("go 1.21\ntoolchain go1.22.1\ntoolchain go1.22.2\n", "5: repeated toolchain statement"),
    ("go 1.21\ngo 1.22\n", "4: repeated go statement"),
    ("go 1.21\ntoolchain 1.22.1\n", "4: invalid toolchain version '1.22.1': must match"),
    ("go 1.22 x\n", "3: go directive expects exactly one argument"),
    ("go (\n  1.22\n)\n", "3: unknown block type: go"),
]
IDS = [
    "NUL",
    "10,000 digits",
    "../x",
    "-h",
    "quoted",
    "two toolchains",
    "two go",
    "tc",
    "two",
    "block",
]


@pytest.mark.parametrize(("body", "why"), REFUSED, ids=IDS)
def test_a_line_go_refuses_is_refused_by_local_from_go_mod_and_named_by_doctor(
    gvw: GvwEnv, tmp_path: Path, body: str, why: str
) -> None:
    app = tmp_path / "app"
    mod = app / "go.mod"
    mod.parent.mkdir()
    mod.write_bytes(("module example.com/app\n\n" + body).encode())
    pinned = gvw.run("local", "--from-go-mod", cwd=app)
    assert pinned.returncode == 13, pinned.stderr
    assert pinned.error_lines[0].startswith(f"gvw: {mod}:{why}"), pinned.stderr
    assert pinned.error_lines[1] == f"gvw: fix {mod} at line {why.split(':')[0]}"
    assert not (app / ".go-version").exists()
    doctor = gvw.run("doctor", cwd=app)
    assert doctor.returncode == 16
    assert f"{mod}:{why}" in doctor.stdout
    assert "asks for no particular Go" not in doctor.stdout


@pytest.mark.slow  # runs the real go command
def test_go_itself_refuses_the_same_lines(tmp_path: Path, real_mirror_dir: Path) -> None:
    """What gvw says of each file, Go says too (the 10,000 digits Go takes as a version
    it then tries to download: gvw says so at once)."""
    from tests.support.toolchains import archive_name, unpack_toolchain

    go = unpack_toolchain(real_mirror_dir / archive_name("1.22.10"), tmp_path, "1.22.10")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "GOTOOLCHAIN": "local", "GOFLAGS": ""}
    for number, (body, why) in enumerate(REFUSED):
        mod = tmp_path / f"m{number}" / "go.mod"
        mod.parent.mkdir()
        mod.write_bytes(("module example.com/app\n\n" + body).encode())
        done = subprocess.run(
            [str(go / "bin" / "go"), "mod", "edit", "-json"],
            cwd=mod.parent,
            env=env,
            capture_output=True,
            text=True,
        )
        if "digits" in IDS[number]:
            assert done.returncode == 0  # a version Go can parse, and never get
            continue
        assert done.returncode == 1, body
        assert f"go.mod:{why.split(': ')[0]}: " in done.stderr, (body, done.stderr)


def test_a_large_go_mod_is_read_without_looking_at_every_line(tmp_path: Path) -> None:
    """Only the lines that can matter are cut into words: every character of every line
    used to become a Python object on the way (a 16 MiB go.mod took 489 MB). Memory,
    not time, is asserted: the bytes and the text, hardly more (it was over 4 times the size)."""
    import tracemalloc

    requirement = "\texample.com/some/module/path v1.2.3 // indirect\n"
    mod = write(
        tmp_path / "go.mod",
        "module x\n\ngo 1.22.3\n\nrequire (\n" + requirement * 75_000 + ")\ntoolchain go1.23.1\n",
    )
    size = mod.stat().st_size
    tracemalloc.start()
    try:
        assert read_go_lines(mod) == GoLines(mod, "1.22.3", "go1.23.1")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * size, f"{peak:,} bytes for a file of {size:,}"
