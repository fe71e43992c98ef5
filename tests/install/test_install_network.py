"""Networks as they are: dropped connections, servers without Range support, endless
bodies, TLS through the system's trust store, proxies. Real servers on 127.0.0.1, gvw
as a separate process."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from gvw.base.proxies import proxy_for
from tests.install.install_helpers import ARCHIVE, LINUX, partial_downloads
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import (
    Member,
    add_archive,
    synthetic_members,
    tar_gz_bytes,
    write_synthetic_mirror,
)
from tests.support.mirror_server import MirrorServer, wait_for
from tests.support.proxy_server import ProxyServer
from tests.support.tls import CERT_VARIABLES, make_ca, trusted_by_the_system

MB = 1_000_000


def big_mirror(directory: Path, megabytes: int = 4) -> int:
    """A mirror whose 1.22.10 archive is ``megabytes`` of incompressible data; its size."""
    members = [
        *synthetic_members("1.22.10", LINUX),
        Member("go/src/big.bin", os.urandom(megabytes * MB)),
    ]
    data = tar_gz_bytes(members)
    add_archive(directory, "1.22.10", LINUX, data)
    return len(data)


def archive_ranges(server: MirrorServer) -> list[str | None]:
    return [r.headers.get("Range") for r in server.requests if r.path.endswith(ARCHIVE)]


def installed(gvw: GvwEnv) -> bool:
    return (gvw.root / "versions" / "1.22.10" / "bin" / "go").is_file()


def intact(gvw: GvwEnv) -> bool:
    """Every file of the installed tree matches its manifest (what gvw verify checks
    first; the synthetic go cannot build anything)."""
    from gvw.install.tree_manifest import check_tree, read_manifest

    tree = gvw.root / "versions" / "1.22.10"
    files = read_manifest(tree)
    return files is not None and "src/big.bin" in files and check_tree(tree, files).ok


# --- retries and resume -------------------------------------------------------------------


def test_a_connection_dropped_once_mid_body_is_resumed_where_it_stopped(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    size = big_mirror(tmp_path / "mirror")
    server = mirror_factory(tmp_path / "mirror")
    server.truncate(ARCHIVE, after_bytes=1_500_000, times=1)
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    assert archive_ranges(server) == [None, "bytes=1500000-"]
    assert server.sent(ARCHIVE) == size  # every byte once
    assert (
        f"gvw: warning: the transfer from {server.url}{ARCHIVE} was cut short (the connection "
        f"closed before the end of the file) at 1.5 MB of {size / MB:.1f} MB; trying again now"
    ) in result.stderr_lines
    assert installed(gvw)
    assert partial_downloads(gvw.cache) == []
    assert intact(gvw)


def test_a_connection_dropped_every_time_completes_having_fetched_the_archive_once(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    size = big_mirror(tmp_path / "mirror")
    server = mirror_factory(tmp_path / "mirror")
    server.truncate(ARCHIVE, after_bytes=1_200_000)  # every answer, ranges too
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    starts = [0, 1_200_000, 2_400_000, 3_600_000]
    assert archive_ranges(server) == [None] + [f"bytes={s}-" for s in starts[1:]]
    assert server.sent(ARCHIVE) == size < 2 * size
    assert sum("trying again now" in line for line in result.stderr_lines) == 3
    assert installed(gvw)


def test_a_server_without_range_support_restarts_cleanly(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    size = big_mirror(tmp_path / "mirror")
    server = MirrorServer(tmp_path / "mirror", ranges=False).start()
    try:
        server.truncate(ARCHIVE, after_bytes=1_500_000, times=1)
        run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
        # it asked for the rest, got the whole file again, and skipped what it had
        assert archive_ranges(server) == [None, "bytes=1500000-"]
        assert server.sent(ARCHIVE) == size + 1_500_000
        assert installed(gvw)
        assert intact(gvw)
    finally:
        server.stop()


def test_a_killed_download_resumes_in_the_next_run_also_from_a_server_without_ranges(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    big_mirror(tmp_path / "mirror")
    server = MirrorServer(tmp_path / "mirror", ranges=False).start()
    try:
        server.stall(ARCHIVE, after_bytes=2_000_000, times=1)
        process = gvw.popen("install", "--mirror", server.url, "1.22.10")
        part = gvw.cache / "downloads" / f"{ARCHIVE}.part"
        assert wait_for(lambda: part.exists() and part.stat().st_size == 2_000_000, 60)
        process.send_signal(signal.SIGKILL)
        process.wait()
        result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
        assert f"gvw: resuming the download of {ARCHIVE} at 2.0 MB" in result.stderr_lines
        # no Range support: the beginning came again, was compared and skipped
        assert archive_ranges(server) == [None, "bytes=2000000-"]
        assert installed(gvw)
        assert intact(gvw)
        assert partial_downloads(gvw.cache) == []
    finally:
        server.stop()


def test_an_index_answering_5xx_is_retried_and_each_retry_is_said(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], [LINUX])
    server = mirror_factory(tmp_path / "mirror")
    server.fail("/dl/", 503, times=2)
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    index = f"{server.url}?mode=json&include=all"
    assert [line for line in result.stderr_lines if "retrying" in line] == [
        f"gvw: warning: {index} answered HTTP 503 Service Unavailable; "
        "retrying in 1 s (retry 1 of 3)",
        f"gvw: warning: {index} answered HTTP 503 Service Unavailable; "
        "retrying in 2 s (retry 2 of 3)",
    ]
    assert installed(gvw)


def test_another_store_sharing_the_cache_waits_for_the_same_download(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], [LINUX])
    server = mirror_factory(tmp_path / "mirror")
    server.stall(ARCHIVE, after_bytes=300, seconds=2, times=1)
    (tmp_path / "other").mkdir()
    other = GvwEnv(tmp_path / "other", extra_env={"GVW_CACHE_DIR": str(gvw.cache)})
    first = gvw.popen("install", "--mirror", server.url, "1.22.10")
    assert wait_for(lambda: server.count(ARCHIVE) == 1, 30)
    second = other.run("install", "--mirror", server.url, "1.22.10")
    assert second.returncode == 0, second.stderr
    # the waiting line names the command that holds the download and the lock it waits on
    waiting = [line for line in second.stderr_lines if line.startswith("gvw: waiting for")]
    assert len(waiting) == 1, second.stderr
    assert waiting[0].startswith(f"gvw: waiting for gvw install --mirror {server.url} 1.22.10 (")
    assert f"{ARCHIVE}.lock; will wait up to 30 min" in waiting[0]
    assert first.wait(60) == 0
    assert installed(gvw) and installed(other)


# --- endless archives (issue 19 item 4) ----------------------------------------------------


def test_an_endless_archive_stops_at_the_size_the_index_promised(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    size = big_mirror(tmp_path / "mirror", megabytes=2)
    server = mirror_factory(tmp_path / "mirror")
    server.endless(ARCHIVE)
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 9, result.stderr
    assert result.error_lines[-2] == (
        f"gvw: {server.url}{ARCHIVE} holds more than the {size:,} bytes the index or lock "
        "promises; nothing was installed"
    )
    assert server.sent(ARCHIVE) < size + 20 * MB  # what the sockets' buffers held, no more
    assert gvw.store_listing() in ([], [".staging"])
    assert partial_downloads(gvw.cache) == []


def test_an_endless_archive_with_no_promised_size_stops_at_the_cap(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], [LINUX])
    index = json.loads((directory / "index.json").read_text())
    for release in index:
        for entry in release["files"]:
            del entry["size"]  # a third-party index may leave it out
    (directory / "index.json").write_text(json.dumps(index))
    server = mirror_factory(directory)
    server.endless(ARCHIVE, b"not a gzip stream ")
    result = gvw.run("install", "--mirror", server.url, "1.22.10")
    assert result.returncode == 10, result.stderr
    assert result.error_lines[-2] == (
        f"gvw: {server.url}{ARCHIVE} is larger than 500 MiB, far larger than any Go release "
        "archive, and no index or lock says how large it should be; refusing it"
    )
    assert 500 * 2**20 <= server.sent(ARCHIVE) < 520 * 2**20
    assert partial_downloads(gvw.cache) == []  # nothing written: the archive was refused


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo"])
def test_a_file_mirror_archive_that_is_a_device_or_fifo_is_refused_without_reading(
    gvw: GvwEnv, tmp_path: Path, kind: str
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], [LINUX])
    (directory / ARCHIVE).unlink()
    if kind == "fifo":
        os.mkfifo(directory / ARCHIVE)  # nothing ever writes: reading would hang
    else:
        (directory / ARCHIVE).symlink_to(kind)
    result = gvw.run("install", "--mirror", directory.as_uri(), "1.22.10", timeout=60)
    assert result.returncode == 10, result.stderr
    what = "a FIFO" if kind == "fifo" else "a character device"
    assert result.error_lines[-2] == (
        f"gvw: {directory / ARCHIVE} is {what}, not a regular file: "
        "refusing to read it as an archive"
    )
    assert gvw.store_listing() in ([], [".staging"])


def test_a_file_mirror_archive_longer_than_promised_is_refused_at_that_size(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], [LINUX])
    size = (directory / ARCHIVE).stat().st_size
    with open(directory / ARCHIVE, "r+b") as handle:
        handle.truncate(size + (1 << 40))  # a sparse terabyte after the real archive
    result = gvw.run("install", "--mirror", directory.as_uri(), "1.22.10", timeout=60)
    assert result.returncode == 9, result.stderr
    assert result.error_lines[-2] == (
        f"gvw: {directory / ARCHIVE} holds more than the {size:,} bytes the index or lock "
        "promises; nothing was installed"
    )


# --- TLS and proxies ----------------------------------------------------------------------


def https_mirror(tmp_path: Path, *names: str) -> tuple[MirrorServer, Path]:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], [LINUX])
    ca, context = make_ca(tmp_path, *names)
    server = MirrorServer(tmp_path / "mirror", ssl_context=context, host=names[0]).start()
    return server, ca


def without_cert_settings(gvw: GvwEnv) -> dict[str, str]:
    """The test's environment with no SSL_CERT_* (this machine sets them): the system
    store is then what OpenSSL, and truststore, read."""
    env = gvw.env()
    for name in CERT_VARIABLES:
        env.pop(name, None)
    return env


def test_an_https_mirror_whose_ca_is_only_in_the_system_store_is_trusted(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    server, ca = https_mirror(tmp_path, "127.0.0.1")
    try:
        import subprocess

        def install() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                gvw.command("install", "--mirror", server.url, "1.22.10"),
                env=without_cert_settings(gvw),
                cwd=gvw.base,
                capture_output=True,
                text=True,
                timeout=120,
            )

        refused = install()
        assert refused.returncode == 8, refused.stderr
        lines = refused.stderr.splitlines()
        assert lines[-2].startswith(
            f"gvw: cannot verify the TLS certificate of 127.0.0.1:{server.port} "
            f"({server.url}?mode=json&include=all): "
        )
        assert lines[-2].endswith("; gvw trusts the system's certificate store")
        assert lines[-1].startswith("gvw: if a proxy or your company re-signs TLS, add its CA")
        assert "SSL_CERT_FILE" in lines[-1]
        with trusted_by_the_system(ca):
            done = install()
        assert done.returncode == 0, done.stderr
        assert installed(gvw)
    finally:
        server.stop()


def test_ssl_cert_file_names_the_certificates_to_trust(gvw: GvwEnv, tmp_path: Path) -> None:
    server, ca = https_mirror(tmp_path, "127.0.0.1")
    try:
        run_ok(gvw, "install", "--mirror", server.url, "1.22.10", env={"SSL_CERT_FILE": str(ca)})
        assert installed(gvw)
    finally:
        server.stop()


def test_https_proxy_carries_an_https_mirror_through_a_tunnel(gvw: GvwEnv, tmp_path: Path) -> None:
    # mirror.gvw.test resolves nowhere: only the proxy knows where it is
    server, ca = https_mirror(tmp_path, "mirror.gvw.test")
    try:
        with ProxyServer({"mirror.gvw.test": server.port}, credentials="alice:s3cret") as proxy:
            env = {
                "SSL_CERT_FILE": str(ca),
                "HTTPS_PROXY": f"http://alice:s3cret@127.0.0.1:{proxy.port}",
            }
            run_ok(gvw, "install", "--mirror", server.url, "1.22.10", env=env)
            assert {r.method for r in proxy.requests} == {"CONNECT"}
            assert {r.target for r in proxy.requests} == {f"mirror.gvw.test:{server.port}"}
            assert {r.authorization for r in proxy.requests} == {"Basic YWxpY2U6czNjcmV0"}
        assert installed(gvw)
    finally:
        server.stop()


def test_http_proxy_carries_a_plain_http_mirror_and_no_proxy_bypasses_it(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], [LINUX])
    server = MirrorServer(tmp_path / "mirror", host="mirror.gvw.test").start()
    try:
        with ProxyServer({"mirror.gvw.test": server.port}) as proxy:
            env = {"HTTP_PROXY": f"127.0.0.1:{proxy.port}"}  # no scheme: http://, as Go
            bypassed = gvw.run(
                "install", "--mirror", server.url, "1.22.10", env={**env, "NO_PROXY": ".gvw.test"}
            )
            assert bypassed.returncode == 8
            assert bypassed.error_lines[-2].startswith(
                f"gvw: cannot find mirror.gvw.test:{server.port}"
            )
            assert proxy.requests == []
            run_ok(gvw, "install", "--mirror", server.url, "1.22.10", env=env)
            assert {r.method for r in proxy.requests} == {"GET"}
            assert f"{server.url}{ARCHIVE}" in {r.target for r in proxy.requests}
        assert installed(gvw)
    finally:
        server.stop()


def test_a_proxy_that_refuses_the_credentials_is_named_and_they_are_not_shown(
    gvw: GvwEnv, tmp_path: Path
) -> None:
    server, ca = https_mirror(tmp_path, "mirror.gvw.test")
    try:
        with ProxyServer({"mirror.gvw.test": server.port}, credentials="alice:right") as proxy:
            port = proxy.port
            env = {
                "SSL_CERT_FILE": str(ca),
                "HTTPS_PROXY": f"http://alice:wrong@127.0.0.1:{port}",
            }
            result = gvw.run("install", "--mirror", server.url, "1.22.10", env=env)
        assert result.returncode == 8
        assert result.error_lines[-2].startswith(
            f"gvw: the proxy 127.0.0.1:{port} (HTTPS_PROXY) refused to connect to "
            f"mirror.gvw.test:{server.port}"
        )
        assert "407" in result.error_lines[-2]
        assert "wrong" not in result.stderr
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("https://go.dev/dl/", {"HTTPS_PROXY": "proxy:3128"}, "proxy:3128"),
        ("https://go.dev/dl/", {"https_proxy": "http://low:1", "HTTPS_PROXY": "up:2"}, "up:2"),
        ("https://go.dev/dl/", {"HTTP_PROXY": "proxy:3128"}, None),
        ("http://m.corp/dl/", {"HTTP_PROXY": "proxy:3128"}, "proxy:3128"),
        ("http://m.corp/dl/", {"HTTP_PROXY": "proxy", "REQUEST_METHOD": "GET"}, None),
        ("https://localhost/dl/", {"HTTPS_PROXY": "proxy:1"}, None),
        ("https://127.0.0.5/dl/", {"HTTPS_PROXY": "proxy:1"}, None),
        ("https://[::1]/dl/", {"HTTPS_PROXY": "proxy:1"}, None),
        ("https://a.corp.example/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "corp.example"}, None),
        ("https://corp.example/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "corp.example"}, None),
        ("https://corp.example/", {"HTTPS_PROXY": "p:1", "NO_PROXY": ".corp.example"}, "p:1"),
        ("https://a.corp.example/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "*.corp.example"}, None),
        ("https://xcorp.example/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "corp.example"}, "p:1"),
        ("https://m.corp:8443/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "m.corp:8443"}, None),
        ("https://m.corp/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "m.corp:8443"}, "p:1"),
        ("https://10.1.2.3/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://11.1.2.3/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "10.0.0.0/8"}, "p:1"),
        ("https://10.1.2.3/", {"HTTPS_PROXY": "p:1", "no_proxy": "10.1.2.3"}, None),
        ("https://go.dev/", {"HTTPS_PROXY": "p:1", "NO_PROXY": "*"}, None),
    ],
)
def test_the_proxy_is_chosen_by_gos_rules(url: str, env: dict[str, str], expected: str | None):
    proxy = proxy_for(url, env)
    assert (proxy.address if proxy else None) == expected


def test_a_partial_download_that_was_complete_is_used_when_the_server_has_nothing_more(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    # an index without sizes: only the server can tell that the bytes on disk are all
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.22.10"], [LINUX])
    index = json.loads((directory / "index.json").read_text())
    for release in index:
        for entry in release["files"]:
            del entry["size"]
            sha256 = entry["sha256"]
    (directory / "index.json").write_text(json.dumps(index))
    downloads = gvw.cache / "downloads"
    downloads.mkdir(parents=True)
    (downloads / f"{ARCHIVE}.part").write_bytes((directory / ARCHIVE).read_bytes())
    meta = {"sha256": sha256, "size": None, "etag": "", "last_modified": ""}
    (downloads / f"{ARCHIVE}.part.json").write_text(json.dumps(meta))
    server = mirror_factory(directory)
    result = run_ok(gvw, "install", "--mirror", server.url, "1.22.10")
    size = (directory / ARCHIVE).stat().st_size
    assert f"gvw: resuming the download of {ARCHIVE} at {size:,} bytes" in result.stderr_lines
    assert archive_ranges(server) == [f"bytes={size}-"]  # answered 416: nothing more
    assert server.sent(ARCHIVE) == 0
    assert installed(gvw)
    assert partial_downloads(gvw.cache) == []
