"""A forward HTTP proxy on 127.0.0.1, as corporate networks have: ``CONNECT`` tunnels
for https and absolute-URI requests for plain http, with optional Basic
authentication, and a table of host names it knows (so a test can name a mirror
``mirror.gvw.test``, a name only the proxy can reach: a request that arrives proves it
went through the proxy).
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ProxyRequest:
    method: str
    target: str  # "host:port" for CONNECT, the absolute URL otherwise
    authorization: str | None  # the Proxy-Authorization header


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: ProxyServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _allowed(self) -> bool:
        proxy = self.server.proxy
        header = self.headers.get("Proxy-Authorization")
        proxy._log(ProxyRequest(self.command, self.path, header))
        if proxy.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(proxy.credentials.encode()).decode()
        if header == expected:
            return True
        self.send_response(407, "Proxy Authentication Required")
        self.send_header("Proxy-Authenticate", 'Basic realm="gvw-test"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_CONNECT(self) -> None:
        if not self._allowed():
            return
        host, _, port = self.path.rpartition(":")
        address = self.server.proxy.resolve(host, int(port))
        try:
            upstream = socket.create_connection(address, timeout=10)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        _pipe(self.connection, upstream)

    def do_GET(self) -> None:
        if not self._allowed():
            return
        target = urlsplit(self.path)
        if not target.scheme:
            self.send_error(400, "a proxy wants an absolute URL")
            return
        address = self.server.proxy.resolve(target.hostname or "", target.port or 80)
        path = target.path + (f"?{target.query}" if target.query else "")
        headers = "".join(
            f"{name}: {value}\r\n"
            for name, value in self.headers.items()
            if name.lower() not in ("proxy-authorization", "connection")
        )
        try:
            upstream = socket.create_connection(address, timeout=10)
        except OSError:
            self.send_error(502)
            return
        upstream.sendall(f"GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n".encode())
        self.close_connection = True
        _pipe(self.connection, upstream)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy both ways until either side closes."""
    sockets = [client, upstream]
    try:
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(1 << 16)
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
    except OSError:
        return
    finally:
        upstream.close()


class ProxyServer:
    """``hosts`` maps names to ports on 127.0.0.1; other names are refused (502)."""

    def __init__(self, hosts: Mapping[str, int], *, credentials: str | None = None) -> None:
        self.hosts = dict(hosts)
        self.credentials = credentials  # "user:password" to require, or None
        self.requests: list[ProxyRequest] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        if host in self.hosts:
            return ("127.0.0.1", self.hosts[host])
        if host == "127.0.0.1":
            return (host, port)
        return ("192.0.2.1", 9)  # TEST-NET: never answers

    def _log(self, request: ProxyRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ProxyServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.proxy = self
        self._httpd = httpd
        threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            with contextlib.suppress(OSError):
                self._httpd.server_close()
            self._httpd = None
