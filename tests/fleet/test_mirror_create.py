"""gvw mirror create: an offline mirror for two platforms, installed from with the
source server stopped; re-runs add without downloading; a failed run leaves no index."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.support.disks import MountTmpfs
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import (
    Member,
    add_archive,
    synthetic_members,
    tar_gz_bytes,
    write_synthetic_mirror,
)
from tests.support.mirror_server import wait_for
from tests.support.vulndb_fixture import VulnDBServer

pytestmark = pytest.mark.slow


def test_mirror_for_two_platforms_installs_offline_and_reruns_download_nothing(
    gvw: GvwEnv, mirror_factory, real_mirror_dir: Path, tmp_path: Path
) -> None:
    source = mirror_factory(real_mirror_dir)
    offline = tmp_path / "offline mirror"
    args = ["--mirror", source.url, "--platform", "linux-amd64", "--platform", "windows-amd64"]
    run_ok(gvw, "mirror", "create", str(offline), "1.22", *args)
    names = ["go1.22.10.linux-amd64.tar.gz", "go1.22.10.windows-amd64.zip"]
    for name in names:
        assert (offline / name).read_bytes() == (real_mirror_dir / name).read_bytes()
        assert (offline / f"{name}.sha256").read_text().split()[0] == (
            real_mirror_dir / f"{name}.sha256"
        ).read_text().split()[0]
    index = json.loads((offline / "index.json").read_text())
    assert [r["version"] for r in index] == ["go1.22.10"]
    assert sorted(f["filename"] for f in index[0]["files"]) == names
    assert sorted(p.name for p in offline.iterdir()) == sorted(
        [*names, *(n + ".sha256" for n in names), "index.json"]
    )

    source.clear_log()
    again = run_ok(gvw, "mirror", "create", str(offline), "1.21.13", "1.22", *args)
    assert f"already there: {names[0]}" in again.stdout
    assert source.count(f"/dl/{names[0]}") == 0
    assert source.count("/dl/go1.21.13.linux-amd64.tar.gz") == 1
    index = json.loads((offline / "index.json").read_text())
    assert [r["version"] for r in index] == ["go1.22.10", "go1.21.13"]

    source.stop()
    url = offline.as_uri()
    run_ok(gvw, "install", "--mirror", url, "1.21", "1.22")
    for platform_env in ({}, {"GVW_PLATFORM": "windows-amd64", "GVW_ROOT": str(tmp_path / "w")}):
        run_ok(gvw, "install", "--mirror", url, "1.22.10", env=platform_env)
    assert (tmp_path / "w" / "versions" / "1.22.10" / "bin" / "go.exe").is_file()
    assert (gvw.root / "versions" / "1.21.13" / "bin" / "go").is_file()


def test_a_download_that_fails_its_checksum_leaves_no_index(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "src", ("1.22.10",), ["linux-amd64"])
    add_archive(tmp_path / "src", "1.22.10", "linux-amd64", b"tampered", index_sha256="0" * 64)
    source = mirror_factory(tmp_path / "src")
    offline = tmp_path / "offline"
    result = gvw.run(
        "mirror", "create", str(offline), "1.22.10", "--mirror", source.url,
        "--platform", "linux-amd64",
    )  # fmt: skip
    assert result.returncode == 9, result.stderr
    assert "it was not added to the mirror" in result.stderr
    assert not (offline / "index.json").exists()
    assert not (offline / "go1.22.10.linux-amd64.tar.gz").exists()


def test_from_lock_takes_the_locked_archives_and_checksums(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    digests = write_synthetic_mirror(tmp_path / "src", ("1.21.13", "1.22.10"))
    source = mirror_factory(tmp_path / "src")
    manifest = tmp_path / "fleet.toml"
    manifest.write_text('[go]\nversions = ["1.22"]\n', encoding="utf-8")
    args = ["--platform", "linux-amd64", "--platform", "windows-amd64"]
    run_ok(gvw, "lock", str(manifest), "--mirror", source.url, *args)
    offline = tmp_path / "offline"
    lock = str(tmp_path / "fleet.lock.toml")
    run_ok(gvw, "mirror", "create", str(offline), "--from-lock", lock, "--mirror", source.url)
    names = ["go1.22.10.linux-amd64.tar.gz", "go1.22.10.windows-amd64.zip"]
    assert sorted(p.name for p in offline.glob("go*[pz]")) == names
    for name in names:
        assert (offline / f"{name}.sha256").read_text().strip() == digests[name]
    installed = run_ok(gvw, "apply", str(manifest), "--locked", "--mirror", offline.as_uri(),
                       env={"GVW_PLATFORM": "linux-amd64"})  # fmt: skip
    assert "done: install Go 1.22.10" in installed.stdout


def test_a_killed_run_leaves_the_previous_mirror_and_the_next_run_completes_it(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "src", ("1.21.13", "1.22.10"), ["linux-amd64"])
    source = mirror_factory(tmp_path / "src")
    offline = tmp_path / "offline"
    args = ["--mirror", source.url, "--platform", "linux-amd64"]
    run_ok(gvw, "mirror", "create", str(offline), "1.21.13", *args)
    index_before = (offline / "index.json").read_bytes()
    name = "go1.22.10.linux-amd64.tar.gz"
    source.stall(name, after_bytes=100)  # until the server stops
    running = gvw.popen("mirror", "create", str(offline), "1.22.10", *args)
    assert wait_for(lambda: list((offline / ".gvw-partial").glob("*.part")), timeout=30)
    running.kill()
    running.communicate(timeout=30)
    assert (offline / "index.json").read_bytes() == index_before
    assert not (offline / name).exists() and not (offline / f"{name}.sha256").exists()
    source.clear_faults()
    run_ok(gvw, "mirror", "create", str(offline), "1.22.10", *args)
    assert not (offline / ".gvw-partial").exists()
    index = json.loads((offline / "index.json").read_text())
    assert [r["version"] for r in index] == ["go1.22.10", "go1.21.13"]


# --- concurrent runs, full disks, dropped connections, signals ---------------------------

FOUR = ("1.20.14", "1.21.13", "1.22.10", "1.23.4")


def test_four_concurrent_runs_into_one_directory_all_end_up_in_it(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "src", FOUR, ["linux-amd64"])
    source = mirror_factory(tmp_path / "src")
    for version in FOUR:  # every download takes a while: the runs overlap
        source.delay(f"go{version}.linux-amd64.tar.gz", 1.0)
    offline = tmp_path / "offline"
    args = ["--mirror", source.url, "--platform", "linux-amd64"]
    runs = [gvw.popen("mirror", "create", str(offline), v, *args) for v in FOUR]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
    names = sorted(f"go{v}.linux-amd64.tar.gz" for v in FOUR)
    assert sorted(p.name for p in offline.glob("go*.tar.gz")) == names
    index = json.loads((offline / "index.json").read_text())
    assert sorted(f["filename"] for r in index for f in r["files"]) == names
    assert sorted(p.name for p in offline.glob(".*")) == []  # no partial dir, no lock file
    run_ok(gvw, "install", "--mirror", offline.as_uri(), *FOUR)


def big_source(mirror_factory, tmp_path: Path):
    """A source whose 1.22.10 archive is larger than the small disk."""
    directory = tmp_path / "src"
    members = [
        *synthetic_members("1.22.10", "linux-amd64"),
        Member("go/src/big.bin", os.urandom(600_000)),
    ]
    add_archive(directory, "1.22.10", "linux-amd64", tar_gz_bytes(members))
    return mirror_factory(directory)


def test_a_full_disk_says_so_and_leaves_no_partial_download(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, tmpfs: MountTmpfs
) -> None:
    source = big_source(mirror_factory, tmp_path)
    offline = tmpfs("disk", "256k") / "offline"
    result = gvw.run("mirror", "create", str(offline), "1.22.10", "--mirror", source.url,
                     "--platform", "linux-amd64")  # fmt: skip
    assert result.returncode == 12, result.stderr
    part = offline / ".gvw-partial" / "go1.22.10.linux-amd64.tar.gz.part"
    assert result.error_lines == [
        f"gvw: cannot download to {part}: the disk is full",
        "gvw: free some space and run the command again",
    ]
    assert list(offline.iterdir()) == []  # the disk is empty again


@pytest.mark.parametrize(
    ("fault", "code", "signum"),
    [("truncate", 8, None), ("stall", 143, signal.SIGTERM)],
    ids=["dropped-connection", "SIGTERM"],
)
def test_a_failed_or_stopped_run_leaves_no_partial_download(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, fault: str, code: int, signum: int | None
) -> None:
    write_synthetic_mirror(tmp_path / "src", ("1.22.10",), ["linux-amd64"])
    source = mirror_factory(tmp_path / "src")
    name = "go1.22.10.linux-amd64.tar.gz"
    getattr(source, fault)(name, 100)  # cut after 100 bytes, or stall there
    offline = tmp_path / "offline"
    run = gvw.popen("mirror", "create", str(offline), "1.22.10", "--mirror", source.url,
                    "--platform", "linux-amd64")  # fmt: skip
    if signum is not None:
        assert wait_for(lambda: list((offline / ".gvw-partial").glob("*.part")), timeout=30)
        assert wait_for(lambda: source.count(f"/dl/{name}") == 1, timeout=30)
        run.send_signal(signum)
    _, err = run.communicate(timeout=120)
    assert run.returncode == code, err
    assert list(offline.iterdir()) == []


def test_the_vulnerability_database_is_copied_for_machines_without_internet(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, vulndb: VulnDBServer
) -> None:
    write_synthetic_mirror(tmp_path / "m", ("1.25.4",), ["linux-amd64"])
    source = mirror_factory(tmp_path / "m")
    offline = tmp_path / "offline"
    env = {"GOVULNDB": vulndb.url, "GVW_PLATFORM": "linux-amd64"}
    args = ["--mirror", source.url, "--vulndb"]
    made = run_ok(gvw, "mirror", "create", str(offline), "1.25.4", *args, env=env)
    assert made.stdout.splitlines()[-1] == (
        "Vulnerability database: 5 toolchain entries (5 fetched), modified "
        f"2025-12-02T18:48:31Z: GOVULNDB={(offline / 'vulndb').as_uri()}"
    )
    assert sorted(p.name for p in (offline / "vulndb" / "index").iterdir()) == [
        "db.json",
        "modules.json",
    ]
    assert len(list((offline / "vulndb" / "ID").iterdir())) == 5
    vulndb.server.clear_log()
    again = run_ok(gvw, "mirror", "create", str(offline), "--vulndb", env=env)
    assert "(0 fetched)" in again.stdout and vulndb.requests() == ["/vuln/index/db.json"]

    # the offline machine: no server at all, the copy read where it is
    vulndb.server.stop()
    source.stop()
    (tmp_path / "machine").mkdir()
    machine = GvwEnv(tmp_path / "machine")
    copy = {"GOVULNDB": (offline / "vulndb").as_uri(), "GVW_PLATFORM": "linux-amd64"}
    run_ok(machine, "install", "--mirror", offline.as_uri(), "1.25.4", env=copy)
    assert run_ok(machine, "list", env=copy).stdout.splitlines() == [
        "* 1.25.4  2 known vulnerabilities (fixed in 1.25.5)"  # the first install: selected
    ]


def test_vulndb_alone_needs_a_database(gvw: GvwEnv, tmp_path: Path) -> None:
    result = gvw.run("mirror", "create", str(tmp_path / "x"), "--vulndb")
    assert result.returncode == 2
    assert "GOVULNDB=off" in result.stderr and not (tmp_path / "x").exists()


def test_a_source_that_never_ends_is_stopped_at_the_promised_size(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "src", ("1.22.10",), ["linux-amd64"])
    name = "go1.22.10.linux-amd64.tar.gz"
    size = (tmp_path / "src" / name).stat().st_size
    source = mirror_factory(tmp_path / "src")
    source.endless(name)  # no length, zeros for ever
    offline = tmp_path / "offline"
    result = gvw.run(
        "mirror", "create", str(offline), "1.22.10", "--mirror", source.url,
        "--platform", "linux-amd64",
    )  # fmt: skip
    assert result.returncode == 9, result.stderr
    assert (
        f"gvw: {source.url}{name} holds more than the {size:,} bytes the lock promises; "
        "it was not added to the mirror"
    ) in result.stderr_lines
    assert not (offline / "index.json").exists()
    assert not (offline / name).exists()


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_a_file_source_archive_that_is_a_fifo_or_device_is_refused_without_reading(
    gvw: GvwEnv, tmp_path: Path, kind: str
) -> None:
    source = tmp_path / "src"
    write_synthetic_mirror(source, ("1.22.10",), ["linux-amd64"])
    name = "go1.22.10.linux-amd64.tar.gz"
    (source / name).unlink()
    if kind == "fifo":
        os.mkfifo(source / name)  # nothing ever writes: reading would hang
    else:
        (source / name).symlink_to(kind)  # never ends
    offline = tmp_path / "offline"
    result = gvw.run(
        "mirror", "create", str(offline), "1.22.10", "--mirror", source.as_uri(),
        "--platform", "linux-amd64", timeout=60,
    )  # fmt: skip
    assert result.returncode == 12, result.stderr
    what = "a FIFO" if kind == "fifo" else "a character device"
    assert (
        f"gvw: cannot copy {source / name} into the mirror: it is {what}, not a regular file"
    ) in result.stderr_lines
    assert not (offline / "index.json").exists()
    assert not (offline / name).exists()


def test_a_locked_size_larger_than_the_source_file_is_refused_though_its_sha256_matches(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "src", ("1.22.10",), ["linux-amd64"])
    source = (tmp_path / "src").as_uri()
    manifest = tmp_path / "fleet.toml"
    manifest.write_text('[go]\nversions = ["1.22"]\n', encoding="utf-8")
    run_ok(gvw, "lock", str(manifest), "--mirror", source, "--platform", "linux-amd64")
    name = "go1.22.10.linux-amd64.tar.gz"
    real = (tmp_path / "src" / name).stat().st_size
    lock = tmp_path / "fleet.lock.toml"
    lock.write_text(lock.read_text().replace(f"size = {real}\n", f"size = {real + 10}\n"))
    offline = tmp_path / "offline"
    result = gvw.run("mirror", "create", str(offline), "--from-lock", str(lock), "--mirror", source)
    assert result.returncode == 9, result.stderr
    assert (
        f"gvw: {tmp_path / 'src' / name} is {real:,} bytes, not the {real + 10:,} bytes the lock "
        "promises; it was not added to the mirror"
    ) in result.stderr_lines
    assert not (offline / name).exists() and not (offline / "index.json").exists()
