"""Bad input and bad networks: clear errors, documented exit codes, an unchanged store."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.install.install_helpers import ARCHIVE, LINUX, partial_downloads, synthetic_server
from tests.support.disks import MountTmpfs
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import (
    Member,
    add_archive,
    synthetic_archive,
    synthetic_members,
    tar_gz_bytes,
    write_synthetic_mirror,
)

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
    from gvw.install.mirror import Mirror

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
    assert result.error_lines == [  # what exists instead, and the command that installs it
        f"gvw: no Go release matches 1.99.1 on {server.url} (mirror set by --mirror); "
        "the newest release is 1.22.10; nearest families: 1.22, 1.21",
        f"gvw: install it with: gvw install latest --mirror {server.url}",
    ]


def test_version_without_an_archive_for_this_platform(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], ["windows-amd64"])
    server = mirror_factory(directory)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 7
    assert result.error_lines == [
        f"gvw: no Go release matches 1.22.10 for linux-amd64 on {server.url} "
        "(mirror set by --mirror); the mirror has no release for this platform",
        "gvw: check the mirror URL (gvw install --mirror URL) and the platform (GVW_PLATFORM)",
    ]


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
    # a 5xx is retried (test_install_network.py); one retry is enough here
    result = gvw.run("install", "--mirror", server.url, "1.22.10", env={"GVW_RETRIES": "1"})
    assert result.returncode == 8
    assert result.error_lines[-2].startswith(f"gvw: {server.url}{ARCHIVE} answered HTTP {status}")
    assert result.error_lines[-1] == hint
    assert server.count(ARCHIVE) == (2 if status == 500 else 1)
    assert gvw.store_listing() in ([], [".staging"])
    assert partial_downloads(gvw.cache) == []  # nothing was fetched, nothing is kept


def test_http_error_on_the_index(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.fail("/dl/", 500)
    result = gvw.run("install", "--mirror", server.url, "1.22")
    assert result.returncode == 8
    assert "answered HTTP 500" in result.error_lines[-2]


def test_stalled_download_times_out_and_the_next_run_resumes(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    size = (tmp_path / "mirror" / ARCHIVE).stat().st_size
    server.stall(ARCHIVE, after_bytes=100)  # every answer, also to a Range request
    started = time.monotonic()
    env = {"GVW_TIMEOUT": "1", "GVW_RETRIES": "1"}
    result = gvw.run("install", "--mirror", server.url, "1.22.10", env=env)
    assert result.returncode == 8
    assert result.error_lines[-2:] == [
        f"gvw: timed out after 1 s waiting for 127.0.0.1:{server.port} ({server.url}{ARCHIVE}); "
        f"gave up after 2 attempts in a row with 200 bytes of {size:,} bytes fetched",
        "gvw: run the same command again: it resumes from the 200 bytes on disk; try again, "
        "or allow more time with GVW_TIMEOUT=SECONDS; check the network and the mirror "
        "(--mirror URL or GVW_MIRROR), or install from a file with --from-file",
    ]
    assert time.monotonic() - started < 30
    assert not (gvw.root / "versions").exists() or not any((gvw.root / "versions").iterdir())
    server.clear_faults()
    run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    ranges = [r.headers.get("Range") for r in server.requests if r.path.endswith(ARCHIVE)]
    assert ranges == [None, "bytes=100-", "bytes=200-"]
    assert partial_downloads(gvw.cache) == []


def test_a_download_cut_short_every_time_gives_up_and_keeps_what_it_fetched(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = synthetic_server(mirror_factory, tmp_path)
    server.truncate(ARCHIVE, after_bytes=200)
    result = gvw.run("install", "--mirror", server.url, "1.22.10", env={"GVW_RETRIES": "1"})
    assert result.returncode == 8
    assert result.error_lines[-2].startswith(
        f"gvw: the transfer from {server.url}{ARCHIVE} was cut short"
    )
    assert "; gave up after 2 attempts in a row with 400 bytes of " in result.error_lines[-2]
    assert partial_downloads(gvw.cache) == [f"{ARCHIVE}.part", f"{ARCHIVE}.part.json"]
    assert (gvw.cache / "downloads" / f"{ARCHIVE}.part").stat().st_size == 400


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


@pytest.fixture
def small_disk(tmpfs: MountTmpfs) -> Path:
    return tmpfs("disk", "256k")


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
