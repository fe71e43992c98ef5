"""What an inventory needs to know about one host, cheaply and without the network.

Pending patch releases come from the download index only when one is at hand (a
``file://`` mirror, or a cached copy of a remote index); known vulnerabilities and
supported releases from what gvw knows (:mod:`gvw.knowledge.release_knowledge`):
``gvw facts --refresh`` fetches both first.

With a manifest (``gvw facts --manifest FILE``) the facts also say how the host differs
from it (``drift``: the plan ``gvw apply --check`` would show), so that one document per
host is all a drift report (:mod:`gvw.fleet.drift_report`) needs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gvw import __version__
from gvw.base.errors import GvwError
from gvw.base.platforms import Platform
from gvw.base.versions import GoVersion
from gvw.fleet.plan import Plan
from gvw.install.release_index import Release
from gvw.knowledge.release_knowledge import Knowledge
from gvw.selection.resolver import read_version_file
from gvw.store.version_store import Store
from gvw.workflows.doctor import Finding


def gather(
    store: Store,
    *,
    host: str,
    platform: Platform,
    findings: Sequence[Finding],
    releases: Sequence[Release] | None,
    knowledge: Knowledge,
) -> dict[str, Any]:
    installed = store.installed()
    problems = [f for f in findings if not f.ok and not f.warning]
    warnings = [f for f in findings if not f.ok and f.warning]
    return {
        "gvw_version": __version__,
        "host": host,
        "platform": str(platform),
        "root": str(store.paths.root),
        # each with "vulnerabilities" and "supported" (None: not known)
        "installed": [{**_installed(store, v), **knowledge.version_facts(v)} for v in installed],
        "vulndb": knowledge.describe(),
        "global": _global(store),
        "shims_first_on_path": any(f.check == "shims-on-path" and f.ok for f in findings),
        "pending_patches": None if releases is None else pending(installed, releases, platform),
        "doctor": {
            "ok": not problems,
            "problems": [{"check": f.check, "message": f.message, "fix": f.fix} for f in problems],
            "warnings": [{"check": f.check, "message": f.message, "fix": f.fix} for f in warnings],
        },
    }


def drift(plan: Plan, manifest: Path) -> dict[str, Any]:
    """How the host differs from ``manifest``: in line, or the actions apply would take."""
    return {
        "manifest": str(manifest),
        "in_line": plan.in_line,
        "actions": plan.actions(),
        "warnings": list(plan.warnings),
    }


def pending(
    installed: Sequence[GoVersion], releases: Sequence[Release], platform: Platform
) -> dict[str, str]:
    """For each installed family, the newer stable patch release, if any:
    ``{"1.21.13": "1.21.14"}`` (keyed by the newest installed release of the family)."""
    newest: dict[tuple[int, int], GoVersion] = {}
    for version in sorted(installed, reverse=True):
        if not version.is_prerelease:
            newest.setdefault(version.family, version)
    result = {}
    for family, have in sorted(newest.items()):
        newer = [
            r.version
            for r in releases
            if r.stable
            and r.version.family == family
            and r.version > have
            and r.archive_for(platform)
        ]
        if newer:
            result[have.name] = max(newer).name
    return result


def _installed(store: Store, version: GoVersion) -> dict[str, Any]:
    meta = store.metadata(version)
    return {
        "version": version.name,
        "path": str(store.paths.version_dir(version.name)),
        "sha256": meta.sha256 or None if meta else None,
        "source": meta.source if meta else None,
        "installed_at": meta.installed_at if meta else None,
    }


def _global(store: Store) -> str | None:
    with contextlib.suppress(GvwError, OSError):
        if store.paths.global_file.is_file():
            return str(read_version_file(store.paths.global_file).spec)
    return None
