"""The download index through the real CLI and a real HTTP mirror on 127.0.0.1: bad
entries are named (exit 11 when they are the release asked for, a warning otherwise),
a bad index is never cached, the plain-http notice follows docs/installing.md, and
concurrent installs fetch the index once."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.disks import MountTmpfs
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

LINUX = "linux-amd64"
ARCHIVE = "go1.22.10.linux-amd64.tar.gz"


def mirror_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.21.13", "1.22.10"], [LINUX])
    return directory


def damage_index(directory: Path, version: str, **fields: object) -> None:
    """Change the first file entry of ``version`` in the mirror's index.json."""
    path = directory / "index.json"
    releases = json.loads(path.read_text())
    (release,) = [r for r in releases if r["version"] == f"go{version}"]
    release["files"][0].update(fields)
    path.write_text(json.dumps(releases))


def index_requests(server: MirrorServer) -> int:
    return server.count("/dl/")


def cache_files(gvw: GvwEnv) -> list[str]:
    directory = gvw.cache / "index"
    return sorted(p.name for p in directory.glob("*.json")) if directory.is_dir() else []


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"filename": "../go1.22.10.linux-amd64.tar.gz"}, "file name '../go1.22.10."),
        ({"filename": "sub/x.tar.gz"}, "file name 'sub/x.tar.gz' is not a plain file name"),
        ({"sha256": "0" * 63}, "sha256 '000"),
        ({"size": "big"}, "size 'big' is not a number of bytes"),
    ],
)
def test_a_bad_entry_for_the_release_asked_for_is_exit_11_naming_it(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, fields: dict[str, object], why: str
) -> None:
    directory = mirror_dir(tmp_path)
    damage_index(directory, "1.22.10", **fields)
    server = mirror_factory(directory)
    for spec in ("1.22.10", "1.22", "latest"):
        result = gvw.run("install", "--mirror", server.url, spec)
        assert result.returncode == 11, result.stderr
        first, hint = result.error_lines
        assert first.startswith(
            f"gvw: the download index from {server.index_url} has a bad entry for Go 1.22.10 "
            f"({LINUX}): release 'go1.22.10', file 1: {why}"
        )
        assert first.endswith("; nothing was installed")
        assert hint == (
            "gvw: the mirror's index is damaged or was tampered with: fix the mirror, "
            "or use another one with --mirror URL"
        )
        assert server.count(ARCHIVE) == 0
    assert gvw.store_listing() == []
    assert cache_files(gvw) == []  # never cached as if good
    assert index_requests(server) == 3


def test_a_release_whose_files_are_not_a_list_is_exit_11(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = mirror_dir(tmp_path)
    releases = json.loads((directory / "index.json").read_text())
    releases.append({"version": "go1.23.0", "stable": True, "files": {"linux": "x"}})
    (directory / "index.json").write_text(json.dumps(releases))
    result = gvw.run("install", "--mirror", directory.as_uri(), "1.23.0")
    assert result.returncode == 11
    assert result.error_lines[0] == (
        f"gvw: the download index from {directory / 'index.json'} has a bad entry for "
        f"Go 1.23.0 ({LINUX}): release 'go1.23.0': its files are not a list; "
        "nothing was installed"
    )


def test_other_bad_entries_are_warned_about_and_the_index_is_not_cached(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = mirror_dir(tmp_path)
    damage_index(directory, "1.21.13", filename="../../etc/passwd")
    server = mirror_factory(directory)
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    warning = (
        f"gvw: warning: the download index from {server.index_url}: release 'go1.21.13', "
        "file 1: file name '../../etc/passwd' is not a plain file name (left out)"
    )
    assert warning in result.stderr_lines
    assert (gvw.root / "versions" / "1.22.10").is_dir()
    listed = run_ok(gvw, "list-remote", "--mirror", server.url)
    assert listed.stdout.split() == ["1.22.10", "(installed)"]
    assert warning in listed.stderr_lines
    assert cache_files(gvw) == []
    assert index_requests(server) == 2  # fetched again: a bad index is not reused
    # the same mirror fixed: its index is cached again
    (directory / "index.json").unlink()
    write_synthetic_mirror(directory, ["1.21.13", "1.22.10"], [LINUX])
    run_ok(gvw, "list-remote", "--mirror", server.url)
    run_ok(gvw, "list-remote", "--mirror", server.url)
    assert index_requests(server) == 3 and len(cache_files(gvw)) == 1


def test_a_release_only_listed_in_a_bad_entry_of_another_platform_is_no_such_release(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = mirror_dir(tmp_path)
    damage_index(directory, "1.22.10", os="windows", filename="..\\evil.zip")
    result = gvw.run("install", "--mirror", directory.as_uri(), "1.22.10")
    assert result.returncode == 7, result.stderr
    assert any("'..\\\\evil.zip' is not a plain file name" in line for line in result.stderr_lines)


# --- the plain-http notice ----------------------------------------------------------------

NOTICE = "is plain http: downloads can be altered; prefer https"


def test_quiet_silences_the_plain_http_notice(gvw: GvwEnv, mirror_factory, tmp_path: Path) -> None:
    server = mirror_factory(mirror_dir(tmp_path))
    result = run_ok(gvw, "install", "--quiet", "--mirror", server.url, "1.22.10")
    assert result.stderr == "" and result.stdout == ""
    as_json = run_ok(gvw, "install", "--json", "--refresh", "--mirror", server.url, "1.21.13")
    assert as_json.stderr == ""


def test_the_plain_http_notice_is_said_once_per_use_of_the_mirror(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = mirror_factory(mirror_dir(tmp_path))
    fetched = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert sum(NOTICE in line for line in fetched.stderr_lines) == 1  # index and archive
    # index from the cache, nothing downloaded: the mirror is not used, nothing to say
    cached = run_ok(gvw, "install", "--mirror", server.url, "1.22")
    assert NOTICE not in cached.stderr
    assert NOTICE not in run_ok(gvw, "list-remote", "--mirror", server.url).stderr
    # index from the cache, the archive over plain http: said once
    download = run_ok(gvw, "install", "--mirror", server.url, "1.21.13")
    assert [line for line in download.stderr_lines if NOTICE in line] == [
        f"gvw: warning: mirror {server.url} {NOTICE}"
    ]
    assert index_requests(server) == 1


# --- concurrency ----------------------------------------------------------------------------


def test_sixteen_concurrent_installs_fetch_the_index_once(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = mirror_factory(mirror_dir(tmp_path))
    server.delay("/dl/", 1.0)  # the first fetch is still running when the others ask
    server.delay(ARCHIVE, 1.0)
    processes = [gvw.popen("install", "--mirror", server.url, "1.22") for _ in range(16)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * 16, outputs
    assert index_requests(server) == 1
    assert server.count(ARCHIVE) == 1
    assert sum("Installed Go 1.22.10" in out for out, _ in outputs) == 1


def test_stores_sharing_a_cache_fetch_the_index_once(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    # the index lock lives in the cache with the index, not in each store
    server = mirror_factory(mirror_dir(tmp_path))
    server.delay("/dl/", 1.0)  # the first fetch is still running when the others ask
    stores = [gvw]
    for name in ("second", "third", "fourth"):
        (tmp_path / name).mkdir()
        stores.append(GvwEnv(tmp_path / name, extra_env={"GVW_CACHE_DIR": str(gvw.cache)}))
    processes = [store.popen("list-remote", "--mirror", server.url) for store in stores]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, outputs
    assert {out for out, _ in outputs} == {"1.22.10\n1.21.13\n"}
    assert index_requests(server) == 1
    assert (gvw.cache / ".locks").is_dir()
    assert not any((store.root / ".locks").glob("index-*")
                   for store in stores if (store.root / ".locks").exists())  # fmt: skip


def test_a_cache_this_user_cannot_write_still_serves_the_index(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, tmpfs: MountTmpfs
) -> None:
    # (another user's or a read-only cache): nothing is cached, so no lock is needed
    server = mirror_factory(mirror_dir(tmp_path))
    cache = tmpfs("cache", "1m")
    subprocess.run(["mount", "-o", "remount,ro", str(cache)], check=True)
    for args in (["list-remote"], ["facts", "--refresh", "--json"]):
        done = gvw.run(*args, "--mirror", server.url, env={"GVW_CACHE_DIR": str(cache)})
        assert done.returncode == 0, done.stderr
        assert "gvw: warning: could not cache the index" in done.stderr
    assert done.stdout.startswith("{")
    assert list(cache.iterdir()) == []


def test_a_refresh_waiting_for_another_fetch_uses_what_it_fetched(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    server = mirror_factory(mirror_dir(tmp_path))
    server.delay("/dl/", 1.0)
    processes = [gvw.popen("list-remote", "--refresh", "--mirror", server.url) for _ in range(4)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, outputs
    assert {out for out, _ in outputs} == {"1.22.10\n1.21.13\n"}
    assert index_requests(server) == 1
    run_ok(gvw, "list-remote", "--refresh", "--mirror", server.url)
    assert index_requests(server) == 2  # a refresh on its own does fetch again
