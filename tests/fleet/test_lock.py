"""gvw lock and gvw apply --locked: exact archives and checksums per platform; a
tampered mirror is refused whatever its index says."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import add_archive
from tests.support.mirror_server import MirrorServer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow


def test_lock_writes_release_and_archives_for_each_platform(
    gvw: GvwEnv, real_mirror: MirrorServer, real_mirror_dir: Path, tmp_path: Path
) -> None:
    file = tmp_path / "fleet.toml"
    file.write_text('[go]\nversions = ["1.21.13", "go1.22"]\n', encoding="utf-8")
    args = ["--platform", "linux-amd64", "--platform", "windows-amd64"]
    result = run_ok(gvw, "lock", str(file), "--mirror", real_mirror.url, *args)
    assert f"Wrote {tmp_path / 'fleet.lock.toml'} (linux-amd64, windows-amd64)" in result.stdout
    lock = tomllib.loads((tmp_path / "fleet.lock.toml").read_text("utf-8"))
    assert lock["specs"] == {"1.21.13": "1.21.13", "1.22": "1.22.10"}
    zip_name = "go1.22.10.windows-amd64.zip"
    assert lock["archives"]["1.22.10"]["windows-amd64"] == {
        "filename": zip_name,
        "size": (real_mirror_dir / zip_name).stat().st_size,
        "sha256": (real_mirror_dir / f"{zip_name}.sha256").read_text().split()[0],
    }
    assert set(lock["archives"]["1.21.13"]) == {"linux-amd64", "windows-amd64"}
    assert not list(tmp_path.glob(".*.tmp"))  # written atomically, nothing left beside it


def test_apply_locked_refuses_a_tampered_mirror_and_installs_from_an_honest_one(
    gvw: GvwEnv, real_mirror: MirrorServer, real_mirror_dir: Path, mirror_factory, tmp_path: Path
) -> None:
    file = tmp_path / "fleet.toml"
    file.write_text('[go]\nversions = ["1.22"]\nlock = "go.lock.toml"\n', encoding="utf-8")
    run_ok(gvw, "lock", str(file), "--mirror", real_mirror.url)
    # a compromised mirror: another archive under the real name, its own index checksum
    evil = tmp_path / "evil"
    evil.mkdir()
    shutil.copy(real_mirror_dir / "index.json", evil / "index.json")
    name = "go1.22.10.linux-amd64.tar.gz"
    real = (real_mirror_dir / name).read_bytes()
    # the same size, one byte changed near the end: only the checksum can tell
    fake = real[:-100] + bytes([real[-100] ^ 1]) + real[-99:]
    evil_sha = add_archive(evil, "1.22.10", "linux-amd64", fake, filename=name)
    server = mirror_factory(evil)
    result = gvw.run("apply", str(file), "--mirror", server.url)
    assert result.returncode == 9, result.stderr
    assert f"checksum mismatch for {name}" in result.stderr
    assert f"got {evil_sha}" in result.stderr
    assert not (gvw.root / "versions").exists() or not list((gvw.root / "versions").iterdir())
    # a larger file is refused by the locked size before any of it is read
    larger = (real_mirror_dir / "go1.22.10.windows-amd64.zip").read_bytes()
    add_archive(evil, "1.22.10", "linux-amd64", larger, filename=name)
    server.clear_log()
    result = gvw.run("apply", str(file), "--mirror", server.url)
    assert result.returncode == 9, result.stderr
    assert (
        f"gvw: {server.url}{name} is {len(larger):,} bytes, not the {len(real):,} bytes "
        "the index or lock promises; nothing was installed"
    ) in result.stderr_lines
    assert server.sent(name) < len(larger) // 2  # at most what the sockets buffered
    # without the lock the same mirror would have been believed: the lock is what refuses
    run_ok(gvw, "apply", str(file), "--mirror", real_mirror.url)
    assert (gvw.root / "versions" / "1.22.10" / "bin" / "go").is_file()


def test_a_lock_without_the_spec_or_platform_says_to_lock_again(
    gvw: GvwEnv, real_mirror: MirrorServer, tmp_path: Path
) -> None:
    file = tmp_path / "fleet.toml"
    file.write_text('[go]\nversions = ["1.22"]\n', encoding="utf-8")
    run_ok(gvw, "lock", str(file), "--mirror", real_mirror.url)
    file.write_text('[go]\nversions = ["1.22", "1.21"]\n', encoding="utf-8")
    result = gvw.run("apply", str(file), "--locked", "--check")
    assert result.returncode == 13
    assert f"the lock file {tmp_path / 'fleet.lock.toml'} has no release for 1.21" in result.stderr
    file.write_text('[go]\nversions = ["1.22"]\n', encoding="utf-8")
    other = gvw.run(
        "apply", str(file), "--locked", "--check", env={"GVW_PLATFORM": "windows-amd64"}
    )
    assert other.returncode == 13
    assert "has no windows-amd64 archive of Go 1.22.10" in other.stderr
    assert "gvw lock MANIFEST --platform windows-amd64" in other.stderr
    assert gvw.store_listing() == []
