"""A real HTTP server on 127.0.0.1 that serves a go.dev/dl-compatible mirror directory.

Routes (``server.url`` is ``http://127.0.0.1:PORT/dl/``):

- ``GET /dl/?mode=json&include=all``: the directory's ``index.json`` (without
  ``include=all`` only stable releases, as go.dev; without ``mode=json`` an HTML page).
- ``GET /dl/<filename>``: a file of the directory, streamed with Content-Length, an
  ETag and Last-Modified; ``Range: bytes=N-`` (with ``If-Range``) is answered with 206
  and the rest, unless the server was made with ``ranges=False`` (then 200, the whole
  file, as servers without Range support do).
- ``GET /cdn/<filename>``: the same files, the default target of :meth:`redirect`
  (go.dev redirects downloads to another host).
- ``GET /<prefix>/<path>``: files of the ``trees`` given, sub-directories included
  (a vulnerability database: ``/vuln/index/db.json``, ``/vuln/ID/GO-2025-4175.json``).
- ``HEAD`` on all of them.

Faults are injected per path (``"go1.22.10.linux-amd64.tar.gz"`` means
``/dl/go1.22.10.linux-amd64.tar.gz``; a path starting with ``/`` is taken as is;
:data:`INDEX_PATH` is the index). Each path has a queue: a request takes the first
fault; a fault with ``times=N`` is used for N requests, one with ``times=None`` for all
of them. So ``fail(p, 500, times=1)`` then a normal response is a retry test. Faults
apply to the body actually sent (a truncation of a 206 counts from its first byte).
Every delay and stall ends as soon as the server stops, so no test can hang on it.

``sent(path)`` is how many body bytes were sent for a path (what a resumed download
cost). With ``ssl_context`` the server speaks https (``url`` uses ``host``, which a
test may route to 127.0.0.1 through a proxy).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlsplit

INDEX_PATH = "/dl/"
_PREFIXES = ("/dl/", "/cdn/")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # unquoted URL path, e.g. "/dl/go1.22.10.linux-amd64.tar.gz"
    query: str  # raw query string, e.g. "mode=json&include=all"
    headers: Mapping[str, str]


@dataclass
class Fault:
    """One scripted misbehaviour; unset fields mean "as normal"."""

    status: int | None = None
    body: bytes | None = None  # replaces the normal body
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    stall_after: int | None = None  # body bytes sent before stalling
    stall_for: float | None = None  # None: until the server stops
    truncate_after: int | None = None  # body bytes sent before closing
    endless: bytes | None = None  # a body of this pattern repeated for ever, no length
    times: int | None = None  # None: every request


@dataclass
class _Response:
    status: int
    content_type: str
    length: int
    body: bytes | None = None
    file: Path | None = None
    start: int = 0  # the first byte of the file sent (a Range request)
    headers: dict[str, str] = field(default_factory=dict)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    mirror: MirrorServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-response are normal here (time-out tests); stay quiet.
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, (ConnectionError, socket.timeout)):
            self.mirror.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gvw's client expects
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read the request log instead

    def setup(self) -> None:
        super().setup()
        self.server.mirror._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.mirror._track(self.connection, False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        mirror = self.server.mirror
        split = urlsplit(self.path)
        path = unquote(split.path)
        mirror._log(RequestRecord(self.command, path, split.query, dict(self.headers.items())))
        fault = mirror._take_fault(path)
        if fault is not None and fault.delay > 0 and mirror._wait(fault.delay):
            self.close_connection = True
            return
        response = self._response(path, split.query, fault)
        try:
            self._send(response, fault, send_body, path)
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True

    def _response(self, path: str, query: str, fault: Fault | None) -> _Response:
        mirror = self.server.mirror
        response = mirror._route(path, query)
        if response.file is not None and mirror.ranges:
            _apply_range(response, self.headers.get("Range"), self.headers.get("If-Range"))
        if fault is None:
            return response
        if fault.status is not None:
            response.status = fault.status
            if fault.body is None and fault.status >= 300:
                response.file = None
                reason = self.responses.get(fault.status, ("",))[0]
                response.body = f"{fault.status} {reason}\n".encode()
                response.content_type = "text/plain; charset=utf-8"
        if fault.body is not None:
            response.file, response.body = None, fault.body
        if response.body is not None:
            response.length = len(response.body)
        if fault.content_type is not None:
            response.content_type = fault.content_type
        response.headers.update(fault.headers)
        return response

    def _send(self, response: _Response, fault: Fault | None, send_body: bool, path: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        endless = fault.endless if fault is not None else None
        if endless is None:
            self.send_header("Content-Length", str(response.length))
        else:
            self.send_header("Connection", "close")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not send_body:
            return
        if endless is not None:
            self._send_endless(endless, path)
            return
        stall_after = fault.stall_after if fault is not None else None
        truncate_after = fault.truncate_after if fault is not None else None
        sent = 0
        for chunk in self._chunks(response):
            for piece in self._split(chunk, sent, stall_after, truncate_after):
                if truncate_after is not None and sent >= truncate_after:
                    self._hang_up()
                    return
                if stall_after is not None and sent == stall_after:
                    self.wfile.flush()
                    assert fault is not None
                    if self.server.mirror._wait(fault.stall_for):
                        self._hang_up()  # the server stops: end the stall now
                        return
                    stall_after = None
                self.wfile.write(piece)
                sent += len(piece)
                self.server.mirror._count_sent(path, len(piece))
        self.wfile.flush()

    def _send_endless(self, pattern: bytes, path: str) -> None:
        """Send ``pattern`` until the client hangs up or the server stops."""
        self.close_connection = True
        block = pattern * max(1, CHUNK // max(1, len(pattern)))
        mirror = self.server.mirror
        while not mirror._stopping.is_set():
            self.wfile.write(block)
            mirror._count_sent(path, len(block))

    @staticmethod
    def _split(chunk: bytes, sent: int, *cuts: int | None) -> Iterator[bytes]:
        """Cut a chunk at the byte offsets where a stall or truncation starts."""
        start = 0
        inside = [c - sent for c in cuts if c is not None and sent < c < sent + len(chunk)]
        for cut in sorted(inside):
            yield chunk[start:cut]
            start = cut
        yield chunk[start:]

    @staticmethod
    def _chunks(response: _Response) -> Iterator[bytes]:
        if response.body is not None:
            for i in range(0, len(response.body), CHUNK):
                yield response.body[i : i + CHUNK]
        elif response.file is not None:
            f: IO[bytes]
            with response.file.open("rb") as f:
                f.seek(response.start)
                remaining = response.length
                while remaining > 0:
                    data = f.read(min(CHUNK, remaining))
                    if not data:
                        return
                    remaining -= len(data)
                    yield data

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)


class MirrorServer:
    """Serves one mirror directory; see the module docstring for routes and faults."""

    def __init__(
        self,
        directory: Path | str,
        trees: Mapping[str, Path] | None = None,
        *,
        ranges: bool = True,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.directory = Path(directory)
        # more directories served with their sub-directories: URL prefix -> directory
        # (``{"/vuln/": db}`` serves a vulnerability database beside the mirror)
        self.trees = {prefix: Path(root) for prefix, root in (trees or {}).items()}
        self.ranges = ranges  # answer Range requests (False: as servers without support)
        self.ssl_context = ssl_context
        self.host = host  # the name URLs use (the server listens on 127.0.0.1)
        self.errors: list[BaseException] = []  # unexpected handler errors, for debugging
        self._sent: dict[str, int] = {}
        self._lock = threading.Lock()
        self._log_records: list[RequestRecord] = []
        self._faults: dict[str, list[Fault]] = {}
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------

    def start(self) -> MirrorServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.mirror = self
        if self.ssl_context is not None:
            httpd.socket = self.ssl_context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mirror-server-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; ends delays, stalls and idle keep-alive connections at once."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the mirror server is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The mirror URL, as go.dev's ``https://go.dev/dl/``."""
        return f"{self.base_url}/dl/"

    @property
    def index_url(self) -> str:
        return f"{self.url}?mode=json&include=all"

    def file_url(self, filename: str) -> str:
        return f"{self.url}{filename}"

    # --- faults -----------------------------------------------------------------------

    def add_fault(self, path: str, fault: Fault) -> None:
        with self._lock:
            self._faults.setdefault(self._key(path), []).append(fault)

    def fail(
        self, path: str, status: int = 500, body: bytes | None = None, *, times: int | None = None
    ) -> None:
        """Answer with ``status`` (404, 500, ...) and a short text body."""
        self.add_fault(path, Fault(status=status, body=body, times=times))

    def redirect(
        self, path: str, to: str | None = None, *, status: int = 302, times: int | None = None
    ) -> None:
        """Redirect to ``to``: an absolute URL (say another server), a path on this
        server, or a file name under ``/dl/``; default ``/cdn/<same name>``."""
        key = self._key(path)
        if to is None:
            to = "/cdn/" + key.rsplit("/", 1)[-1]
        if "://" not in to:
            to = self.base_url + (to if to.startswith("/") else "/dl/" + to)
        fault = Fault(status=status, body=b"", headers={"Location": to}, times=times)
        self.add_fault(path, fault)

    def delay(self, path: str, seconds: float, *, times: int | None = None) -> None:
        """Wait before sending the status line."""
        self.add_fault(path, Fault(delay=seconds, times=times))

    def stall(
        self, path: str, after_bytes: int, seconds: float | None = None, *, times: int | None = None
    ) -> None:
        """Send ``after_bytes`` of the body, then pause ``seconds`` (None: until the
        server stops), then send the rest."""
        self.add_fault(path, Fault(stall_after=after_bytes, stall_for=seconds, times=times))

    def truncate(self, path: str, after_bytes: int, *, times: int | None = None) -> None:
        """Advertise the full Content-Length, send ``after_bytes``, close the connection."""
        self.add_fault(path, Fault(truncate_after=after_bytes, times=times))

    def endless(self, path: str, pattern: bytes = b"\0", *, times: int | None = None) -> None:
        """Answer 200 with no length and ``pattern`` repeated until the client hangs up."""
        self.add_fault(path, Fault(endless=pattern, times=times))

    def respond(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "application/octet-stream",
        headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Answer with these bytes instead of the file (a corrupt index, a bad archive)."""
        fault = Fault(
            status=status,
            body=body,
            content_type=content_type,
            headers=dict(headers or {}),
            times=times,
        )
        self.add_fault(path, fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- request log ------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._log_records)

    def count(self, path: str, method: str | None = "GET") -> int:
        """Requests for ``path`` (same spelling as for faults); method None: any."""
        key = self._key(path)
        return sum(
            1 for r in self.requests if r.path == key and (method is None or r.method == method)
        )

    def clear_log(self) -> None:
        with self._lock:
            self._log_records.clear()
            self._sent.clear()

    def sent(self, path: str) -> int:
        """Body bytes sent for ``path`` (same spelling as for faults), all requests."""
        with self._lock:
            return self._sent.get(self._key(path), 0)

    # --- internals ----------------------------------------------------------------------

    @staticmethod
    def _key(path: str) -> str:
        return path if path.startswith("/") else INDEX_PATH + path

    def _count_sent(self, path: str, amount: int) -> None:
        with self._lock:
            self._sent[path] = self._sent.get(path, 0) + amount

    def _log(self, record: RequestRecord) -> None:
        with self._lock:
            self._log_records.append(record)

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            return fault

    def _wait(self, seconds: float | None) -> bool:
        """Sleep up to ``seconds`` (None: forever); True when the server is stopping."""
        return self._stopping.wait(seconds)

    def _route(self, path: str, query: str) -> _Response:
        if path == INDEX_PATH:
            return self._index(query)
        for prefix, root in self.trees.items():
            parts = path[len(prefix) :].split("/") if path.startswith(prefix) else []
            if parts and all(p and p not in (".", "..") and "\\" not in p for p in parts):
                file = root.joinpath(*parts)
                if file.is_file():
                    return _Response(200, _content_type(file.name), file.stat().st_size, file=file)
        for prefix in _PREFIXES:
            if path.startswith(prefix):
                name = path[len(prefix) :]
                # Plain file names only: no sub-directories, no dot files (the manifest).
                if name and "/" not in name and "\\" not in name and not name.startswith("."):
                    file = self.directory / name
                    if file.is_file():
                        info = file.stat()
                        validators = {
                            "ETag": f'"{info.st_size:x}-{info.st_mtime_ns:x}"',
                            "Last-Modified": formatdate(info.st_mtime, usegmt=True),
                            "Accept-Ranges": "bytes" if self.ranges else "none",
                        }
                        return _Response(
                            200, _content_type(name), info.st_size, file=file, headers=validators
                        )
        return _text(404, "404 page not found\n")

    def _index(self, query: str) -> _Response:
        params = parse_qs(query)
        if params.get("mode") != ["json"]:
            html = b"<!DOCTYPE html><title>Downloads</title><p>test mirror</p>\n"
            return _Response(200, "text/html; charset=utf-8", len(html), body=html)
        try:
            data = (self.directory / "index.json").read_bytes()
        except OSError:
            return _text(404, "404 page not found\n")
        if params.get("include") != ["all"]:
            data = _stable_only(data)
        return _Response(200, "application/json", len(data), body=data)


def _apply_range(response: _Response, asked: str | None, if_range: str | None) -> None:
    """Answer ``Range: bytes=N-`` (or ``N-M``) with 206, when ``If-Range`` (if any) still
    names the file (RFC 9110 14.2, 13.1.5)."""
    if not asked or not asked.startswith("bytes=") or "," in asked:
        return
    if if_range and if_range not in (
        response.headers.get("ETag"),
        response.headers.get("Last-Modified"),
    ):
        return  # the file changed: the whole of it
    first_text, _, last_text = asked[6:].partition("-")
    if not first_text.isdigit():
        return
    first = int(first_text)
    last = int(last_text) if last_text.isdigit() else response.length - 1
    if first >= response.length:
        response.status, response.file, response.body = 416, None, b""
        response.headers["Content-Range"] = f"bytes */{response.length}"
        response.length = 0
        return
    last = min(last, response.length - 1)
    response.headers["Content-Range"] = f"bytes {first}-{last}/{response.length}"
    response.status, response.start, response.length = 206, first, last - first + 1


def _stable_only(data: bytes) -> bytes:
    """go.dev without include=all lists only stable releases; garbage stays garbage."""
    try:
        releases = json.loads(data)
        stable = [r for r in releases if isinstance(r, dict) and r.get("stable")]
    except (ValueError, TypeError):
        return data
    return (json.dumps(stable, indent=1) + "\n").encode()


def _text(status: int, text: str) -> _Response:
    body = text.encode()
    return _Response(status, "text/plain; charset=utf-8", len(body), body=body)


def _content_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".sha256"):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until true or ``timeout``; for asserting on server-side state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())
