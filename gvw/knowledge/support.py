"""Which Go releases are still supported.

Go's release policy: "Each major Go release is supported until there are two newer
major releases" (https://go.dev/doc/devel/release#policy) — at any time the two newest
minor releases (1.25 and 1.24 once 1.25.0 is out) get security fixes; an older one
gets none. Only stable releases count: a 1.26rc1 does not end 1.24's support.
"""

from __future__ import annotations

from collections.abc import Iterable

from gvw.base.versions import GoVersion

SUPPORTED_COUNT = 2

Family = tuple[int, int]


def supported_families(releases: Iterable[GoVersion]) -> tuple[Family, ...]:
    """The two newest families with a stable release, newest first."""
    families = {v.family for v in releases if not v.is_prerelease}
    return tuple(sorted(families, reverse=True)[:SUPPORTED_COUNT])


def is_supported(version: GoVersion, families: Iterable[Family]) -> bool:
    """Whether Go still fixes ``version``'s family. A pre-release of a family newer
    than every supported one (1.26rc1 while 1.25 is newest) counts as supported."""
    families = tuple(families)
    if version.family in families:
        return True
    return bool(families) and version.family > max(families)


def family_name(family: Family) -> str:
    return f"{family[0]}.{family[1]}"
