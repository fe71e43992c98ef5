"""The Go os/arch names of this machine (or of the one ``GVW_PLATFORM`` names)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass

from gvw.base.errors import ConfigError

_GOOS = {
    "linux": "linux",
    "darwin": "darwin",
    "win32": "windows",
    "cygwin": "windows",
    "freebsd": "freebsd",
    "openbsd": "openbsd",
    "netbsd": "netbsd",
}
_GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "i386": "386",
    "i686": "386",
    "x86": "386",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv6l": "armv6l",
    "armv7l": "armv6l",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loong64": "loong64",
}


@dataclass(frozen=True)
class Platform:
    goos: str
    goarch: str

    def __str__(self) -> str:
        return f"{self.goos}-{self.goarch}"


def host_goos() -> str:
    """The OS gvw runs on, in Go's names (not GVW_PLATFORM: that names the store's)."""
    return next((v for k, v in _GOOS.items() if sys.platform.startswith(k)), sys.platform)


def host_platform(env: Mapping[str, str]) -> Platform:
    """This machine's platform; ``GVW_PLATFORM=os-arch`` picks another (to prepare a
    store for another machine)."""
    override = env.get("GVW_PLATFORM", "").strip()
    if override:
        goos, sep, goarch = override.partition("-")
        if not sep or not goos.isalnum() or not goarch.isalnum():
            raise ConfigError(
                f"GVW_PLATFORM={override!r} is not an os-arch pair",
                hint="use Go's names, e.g. GVW_PLATFORM=windows-amd64",
            )
        return Platform(goos, goarch)
    import platform  # here: gvw current and which never ask (2 ms at start-up)

    goos = host_goos()
    machine = platform.machine().lower()
    return Platform(goos, _GOARCH.get(machine, machine))
