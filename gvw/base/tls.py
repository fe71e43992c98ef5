"""What gvw trusts for https: the operating system's certificate store, as pip does.

- ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` set: exactly those certificates (a PEM bundle, a
  directory of hashed certificates), on every system: the setting a user reaches for
  when a TLS-inspecting proxy's CA is not in the system store.
- Otherwise the system store through ``truststore`` (Windows certificate store, macOS
  keychain, the distribution's bundle on Linux), so a company CA that IT installed is
  trusted as the browser and the go command trust it.
- Where truststore cannot load (Python 3.9, an unusual platform): certifi's bundle.

Built once per process, and only for https: a plain-http or file:// mirror never pays
for it.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Trust:
    context: ssl.SSLContext
    description: str  # for messages: "the system's certificate store", ...


_cached: dict[tuple[str, str], Trust] = {}


def trust(env: Mapping[str, str] | None = None) -> Trust:
    """The SSL context https connections verify with (cached per setting)."""
    env = os.environ if env is None else env
    key = (env.get("SSL_CERT_FILE", ""), env.get("SSL_CERT_DIR", ""))
    if key not in _cached:
        _cached[key] = _build(*key)
    return _cached[key]


def _build(cert_file: str, cert_dir: str) -> Trust:
    if cert_file or cert_dir:
        context = ssl.create_default_context(cafile=cert_file or None, capath=cert_dir or None)
        named = " and ".join(
            f"{name}={value}"
            for name, value in (("SSL_CERT_FILE", cert_file), ("SSL_CERT_DIR", cert_dir))
            if value
        )
        return Trust(context, f"the certificates {named} names")
    try:
        import truststore

        return Trust(
            truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "the system's certificate store"
        )
    except (ImportError, OSError, ssl.SSLError):
        pass
    try:
        import certifi

        return Trust(
            ssl.create_default_context(cafile=certifi.where()),
            "certifi's certificate bundle (the system store is not available here)",
        )
    except (ImportError, OSError, ssl.SSLError):
        return Trust(ssl.create_default_context(), "OpenSSL's default certificates")


def certificate_hint() -> str:
    """What makes a company or proxy CA trusted: the settings a failed check suggests."""
    return (
        "if a proxy or your company re-signs TLS, add its CA certificate to the system's "
        "trust store (Windows: Trusted Root Certification Authorities; macOS: the System "
        "keychain; Linux: /usr/local/share/ca-certificates, then update-ca-certificates), "
        "or point SSL_CERT_FILE at a PEM bundle that holds it"
    )
