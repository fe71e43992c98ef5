"""A manifest's security policy: ``refuse = ["vulnerable", "unsupported"]``.

With ``vulnerable``, no Go release with a known vulnerability (the Go vulnerability
database, :mod:`gvw.knowledge`) may be installed or kept; with ``unsupported``, no
release of a minor version Go no longer supports. A version the manifest names that
breaks the policy is refused (nothing changes, exit 25; ``--check`` reports it as
drift); an installed version that breaks it is drift, and ``gvw apply`` moves it to the
trash (``gvw rollback`` brings it back).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal, get_args

from gvw.base.versions import GoVersion
from gvw.knowledge.release_knowledge import Knowledge
from gvw.knowledge.support import family_name

Rule = Literal["vulnerable", "unsupported"]
RULES: tuple[Rule, ...] = get_args(Rule)


def violation(version: GoVersion, knowledge: Knowledge, rules: Collection[Rule]) -> str | None:
    """Why ``version`` breaks the policy (``known vulnerabilities: GO-..., fixed in
    1.25.5``, ``no longer supported``), or None."""
    reasons = []
    if "vulnerable" in rules:
        found = knowledge.vulnerabilities(version) or []
        if found:
            fix = knowledge.fix_for(version)
            reasons.append(
                "known vulnerabilities: "
                + ", ".join(a.id for a in found)
                + (f" (fixed in {fix})" if fix else " (not all fixed yet)")
            )
    if "unsupported" in rules and knowledge.is_supported(version) is False:
        families = " and ".join(family_name(f) for f in knowledge.supported or ())
        reasons.append(f"no longer supported (Go supports {families})")
    return "; ".join(reasons) or None
