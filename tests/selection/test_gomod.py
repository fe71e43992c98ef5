"""gvw.selection.gomod: the go and toolchain lines that make Go switch toolchains."""

from __future__ import annotations

from pathlib import Path

from gvw.base.versions import parse_release_name
from gvw.selection.gomod import GoLines, governing_file, read_go_lines


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_reads_go_and_toolchain_lines_with_comments_and_quotes(tmp_path: Path) -> None:
    mod = write(
        tmp_path / "go.mod",
        '// go 1.99 in a comment\nmodule example.com/x\n\ngo "1.22.3" // pinned\n'
        "toolchain go1.23.1\nrequire (\n\tgolang.org/x/go v0.1.0\n)\n",
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
