"""Go's module settings as the go command resolves them (cmd/go/internal/cfg, modfetch):
a non-empty environment variable, else the ``go env -w`` file, else Go's default.

Parsed the way Go parses them: GOPROXY is a list split at ``,`` (try the next entry only
after 404 or 410) and ``|`` (after any error), ending at ``direct`` or ``off``; entries
without a scheme get ``https://``. GOSUMDB is ``off``, a known name, or
``name+hash+key`` optionally followed by the database URL. GONOSUMDB and GONOPROXY
default to GOPRIVATE and hold comma-separated glob patterns matched against leading
path elements (module.MatchPrefixPatterns).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from gvw.base.errors import ConfigError
from gvw.host.goenv import go_env_file, host_goos, read_go_env_file
from gvw.install.sumdb.note import Verifier, parse_verifier

TOOLCHAIN_MODULE = "golang.org/toolchain"
_GO_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
# cmd/go/internal/modfetch/key.go and sumdb.go: the names Go knows without a key
KNOWN_SUMDBS = {
    "sum.golang.org": (_GO_KEY, "https://sum.golang.org"),
    "sum.golang.google.cn": (_GO_KEY, "https://sum.golang.google.cn"),
}
DEFAULTS = {"GOPROXY": "https://proxy.golang.org,direct", "GOSUMDB": "sum.golang.org"}
NAMES = ("GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK", "GOINSECURE")


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    origin: str  # "the environment", "the go env file /home/u/.config/go/env", "Go's default"

    def __str__(self) -> str:
        return f"{self.name}={self.value} (from {self.origin})"


@dataclass(frozen=True)
class GoSettings:
    values: Mapping[str, Setting]

    def __getitem__(self, name: str) -> Setting:
        return self.values[name]


def resolve_go_settings(env: Mapping[str, str]) -> GoSettings:
    """The settings from ``env`` and the go env file it points at."""
    path = go_env_file(env, host_goos())
    file_values = read_go_env_file(path)
    values: dict[str, Setting] = {}
    for name in NAMES:
        if env.get(name):
            values[name] = Setting(name, env[name], "the environment")
        elif file_values.get(name):
            values[name] = Setting(name, file_values[name], f"the go env file {path}")
        elif name in ("GONOSUMDB", "GONOPROXY") and "GOPRIVATE" in values:
            private = values["GOPRIVATE"]
            values[name] = Setting(name, private.value, f"GOPRIVATE, from {private.origin}")
        elif name in DEFAULTS:
            values[name] = Setting(name, DEFAULTS[name], "Go's default")
    return GoSettings(values)


# --- GOPROXY ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyEntry:
    url: str  # a URL without trailing "/", or "direct" or "off"
    fall_back_on_error: bool  # "|" after it: any error moves on, not only 404/410


def proxy_list(setting: Setting) -> list[ProxyEntry]:
    """The entries of a GOPROXY value, as modfetch's proxyList reads them."""
    entries: list[ProxyEntry] = []
    rest = setting.value
    while rest:
        cut = min((i for i in (rest.find(","), rest.find("|")) if i >= 0), default=-1)
        text, fall_back = (rest, False) if cut < 0 else (rest[:cut], rest[cut] == "|")
        rest = "" if cut < 0 else rest[cut + 1 :]
        text = text.strip()
        if not text:
            continue
        if text in ("off", "direct"):
            entries.append(ProxyEntry(text, False))
            break  # nothing after them is ever tried
        entries.append(ProxyEntry(proxy_url(text, setting), fall_back))
    if not entries:
        raise ConfigError(
            f"{setting} lists no proxy",
            hint="set one, e.g. go env -w GOPROXY=https://proxy.golang.org,direct",
        )
    return entries


def proxy_url(text: str, setting: Setting) -> str:
    if any(c in text for c in ".:/") and ":/" not in text and not text.startswith("/"):
        text = "https://" + text  # Go's rule: a bare host name means https
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http", "file") or (scheme != "file" and not parts.netloc):
        raise ConfigError(
            f"{setting}: {text!r} is not a proxy URL gvw can use",
            hint="proxies are https://, http:// or file:// URLs, or direct, or off",
        )
    return text.rstrip("/")


# --- GOSUMDB ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sumdb:
    name: str
    verifier: Verifier
    url: str  # the database's own URL, without trailing "/"
    url_given: bool  # GOSUMDB named the URL: Go then never asks the proxy for it
    setting: Setting


def sumdb(setting: Setting) -> Sumdb | None:
    """The database GOSUMDB names, or None for ``off``."""
    words = setting.value.split()
    if words == ["off"]:
        return None
    if len(words) not in (1, 2):
        raise ConfigError(f"{setting} is not 'name+hash+key [url]'", hint=_SUMDB_HINT)
    first = words[0]
    if "+" in first:
        verifier = parse_verifier(first, origin=str(setting))
        default_url = KNOWN_SUMDBS.get(verifier.name, ("", "https://" + verifier.name))[1]
    elif first in KNOWN_SUMDBS:
        key, default_url = KNOWN_SUMDBS[first]
        verifier = parse_verifier(key, origin=str(setting))
    else:
        raise ConfigError(f"{setting} names a database gvw has no key for", hint=_SUMDB_HINT)
    url = words[1] if len(words) == 2 else default_url
    if urlsplit(url).scheme.lower() not in ("https", "http", "file"):
        raise ConfigError(f"{setting}: {url!r} is not a database URL", hint=_SUMDB_HINT)
    return Sumdb(verifier.name, verifier, url.rstrip("/"), len(words) == 2, setting)


_SUMDB_HINT = (
    "use GOSUMDB=sum.golang.org, or 'name+hash+key https://db.example' for your own database"
)


# --- patterns ---------------------------------------------------------------------------


def matches_patterns(patterns: str, target: str) -> bool:
    """module.MatchPrefixPatterns: does a glob in the comma-separated list match
    ``target`` or a leading run of its path elements?"""
    for pattern in patterns.split(","):
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            continue
        elements = pattern.count("/") + 1
        prefix = "/".join(target.split("/")[:elements])
        if target.count("/") + 1 >= elements and fnmatch.fnmatchcase(prefix, pattern):
            return True
    return False


def sumdb_exclusion(settings: GoSettings) -> Setting | None:
    """The setting that keeps the toolchain module out of the checksum database."""
    if settings["GOSUMDB"].value.strip() == "off":
        return settings["GOSUMDB"]
    for name in ("GONOSUMDB", "GONOSUMCHECK"):
        setting = settings.values.get(name)
        if setting is not None and matches_patterns(setting.value, TOOLCHAIN_MODULE):
            return setting
    return None


def proxy_exclusion(settings: GoSettings) -> Setting | None:
    """GONOPROXY (or GOPRIVATE) telling Go to fetch the toolchain module directly."""
    setting = settings.values.get("GONOPROXY")
    if setting is not None and matches_patterns(setting.value, TOOLCHAIN_MODULE):
        return setting
    return None
