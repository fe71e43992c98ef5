"""gvw install, uninstall, list and list-remote through the real CLI against a real
HTTP mirror on 127.0.0.1: real toolchains for the happy paths, small synthetic
archives for the error paths."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, go_bin, run_ok
from tests.support.mirror_fixtures import (
    Member,
    add_archive,
    synthetic_archive,
    synthetic_members,
    tar_gz_bytes,
    write_synthetic_mirror,
)
from tests.support.mirror_server import MirrorServer, wait_for

LINUX = "linux-amd64"
ARCHIVE = "go1.22.10.linux-amd64.tar.gz"
HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from gvw") }\n'


def synthetic_server(mirror_factory, tmp_path: Path, *releases: str) -> MirrorServer:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, releases or ("1.21.13", "1.22.10", "1.22rc1"), [LINUX])
    return mirror_factory(directory)


def build_and_run(go: Path, workdir: Path, home: Path) -> str:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "go.mod").write_text("module example.com/hello\n\ngo 1.21\n")
    (workdir / "main.go").write_text(HELLO)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GOCACHE": str(home / "gocache"),
        "GOPATH": str(home / "gopath"),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=mod",
        "CGO_ENABLED": "0",
    }
    subprocess.run([str(go), "build", "-o", "hello", "."], cwd=workdir, env=env, check=True)
    return subprocess.run(
        [str(workdir / "hello")], capture_output=True, text=True, check=True
    ).stdout


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
    ]
    assert run_ok(gvw, "list").stdout.split() == ["1.22.10", "1.22rc1", "1.21.13"]


def test_family_spec_never_picks_a_release_candidate(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path, "1.23rc1", "1.22.10")
    result = gvw.run("install", "--mirror", server.url, "1.23")
    assert result.returncode == 7
    assert result.error_lines == [
        f"gvw: no Go release matches 1.23 on {server.url} (mirror set by --mirror)",
        "gvw: see what exists with: gvw list-remote 1.23 --all",
    ]


def test_install_json_output_for_scripts(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    first = json.loads(run_ok(gvw, "install", "--json", "--mirror", server.url, "1.22").stdout)
    again = json.loads(run_ok(gvw, "install", "--json", "--mirror", server.url, "1.22").stdout)
    path = str(gvw.root / "versions" / "1.22.10")
    assert first == [{"version": "1.22.10", "path": path, "status": "installed"}]
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
    run_ok(gvw, "install", "--mirror", server.url, "1.21.13", "1.22.10")
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


# --- mirrors and the index cache ---------------------------------------------------------


def test_mirror_from_environment_and_config_file(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    run_ok(gvw, "install", "1.21.13", env={"GVW_MIRROR": server.url})
    gvw.config.write_text(f'mirror = "{server.url}"\n')
    run_ok(gvw, "install", "1.22.10")
    assert server.count("go1.22.10.linux-amd64.tar.gz") == 1


def test_file_mirror_installs_without_a_server(gvw: GvwEnv, tmp_path: Path) -> None:
    directory = tmp_path / "mirror dir é"
    write_synthetic_mirror(directory, ["1.22.10"], [LINUX])
    run_ok(gvw, "install", "--mirror", directory.as_uri(), "1.22")
    go = go_bin(gvw, "1.22.10")
    assert subprocess.run([str(go), "version"], capture_output=True, text=True).stdout.startswith(
        "go version go1.22.10"
    )


def test_plain_http_mirror_warns(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert f"gvw: warning: mirror {server.url} uses plain http" in result.stderr


def test_index_is_cached_and_used_with_a_warning_when_the_mirror_is_down(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.21.13", "1.22.10"], [LINUX])
    with MirrorServer(directory) as server:
        url = server.url
        run_ok(gvw, "list-remote", "--mirror", url)
        run_ok(gvw, "list-remote", "--mirror", url)
        assert server.count("/dl/") == 1  # the second listing came from the cache
    # the server is gone now: a refresh falls back to the cached copy
    result = gvw.run("list-remote", "--refresh", "--mirror", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1.22.10", "1.21.13"]
    assert "gvw: warning: cannot connect to 127.0.0.1" in result.stderr
    assert "using the index cached" in result.stderr


def test_checksum_from_sha256_file_when_the_index_has_none(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    add_archive(directory, "1.22.10", LINUX, synthetic_archive("1.22.10", LINUX), index_sha256="")
    server = mirror_factory(directory)
    run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert server.count(ARCHIVE + ".sha256") == 1


def test_no_checksum_anywhere_installs_nothing(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    directory = tmp_path / "mirror"
    add_archive(
        directory,
        "1.22.10",
        LINUX,
        synthetic_archive("1.22.10", LINUX),
        index_sha256="",
        sidecar=False,
    )
    server = mirror_factory(directory)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 9
    assert result.error_lines[0] == (
        f"gvw: no checksum for {ARCHIVE}: the index has none and "
        f"{server.url}{ARCHIVE}.sha256 is missing"
    )
    assert not (gvw.root / "versions" / "1.22.10").exists()


# --- --from-file -----------------------------------------------------------------------


def test_from_file_with_sha256_needs_no_network(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    data = synthetic_archive("1.22.10", LINUX)
    archive.write_bytes(data)
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    result = gvw.run(
        "install",
        "--from-file",
        str(archive),
        "--sha256",
        digest,
        env={"GVW_MIRROR": "http://127.0.0.1:9/unreachable/"},
    )
    assert result.returncode == 0, result.stderr
    assert run_ok(gvw, "list").stdout.split() == ["1.22.10"]


def test_from_file_with_wrong_sha256_installs_nothing(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    result = gvw.run("install", "--from-file", str(archive), "--sha256", "0" * 64)
    assert result.returncode == 9
    assert result.error_lines[0].startswith(
        f"gvw: checksum mismatch for {ARCHIVE} from {archive}: expected sha256 {'0' * 64}, got "
    )
    # no mirror is involved, so no "use another mirror"
    assert result.error_lines[1] == (
        "gvw: the file is damaged or not the release the checksum is for: "
        "copy it again and compare its sha256 with https://go.dev/dl/"
    )
    assert gvw.store_listing() in ([], [".staging"])


def test_from_file_without_checksum_is_refused_unless_asked(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    refused = gvw.run("install", "--from-file", str(archive))
    assert refused.returncode == 9
    assert refused.error_lines[0].startswith(f"gvw: no checksum for {archive}")
    allowed = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert allowed.returncode == 0, allowed.stderr
    assert "without checksum verification" in allowed.stderr


def test_from_file_with_a_name_that_hides_the_version(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / "toolchain.tar.gz"
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    result = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert result.returncode == 3
    assert result.error_lines[0] == (
        "gvw: cannot tell the Go version from the file name 'toolchain.tar.gz'"
    )


def test_archive_named_for_another_version_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.21.13", LINUX))  # holds go/VERSION go1.21.13
    result = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert result.returncode == 10
    assert result.error_lines[0] == (f"gvw: {ARCHIVE} claims to be Go 1.22.10 but holds go1.21.13")
    assert not (gvw.root / "versions" / "1.22.10").exists()


VERSION_HINT = (
    "gvw: official Go archives hold go/VERSION naming their release: check the file's source"
)


def tree_with_version(version_member: Member | None) -> bytes:
    members = [m for m in synthetic_members("1.22.10", LINUX) if m.name != "go/VERSION"]
    return tar_gz_bytes(members + ([version_member] if version_member else []))


@pytest.mark.parametrize(
    ("version_member", "line"),
    [
        (
            None,
            f"gvw: {ARCHIVE} has no go/VERSION file, so it cannot be shown to hold Go "
            "1.22.10; nothing was installed",
        ),
        (
            Member("go/VERSION", kind="dir", mode=0o755),
            f"gvw: {ARCHIVE} has no go/VERSION file, so it cannot be shown to hold Go "
            "1.22.10; nothing was installed",
        ),
        (
            Member("go/VERSION", b""),
            f"gvw: {ARCHIVE} claims to be Go 1.22.10 but has an empty go/VERSION",
        ),
        (
            Member("go/VERSION", b"devel +abc\n"),
            f"gvw: {ARCHIVE} claims to be Go 1.22.10 but holds devel +abc",
        ),
    ],
    ids=["missing", "a-directory", "empty", "not-a-release"],
)
@pytest.mark.parametrize("source", ["from-file", "mirror"])
def test_an_archive_whose_version_file_does_not_name_the_release_is_refused(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, version_member, line: str, source: str
) -> None:
    data = tree_with_version(version_member)
    if source == "mirror":
        add_archive(tmp_path / "mirror", "1.22.10", LINUX, data)
        result = gvw.run("install", "--mirror", mirror_factory(tmp_path / "mirror").url, "1.22.10")
    else:
        archive = tmp_path / ARCHIVE
        archive.write_bytes(data)
        result = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert result.returncode == 10, result.stderr
    assert result.error_lines == [line, VERSION_HINT]
    assert not (gvw.root / "versions").exists()
    assert list((gvw.root / ".staging").iterdir()) == []


# --- bad input, bad networks: clear errors, documented codes, unchanged store ----------


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        ("1.2x", 'gvw: invalid Go version "1.2x" (set by the command line)'),
        ("../1.22", 'gvw: invalid Go version "../1.22" (set by the command line)'),
        ("system", 'gvw: "system" is the Go found on PATH; gvw cannot install it'),
    ],
)
def test_malformed_specs_are_rejected_before_any_download(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, spec: str, line: str
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    result = gvw.run("install", "--mirror", server.url, "1.22.10", spec)
    assert result.returncode == 3
    assert result.error_lines[0] == line
    if spec != "system":  # specs are all parsed first: nothing was fetched at all
        assert server.requests == []
        assert gvw.store_listing() == []


def test_every_spec_is_resolved_before_anything_is_downloaded(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    result = gvw.run("install", "--mirror", server.url, "1.22.10", "9.9.9")
    assert result.returncode == 7
    assert result.error_lines[0].startswith("gvw: no Go release matches 9.9.9 on ")
    assert server.count(ARCHIVE) == 0
    assert not (gvw.root / "versions").exists()


def test_from_file_ignores_a_broken_mirror_setting(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    result = gvw.run(
        "install",
        "--from-file",
        str(archive),
        "--skip-checksum",
        env={"GVW_MIRROR": "//corp/share/go"},
    )
    assert result.returncode == 0, result.stderr


def test_unc_file_mirror_keeps_its_server() -> None:
    from gvw.mirror import Mirror

    mirror = Mirror.parse("file://fileserver/share/go/", origin="test")
    assert str(mirror.directory).replace("\\", "/") == "//fileserver/share/go"
    assert str(Mirror.parse("file:///srv/go", origin="t").directory) == "/srv/go"


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "soon"])
def test_bad_timeout_setting(gvw: GvwEnv, value: str) -> None:
    result = gvw.run(
        "install", "--mirror", "http://127.0.0.1:9/", "1.22", env={"GVW_TIMEOUT": value}
    )
    assert result.returncode == 13
    assert result.error_lines[0].startswith("gvw: GVW_TIMEOUT (environment) must be")


def test_unknown_version(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    result = gvw.run("install", "--mirror", server.url, "1.99.1")
    assert result.returncode == 7
    assert result.error_lines == [
        f"gvw: no Go release matches 1.99.1 on {server.url} (mirror set by --mirror)",
        "gvw: see what exists with: gvw list-remote 1.99 --all",
    ]


def test_version_without_an_archive_for_this_platform(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], ["windows-amd64"])
    server = mirror_factory(directory)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 7
    assert result.error_lines[0] == (
        f"gvw: no Go release matches 1.22.10 for linux-amd64 on {server.url} "
        "(mirror set by --mirror)"
    )


def test_unreachable_mirror(gvw: GvwEnv) -> None:
    result = gvw.run("install", "--mirror", "http://127.0.0.1:9/dl/", "1.22")
    assert result.returncode == 8
    assert result.error_lines[-2].startswith(
        "gvw: cannot connect to 127.0.0.1:9 (http://127.0.0.1:9/dl/?mode=json&include=all)"
    )
    assert result.error_lines[-1].startswith("gvw: check the network and the mirror")


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (404, "gvw: the mirror does not have this file; check the version with gvw list-remote"),
        (500, "gvw: the mirror has a problem; try again later or use another mirror"),
    ],
)
def test_http_errors_on_the_archive(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, status: int, hint: str
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.fail(ARCHIVE, status)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 8
    assert result.error_lines[-2].startswith(f"gvw: {server.url}{ARCHIVE} answered HTTP {status}")
    assert result.error_lines[-1] == hint
    assert gvw.store_listing() in ([], [".staging"])
    assert list((gvw.cache / "downloads").glob("*")) == []


def test_http_error_on_the_index(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.fail("/dl/", 500)
    result = gvw.run("install", "--mirror", server.url, "1.22")
    assert result.returncode == 8
    assert "answered HTTP 500" in result.error_lines[-2]


def test_stalled_download_times_out(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=100)
    started = time.monotonic()
    result = gvw.run("install", "--mirror", server.url, "1.22.10", env={"GVW_TIMEOUT": "1"})
    assert result.returncode == 8
    assert result.error_lines[-2] == (
        f"gvw: timed out after 1 s waiting for 127.0.0.1:{server.port} ({server.url}{ARCHIVE})"
    )
    assert time.monotonic() - started < 30
    assert not (gvw.root / "versions").exists() or not any((gvw.root / "versions").iterdir())


def test_truncated_download(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.truncate(ARCHIVE, after_bytes=200)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 8
    assert result.error_lines[-2].startswith(
        f"gvw: the transfer from {server.url}{ARCHIVE} was cut short"
    )
    assert list((gvw.cache / "downloads").glob("*")) == []


def test_redirected_download_is_followed(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.redirect(ARCHIVE)
    run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert server.count("/cdn/" + ARCHIVE) == 1


def test_tampered_archive_fails_the_checksum(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    good = synthetic_archive("1.22.10", LINUX)
    evil = good[:100] + bytes([good[100] ^ 1]) + good[101:]  # same size, one bit changed
    server.respond(ARCHIVE, evil)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 9
    assert result.error_lines[0].startswith(
        f"gvw: checksum mismatch for {ARCHIVE} from {server.url}{ARCHIVE}: expected sha256 "
    )
    assert result.error_lines[0].endswith("; nothing was installed")
    assert gvw.store_listing() in ([], [".staging"])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>not json</html>", "is not valid JSON"),
        (b'{"version": "go1.22.10"}', "is not a list of releases"),
        (b"\xff\xfe garbage", "is not valid JSON"),
    ],
)
def test_corrupt_index(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, body: bytes, message: str
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.respond("/dl/", body, content_type="application/json")
    result = gvw.run("install", "--mirror", server.url, "1.22")
    assert result.returncode == 11
    assert result.error_lines[0].startswith(
        f"gvw: the download index from {server.url}?mode=json&include=all {message}"
    )
    assert gvw.store_listing() == []


def test_bad_mirror_url(gvw: GvwEnv, tmp_path: Path) -> None:
    result = gvw.run("install", "--mirror", str(tmp_path), "1.22")
    assert result.returncode == 13
    assert result.error_lines == [
        f"gvw: mirror '{tmp_path}' (set by --mirror) is not a URL gvw can use",
        f"gvw: for a local directory use --mirror {tmp_path.as_uri()}",
    ]


def test_broken_config_file(gvw: GvwEnv) -> None:
    gvw.config.write_text("mirror = [\n")
    result = gvw.run("install", "1.22")
    assert result.returncode == 13
    assert result.error_lines[0].startswith(f"gvw: config file {gvw.config} is not valid TOML")
    assert result.error_lines[1] == f"gvw: fix or remove {gvw.config}"


def test_config_with_wrong_types(gvw: GvwEnv) -> None:
    gvw.config.write_text('timeout_seconds = "soon"\n')
    result = gvw.run("install", "1.22")
    assert result.returncode == 13
    assert result.error_lines[0] == (
        f"gvw: 'timeout_seconds' in config file {gvw.config} must be a number, not a string"
    )


def _mount_tmpfs(path: Path, size: str, *options: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    opts = ",".join((f"size={size}", *options))
    return (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )


@pytest.fixture
def small_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "256k"):
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_full_disk_installs_nothing_and_says_so(
    tmp_path: Path, mirror_factory, small_disk: Path
) -> None:
    directory = tmp_path / "mirror"
    big = [*synthetic_members("1.22.10", LINUX), Member("go/src/big.bin", os.urandom(600000))]
    add_archive(directory, "1.22.10", LINUX, tar_gz_bytes(big))
    server = mirror_factory(directory)
    gvw = GvwEnv(tmp_path, extra_env={"GVW_ROOT": str(small_disk / "root")})
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 12
    assert result.error_lines[-2].endswith(": the disk is full")
    assert result.error_lines[-1] == "gvw: free some space and run the command again"
    # the audit log records the failure (it needs a few hundred bytes: when even those
    # are gone, the command warns that the record is missing)
    names = sorted(p.name for p in (small_disk / "root").iterdir() if p.name != "log")
    assert names in ([".locks", ".staging"], [".locks", ".staging", "versions"])
    assert not (small_disk / "root" / "versions" / "1.22.10").exists()
    assert list((small_disk / "root" / ".staging").iterdir()) == []


@pytest.mark.parametrize("used", [False, True], ids=["empty", "used-before"])
def test_read_only_store(tmp_path: Path, mirror_factory, small_disk: Path, used: bool) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    if used:  # a store gvw has used: its lock directory exists
        (small_disk / "root" / ".locks").mkdir(parents=True)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    gvw = GvwEnv(tmp_path, extra_env={"GVW_ROOT": str(small_disk / "root")})
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 12
    assert result.error_lines[-2].endswith(": the filesystem is read-only")
    assert result.error_lines[-1] == "gvw: point GVW_ROOT at a writable directory"
    assert [p.name for p in small_disk.rglob("*")] == ([".locks", "root"][::-1] if used else [])


# --- concurrency and crashes ------------------------------------------------------------


def test_concurrent_installs_download_once_and_all_succeed(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.delay(ARCHIVE, 1.0)  # keep the first download busy while the others start
    processes = [
        gvw.popen("install", "--mirror", server.url, spec)
        for spec in ("1.22.10", "1.22", "go1.22.10", "1.22.10")
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], outputs
    assert server.count(ARCHIVE) == 1
    stdout = [out for out, _ in outputs]
    assert sum("Installed Go 1.22.10" in s for s in stdout) == 1
    assert sum("already installed" in s for s in stdout) == 3


def test_killed_download_leaves_nothing_installed_and_the_next_run_cleans_up(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, times=1)
    process = gvw.popen("install", "--mirror", server.url, "1.22.10")
    downloads = gvw.cache / "downloads"
    # the 300 bytes may still sit in the writer's buffer: the .part file is the sign
    assert wait_for(lambda: any(downloads.glob("*.part")), 30)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (gvw.root / "versions" / "1.22.10").exists()
    assert len(list(downloads.glob("*.part"))) == 1  # the leftover the next run removes
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert "removed leftovers of an interrupted install of 1.22.10" in result.stderr
    assert list(downloads.glob("*")) == []
    assert run_ok(gvw, "list").stdout.split() == ["1.22.10"]


@pytest.mark.slow
def test_killed_extraction_leaves_nothing_installed_and_the_next_run_cleans_up(
    gvw: GvwEnv, real_mirror: MirrorServer
) -> None:
    process = gvw.popen("install", "--mirror", real_mirror.url, "1.22.10")
    staging = gvw.root / ".staging"
    assert wait_for(lambda: any((d / "src").exists() for d in staging.glob("1.22.10.*")), 120)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (gvw.root / "versions" / "1.22.10").exists()
    assert run_ok(gvw, "list").stdout == ""
    result = run_ok(gvw, "install", "--mirror", real_mirror.url, "1.22.10")
    assert "removed leftovers" in result.stderr
    assert list(staging.iterdir()) == []
    assert (gvw.root / "versions" / "1.22.10" / "bin" / "go").is_file()


SIGNALS = [
    pytest.param(signal.SIGTERM, 143, "gvw: terminated (SIGTERM)", id="SIGTERM"),
    pytest.param(signal.SIGHUP, 129, "gvw: hung up (SIGHUP)", id="SIGHUP"),
    pytest.param(signal.SIGINT, 130, "gvw: interrupted", id="SIGINT"),
]


def assert_cleaned_up_after_signal(gvw: GvwEnv, process, code: int, last_line: str) -> None:
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.splitlines()[-1] == last_line
    assert "" not in stderr.splitlines()  # no blank line before the message
    assert list((gvw.cache / "downloads").glob("*")) == []  # no .part file
    assert list((gvw.root / ".staging").glob("*")) == []
    assert not (gvw.root / "versions").exists()
    assert not (gvw.root / "snapshots").exists()  # nothing changed, so no snapshot


@pytest.mark.parametrize(("signum", "code", "last_line"), SIGNALS)
def test_a_signal_during_the_download_cleans_up_and_exits_with_its_code(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, signum: int, code: int, last_line: str
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, times=1)
    process = gvw.popen("install", "--mirror", server.url, "1.22.10")
    # the .part file opens before the request: wait for both, so the stall is used up
    assert wait_for(lambda: any((gvw.cache / "downloads").glob("*.part")), 30)
    assert wait_for(lambda: server.count(ARCHIVE) == 1, 30)
    process.send_signal(signum)
    assert_cleaned_up_after_signal(gvw, process, code, last_line)
    # the lock was released: the next install runs at once and finds nothing to clean
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert "leftovers" not in result.stderr


def test_a_hangup_ignored_by_the_caller_stays_ignored(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    # nohup gvw install ...: the caller asked for SIGHUP to be ignored, and it is
    server = synthetic_server(mirror_factory, tmp_path)
    server.stall(ARCHIVE, after_bytes=300, times=1)
    process = subprocess.Popen(
        gvw.command("install", "--mirror", server.url, "1.22.10"),
        env=gvw.env(),
        cwd=gvw.base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    assert wait_for(lambda: server.count(ARCHIVE) == 1, 30)
    process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert process.poll() is None  # still downloading
    process.send_signal(signal.SIGTERM)
    assert_cleaned_up_after_signal(gvw, process, 143, "gvw: terminated (SIGTERM)")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "last_line"), SIGNALS[:2])
def test_a_signal_during_extraction_of_a_real_toolchain_cleans_up(
    gvw: GvwEnv, real_mirror: MirrorServer, signum: int, code: int, last_line: str
) -> None:
    process = gvw.popen("install", "--mirror", real_mirror.url, "1.22.10")
    staging = gvw.root / ".staging"
    assert wait_for(lambda: any((d / "src").exists() for d in staging.glob("1.22.10.*")), 120)
    process.send_signal(signum)
    assert_cleaned_up_after_signal(gvw, process, code, last_line)


# --- output ------------------------------------------------------------------------------


def test_progress_bar_on_a_terminal(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    directory = tmp_path / "mirror"
    big = [*synthetic_members("1.22.10", LINUX), Member("go/src/big.bin", os.urandom(3000000))]
    add_archive(directory, "1.22.10", LINUX, tar_gz_bytes(big))
    server = mirror_factory(directory)
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        gvw.command("install", "--mirror", server.url, "1.22.10"),
        env=gvw.env({"TERM": "xterm"}),
        stdout=subprocess.PIPE,
        stderr=secondary,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=60)
    os.close(primary)
    text = seen.decode()
    assert process.returncode == 0, text
    assert f"Downloading {ARCHIVE}" in text
    assert "MB/s" in text and "left" in text and "Extracting" in text


def test_no_progress_output_in_a_pipe_or_with_quiet(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    piped = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert "\r" not in piped.stderr and "MB/s" not in piped.stderr
    quiet = run_ok(gvw, "install", "--quiet", "--mirror", server.url, "1.21.13")
    assert quiet.stdout == ""
    assert "MB/s" not in quiet.stderr
