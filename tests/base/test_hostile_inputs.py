"""No input file reachable by a user or a mirror produces a traceback, a hang or
unbounded memory (issue 19 item 5): each parser is fed 200 KB of nested brackets, a
file over its size cap, a NUL byte, a FIFO and ``/dev/zero``, through a real gvw
process, and ends in its documented exit code (13 manifest, lock and config; 11 the
download index over file:// and http alike; the damaged-snapshot path for snapshots;
a cache miss for caches) within the time-out (a hang fails the test).

The mechanism is :mod:`gvw.base.bounded`; the limits are listed in docs/security.md.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, Result, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

KINDS = ["nesting", "size", "NUL", "FIFO", "/dev/zero"]
# a TOML key of 30,000 dotted parts (60 KB): tomllib's work grows with their square
TOML_KINDS = [*KINDS, "dotted key"]
DEPTH = 100_000  # 200 KB of brackets
LATER = "29991231-235959-999"  # a snapshot id newer than any real one


def toml_text(kind: str, valid: str, cap: int) -> bytes:
    if kind == "nesting":
        return (valid + "\nx = " + "[" * DEPTH + "]" * DEPTH + "\n").encode()
    if kind == "size":
        return valid.encode() + b"\n" + b"# padding\n" * (cap // 10 + 1)
    if kind == "dotted key":
        return (valid + "\n" + "a" + ".a" * 30_000 + " = 1\n").encode()
    return valid.replace("\n", "\n\0", 1).encode()  # NUL


def json_text(kind: str, valid: str, cap: int) -> bytes:
    if kind == "nesting":
        return ("[" * DEPTH + "]" * DEPTH).encode()
    if kind == "size":
        return valid.encode() + b" " * (cap + 1)
    return valid.replace(",", ",\0", 1).encode()  # NUL


def place(path: Path, kind: str, content: Callable[[str], bytes]) -> None:
    """Put the hostile input of ``kind`` at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "FIFO":
        os.mkfifo(path)  # opening it to read blocks until a writer comes: none will
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")  # never ends
    else:
        path.write_bytes(content(kind))


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr, result.stderr


@pytest.fixture
def store(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), GOPATH=str(tmp_path / "gopath"))
    return gvw


MANIFEST = '[go]\nversions = ["1.22.10"]\n'


@pytest.mark.parametrize("kind", TOML_KINDS)
def test_a_manifest(gvw: GvwEnv, tmp_path: Path, kind: str) -> None:
    manifest = tmp_path / "fleet.toml"
    place(manifest, kind, lambda k: toml_text(k, MANIFEST, 1 << 20))
    result = gvw.run("apply", str(manifest), "--check", timeout=60)
    no_traceback(result)
    assert result.returncode == 13
    assert result.error_lines[0].startswith(f"gvw: the manifest {manifest} "), result.stderr
    assert gvw.store_listing() == []


@pytest.mark.parametrize("kind", TOML_KINDS)
def test_a_lock_file(gvw: GvwEnv, tmp_path: Path, kind: str) -> None:
    manifest = tmp_path / "fleet.toml"
    manifest.write_text(MANIFEST + 'lock = "fleet.lock.toml"\n')
    lock = tmp_path / "fleet.lock.toml"
    valid = 'lock_version = 1\nmanifest = "fleet.toml"\n[specs]\n"1.22.10" = "1.22.10"\n'
    place(lock, kind, lambda k: toml_text(k, valid, 1 << 20))
    result = gvw.run("apply", str(manifest), "--check", timeout=60)
    no_traceback(result)
    assert result.returncode == 13
    if kind == "/dev/zero":  # a link out of the manifest's directory: refused before reading
        assert result.error_lines[0].endswith("(a link leads elsewhere)"), result.stderr
    else:
        assert result.error_lines[0].startswith(f"gvw: the lock file {lock}: "), result.stderr


@pytest.mark.parametrize("kind", TOML_KINDS)
def test_the_config_file(gvw: GvwEnv, kind: str) -> None:
    place(gvw.config, kind, lambda k: toml_text(k, "snapshot_keep = 10\n", 1 << 20))
    result = gvw.run("rehash", timeout=60)
    no_traceback(result)
    assert result.returncode == 13
    assert result.error_lines[0].startswith(f"gvw: config file {gvw.config} "), result.stderr


def index_text(kind: str) -> bytes:
    return json_text(kind, '[{"version": "go1.22.10", "stable": true, "files": []}]', 8 << 20)


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_mirror_index(gvw: GvwEnv, tmp_path: Path, kind: str) -> None:
    place(tmp_path / "mirror" / "index.json", kind, index_text)
    result = gvw.run("list-remote", env={"GVW_MIRROR": (tmp_path / "mirror").as_uri()}, timeout=60)
    no_traceback(result)
    assert result.returncode == 11, result.stderr
    assert result.error_lines[0].startswith("gvw: the download index"), result.stderr


@pytest.mark.parametrize("kind", ["nesting", "size", "NUL"])
def test_an_http_mirror_index(
    gvw: GvwEnv, tmp_path: Path, mirror_factory: Callable[[Path], MirrorServer], kind: str
) -> None:
    place(tmp_path / "mirror" / "index.json", kind, index_text)
    server = mirror_factory(tmp_path / "mirror")
    result = gvw.run("list-remote", env={"GVW_MIRROR": server.url}, timeout=60)
    no_traceback(result)
    assert result.returncode == 11, result.stderr  # as over file://
    assert result.error_lines[0].startswith("gvw: the download index"), result.stderr
    assert not list((gvw.cache).rglob("*.json"))  # a refused index is never cached


def sealed(body: bytes) -> bytes:
    """A snapshot file resealed by a determined hand: its checksum line matches."""
    seal = b"# gvw snapshot; sha256 of the lines below: "
    return seal + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def snapshot_text(kind: str) -> bytes:
    valid = f'format = 1\nid = "{LATER}"\ncommand = "global 1.22.10"\n'
    return sealed(toml_text(kind, valid, 16 << 20))


@pytest.mark.parametrize("kind", TOML_KINDS)
def test_a_snapshot(store: GvwEnv, kind: str) -> None:
    run_ok(store, "install", "1.21.13")
    place(store.root / "snapshots" / f"{LATER}.toml", kind, snapshot_text)
    listed = store.run("snapshots", timeout=120)
    no_traceback(listed)
    assert listed.returncode == 0
    assert listed.stderr_lines[0].startswith(f"gvw: warning: snapshot {LATER}.toml is damaged: ")
    undone = store.run("rollback", timeout=120)
    no_traceback(undone)
    assert undone.returncode == 15
    assert undone.error_lines[0].startswith(f"gvw: snapshot {LATER}.toml is damaged: ")


@pytest.mark.parametrize("kind", KINDS)
def test_the_tools_cache_is_a_cache_miss(store: GvwEnv, tmp_path: Path, kind: str) -> None:
    tool = tmp_path / "gopath" / "bin" / "hello"
    tool.parent.mkdir(parents=True)
    tool.write_bytes(b"#!/bin/sh\necho hello\n")
    run_ok(store, "install", "1.21.13")  # writes the cache
    valid = (store.root / "snapshots" / "tools-cache.json").read_text()
    place(
        store.root / "snapshots" / "tools-cache.json",
        kind,
        lambda k: json_text(k, valid, 16 << 20),
    )
    for version in ("1.22.10", "1.21.13"):  # every later command works as before
        done = store.run("install", version, timeout=120)
        no_traceback(done)
        assert done.returncode == 0, done.stderr
        done = store.run("uninstall", version, timeout=120)
        assert done.returncode in (0, 14), done.stderr
    newest = max((store.root / "snapshots").glob("*.toml"))
    assert "hello" in newest.read_text()  # the program examined afresh


@pytest.mark.parametrize("kind", KINDS)
def test_install_metadata_and_the_tree_manifest(store: GvwEnv, kind: str) -> None:
    run_ok(store, "install", "1.22.10")
    tree = store.root / "versions" / "1.22.10"
    valid = (tree / "gvw-install.toml").read_text()
    place(tree / "gvw-install.toml", kind, lambda k: toml_text(k, valid, 64 << 10))
    for args in (["list"], ["facts", "--json"], ["current"]):
        done = store.run(*args, timeout=60)
        no_traceback(done)
        assert done.returncode in (0, 5), done.stderr
    manifest = (tree / "gvw-manifest.json").read_text()
    place(tree / "gvw-manifest.json", kind, lambda k: json_text(k, manifest, 32 << 20))
    verified = store.run("verify", "1.22.10", timeout=60)
    no_traceback(verified)
    assert verified.returncode == 12, verified.stderr
    damaged = f"gvw: the manifest {tree / 'gvw-manifest.json'} "
    assert [line for line in verified.error_lines if line.startswith(damaged)], verified.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_the_go_env_file_is_read_as_go_reads_an_unreadable_one(
    store: GvwEnv, tmp_path: Path, kind: str
) -> None:
    env_file = tmp_path / "goenv"
    place(env_file, kind, lambda k: toml_text(k, "GOBIN=/somewhere\n", 1 << 20))
    store.extra_env["GOENV"] = str(env_file)
    for args in (["tools", "--json"], ["install", "1.22.10"], ["doctor"]):
        done = store.run(*args, timeout=120)
        no_traceback(done)
        assert done.returncode in (0, 16), done.stderr


@pytest.mark.parametrize("kind", ["nesting", "NUL"])
def test_an_audit_log_line_is_shown_as_damaged(store: GvwEnv, kind: str) -> None:
    run_ok(store, "install", "1.22.10")
    log = store.root / "log" / "audit.jsonl"
    with log.open("ab") as handle:
        handle.write(json_text(kind, '{"time": "2026-01-01T00:00:00Z", "a": 1}', 0) + b"\n")
    shown = store.run("log", "--json", timeout=60)
    no_traceback(shown)
    assert shown.returncode == 0
    assert "damaged" in json.loads(shown.stdout)[0]


@pytest.mark.parametrize("kind", ["FIFO", "/dev/zero"])
def test_a_checksum_file_beside_a_local_archive(store: GvwEnv, tmp_path: Path, kind: str) -> None:
    archive = tmp_path / "mirror" / "go1.22.10.linux-amd64.tar.gz"
    place(archive.with_name(archive.name + ".sha256"), kind, lambda k: b"")
    done = store.run("install", "--from-file", str(archive), timeout=60)
    no_traceback(done)
    assert done.returncode == 9
    assert done.error_lines[0].startswith(f"gvw: no checksum for {archive}")


@pytest.mark.parametrize("kind", KINDS)
def test_a_pin_gvw_rewrites(store: GvwEnv, tmp_path: Path, kind: str) -> None:
    run_ok(store, "install", "1.22.10")
    project = tmp_path / "project"
    place(project / ".go-version", kind, lambda k: toml_text(k, "1.22.10\n", 1 << 20))
    done = store.run("local", "1.22.10", cwd=project, timeout=60)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert (project / ".go-version").read_text() == "1.22.10\n"


def test_a_long_module_list_is_refused_over_file_urls_as_over_http(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    """A 2.3 MB ``@v/list`` (the newest versions last) was cut at 1 MiB over file://
    while http refused it: both refuse it now, with one message."""
    from tests.support.goproxy_fixtures import TreeServer

    proxy = tmp_path / "proxy"
    listing = proxy / "golang.org" / "toolchain" / "@v" / "list"
    listing.parent.mkdir(parents=True)
    lines = [f"v0.0.1-go1.{m}.{p}.linux-amd64\n" for m in range(100) for p in range(800)]
    listing.write_text("".join(lines))
    assert listing.stat().st_size > 2 << 20
    with TreeServer(proxy) as server:
        results = {
            url: gvw.run(
                "list-remote",
                "--mirror",
                "goproxy",
                env={"GOPROXY": url, "GVW_PLATFORM": "linux-amd64"},
                timeout=60,
            )
            for url in (proxy.as_uri(), server.base_url)
        }
    for url, result in results.items():
        no_traceback(result)
        assert result.returncode == 8, result.stderr
        assert result.error_lines[0] == (
            f"gvw: {url}/golang.org/toolchain/@v/list sent more than 1 MiB; refusing it"
        )


@pytest.mark.parametrize("kind", ["size", "NUL", "FIFO", "/dev/zero"])
@pytest.mark.parametrize("name", ["go.mod", "go.work"])
def test_a_go_mod_or_go_work(gvw: GvwEnv, tmp_path: Path, name: str, kind: str) -> None:
    """A FIFO or a link to /dev/zero counts as the file, as in Go (a name that exists
    and is not a directory): refused, not taken for "no go.mod here"."""
    app = tmp_path / "app"
    app.mkdir()
    if name == "go.work":
        (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    valid = "module example.com/app\n\ngo 1.22\n" if name == "go.mod" else "go 1.22\nuse .\n"
    path = app / name
    place(path, kind, lambda k: toml_text(k, valid, 4 << 20))
    why = {
        "size": "is larger than 4 MiB",
        "NUL": "unexpected input character '\\x00'",
        "FIFO": "is a FIFO, not a regular file",
        "/dev/zero": "is a character device, not a regular file",
    }[kind]
    pinned = gvw.run("local", "--from-go-mod", cwd=app, timeout=60)
    no_traceback(pinned)
    assert pinned.returncode == 13, pinned.stderr
    assert pinned.error_lines[0].startswith(f"gvw: {path}"), pinned.stderr
    assert why in pinned.error_lines[0], pinned.stderr
    assert not (app / ".go-version").exists()
    doctor = gvw.run("doctor", cwd=app, timeout=60)
    no_traceback(doctor)
    assert doctor.returncode == 16, doctor.stdout
    assert why in doctor.stdout and str(path) in doctor.stdout, doctor.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_the_record_of_a_partial_download(
    store: GvwEnv, tmp_path: Path, mirror_factory: Callable[[Path], MirrorServer], kind: str
) -> None:
    """``<name>.part.json`` is read through gvw.base.bounded: nested brackets were an
    uncaught RecursionError and a FIFO hung the install. A record that cannot be read
    says nothing: the partial file is not resumed, the download starts afresh."""
    archive = "go1.22.10.linux-amd64.tar.gz"
    downloads = store.cache / "downloads"
    downloads.mkdir(parents=True)
    (downloads / f"{archive}.part").write_bytes(b"\x1f\x8b not the beginning of it")
    valid = '{"sha256": "", "size": null, "etag": "", "last_modified": ""}'
    place(downloads / f"{archive}.part.json", kind, lambda k: json_text(k, valid, 64 << 10))
    server = mirror_factory(tmp_path / "mirror")
    done = store.run("install", "1.22.10", "--mirror", server.url, timeout=120)
    no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "resuming" not in done.stderr
    assert (store.root / "versions" / "1.22.10" / "bin" / "go").exists()
