"""HTTP for the index and the archives, with every failure turned into a
``NetworkError`` that names the URL.

httpx is imported inside the functions: commands that never touch the network
(list, current, the shims' helpers) must not pay for importing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from gvw import __version__
from gvw.base.bounded import size_text
from gvw.base.errors import GvwError, NetworkError

if TYPE_CHECKING:
    import httpx

CHUNK_SIZE = 1 << 20
_NETWORK_HINT = (
    "check the network and the mirror (--mirror URL or GVW_MIRROR), "
    "or install from a file with --from-file"
)


def fetch_bytes(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    too_large: Callable[[str], GvwError] = NetworkError,
) -> bytes:
    """GET a small document (an index, a list) into memory: at most ``max_bytes``, the
    limit a ``file://`` copy of it has too (:mod:`gvw.base.bounded`); a longer body is
    refused with ``too_large(message)``, never cut."""
    chunks: list[bytes] = []
    received = 0

    def keep(chunk: bytes) -> None:
        nonlocal received
        received += len(chunk)
        if received > max_bytes:
            raise too_large(f"{url} sent more than {size_text(max_bytes)}; refusing it")
        chunks.append(chunk)

    stream(url, keep, timeout=timeout)
    return b"".join(chunks)


def fetch_optional_text(url: str, *, timeout: float) -> str | None:
    """GET a small text file; None when the server says it does not exist (404/410)."""
    try:
        return fetch_bytes(url, timeout=timeout, max_bytes=1 << 16).decode("utf-8", "replace")
    except NetworkError as exc:
        if exc.status in (404, 410):
            return None
        raise


def stream(
    url: str,
    sink: Callable[[bytes], None],
    *,
    timeout: float,
) -> int:
    """GET ``url`` and feed the raw body to ``sink`` chunk by chunk; returns the size.

    Raw bytes, not decoded: a server that labels a .tar.gz ``Content-Encoding: gzip``
    must not make us unpack it before hashing.
    """
    import httpx

    received = 0
    with _translated_errors(url, timeout), _client(timeout) as client:  # noqa: SIM117
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise NetworkError(
                    f"{url} answered HTTP {response.status_code} {response.reason_phrase}",
                    hint=_status_hint(response.status_code),
                    status=response.status_code,
                )
            length = response.headers.get("content-length")
            expected = int(length) if length and length.isdigit() else None
            for chunk in response.iter_raw(CHUNK_SIZE):
                received += len(chunk)
                sink(chunk)
            if expected is not None and received != expected:
                raise httpx.RemoteProtocolError("incomplete body")
    return received


def _client(timeout: float) -> httpx.Client:
    import httpx

    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": f"gvw/{__version__}", "Accept-Encoding": "identity"},
    )


@contextmanager
def _translated_errors(url: str, timeout: float) -> Iterator[None]:
    import httpx

    host = urlsplit(url).netloc.rpartition("@")[2] or url  # never the user info
    try:
        yield
    except httpx.TimeoutException:
        raise NetworkError(
            f"timed out after {timeout:g} s waiting for {host} ({url})",
            hint="try again, or allow more time with GVW_TIMEOUT=SECONDS; " + _NETWORK_HINT,
        ) from None
    except httpx.ConnectError as exc:
        raise NetworkError(f"cannot connect to {host} ({url}): {exc}", hint=_NETWORK_HINT) from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise NetworkError(
            f"the transfer from {url} was cut short ({exc})",
            hint="try again; " + _NETWORK_HINT,
        ) from None
    except httpx.TooManyRedirects:
        raise NetworkError(f"{url} redirects too many times", hint=_NETWORK_HINT) from None
    except httpx.HTTPError as exc:
        raise NetworkError(f"download from {url} failed: {exc}", hint=_NETWORK_HINT) from None


def _status_hint(status: int) -> str:
    if status in (404, 410):
        return "the mirror does not have this file; check the version with gvw list-remote"
    if status >= 500:
        return "the mirror has a problem; try again later or use another mirror"
    return _NETWORK_HINT
