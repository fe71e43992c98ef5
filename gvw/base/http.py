"""HTTP for the index, checksums and archives, on the standard library's http.client.

- Redirects are followed (go.dev sends downloads to another host); a mirror's
  ``user:token@`` becomes Basic authentication, never sent to another host.
- Proxies by Go's rules (:mod:`gvw.base.proxies`); TLS trusts what the operating
  system trusts (:mod:`gvw.base.tls`), and a plain-http request never builds a TLS
  context.
- Connections are kept alive and reused within a process (index, then archive).
- Every failure is a ``NetworkError`` naming the URL; ``transient`` ones (resets,
  time-outs, 5xx, 429) are worth retrying, and :func:`retrying` does so with bounded
  backoff, saying each retry.
- Bodies are read raw: a server that labels a .tar.gz ``Content-Encoding: gzip`` must
  not make gvw unpack it before hashing.

http.client, socket and ssl are imported inside the functions: commands that need no
network (``--help`` imports every command's module) never load them (see
tests/cli/test_startup.py).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

from gvw import __version__
from gvw.base.errors import NetworkError
from gvw.base.proxies import Proxy, proxy_for

if TYPE_CHECKING:
    import http.client

T = TypeVar("T")

READ_SIZE = 1 << 18  # bytes per read of a body: few system calls, bounded memory
MAX_INDEX_BYTES = 64 << 20
MAX_REDIRECTS = 10
DEFAULT_RETRIES = 3
FIRST_RETRY_DELAY = 1.0  # seconds; doubled per failure in a row
MAX_RETRY_DELAY = 8.0
_REDIRECTS = (301, 302, 303, 307, 308)
_TRANSIENT_STATUSES = (408, 429, 500, 502, 503, 504)
_NETWORK_HINT = (
    "check the network and the mirror (--mirror URL or GVW_MIRROR), "
    "or install from a file with --from-file"
)

Notify = Callable[[str], None]


# --- small documents --------------------------------------------------------------------


def fetch_bytes(
    url: str,
    *,
    timeout: float,
    max_bytes: int = MAX_INDEX_BYTES,
    retries: int = DEFAULT_RETRIES,
    notify: Notify | None = None,
) -> bytes:
    """GET a small document (the index) into memory; transient failures are retried
    ``retries`` times, each said through ``notify``."""

    def attempt() -> bytes:
        with get(url, timeout=timeout) as response:
            declared = response.content_length
            if declared is not None and declared > max_bytes:
                raise _too_large(url, max_bytes)
            return response.read_all(max_bytes, too_large=lambda: _too_large(url, max_bytes))

    return retrying(attempt, retries=retries, notify=notify)


def _too_large(url: str, max_bytes: int) -> NetworkError:
    return NetworkError(f"{url} sent more than {max_bytes >> 20} MiB; not an index")


def fetch_optional_text(
    url: str, *, timeout: float, retries: int = DEFAULT_RETRIES, notify: Notify | None = None
) -> str | None:
    """GET a small text file; None when the server says it does not exist (404/410)."""
    try:
        data = fetch_bytes(url, timeout=timeout, max_bytes=1 << 16, retries=retries, notify=notify)
    except NetworkError as exc:
        if exc.status in (404, 410):
            return None
        raise
    return data.decode("utf-8", "replace")


def stream(
    url: str,
    sink: Callable[[bytes], None],
    *,
    timeout: float,
    max_bytes: int | None = None,
) -> int:
    """GET ``url`` and feed the raw body to ``sink`` chunk by chunk; returns the size.
    More than ``max_bytes`` is refused (NetworkError) before it reaches the sink."""
    received = 0
    with get(url, timeout=timeout) as response:
        while data := response.read():
            received += len(data)
            if max_bytes is not None and received > max_bytes:
                raise NetworkError(
                    f"{url} sent more than the {max_bytes:,} bytes it should have; refusing it",
                    hint="check the mirror: the file is not the one it lists",
                )
            sink(data)
        return received


# --- requests ---------------------------------------------------------------------------


class Response:
    """An answer whose body has not been read yet; close it (or use ``with``)."""

    def __init__(self, url: str, raw: http.client.HTTPResponse, connection: _Connection) -> None:
        self.url = url  # after redirects
        self.status = raw.status
        self.reason = raw.reason
        self._raw = raw
        self._connection = connection

    def header(self, name: str) -> str | None:
        return self._raw.getheader(name)

    @property
    def content_length(self) -> int | None:
        value = (self.header("Content-Length") or "").strip()
        return int(value) if value.isdigit() else None

    @property
    def retry_after(self) -> float | None:
        value = (self.header("Retry-After") or "").strip()
        return float(value) if value.isdigit() else None

    def read(self, size: int = READ_SIZE) -> bytes:
        """The next body bytes as soon as some arrive (at most ``size``: one read of the
        socket, so a stalled server leaves nothing received unreported); b"" at the end.
        A body cut short raises a transient NetworkError."""
        with _translated(self.url, self._connection):
            data = self._raw.read1(size)
            if not data and self._raw.length:  # http.client returns b"" at an early end
                import http.client

                raise http.client.IncompleteRead(b"", self._raw.length)
            return data

    def read_all(self, max_bytes: int, *, too_large: Callable[[], Exception]) -> bytes:
        chunks: list[bytes] = []
        received = 0
        while data := self.read():
            received += len(data)
            if received > max_bytes:
                raise too_large()
            chunks.append(data)
        return b"".join(chunks)

    def close(self) -> None:
        """Give the connection back for the next request when the body was read to its
        end and the server keeps it open; else close it."""
        reusable = self._raw.isclosed() and not self._raw.will_close
        self._raw.close()
        _POOL.release(self._connection, reusable=reusable)

    def abort(self) -> None:
        """End a read blocked in another thread (an interrupted download) at once."""
        import socket

        sock = self._connection.http.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def discard(self) -> None:
        """Close an answer whose body is not wanted (a redirect, an error page), reading
        a short body first so that the connection can be used again."""
        length = self.content_length
        if length is not None and length <= 1 << 16:
            import http.client

            with contextlib.suppress(OSError, http.client.HTTPException):
                self._raw.read()
        self.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def get(
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    accept: Callable[[int], bool] = lambda status: status < 400,
) -> Response:
    """GET ``url`` following redirects. A status ``accept`` refuses raises a
    NetworkError carrying it (transient for 5xx, 408 and 429)."""
    original = urlsplit(url)
    for _hop in range(MAX_REDIRECTS + 1):
        response = _request_once(url, original, timeout=timeout, headers=headers or {})
        location = response.header("Location")
        if response.status in _REDIRECTS and location:
            response.discard()
            url = urljoin(url, location.strip())
            continue
        if not accept(response.status):
            response.discard()
            raise _status_error(url, response)
        return response
    raise NetworkError(f"{url} redirects too many times", hint=_NETWORK_HINT)


def _request_once(
    url: str, original: SplitResult, *, timeout: float, headers: Mapping[str, str]
) -> Response:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"cannot download {url}: gvw fetches http:// and https:// URLs only")
    proxy = proxy_for(url, os.environ)
    sent = {"User-Agent": f"gvw/{__version__}", "Accept-Encoding": "identity", **headers}
    authorization = _basic_auth(parts, original)
    if authorization is not None:
        sent["Authorization"] = authorization
    target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    if proxy is not None and scheme == "http":
        # a plain-http request through a proxy names the whole URL (without user info)
        target = urlunsplit((scheme, _host_port(parts), parts.path or "/", parts.query, ""))
        if proxy.authorization:
            sent["Proxy-Authorization"] = proxy.authorization
    for fresh in (False, True):
        connection = _POOL.take(parts, proxy, timeout=timeout, fresh=fresh)
        try:
            with _translated(url, connection):
                connection.http.request("GET", target, headers=sent)
                raw = connection.http.getresponse()
        except NetworkError:
            connection.http.close()
            if connection.reused and not fresh:
                continue  # a kept-alive connection the server had closed: once more, new
            raise
        return Response(url, raw, connection)
    raise AssertionError("unreachable")


def _basic_auth(parts: SplitResult, original: SplitResult) -> str | None:
    """``user:token@`` of the URL as Basic authentication; a redirect keeps the
    original's credentials only on the same scheme, host and port."""
    source = parts if parts.username is not None else None
    if source is None and original.username is not None and _same_origin(parts, original):
        source = original
    if source is None or source.username is None:
        return None
    import base64
    from urllib.parse import unquote

    pair = f"{unquote(source.username)}:{unquote(source.password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def _same_origin(a: SplitResult, b: SplitResult) -> bool:
    return (a.scheme.lower(), _host_port(a)) == (b.scheme.lower(), _host_port(b))


def _host_port(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host


# --- connections ------------------------------------------------------------------------


class _Connection:
    def __init__(
        self,
        key: tuple[str, ...],
        http_connection: http.client.HTTPConnection,
        proxy: Proxy | None,
    ) -> None:
        self.key = key
        self.http = http_connection
        self.proxy = proxy
        self.reused = False


class _Pool:
    """At most one idle connection per scheme, host, port and proxy, for this process."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, ...], _Connection] = {}
        self._lock = threading.Lock()

    def take(
        self, parts: SplitResult, proxy: Proxy | None, *, timeout: float, fresh: bool
    ) -> _Connection:
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, host, str(port), proxy.address if proxy else "", str(timeout))
        if not fresh:
            with self._lock:
                idle = self._idle.pop(key, None)
            if idle is not None:
                idle.reused = True
                return idle
        return _Connection(key, _open(scheme, host, port, proxy, timeout), proxy)

    def release(self, connection: _Connection, *, reusable: bool) -> None:
        if not reusable:
            connection.http.close()
            return
        with self._lock:
            previous = self._idle.pop(connection.key, None)
            self._idle[connection.key] = connection
        if previous is not None:
            previous.http.close()


_POOL = _Pool()


def _open(
    scheme: str, host: str, port: int, proxy: Proxy | None, timeout: float
) -> http.client.HTTPConnection:
    import http.client

    if scheme == "http":
        if proxy is not None:
            return http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)
        return http.client.HTTPConnection(host, port, timeout=timeout)
    from gvw.base.tls import trust  # only https builds a TLS context

    context = trust().context
    if proxy is None:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    connection = http.client.HTTPSConnection(
        proxy.host, proxy.port, timeout=timeout, context=context
    )
    tunnel_headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
    connection.set_tunnel(host, port, headers=tunnel_headers)
    return connection


# --- errors -----------------------------------------------------------------------------


@contextlib.contextmanager
def _translated(url: str, connection: _Connection) -> Iterator[None]:
    """Turn what the socket, TLS and HTTP layers raise into a NetworkError naming the
    URL (and the proxy, when one is used)."""
    import http.client

    try:
        yield
    except NetworkError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _network_error(exc, url, connection) from None


def _network_error(exc: Exception, url: str, connection: _Connection) -> NetworkError:
    import http.client
    import socket
    import ssl

    cut_short = (
        http.client.IncompleteRead,
        ConnectionResetError,
        BrokenPipeError,
        ConnectionAbortedError,
    )
    host = _host_port(urlsplit(url)) or url  # never the user info
    proxy = connection.proxy
    via = f" through the proxy {proxy.address} ({proxy.setting})" if proxy else ""
    timeout = connection.http.timeout
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return NetworkError(
            f"timed out after {timeout:g} s waiting for {host}{via} ({url})",
            hint="try again, or allow more time with GVW_TIMEOUT=SECONDS; " + _NETWORK_HINT,
            transient=True,
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        from gvw.base.tls import certificate_hint, trust

        why = exc.verify_message or exc.reason or str(exc)
        return NetworkError(
            f"cannot verify the TLS certificate of {host}{via} ({url}): {why}; "
            f"gvw trusts {trust().description}",
            hint=certificate_hint(),
        )
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return _cut_short(url, exc)
    if isinstance(exc, ssl.SSLError):
        return NetworkError(
            f"the TLS connection to {host}{via} failed ({url}): {exc.reason or exc}",
            hint=_NETWORK_HINT,
        )
    if isinstance(exc, cut_short):
        return _cut_short(url, exc)
    if isinstance(exc, socket.gaierror):
        where = f"the proxy {proxy.address} ({proxy.setting})" if proxy else host
        return NetworkError(
            f"cannot find {where} ({url}): {exc.strerror or exc}",
            hint="check the name and the network; " + _NETWORK_HINT,
        )
    if isinstance(exc, ConnectionRefusedError):
        where = f"the proxy {proxy.address} ({proxy.setting})" if proxy else host
        return NetworkError(f"cannot connect to {where} ({url}): {exc}", hint=_NETWORK_HINT)
    if isinstance(exc, OSError) and proxy is not None and "Tunnel" in str(exc):
        return NetworkError(
            f"the proxy {proxy.address} ({proxy.setting}) refused to connect to {host} "
            f"({url}): {exc}",
            hint=f"check {proxy.setting} and its credentials, or NO_PROXY",
        )
    if isinstance(exc, OSError):
        return NetworkError(
            f"cannot connect to {host}{via} ({url}): {exc}", hint=_NETWORK_HINT, transient=True
        )
    if isinstance(exc, http.client.HTTPException):
        return NetworkError(
            f"{host} sent an answer that is not HTTP ({url}): {type(exc).__name__} {exc}",
            hint=_NETWORK_HINT,
        )
    return NetworkError(f"download from {url} failed: {exc}", hint=_NETWORK_HINT)


def _cut_short(url: str, exc: BaseException) -> NetworkError:
    import http.client

    why = str(exc) or type(exc).__name__
    if isinstance(exc, http.client.IncompleteRead):
        why = "the connection closed before the end of the file"
    return NetworkError(
        f"the transfer from {url} was cut short ({why})",
        hint="try again; " + _NETWORK_HINT,
        transient=True,
    )


def _status_error(url: str, response: Response) -> NetworkError:
    status = response.status
    return NetworkError(
        f"{url} answered HTTP {status} {response.reason}".rstrip(),
        hint=_status_hint(status),
        status=status,
        transient=status in _TRANSIENT_STATUSES or status >= 500,
        retry_after=response.retry_after,
    )


def _status_hint(status: int) -> str:
    if status in (404, 410):
        return "the mirror does not have this file; check the version with gvw list-remote"
    if status in (401, 403):
        return "the mirror refuses access: check the credentials in the mirror URL"
    if status >= 500:
        return "the mirror has a problem; try again later or use another mirror"
    return _NETWORK_HINT


# --- retries ----------------------------------------------------------------------------


def retry_delay(failures: int, error: NetworkError | None = None) -> float:
    """Seconds to wait before retry number ``failures`` (1, 2, ...): doubling from
    FIRST_RETRY_DELAY up to MAX_RETRY_DELAY, or what the server asked (Retry-After),
    never more than a minute."""
    asked = error.retry_after if error is not None else None
    if asked is not None:
        return min(asked, 60.0)
    return float(min(FIRST_RETRY_DELAY * 2 ** (failures - 1), MAX_RETRY_DELAY))


def retrying(
    operation: Callable[[], T],
    *,
    retries: int,
    notify: Notify | None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``operation``; after a transient NetworkError wait (bounded backoff) and run
    it again, at most ``retries`` more times, saying each retry through ``notify``."""
    failures = 0
    while True:
        try:
            return operation()
        except NetworkError as error:
            if not error.transient or failures >= retries:
                raise
            failures += 1
            delay = retry_delay(failures, error)
            if notify is not None:
                notify(f"{error.message}; retrying in {delay:g} s (retry {failures} of {retries})")
            sleep(delay)
