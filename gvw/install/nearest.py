"""What does exist, when a version asked for matches no release: the newest release of
its family, or the newest release and the families nearest to it. Error messages name
it, and their hint installs it, so that a hint never leads to another dead end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gvw.base.versions import ExactSpec, FamilySpec, GoVersion, Spec

NEAREST_FAMILIES = 3


@dataclass(frozen=True)
class Nearest:
    """``text`` says what exists ("the newest is 1.22.10, in 1.22, 1.21 and 1.20");
    ``spec`` is the spec to install instead ("1.22", "1.23rc2", "latest"; "" when the
    mirror has nothing for this platform)."""

    text: str
    spec: str


def nearest_releases(spec: Spec | None, available: Iterable[GoVersion]) -> Nearest:
    """What of ``available`` (the releases installable here) is nearest to ``spec``
    (None: a list-remote prefix that is no spec)."""
    versions = sorted(set(available), reverse=True)
    stable = [v for v in versions if not v.is_prerelease]
    if not versions:
        return Nearest("the mirror has no release for this platform", "")
    family = _family(spec)
    if family is not None:
        relatives = [v for v in versions if v.family == family]
        settled = [v for v in relatives if not v.is_prerelease]
        name = f"{family[0]}.{family[1]}"
        if settled:
            return Nearest(f"the newest {name} release is {settled[0]}", name)
        if relatives:  # a family still in release candidates
            return Nearest(
                f"{name} has pre-releases only, the newest {relatives[0]}", str(relatives[0])
            )
    newest = stable[0] if stable else versions[0]
    families = _nearest_families(family or newest.family, stable or versions)
    text = f"the newest release is {newest}; nearest families: {', '.join(families)}"
    return Nearest(text, "latest" if stable else str(newest))


def _family(spec: Spec | None) -> tuple[int, int] | None:
    if isinstance(spec, ExactSpec):
        return spec.version.family
    if isinstance(spec, FamilySpec):
        return (spec.major, spec.minor)
    return None


def _nearest_families(family: tuple[int, int], versions: list[GoVersion]) -> list[str]:
    """The families of ``versions`` nearest to ``family`` (newest first on a tie)."""
    families = sorted({v.family for v in versions}, reverse=True)

    def distance(other: tuple[int, int]) -> tuple[int, int]:
        return (abs(other[0] - family[0]), abs(other[1] - family[1]))

    chosen = sorted(families, key=distance)[:NEAREST_FAMILIES]  # stable sort: newest first
    return [f"{major}.{minor}" for major, minor in sorted(chosen, reverse=True)]
