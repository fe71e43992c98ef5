"""The lock file: every manifest spec resolved to one release, and per platform the
archive's file name, size and sha256.

    lock_version = 1
    manifest = "gvw.toml"

    [specs]
    "1.22" = "1.22.10"

    [archives."1.22.10".linux-amd64]
    filename = "go1.22.10.linux-amd64.tar.gz"
    size = 68988925
    sha256 = "..."

``gvw apply --locked`` installs exactly these archives and checks them against these
checksums, whatever a mirror's index says: a fleet neither drifts between patch
releases nor trusts a compromised mirror.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from gvw.base.bounded import InputRefused, parse_toml, read_regular_file
from gvw.base.errors import ConfigError, GvwError, NoSuchReleaseError
from gvw.base.fsutil import atomic_write_text
from gvw.base.platforms import Platform
from gvw.base.sanitize import quoted_excerpt
from gvw.base.versions import (
    ExactSpec,
    GoVersion,
    LatestSpec,
    Spec,
    SystemSpec,
    newest_matching,
    parse_installed_name,
    parse_release_name,
    parse_spec,
)
from gvw.fleet.desired_state import Manifest
from gvw.install.release_index import Release, ReleaseFile, is_sha256

LOCK_VERSION = 1
_KEYS = {"lock_version", "manifest", "specs", "archives"}
_ARCHIVE_KEYS = {"filename", "size", "sha256"}
# a lock of 100 releases for 20 platforms is about 300 KB
MAX_LOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class LockedArchive:
    filename: str
    size: int
    sha256: str

    def release_file(self, platform: Platform) -> ReleaseFile:
        """As an index entry: the Installer then checks the locked sha256, not the index's."""
        return ReleaseFile(
            self.filename, platform.goos, platform.goarch, "archive", self.sha256, self.size
        )


@dataclass(frozen=True)
class Lock:
    path: Path
    specs: dict[str, str]  # spec as the manifest means it -> exact version name
    archives: dict[str, dict[str, LockedArchive]]  # version -> platform -> archive

    def version_for(self, spec: Spec) -> GoVersion:
        name = self.specs.get(str(spec))
        version = parse_release_name(name) if name else None
        if version is None:
            raise ConfigError(
                f"the lock file {self.path} has no release for {spec}",
                hint=f"the manifest changed since it was locked; run: gvw lock MANIFEST "
                f"(it writes {self.path.name})",
            )
        return version

    def archive_for(self, version: GoVersion, platform: Platform) -> LockedArchive:
        archive = self.archives.get(version.name, {}).get(str(platform))
        if archive is None:
            raise ConfigError(
                f"the lock file {self.path} has no {platform} archive of Go {version.name}",
                hint=f"lock that platform too: gvw lock MANIFEST --platform {platform}",
            )
        return archive


def resolve_lock(
    specs: Sequence[tuple[str, Spec]],
    releases: Sequence[Release],
    platforms: Sequence[Platform],
    *,
    path: Path,
    origin: str,
) -> Lock:
    """Resolve each spec to the newest release that has an archive for every platform;
    ``origin`` says where the specs came from, for the error."""
    specs_out: dict[str, str] = {}
    archives: dict[str, dict[str, LockedArchive]] = {}
    complete = {r.version: r for r in releases if all(r.archive_for(p) for p in platforms)}
    for spelled, spec in specs:
        if isinstance(spec, ExactSpec):
            version = spec.version if spec.version in complete else None
        else:
            version = newest_matching(spec, [v for v, r in complete.items() if r.stable])
        if version is None:
            wanted = ", ".join(str(p) for p in platforms)
            raise NoSuchReleaseError(
                f"no Go release matches {spelled} ({origin}) with archives for {wanted}",
                hint="see what exists with: gvw list-remote --all",
            )
        specs_out[str(spec)] = version.name
        for platform in platforms:
            file = complete[version].archive_for(platform)
            assert file is not None
            if file.sha256 is None or file.size is None:
                raise NoSuchReleaseError(
                    f"the index lists no sha256 or size for {file.filename}: it cannot be locked",
                    hint="use a mirror whose index has checksums (go.dev/dl does)",
                )
            archives.setdefault(version.name, {})[str(platform)] = LockedArchive(
                file.filename, file.size, file.sha256
            )
    return Lock(path, specs_out, archives)


def write_lock(lock: Lock, *, manifest: Manifest) -> None:
    document: dict[str, Any] = {
        "lock_version": LOCK_VERSION,
        "manifest": manifest.path.name,
        "specs": lock.specs,
        "archives": {
            version: {platform: a.__dict__ for platform, a in sorted(per.items())}
            for version, per in sorted(lock.archives.items())
        },
    }
    header = (
        f"# Written by gvw lock from {manifest.path.name}; edit the manifest, not this file.\n"
        "# gvw apply --locked installs exactly these archives with exactly these checksums.\n"
    )
    atomic_write_text(lock.path, header + tomli_w.dumps(document))


def load_lock(path: Path, *, manifest: Path | None) -> Lock:
    """The lock file ``path`` of the manifest file ``manifest`` (None: whichever manifest
    it was written for), checked whole: every key known, every spec and release spelled
    as gvw writes them (a lock is gvw's output, never hand-written), made for that
    manifest. Anything else is refused (exit 13), naming the file and the key."""
    where = str(path)
    fix = f"write it again with: gvw lock {manifest or 'MANIFEST'}"
    try:
        document = parse_toml(read_regular_file(path, MAX_LOCK_BYTES).decode("utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read the lock file {where}: {exc.strerror}", hint=fix) from exc
    except InputRefused as refused:
        raise _bad(where, refused.reason, fix) from None
    except ValueError as exc:  # not UTF-8, not TOML
        raise _bad(where, f"is not valid TOML ({exc})", fix) from None
    unknown = sorted(set(document) - _KEYS)
    if unknown:
        raise _bad(where, f"{quoted_excerpt(unknown[0])} is not a key of a lock file", fix)
    if document.get("lock_version") != LOCK_VERSION:
        found = document.get("lock_version")
        raise _bad(where, f"lock_version = {found!r} (expected {LOCK_VERSION})", fix)
    written_for = document.get("manifest")
    if not isinstance(written_for, str) or not written_for:
        raise _bad(where, "has no manifest = NAME", fix)
    if manifest is not None and written_for != manifest.name:
        why = f"was written for the manifest {quoted_excerpt(written_for)}, not {manifest.name}"
        raise _bad(where, why, fix)
    specs = document.get("specs")
    if not isinstance(specs, dict):
        raise _bad(where, "has no [specs] table", fix)
    for spec, version in specs.items():
        _check_spec(where, spec, version, fix)
    raw = document.get("archives")
    if not isinstance(raw, dict):
        raise _bad(where, "has no [archives] table", fix)
    archives: dict[str, dict[str, LockedArchive]] = {}
    for version, per in raw.items():
        if parse_installed_name(version) is None:
            raise _bad(where, f"archives.{quoted_excerpt(version)} is not a Go release", fix)
        if not isinstance(per, dict):
            raise _bad(where, f"archives.{version} is not a table", fix)
        for platform, entry in per.items():
            archives.setdefault(version, {})[platform] = _archive(
                where, version, platform, entry, fix
            )
    return Lock(path, dict(specs), archives)


def _check_spec(where: str, spec: object, version: object, fix: str) -> None:
    """``"1.22" = "1.22.10"``: a spec as gvw writes it (what the manifest's spec prints
    as) to a release named canonically: nothing a hand could slip in (``../..``, a
    newline, ``go01.022.010``) gets through."""
    key = f"specs.{quoted_excerpt(spec)}"
    try:
        parsed = parse_spec(str(spec), origin=f"{key} in the lock file {where}")
    except GvwError:
        parsed = None
    if parsed is None or str(parsed) != spec or isinstance(parsed, (LatestSpec, SystemSpec)):
        raise _bad(where, f"{key} is not a version spec as gvw writes one (e.g. 1.22)", fix)
    if not isinstance(version, str) or parse_installed_name(version) is None:
        why = f"{key} = {quoted_excerpt(version)} is not a Go release such as 1.22.10"
        raise _bad(where, why, fix)


def _archive(where: str, version: str, platform: str, entry: object, fix: str) -> LockedArchive:
    key = f"archives.{version}.{quoted_excerpt(platform)}"
    if not isinstance(entry, dict):
        raise _bad(where, f"{key} is not a table", fix)
    goos, _, goarch = platform.partition("-")
    if not (goos.isalnum() and goarch.isalnum() and platform.isascii()):
        why = f"{key}: {quoted_excerpt(platform)} is not a platform such as linux-amd64"
        raise _bad(where, why, fix)
    unknown = sorted(set(entry) - _ARCHIVE_KEYS)
    if unknown:
        why = f"{key}.{quoted_excerpt(unknown[0])} is not a key of a locked archive"
        raise _bad(where, why, fix)
    filename, size, sha256 = entry.get("filename"), entry.get("size"), entry.get("sha256")
    if not isinstance(filename, str) or not filename.startswith(f"go{version}."):
        raise _bad(where, f"{key}.filename = {filename!r} is not an archive of Go {version}", fix)
    if "/" in filename or "\\" in filename or ".." in filename:
        raise _bad(where, f"{key}.filename = {filename!r} is not a plain file name", fix)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _bad(where, f"{key}.size = {size!r} is not a size in bytes", fix)
    if not isinstance(sha256, str) or not is_sha256(sha256):
        raise _bad(where, f"{key}.sha256 = {sha256!r} is not a sha256", fix)
    return LockedArchive(filename, size, sha256.lower())


def _bad(where: str, what: str, fix: str) -> ConfigError:
    return ConfigError(f"the lock file {where}: {what}", hint=fix)
