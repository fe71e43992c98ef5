"""gvw which --json, and gvw list on an empty store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror


def test_list_on_an_empty_store_says_how_to_install_one(gvw: GvwEnv) -> None:
    result = run_ok(gvw, "list")
    assert result.stdout == ""  # still a list for scripts: an empty one
    assert result.stderr_lines == [
        "gvw: no Go version is installed yet; install one with: gvw install latest "
        "(see what exists with: gvw list-remote)"
    ]
    as_json = run_ok(gvw, "list", "--json")
    assert (json.loads(as_json.stdout), as_json.stderr) == ([], "")


def test_which_json_names_the_program_the_version_and_where_it_was_set(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    run_ok(gvw, "install", "--mirror", mirror.as_uri(), "1.21.13", "1.22.10")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".go-version").write_text("1.21\n")
    report = json.loads(run_ok(gvw, "which", "gofmt", "--json", cwd=project).stdout)
    assert report == {
        "tool": "gofmt",
        "path": str(gvw.root / "versions" / "1.21.13" / "bin" / "gofmt"),
        "version": "1.21.13",
        "spec": "1.21",
        "origin": str(project / ".go-version"),
    }
    launcher = json.loads(run_ok(gvw, "which", "go1.22.10", "--json", cwd=project).stdout)
    assert launcher["path"] == str(gvw.root / "versions" / "1.22.10" / "bin" / "go")
    assert (launcher["version"], launcher["origin"]) == ("1.22.10", "launcher go1.22.10")
    assert run_ok(gvw, "which", "gofmt", cwd=project).stdout == report["path"] + "\n"


def test_which_json_fails_like_which(gvw: GvwEnv, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.30.1\n")
    plain = gvw.run("which", cwd=tmp_path)
    as_json = gvw.run("which", "--json", cwd=tmp_path)
    assert (as_json.returncode, as_json.stderr, as_json.stdout) == (4, plain.stderr, "")
