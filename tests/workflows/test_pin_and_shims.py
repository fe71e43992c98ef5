"""gvw global, local, exec and rehash, and the shims install/uninstall maintain."""

from __future__ import annotations

from pathlib import Path

import pytest

from gvw.base.platforms import host_platform
from gvw.store.shims import shim_for
from gvw.workflows.pins import broad_pin
from tests.support.gvw_env import GvwEnv, install_unselected, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    """A store with synthetic 1.21.13 and 1.22.10 installed from a file mirror, and
    nothing selected."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env["GVW_MIRROR"] = mirror.as_uri()
    gvw.extra_env["PATH"] = str(tmp_path / "no-system-go")
    install_unselected(gvw, "1.21.13", "1.22.10")
    return gvw


def test_global_sets_shows_and_unsets(store: GvwEnv) -> None:
    global_file = store.root / "version"
    assert run_ok(store, "global", "go1.21").stdout == (
        f"Global Go version: 1.21 (now 1.21.13), written to {global_file}\n"
    )
    assert global_file.read_text() == "1.21\n"
    assert run_ok(store, "global").stdout == f"1.21 (set by {global_file})\n"
    assert run_ok(store, "current").stdout == f"1.21.13 (set by {global_file})\n"
    assert run_ok(store, "global", "--unset").stdout == f"Removed {global_file}\n"
    assert not global_file.exists()


def test_global_refuses_a_version_that_is_not_installed(store: GvwEnv) -> None:
    run_ok(store, "global", "1.22.10")
    result = store.run("global", "1.23")
    assert result.returncode == 4
    assert result.stderr_lines == [  # the mirror has no 1.23 either: what it has is named
        "gvw: Go 1.23 is not installed (set by the command line), and no Go release matches "
        "it: the newest release is 1.22.10; nearest families: 1.22, 1.21",
        "gvw: install that with: gvw install latest",
    ]
    assert (store.root / "version").read_text() == "1.22.10\n"


def test_local_writes_the_version_file_of_this_directory(store: GvwEnv, tmp_path: Path) -> None:
    project = tmp_path / "my project"
    (project / "cmd").mkdir(parents=True)
    assert run_ok(store, "local", "1.22", cwd=project).stdout == (
        f"Pinned 1.22 (now 1.22.10) in {project / '.go-version'}\n"
    )
    assert (project / ".go-version").read_text() == "1.22\n"
    assert run_ok(store, "current", cwd=project / "cmd").stdout == (
        f"1.22.10 (set by {project / '.go-version'})\n"
    )
    assert run_ok(store, "local", cwd=project).stdout == (
        f"1.22 (set by {project / '.go-version'})\n"
    )
    run_ok(store, "local", "--unset", cwd=project)
    assert not (project / ".go-version").exists()


@pytest.mark.parametrize(
    ("spec", "code", "first_line"),
    [
        ("1.22/../x", 3, 'gvw: invalid Go version "1.22/../x" (set by the command line)'),
        ("1.19", 4, "gvw: Go 1.19 is not installed (set by the command line)"),
        ("system", 4, "gvw: no system Go found on PATH"),
    ],
)
def test_local_refuses_bad_versions_and_writes_nothing(
    store: GvwEnv, tmp_path: Path, spec: str, code: int, first_line: str
) -> None:
    result = store.run("local", spec, cwd=tmp_path)
    assert result.returncode == code
    assert result.stderr_lines[0].startswith(first_line)
    assert not (tmp_path / ".go-version").exists()


def test_install_and_uninstall_keep_the_shims_current(store: GvwEnv) -> None:
    shims = store.root / "shims"
    assert sorted(p.name for p in shims.iterdir()) == ["go", "go1.21.13", "go1.22.10", "gofmt"]
    program = shim_for(str(host_platform({}))).read()  # native where one is shipped
    assert all(p.read_bytes() == program for p in shims.iterdir())
    run_ok(store, "uninstall", "1.21.13")
    assert sorted(p.name for p in shims.iterdir()) == ["go", "go1.22.10", "gofmt"]


def test_rehash_repairs_damaged_shims_and_is_idempotent(store: GvwEnv) -> None:
    shims = store.root / "shims"
    (shims / "go").write_text("#!/bin/sh\necho damaged\n")
    (shims / "go1.19.13").write_text("stale launcher")
    (shims / ".gofmt.old-1234abcd").write_text("moved aside earlier")
    assert run_ok(store, "rehash").stdout.splitlines() == [
        f"wrote {shims / 'go'}",
        f"removed {shims / 'go1.19.13'}",
    ]
    assert sorted(p.name for p in shims.iterdir()) == ["go", "go1.21.13", "go1.22.10", "gofmt"]
    assert run_ok(store, "rehash").stdout == f"shims in {shims} are up to date\n"


def test_windows_store_gets_the_native_shim(gvw: GvwEnv, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.22.10"], ["windows-amd64"])
    env = {"GVW_PLATFORM": "windows-amd64", "GVW_MIRROR": mirror.as_uri()}
    run_ok(gvw, "install", "1.22.10", env=env)
    shims = gvw.root / "shims"
    assert sorted(p.name for p in shims.iterdir()) == ["go.exe", "go1.22.10.exe", "gofmt.exe"]
    exe = shim_for("windows-amd64").read()
    assert exe[:2] == b"MZ"
    assert (shims / "go.exe").read_bytes() == exe


def test_exec_runs_with_the_selected_toolchain_first(store: GvwEnv, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.21\n")
    script = 'echo "$GOROOT"; echo "${PATH%%:*}"; go version; exit 7'
    result = store.run("exec", "--", "/bin/sh", "-c", script, cwd=tmp_path)
    root = store.root / "versions" / "1.21.13"
    assert result.returncode == 7
    assert result.stdout.splitlines() == [
        str(root),
        str(root / "bin"),
        "go version go1.21.13 linux/amd64",
    ]


def test_exec_reports_a_missing_version(store: GvwEnv, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.18\n")
    result = store.run("exec", "--", "go", "version", cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr_lines[0] == (
        f"gvw: Go 1.18 is not installed (set by {tmp_path / '.go-version'})"
    )


def test_a_deleted_current_directory_falls_back_to_the_global_file(
    store: GvwEnv, tmp_path: Path
) -> None:
    run_ok(store, "global", "1.21.13")
    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / ".go-version").write_text("1.22.10\n")
    script = (
        "import os, shutil, sys\n"
        "from gvw.cli import run\n"
        f"os.chdir({str(gone)!r}); shutil.rmtree({str(gone)!r})\n"
        "sys.exit(run(['current']))\n"
    )
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", script], env=store.env(), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"1.21.13 (set by {store.root / 'version'})\n"


def test_showing_an_unset_global_version_says_nothing_is_selected(store: GvwEnv) -> None:
    result = store.run("global")
    assert result.returncode == 5
    assert result.stderr_lines[0] == f"gvw: no version is set in {store.root / 'version'}"


def test_which_refuses_names_that_are_not_shims(store: GvwEnv) -> None:
    result = store.run("which", "gopls")
    assert result.returncode == 2
    assert "'gopls' is not a shim: expected go, gofmt or go<version>" in result.stderr


def test_writing_a_version_file_keeps_its_permissions(store: GvwEnv, tmp_path: Path) -> None:
    pin = tmp_path / ".go-version"
    pin.write_text("1.21\n")
    pin.chmod(0o640)
    run_ok(store, "local", "1.22.10", cwd=tmp_path)
    assert pin.read_text() == "1.22.10\n"
    assert pin.stat().st_mode & 0o777 == 0o640


def test_exec_of_a_missing_command_is_a_gvw_error(store: GvwEnv, tmp_path: Path) -> None:
    (tmp_path / ".go-version").write_text("1.21\n")
    result = store.run("exec", "--", "no-such-command-xyz", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr_lines[0] == (
        "gvw: cannot run no-such-command-xyz: No such file or directory"
    )


def test_global_and_local_print_json_for_scripts(store: GvwEnv, tmp_path: Path) -> None:
    import json

    written = json.loads(run_ok(store, "global", "1.21", "--json").stdout)
    assert written == {
        "path": str(store.root / "version"),
        "version": "1.21",
        "selects": "1.21.13",
        "previous": None,
        "changed": True,
    }
    again = json.loads(run_ok(store, "global", "1.22.10", "--json").stdout)
    assert (again["previous"], again["version"], again["changed"]) == ("1.21", "1.22.10", True)
    assert json.loads(run_ok(store, "global", "--json").stdout) == {
        "path": str(store.root / "version"),
        "version": "1.22.10",
    }
    project = tmp_path / "project"
    project.mkdir()
    pinned = json.loads(run_ok(store, "local", "1.22.10", "--json", cwd=project).stdout)
    assert pinned["path"] == str(project / ".go-version") and pinned["changed"] is True
    same = json.loads(run_ok(store, "local", "1.22.10", "--json", cwd=project).stdout)
    assert same["changed"] is False


def test_a_global_version_file_that_is_a_directory_is_named_as_the_problem(
    store: GvwEnv,
) -> None:
    (store.root / "version").mkdir()
    result = store.run("global")
    assert result.returncode == 3  # a broken pin, as the shims and gvw current say
    assert result.error_lines == [
        f"gvw: cannot read version file {store.root / 'version'}",
        "gvw: it is not a readable regular file: fix or remove it",
    ]


# --- pins and removals that reach further than they look -----------------------------------


def test_local_in_the_home_directory_warns_what_it_covers(store: GvwEnv, tmp_path: Path) -> None:
    home = Path(store.env()["HOME"])
    (home / "src").mkdir(parents=True)
    result = run_ok(store, "local", "1.22.10", cwd=home)
    assert result.stderr_lines == [
        "gvw: warning: ~/.go-version covers every directory in your home without its own; "
        "gvw global sets a default"
    ]
    assert run_ok(store, "local", "1.22.10", cwd=home / "src").stderr == ""  # a project
    linked = tmp_path / "home-link"
    linked.symlink_to(home)  # HOME spelled through a link is the same directory
    again = run_ok(store, "local", "1.21.13", cwd=home, env={"HOME": str(linked)})
    assert again.stderr_lines[0].startswith("gvw: warning: ~/.go-version covers every")


def test_a_pin_at_a_filesystem_root_covers_every_directory_on_it() -> None:
    # (not written for real: a /.go-version would select Go for the whole machine)
    assert broad_pin(Path("/.go-version"), {"HOME": "/home/me"}) == "root"
    assert broad_pin(Path("/home/me/.go-version"), {"HOME": "/nonexistent"}) is None


def test_forced_uninstall_of_the_global_version_says_what_breaks_and_the_undo(
    store: GvwEnv,
) -> None:
    run_ok(store, "global", "1.22.10")
    result = run_ok(store, "uninstall", "--force", "1.22.10")
    assert result.stderr_lines == [
        f"gvw: warning: Go 1.22.10 was the global version ({store.root / 'version'}): "
        "go now fails where no .go-version applies",
        "gvw: moved to the trash; undo with: gvw rollback",
    ]
    assert store.run("current").returncode == 4  # as said
    run_ok(store, "rollback")
    assert run_ok(store, "current").stdout == f"1.22.10 (set by {store.root / 'version'})\n"
