"""Which proxy a request goes through, by the rules the go command uses
(golang.org/x/net/http/httpproxy), so gvw reaches a mirror the way ``go`` does.

- ``HTTPS_PROXY`` for https URLs, ``HTTP_PROXY`` for http URLs; the upper-case name
  wins over the lower-case one; a value without a scheme means ``http://``.
- ``NO_PROXY``: comma-separated; ``*`` (everything), an IP address or CIDR range, a
  domain (``corp.example`` matches it and its subdomains, ``.corp.example`` and
  ``*.corp.example`` only subdomains), each optionally with ``:port``.
- ``localhost`` and loopback addresses are never proxied; ``HTTP_PROXY`` is ignored
  when ``REQUEST_METHOD`` is set (a CGI environment, golang.org/s/cgihttpproxy).

Only ``http://`` proxies are supported (https URLs go through them with CONNECT).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from gvw.base.errors import ConfigError

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    authorization: str | None  # a Proxy-Authorization header value, from user:password
    setting: str  # the variable it came from, for messages

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def proxy_for(url: str, env: Mapping[str, str]) -> Proxy | None:
    """The proxy ``url`` goes through, or None for a direct connection."""
    target = urlsplit(url)
    scheme = target.scheme.lower()
    if scheme == "https":
        name, value = _setting(env, "HTTPS_PROXY")
    elif scheme == "http" and not env.get("REQUEST_METHOD"):
        name, value = _setting(env, "HTTP_PROXY")
    else:
        return None
    if not value or not _use_proxy(target, _setting(env, "NO_PROXY")[1]):
        return None
    return _parse_proxy(value, name)


def _setting(env: Mapping[str, str], name: str) -> tuple[str, str]:
    for spelled in (name, name.lower()):
        value = env.get(spelled, "")
        if value:
            return spelled, value
    return name, ""


def _parse_proxy(value: str, name: str) -> Proxy:
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 80)
    except ValueError:
        port = -1
    if parts.scheme.lower() != "http" or not parts.hostname or port < 0:
        raise ConfigError(
            # (the scheme added: the CLI's redaction hides user info in URLs)
            f"{name} is set to a proxy gvw cannot use: {text!r}",
            hint=f"set {name} to an http:// proxy URL (http://proxy.example:3128), "
            "or unset it for a direct connection",
        )
    authorization = None
    if parts.username is not None:
        import base64
        from urllib.parse import unquote

        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return Proxy(parts.hostname, port, authorization, name)


def _use_proxy(target: SplitResult, no_proxy: str) -> bool:
    host = (target.hostname or "").lower()
    if not host:
        return True
    try:
        port = str(target.port or _DEFAULT_PORTS.get(target.scheme.lower(), 80))
    except ValueError:
        return True
    if host == "localhost":
        return False
    ip = _ip(host)
    if ip is not None and ip.is_loopback:
        return False
    return not any(_matches(entry, host, port, ip) for entry in no_proxy.split(","))


def _matches(
    entry: str,
    host: str,
    port: str,
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
) -> bool:
    entry = entry.strip().lower()
    if not entry:
        return False
    if entry == "*":
        return True
    if "/" in entry:  # a CIDR range
        try:
            return ip is not None and ip in ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return False
    entry_host, entry_port = _split_host_port(entry)
    if not entry_host:
        return False
    entry_ip = _ip(entry_host)
    if entry_ip is not None:
        return ip == entry_ip and entry_port in ("", port)
    if ip is not None:
        return False  # a domain never matches an address
    if entry_host.startswith("*."):
        entry_host = entry_host[1:]
    exact_too = not entry_host.startswith(".")
    suffix = entry_host if not exact_too else "." + entry_host
    matched = host.endswith(suffix) or (exact_too and host == entry_host)
    return matched and entry_port in ("", port)


def _split_host_port(entry: str) -> tuple[str, str]:
    if entry.startswith("["):  # [IPv6] or [IPv6]:port
        host, _, rest = entry[1:].partition("]")
        return host, rest.lstrip(":")
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        return host, port
    return entry, ""  # a bare IPv6 address or a plain name


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
