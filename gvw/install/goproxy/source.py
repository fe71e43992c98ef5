"""Reading ``golang.org/toolchain`` from the module proxies GOPROXY lists, with Go's
fall-back rules (modfetch.TryProxies): after an entry followed by ``,`` the next one
is tried only when this one said 404 or 410; after ``|``, on any error. ``direct``
(fetching from version control) is where gvw stops: toolchains come from proxies;
``off`` stops with an error naming the setting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from gvw.base import http
from gvw.base.errors import ConfigError, NetworkError, NoSuchReleaseError
from gvw.base.fileurl import file_url_path
from gvw.base.platforms import Platform
from gvw.install.goproxy.modzip import MODULE, parse_module_version
from gvw.install.goproxy.settings import (
    GoSettings,
    ProxyEntry,
    Setting,
    proxy_exclusion,
    proxy_list,
    proxy_url,
)
from gvw.install.release_index import Release, ReleaseFile

T = TypeVar("T")
EXPLICIT_PREFIX = "goproxy+"


@dataclass(frozen=True)
class ProxySource:
    entries: list[ProxyEntry]
    setting: Setting  # where the list came from, for messages
    settings: GoSettings
    timeout: float

    def describe(self) -> str:
        return str(self.setting)

    def try_proxies(self, action: Callable[[str], T], *, what: str) -> tuple[T, str]:
        """Run ``action(proxy_url)`` on the entries in Go's order; returns its result
        and the proxy that gave it."""
        last: NetworkError | None = None
        for entry in self.entries:
            if entry.url == "off":
                raise ConfigError(
                    f"{what}: module downloads are disabled by {self.setting}",
                    hint="name a proxy, e.g. GOPROXY=https://proxy.golang.org",
                )
            if entry.url == "direct":
                break  # toolchains are not fetched from version control
            try:
                return action(entry.url), entry.url
            except NetworkError as exc:
                if exc.status in (404, 410) or entry.fall_back_on_error:
                    last = exc
                    continue
                raise
        if last is not None and last.status not in (404, 410):
            raise last  # a "|" entry's failure, with nothing after it that worked
        raise NoSuchReleaseError(
            f"{what}: no proxy in {self.setting} has it",
            hint="see what the proxy has with: gvw list-remote --mirror goproxy --all",
        )


def proxy_source(
    mirror_url: str, origin: str, settings: GoSettings, *, timeout: float
) -> ProxySource:
    """The proxies a ``goproxy`` or ``goproxy+URL`` mirror (set by ``origin``) reads."""
    if mirror_url.startswith(EXPLICIT_PREFIX):
        setting = Setting("GOPROXY", mirror_url[len(EXPLICIT_PREFIX) :], origin)
        entries = [ProxyEntry(proxy_url(setting.value.strip(), setting), False)]
        return ProxySource(entries, setting, settings, timeout)
    excluded = proxy_exclusion(settings)
    if excluded is not None:
        raise ConfigError(
            f"{excluded} sends {MODULE} to version control instead of the proxy; "
            "gvw installs toolchains from module proxies only",
            hint=f"remove {MODULE} from {excluded.name}, or name the proxy: "
            "--mirror goproxy+https://proxy.example",
        )
    return ProxySource(proxy_list(settings["GOPROXY"]), settings["GOPROXY"], settings, timeout)


def read(url: str, *, timeout: float, max_bytes: int = 1 << 20) -> bytes:
    """A small file from a proxy or database: http(s) or file:// (404 when missing)."""
    if not url.lower().startswith("file:"):
        return http.fetch_bytes(url, timeout=timeout, max_bytes=max_bytes)
    path = file_url_path(url)
    try:
        with open(path, "rb") as handle:
            return handle.read(max_bytes + 1)[:max_bytes]
    except FileNotFoundError:
        raise NetworkError(f"{path} does not exist", status=404) from None
    except OSError as exc:
        raise NetworkError(f"cannot read {path}: {exc.strerror}") from exc


def toolchain_url(proxy: str, name: str) -> str:
    """``<proxy>/golang.org/toolchain/@v/<name>``."""
    return f"{proxy}/{MODULE}/@v/{name}"


def list_releases(source: ProxySource, platform: Platform) -> list[Release]:
    """The toolchains of ``platform`` the first answering proxy lists, newest first."""

    def fetch(proxy: str) -> bytes:
        return read(toolchain_url(proxy, "list"), timeout=source.timeout)

    data, _proxy = source.try_proxies(fetch, what=f"listing {MODULE}")
    releases = {}
    for line in data.decode("utf-8", "replace").splitlines():
        parsed = parse_module_version(line)
        if parsed is None or parsed[1] != platform:
            continue  # other platforms, or versions that are not Go releases
        version = parsed[0]
        archive = ReleaseFile(
            filename=f"{line.strip()}.zip",
            os=platform.goos,
            arch=platform.goarch,
            kind="archive",
            sha256=None,
            size=None,
        )
        releases[version] = Release(version, not version.is_prerelease, (archive,))
    return [releases[v] for v in sorted(releases, reverse=True)]
