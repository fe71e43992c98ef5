"""Certificates for local HTTPS mirrors (``trustme``), and a way to make a test CA
trusted by the operating system's store for the duration of one test.

Debian keeps its store in ``/etc/ssl/certs`` (a bundle and hashed links, rebuilt by
``update-ca-certificates`` from ``/usr/share/ca-certificates`` and
``/usr/local/share/ca-certificates``); OpenSSL's default paths, and so ``truststore``,
read it from there. Adding a CA needs root; it is taken out again when the test ends,
under a lock so that concurrent test runs do not rebuild the store at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

LOCAL_CERTS = Path("/usr/local/share/ca-certificates")
_LOCK = Path("/tmp/gvw-tests-ca-store.lock")
# what would make OpenSSL read another store than the system's
CERT_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def make_ca(directory: Path, *names: str) -> tuple[Path, ssl.SSLContext]:
    """A new CA (its PEM file in ``directory``) and a server context for ``names``."""
    trustme = pytest.importorskip("trustme", reason="trustme is in the test extra")
    ca = trustme.CA()
    pem = directory / "gvw-test-ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return pem, context


@contextlib.contextmanager
def trusted_by_the_system(ca_pem: Path) -> Iterator[None]:
    """The CA in ``ca_pem`` is in the system's trust store for the block."""
    if os.geteuid() != 0:
        pytest.skip("adding a CA to the system's trust store needs root")
    tool = shutil.which("update-ca-certificates") or "/usr/sbin/update-ca-certificates"
    if not Path(tool).exists():
        pytest.skip("update-ca-certificates (Debian's ca-certificates) is not installed")
    installed = LOCAL_CERTS / f"gvw-test-{uuid.uuid4().hex[:12]}.crt"
    with open(_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        LOCAL_CERTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca_pem, installed)
        try:
            _update(tool)
            yield
        finally:
            installed.unlink()
            _update(tool)


def _update(tool: str) -> None:
    subprocess.run([tool], check=True, capture_output=True, timeout=120)
