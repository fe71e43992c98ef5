"""gvw install, uninstall, list and list-remote of real and synthetic toolchains
through the real CLI against a real HTTP mirror on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.install.install_helpers import ARCHIVE, build_and_run, synthetic_server
from tests.support.gvw_env import GvwEnv, go_bin, install_unselected, run_ok
from tests.support.mirror_server import MirrorServer

# --- real toolchains -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.21.13", "1.22.10"])
def test_installed_real_toolchain_builds_and_runs_a_program(
    installed_gvw: GvwEnv, version: str, tmp_path: Path
) -> None:
    go = go_bin(installed_gvw, version)
    reported = subprocess.run([str(go), "version"], capture_output=True, text=True, check=True)
    assert reported.stdout.startswith(f"go version go{version} linux/amd64")
    assert build_and_run(go, tmp_path / "hello", tmp_path) == "hello from gvw\n"


@pytest.mark.slow
def test_install_keeps_executable_bits_and_writes_metadata(installed_gvw: GvwEnv) -> None:
    tree = installed_gvw.root / "versions" / "1.22.10"
    for tool in ("bin/go", "bin/gofmt", "pkg/tool/linux_amd64/compile"):
        assert os.access(tree / tool, os.X_OK), tool
    assert not os.access(tree / "VERSION", os.X_OK)
    meta = (tree / "gvw-install.toml").read_text()
    assert 'version = "1.22.10"' in meta and "sha256 = " in meta


@pytest.mark.slow
def test_family_spec_installed_newest_patch(installed_gvw: GvwEnv) -> None:
    listing = json.loads(run_ok(installed_gvw, "list", "--json").stdout)
    assert [row["version"] for row in listing] == ["1.22.10", "1.21.13"]


@pytest.mark.slow
def test_installing_again_reports_already_installed_without_download(
    installed_gvw: GvwEnv, real_mirror: MirrorServer
) -> None:
    real_mirror.clear_log()
    result = run_ok(installed_gvw, "install", "--mirror", real_mirror.url, "1.22.10")
    assert "already installed" in result.stdout
    assert real_mirror.count(ARCHIVE) == 0


@pytest.mark.slow
def test_windows_zip_installs_with_its_exe_files(gvw: GvwEnv, real_mirror: MirrorServer) -> None:
    result = gvw.run(
        "install",
        "--mirror",
        real_mirror.url,
        "1.22.10",
        env={"GVW_PLATFORM": "windows-amd64"},
    )
    assert result.returncode == 0, result.stderr
    tree = gvw.root / "versions" / "1.22.10"
    assert (tree / "bin" / "go.exe").read_bytes()[:2] == b"MZ"
    assert (tree / "pkg" / "tool" / "windows_amd64" / "compile.exe").is_file()


# --- specs and listing (synthetic toolchains) -----------------------------------------


def test_install_several_specs_with_go_prefix_rc_and_latest(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    result = gvw.run("install", "--mirror", server.url, "go1.21.13", "1.22rc1", "latest")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Installed Go 1.21.13 in {gvw.root / 'versions' / '1.21.13'}",
        f"Installed Go 1.22rc1 in {gvw.root / 'versions' / '1.22rc1'}",
        f"Installed Go 1.22.10 in {gvw.root / 'versions' / '1.22.10'}",
        "Go 1.21.13 is now the global version (none was selected); "
        "change it with: gvw global <version>",
    ]
    assert run_ok(gvw, "list").stdout.split() == ["1.22.10", "1.22rc1", "*", "1.21.13"]


def test_family_spec_never_picks_a_release_candidate(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path, "1.23rc1", "1.22.10")
    result = gvw.run("install", "--mirror", server.url, "1.23")
    assert result.returncode == 7
    assert result.error_lines == [
        f"gvw: no Go release matches 1.23 on {server.url} (mirror set by --mirror); "
        "1.23 has pre-releases only, the newest 1.23rc1",
        f"gvw: install it with: gvw install 1.23rc1 --mirror {server.url}",
    ]


def test_install_json_output_for_scripts(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    first = json.loads(run_ok(gvw, "install", "--json", "--mirror", server.url, "1.22").stdout)
    again = json.loads(run_ok(gvw, "install", "--json", "--mirror", server.url, "1.22").stdout)
    path = str(gvw.root / "versions" / "1.22.10")
    assert first == [
        {"version": "1.22.10", "path": path, "status": "installed", "selected": "global"}
    ]
    assert again == [{"version": "1.22.10", "path": path, "status": "already-installed"}]


def test_list_remote_shows_stable_versions_and_all_with_flag(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path, "1.21.13", "1.22.10", "1.22rc1", "1.9.2")
    run_ok(gvw, "install", "--mirror", server.url, "1.21.13")
    assert run_ok(gvw, "list-remote", "--mirror", server.url).stdout.splitlines() == [
        "1.22.10",
        "1.21.13  (installed)",
        "1.9.2",
    ]
    assert run_ok(gvw, "list-remote", "--all", "--mirror", server.url, "1.22").stdout.split() == [
        "1.22.10",
        "1.22rc1",
    ]
    rows = json.loads(run_ok(gvw, "list-remote", "--json", "--mirror", server.url, "1.21").stdout)
    assert rows == [
        {
            "version": "1.21.13",
            "stable": True,
            "installed": True,
            "filename": "go1.21.13.linux-amd64.tar.gz",
        }
    ]


def test_list_marks_the_selected_version(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    run_ok(gvw, "install", "--mirror", server.url, "1.21.13", "1.22.10")
    listing = run_ok(gvw, "list", env={"GVW_GO_VERSION": "1.21"}).stdout
    assert listing.splitlines() == ["  1.22.10", "* 1.21.13"]


def test_uninstall_removes_the_version(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    install_unselected(gvw, "--mirror", server.url, "1.21.13", "1.22.10")
    assert run_ok(gvw, "uninstall", "1.21.13").stdout == "Uninstalled Go 1.21.13\n"
    assert run_ok(gvw, "list").stdout.split() == ["1.22.10"]
    missing = gvw.run("uninstall", "1.21.13")
    assert missing.returncode == 4
    assert missing.error_lines[0] == "gvw: Go 1.21.13 is not installed"


def test_uninstall_needs_an_exact_version(gvw: GvwEnv) -> None:
    result = gvw.run("uninstall", "1.22")
    assert result.returncode == 2
    assert result.error_lines == [
        "gvw: uninstall takes exact versions, not '1.22' (none is installed)",
        "gvw: see the installed versions with: gvw list",
    ]


def test_uninstall_of_a_family_lists_the_installed_releases_of_it(installed_gvw: GvwEnv) -> None:
    result = installed_gvw.run("uninstall", "go1.22")
    assert result.returncode == 2
    assert result.error_lines == [
        "gvw: uninstall takes exact versions, not 'go1.22' (installed: 1.22.10)",
        "gvw: name one, e.g. gvw uninstall 1.22.10",
    ]
    assert (installed_gvw.root / "versions" / "1.22.10").is_dir()
