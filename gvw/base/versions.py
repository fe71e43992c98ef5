"""Go version names, their ordering, and version specs.

Canonical names are Go's release names without the ``go`` prefix (``1.21.13``,
``1.22rc1``, ``1.20``). Ordering follows Go's ``go/version`` / ``gover`` rules:
``1.21`` < ``1.21beta1`` < ``1.21rc1`` < ``1.21.0`` < ``1.21.1``.

A *spec* is what a user writes (command line, ``.go-version``, ``GVW_GO_VERSION``):
an exact version, a family prefix (``1.22``), ``latest`` or ``system``. The grammar is
shared with the native shims; see docs/selection.md ("Version specs").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from gvw.base.errors import InvalidVersionError

# 1-9 digits, no leading zeros: keeps names canonical and numbers small in the shims.
_NUM = r"(?:0|[1-9][0-9]{0,8})"
_SPEC_RE = re.compile(
    rf"^(?P<major>{_NUM})\.(?P<minor>{_NUM})"
    rf"(?:\.(?P<patch>{_NUM})|(?P<pre>beta|rc)(?P<pre_num>[1-9][0-9]{{0,8}}))?$"
)
# Release names in a download index are older and looser than specs ("1.9.2rc2"
# exists); they are parsed leniently and anything else is skipped, never fatal.
_RELEASE_RE = re.compile(
    r"^(?P<major>[0-9]{1,9})(?:\.(?P<minor>[0-9]{1,9}))?(?:\.(?P<patch>[0-9]{1,9}))?"
    r"(?:(?P<pre>beta|rc)(?P<pre_num>[0-9]{1,9}))?$"
)

# Rank of the kinds of release within one major.minor, in Go's order.
_RANK_LANGUAGE, _RANK_BETA, _RANK_RC, _RANK_PATCH = 0, 1, 2, 3

MAX_WORD_SHOWN = 64


@dataclass(frozen=True)
class GoVersion:
    """One Go release, comparable in Go's order."""

    major: int
    minor: int
    patch: int | None = None
    pre: str | None = None  # "beta" or "rc"
    pre_num: int = 0

    @property
    def name(self) -> str:
        base = f"{self.major}.{self.minor}"
        if self.patch is not None:
            base += f".{self.patch}"
        if self.pre is not None:
            base += f"{self.pre}{self.pre_num}"
        return base

    @property
    def is_prerelease(self) -> bool:
        return self.pre is not None

    @property
    def family(self) -> tuple[int, int]:
        return (self.major, self.minor)

    @property
    def sort_key(self) -> tuple[int, int, int, int, int]:
        # (major, minor, patch or -1, kind, pre-release number). The kind ranks the
        # language version ("1.21") < beta < rc < the release itself; an old
        # pre-release of a patch ("1.9.2rc2") sorts just before that patch.
        kind = {"beta": _RANK_BETA, "rc": _RANK_RC}.get(self.pre or "", _RANK_LANGUAGE)
        if self.patch is None:
            return (self.major, self.minor, -1, kind, self.pre_num)
        if self.pre is None:
            kind = _RANK_PATCH
        return (self.major, self.minor, self.patch, kind, self.pre_num)

    def __lt__(self, other: GoVersion) -> bool:
        return self.sort_key < other.sort_key

    def __str__(self) -> str:
        return self.name


def parse_release_name(name: str) -> GoVersion | None:
    """Parse a release name from an index or the store (``go`` prefix allowed).

    Returns None for names that are not Go releases; callers skip those.
    """
    if name.startswith("go"):
        name = name[2:]
    match = _RELEASE_RE.match(name)
    if not match:
        return None
    return GoVersion(
        major=int(match["major"]),
        minor=int(match["minor"] or 0),
        patch=int(match["patch"]) if match["patch"] is not None else None,
        pre=match["pre"],
        pre_num=int(match["pre_num"] or 0),
    )


def parse_installed_name(name: str) -> GoVersion | None:
    """Parse a directory name under ``versions/``: only canonical names count."""
    version = _parse_strict(name)
    return version if version is not None and version.name == name else None


def _parse_strict(text: str) -> GoVersion | None:
    match = _SPEC_RE.match(text)
    if not match:
        return None
    return GoVersion(
        major=int(match["major"]),
        minor=int(match["minor"]),
        patch=int(match["patch"]) if match["patch"] is not None else None,
        pre=match["pre"],
        pre_num=int(match["pre_num"] or 0),
    )


@dataclass(frozen=True)
class ExactSpec:
    version: GoVersion

    def __str__(self) -> str:
        return self.version.name


@dataclass(frozen=True)
class FamilySpec:
    """``1.22``: the newest stable release of the 1.22 family."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class LatestSpec:
    def __str__(self) -> str:
        return "latest"


@dataclass(frozen=True)
class SystemSpec:
    def __str__(self) -> str:
        return "system"


Spec = Union[ExactSpec, FamilySpec, LatestSpec, SystemSpec]


def shown_word(word: str) -> str:
    """The word as error messages print it: printable ASCII only, cut short.

    Hostile version files may hold escape sequences; the shims print the same.
    """
    raw = word.encode("utf-8", "surrogateescape")[:MAX_WORD_SHOWN]
    return "".join(chr(b) if 0x20 <= b < 0x7F else "?" for b in raw)


def parse_spec(text: str, *, origin: str) -> Spec:
    """Parse a user's version spec; ``origin`` names where it came from."""
    word = text.strip()
    if word.startswith("go") and word[2:3].isdigit():
        word = word[2:]
    if word == "latest":
        return LatestSpec()
    if word == "system":
        return SystemSpec()
    match = _SPEC_RE.match(word)
    if match is None:
        raise invalid_version_error(text.strip(), origin)
    if match["patch"] is None and match["pre"] is None:
        return FamilySpec(int(match["major"]), int(match["minor"]))
    version = _parse_strict(word)
    assert version is not None
    return ExactSpec(version)


def invalid_version_error(word: str, origin: str) -> InvalidVersionError:
    return InvalidVersionError(
        f'invalid Go version "{shown_word(word)}" (set by {origin})',
        hint="expected a version such as 1.22.10, 1.22, latest or system",
    )


def newest_matching(spec: Spec, versions: Iterable[GoVersion]) -> GoVersion | None:
    """The version a spec selects among ``versions`` (installed or released).

    Family and latest specs take stable releases only.
    """
    if isinstance(spec, ExactSpec):
        return spec.version if spec.version in set(versions) else None
    if isinstance(spec, SystemSpec):
        return None
    candidates = [v for v in versions if not v.is_prerelease]
    if isinstance(spec, FamilySpec):
        candidates = [v for v in candidates if v.family == (spec.major, spec.minor)]
    return max(candidates, default=None)
