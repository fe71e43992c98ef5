"""gvw install with no argument: a cloned project gets what its .go-version and its
go.mod / go.work ask for. Real toolchains and Go's own toolchain switch for the fresh
clone; small synthetic archives (file:// mirror) for the rules."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer


def project(base: Path, files: dict[str, str]) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (base / name).write_text(text)
    return base


@pytest.fixture
def synthetic(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.0", "1.22.10", "1.23rc1"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), PATH="/usr/bin:/bin")
    return gvw


def installed(gvw: GvwEnv) -> list[str]:
    versions = gvw.root / "versions"
    return sorted(p.name for p in versions.iterdir()) if versions.is_dir() else []


# --- real toolchains ------------------------------------------------------------------


def test_a_fresh_clone_gets_its_pin_and_the_go_mod_toolchain_that_go_switches_to_offline(
    gvw: GvwEnv, tmp_path: Path, real_mirror: MirrorServer
) -> None:
    gvw.extra_env["GVW_MIRROR"] = real_mirror.url
    only_pin = project(tmp_path / "pinned", {".go-version": "1.21.13\n"})
    result = run_ok(gvw, "install", cwd=only_pin)
    pin = only_pin / ".go-version"
    assert result.stdout == (
        f"Installed Go 1.21.13 in {gvw.root / 'versions' / '1.21.13'} (set by {pin})\n"
    )
    assert installed(gvw) == ["1.21.13"]

    app = project(
        tmp_path / "app",
        {
            ".go-version": "1.21\n",
            "go.mod": "module example.com/app\n\ngo 1.21\n\ntoolchain go1.22.10\n",
            "main.go": 'package main\n\nfunc main() { println("hi") }\n',
        },
    )
    result = run_ok(gvw, "install", cwd=app)
    assert result.stdout.splitlines() == [
        f"Go 1.21.13 is already installed in {gvw.root / 'versions' / '1.21.13'} "
        f"(set by {app / '.go-version'})",
        f"Installed Go 1.22.10 in {gvw.root / 'versions' / '1.22.10'} "
        f"(toolchain go1.22.10 in {app / 'go.mod'})",
    ]
    # the selection stays 1.21.13; Go's own switch finds the go1.22.10 launcher, offline
    env = gvw.env(
        {
            "PATH": f"{gvw.root / 'shims'}:/usr/bin:/bin",
            "GOTOOLCHAIN": "auto",
            "GOPROXY": "off",
            "GOCACHE": str(tmp_path / "gocache"),
            "GOPATH": str(tmp_path / "gopath"),
        }
    )
    done = subprocess.run(
        ["go", "version"], cwd=app, env=env, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.split()[2:3]) == (0, ["go1.22.10"]), done.stderr
    assert run_ok(gvw, "current", cwd=app).stdout.startswith("1.21.13 ")


# --- the rules, with synthetic toolchains ---------------------------------------------


def test_go_1_22_in_go_mod_means_the_first_release_1_22_0(
    synthetic: GvwEnv, tmp_path: Path
) -> None:
    app = project(tmp_path / "app", {".go-version": "1.21.13\n", "go.mod": "module m\n\ngo 1.22\n"})
    data = json.loads(run_ok(synthetic, "install", "--json", cwd=app).stdout)
    assert [(row["version"], row["status"], row["reason"]) for row in data] == [
        ("1.21.13", "installed", f"set by {app / '.go-version'}"),
        ("1.22.0", "installed", f"go 1.22 in {app / 'go.mod'}"),
    ]
    assert installed(synthetic) == ["1.21.13", "1.22.0"]
    entry = synthetic.audit_entries()[-1]
    assert [c["version"] for c in entry["changes"]] == ["1.21.13", "1.22.0"]  # type: ignore[index]


def test_a_toolchain_line_older_than_the_go_line_does_not_win(
    synthetic: GvwEnv, tmp_path: Path
) -> None:
    app = project(
        tmp_path / "app",
        {".go-version": "1.21.13\n", "go.mod": "module m\ngo 1.22.10\ntoolchain go1.22.0\n"},
    )
    data = json.loads(run_ok(synthetic, "install", "--json", cwd=app).stdout)
    assert [(r["version"], r["reason"]) for r in data][1] == (
        "1.22.10",
        f"go 1.22.10 in {app / 'go.mod'}",
    )


def test_a_go_mod_that_asks_for_no_newer_go_adds_nothing(synthetic: GvwEnv, tmp_path: Path) -> None:
    app = project(tmp_path / "app", {".go-version": "1.22\n", "go.mod": "module m\ngo 1.21\n"})
    data = json.loads(run_ok(synthetic, "install", "--json", cwd=app).stdout)
    # the family spec is resolved against the index: the newest stable 1.22.x
    assert [(r["version"], r["status"]) for r in data] == [("1.22.10", "installed")]
    again = json.loads(run_ok(synthetic, "install", "--json", cwd=app).stdout)
    assert [(r["version"], r["status"]) for r in again] == [("1.22.10", "already-installed")]


def test_an_installed_family_needs_no_index(synthetic: GvwEnv, tmp_path: Path) -> None:
    run_ok(synthetic, "install", "1.22.0")
    app = project(tmp_path / "app", {".go-version": "1.22\n"})
    result = run_ok(synthetic, "install", cwd=app, env={"GVW_MIRROR": "http://127.0.0.1:9/"})
    assert result.stdout.startswith("Go 1.22.0 is already installed")


def test_go_work_beats_go_mod_as_in_go(synthetic: GvwEnv, tmp_path: Path) -> None:
    work = project(tmp_path / "work", {"go.work": "go 1.22.10\n\nuse ./mod\n"})
    mod = project(work / "mod", {"go.mod": "module m\ngo 1.22.0\n"})
    (synthetic.root).mkdir(parents=True, exist_ok=True)
    (synthetic.root / "version").write_text("1.21.13\n")
    data = json.loads(run_ok(synthetic, "install", "--json", cwd=mod).stdout)
    assert [(r["version"], r["reason"]) for r in data] == [
        ("1.21.13", f"set by {synthetic.root / 'version'}"),
        ("1.22.10", f"go 1.22.10 in {work / 'go.work'}"),
    ]
    off = json.loads(run_ok(synthetic, "install", "--json", cwd=mod, env={"GOWORK": "off"}).stdout)
    assert [(r["version"], r["status"]) for r in off] == [
        ("1.21.13", "already-installed"),
        ("1.22.0", "installed"),
    ]


def test_outside_any_project_with_nothing_selected_it_is_a_usage_error_naming_the_files(
    synthetic: GvwEnv, tmp_path: Path
) -> None:
    empty = project(tmp_path / "empty", {})
    before = synthetic.store_listing()
    result = synthetic.run("install", cwd=empty)
    assert result.returncode == 2
    assert result.error_lines == [
        f"gvw: nothing to install here: no version given, no .go-version in {empty} or above, "
        f"no global version file {synthetic.root / 'version'}, no go.mod or go.work",
        "gvw: install the newest Go (it becomes the global version) with: gvw install latest",
    ]
    assert synthetic.store_listing() == before


def test_a_bad_pin_is_named_and_nothing_is_installed(synthetic: GvwEnv, tmp_path: Path) -> None:
    app = project(tmp_path / "app", {".go-version": "1.22/../x\n", "go.mod": "module m\ngo 1.22\n"})
    result = synthetic.run("install", cwd=app)
    assert result.returncode == 3
    assert f"(set by {app / '.go-version'})" in result.error_lines[0]
    assert installed(synthetic) == []


def test_with_only_a_go_mod_its_go_is_installed(synthetic: GvwEnv, tmp_path: Path) -> None:
    app = project(tmp_path / "app", {"go.mod": "module m\n\ngo 1.22.10 // comment\n"})
    result = run_ok(synthetic, "install", cwd=app, env={"PATH": str(tmp_path / "nothing")})
    assert result.stdout.splitlines() == [  # nothing was selected: it becomes the global one
        f"Installed Go 1.22.10 in {synthetic.root / 'versions' / '1.22.10'} "
        f"(go 1.22.10 in {app / 'go.mod'})",
        "Go 1.22.10 is now the global version (none was selected); "
        "change it with: gvw global <version>",
    ]
    assert installed(synthetic) == ["1.22.10"]
    assert os.path.isfile(synthetic.root / "shims" / "go1.22.10")


# --- gvw local --from-go-mod -----------------------------------------------------------


def test_local_from_go_mod_pins_the_go_that_go_mod_asks_for_installing_it_with_install(
    synthetic: GvwEnv, tmp_path: Path
) -> None:
    app = project(tmp_path / "app", {"go.mod": "module m\n\ngo 1.21\n\ntoolchain go1.22.10\n"})
    pin = app / ".go-version"
    missing = synthetic.run("local", "--from-go-mod", cwd=app)
    assert (missing.returncode, missing.error_lines) == (
        4,
        [
            "gvw: Go 1.22.10 is not installed (asked for by toolchain go1.22.10 in "
            f"{app / 'go.mod'})",
            "gvw: install and pin it with: gvw local --from-go-mod --install",
        ],
    )
    assert not pin.exists()
    result = run_ok(synthetic, "local", "--from-go-mod", "--install", cwd=app)
    assert result.stdout.splitlines() == [
        f"Installed Go 1.22.10 in {synthetic.root / 'versions' / '1.22.10'} "
        f"(toolchain go1.22.10 in {app / 'go.mod'})",
        f"Pinned 1.22.10 in {pin} (toolchain go1.22.10 in {app / 'go.mod'})",
    ]
    assert pin.read_text() == "1.22.10\n"
    assert installed(synthetic) == ["1.22.10"]
    entry = synthetic.audit_entries()[-1]
    assert [c["kind"] for c in entry["changes"]] == ["installed", "pin"]  # type: ignore[index]
    run_ok(synthetic, "rollback", cwd=app)  # one change: both are undone
    assert (pin.exists(), installed(synthetic)) == (False, [])
    run_ok(synthetic, "local", "--from-go-mod", "--install", cwd=app)
    # go 1.22 alone: the first release, 1.22.0, already installed here
    (app / "go.mod").write_text("module m\ngo 1.22\n")
    run_ok(synthetic, "install", "1.22.0")
    shown = json.loads(run_ok(synthetic, "local", "--from-go-mod", "--json", cwd=app).stdout)
    assert (shown["version"], shown["previous"], shown["reason"]) == (
        "1.22.0",
        "1.22.10",
        f"go 1.22 in {app / 'go.mod'}",
    )


def test_local_from_go_mod_without_a_go_mod_is_a_usage_error(
    synthetic: GvwEnv, tmp_path: Path
) -> None:
    empty = project(tmp_path / "empty", {})
    result = synthetic.run("local", "--from-go-mod", cwd=empty)
    assert result.returncode == 2
    assert result.error_lines[0] == (
        f"gvw: no go.mod or go.work with a go or toolchain line in {empty} or above"
    )
    both = synthetic.run("local", "1.22", "--from-go-mod", cwd=empty)
    assert both.returncode == 2
