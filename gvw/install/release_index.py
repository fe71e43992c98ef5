"""Go's download index (``https://go.dev/dl/?mode=json&include=all``).

The real index is old and uneven: empty sha256 on old releases, ``go1.20`` without
``.0``, names like ``go1.9.2rc2``, os/arch pairs gvw has never heard of; all of that
is fine. An entry that is malformed (a missing or non-text field, a sha256 that is not
one, a file name that would bend a path or URL such as ``../x``) is left out and
recorded as an :class:`IndexProblem`: the install of that very release fails with the
problem named (exit 11) instead of "no such release", and the others are warned
about. Only a document that is not an index at all fails as a whole.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from gvw.base.bounded import InputRefused, parse_json
from gvw.base.errors import BadIndexError
from gvw.base.platforms import Platform
from gvw.base.reporting import Reporter
from gvw.base.versions import ExactSpec, GoVersion, Spec, newest_matching, parse_release_name

_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
# a plain file name: no separators, no leading dot, nothing a URL or a path would bend
_FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
ARCHIVE_SUFFIXES = (".tar.gz", ".zip")


def is_sha256(text: str) -> bool:
    """64 hexadecimal digits, either case (go.dev publishes lower case)."""
    return _SHA256_RE.match(text) is not None


@dataclass(frozen=True)
class ReleaseFile:
    filename: str
    os: str
    arch: str
    kind: str
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class Release:
    version: GoVersion
    stable: bool
    files: tuple[ReleaseFile, ...]

    def archive_for(self, target: Platform) -> ReleaseFile | None:
        """The archive to install on ``target`` (zip preferred on Windows)."""
        candidates = [
            f
            for f in self.files
            if f.kind == "archive"
            and f.os == target.goos
            and f.arch == target.goarch
            and f.filename.endswith(ARCHIVE_SUFFIXES)
        ]
        preferred = ".zip" if target.goos == "windows" else ".tar.gz"
        candidates.sort(key=lambda f: not f.filename.endswith(preferred))
        return candidates[0] if candidates else None


@dataclass(frozen=True)
class IndexProblem:
    """A malformed index entry: where it is, why it was left out, and as far as the
    entry says, which release, platform and kind of file it was about."""

    where: str  # "release go1.22.10, file 3", "entry 7"
    why: str
    version: GoVersion | None = None
    os: str | None = None  # None: the entry does not say (or says it badly)
    arch: str | None = None
    kind: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.why}"

    def concerns(self, target: Platform) -> bool:
        """Whether installing this release on ``target`` could have used the entry."""
        return (
            self.os in (None, target.goos)
            and self.arch in (None, target.goarch)
            and self.kind in (None, "archive")
        )


@dataclass
class ReleaseIndex:
    """The releases of one index document, newest first, and its bad entries."""

    releases: list[Release]
    problems: list[IndexProblem]
    source: str  # where it came from, for messages
    fetched: bool = False  # read from the mirror just now (not from the cache)
    warned: bool = field(default=False, compare=False)  # about its bad entries, once

    def check(
        self, spec: Spec, chosen: GoVersion | None, target: Platform, reporter: Reporter
    ) -> None:
        """Raise the index error when a bad entry would have answered ``spec`` (not "no
        such release", not a silently older one); warn about the other bad entries."""
        problem = self.problem_for(spec, chosen, target)
        self.warn(reporter, skip=problem)
        if problem is not None:
            raise self.error_for(problem, target)

    def warn(self, reporter: Reporter, *, skip: IndexProblem | None = None) -> None:
        """Warn about the bad entries (once per index; ``skip``: the one reported)."""
        if not self.warned:
            self.warned = True
            for line in self.warnings(skip=skip):
                reporter.warn(line)

    def problem_for(
        self, spec: Spec, chosen: GoVersion | None, target: Platform
    ) -> IndexProblem | None:
        """The bad entry that would have answered ``spec`` on ``target`` (the exact
        release asked for, or a newer match than ``chosen`` for a family or latest)."""
        for problem in self.problems:
            version = problem.version
            if version is None or not problem.concerns(target):
                continue
            if newest_matching(spec, [version]) == version and (
                chosen is None or isinstance(spec, ExactSpec) or version > chosen
            ):
                return problem
        return None

    def error_for(self, problem: IndexProblem, target: Platform) -> BadIndexError:
        assert problem.version is not None
        return BadIndexError(
            f"the download index from {self.source} has a bad entry for Go "
            f"{problem.version.name} ({target}): {problem}; nothing was installed",
            hint="the mirror's index is damaged or was tampered with: fix the mirror, "
            "or use another one with --mirror URL",
        )

    def warnings(self, *, skip: IndexProblem | None = None, limit: int = 5) -> list[str]:
        """One line per bad entry (at most ``limit``, then how many more)."""
        shown = [p for p in self.problems if p is not skip]
        lines = [f"the download index from {self.source}: {p} (left out)" for p in shown[:limit]]
        if len(shown) > limit:
            lines.append(
                f"the download index from {self.source}: "
                f"{len(shown) - limit} more bad entries left out"
            )
        return lines


def parse_index(data: bytes, *, source: str) -> list[Release]:
    """Parse index JSON, newest release first. ``source`` names where it came from."""
    return read_index(data, source=source).releases


def read_index(data: bytes, *, source: str) -> ReleaseIndex:
    """Parse index JSON into its releases and the problems with its bad entries."""
    try:
        document = parse_json(data)
    except InputRefused as refused:
        raise BadIndexError(
            f"the download index from {source} {refused.reason}; refusing it",
            hint="check the mirror URL: it must serve Go's ?mode=json&include=all index",
        ) from None
    except ValueError as exc:  # not UTF-8, not JSON
        raise BadIndexError(
            f"the download index from {source} is not valid JSON ({exc})",
            hint="check the mirror URL (gvw install --mirror URL) or try again later",
        ) from None
    if not isinstance(document, list):
        raise BadIndexError(
            f"the download index from {source} is not a list of releases",
            hint="check the mirror URL: it must serve Go's ?mode=json&include=all index",
        )
    releases: dict[GoVersion, Release] = {}
    problems: list[IndexProblem] = []
    for number, entry in enumerate(document, 1):
        release = _parse_release(entry, number, problems)
        if release is None:
            continue
        if release.version in releases:  # a hostile or sloppy index repeats a version
            where = f"release go{release.version.name} (entry {number})"
            problems.append(IndexProblem(where, "listed twice", version=release.version))
            continue
        releases[release.version] = release
    ordered = sorted(releases.values(), key=lambda r: r.version, reverse=True)
    return ReleaseIndex(ordered, problems, source)


def _parse_release(entry: object, number: int, problems: list[IndexProblem]) -> Release | None:
    if not isinstance(entry, dict):
        problems.append(IndexProblem(f"entry {number}", "not an object"))
        return None
    name = entry.get("version")
    version = parse_release_name(name) if isinstance(name, str) else None
    if version is None:
        why = "no version" if name is None else f"version {_shown(name)} is not a Go release"
        problems.append(IndexProblem(f"entry {number}", why))
        return None
    where = f"release {_shown(name)}"
    files_raw = entry.get("files")
    if not isinstance(files_raw, list):
        problems.append(IndexProblem(where, "its files are not a list", version=version))
        files_raw = []
    files = []
    for file_number, raw in enumerate(files_raw, 1):
        parsed = _parse_file(raw)
        if isinstance(parsed, ReleaseFile):
            files.append(parsed)
        else:
            problems.append(_file_problem(raw, parsed, f"{where}, file {file_number}", version))
    stable = entry.get("stable") is True and not version.is_prerelease
    return Release(version=version, stable=stable, files=tuple(files))


def _parse_file(raw: object) -> ReleaseFile | str:
    """The file entry, or why it is not one."""
    if not isinstance(raw, dict):
        return "not an object"
    filename = raw.get("filename")
    if not isinstance(filename, str):
        return "no file name"
    if not _FILENAME_RE.match(filename) or ".." in filename:
        return f"file name {_shown(filename)} is not a plain file name"
    texts = {key: raw.get(key, "") for key in ("os", "arch", "kind")}
    for key, value in texts.items():
        if not isinstance(value, str):
            return f"{key} {_shown(value)} is not text"
    sha = raw.get("sha256", "")
    if not isinstance(sha, str) or (sha and not is_sha256(sha)):
        return f"sha256 {_shown(sha)} is not 64 hexadecimal digits"
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        return f"size {_shown(size)} is not a number of bytes"
    return ReleaseFile(
        filename=filename,
        os=texts["os"],
        arch=texts["arch"],
        kind=texts["kind"],
        sha256=sha.lower() or None,
        size=size,
    )


def _file_problem(raw: object, why: str, where: str, version: GoVersion) -> IndexProblem:
    fields = raw if isinstance(raw, dict) else {}
    os_, arch, kind = (fields.get(k) for k in ("os", "arch", "kind"))
    return IndexProblem(
        where,
        why,
        version=version,
        os=os_ if isinstance(os_, str) else None,
        arch=arch if isinstance(arch, str) else None,
        kind=kind if isinstance(kind, str) else None,
    )


def _shown(value: object) -> str:
    """A value from an untrusted index, safe to print: quoted, printable ASCII, short."""
    text = value if isinstance(value, str) else json.dumps(value)  # 12, null, [1]
    cleaned = "".join(c if " " <= c <= "~" else "?" for c in text)
    cut = cleaned[:64] + ("..." if len(cleaned) > 64 else "")
    return repr(cut) if isinstance(value, str) else cut
