"""A Go vulnerability database in its published format, for the tests.

The layout and fields are those of https://vuln.go.dev (``index/db.json``,
``index/modules.json``, ``ID/<id>.json`` OSV entries); the entries are modelled on the
real ones of the ``stdlib`` and ``toolchain`` modules around Go 1.25.5: the two
crypto/x509 fixes of Go 1.25.5 and 1.24.11, a cmd/go fix of 1.23.11 and 1.24.5, an
entry for a 1.26 release candidate, a withdrawn entry and one of another module.

- ``write_vulndb(directory, entries=ENTRIES)`` writes the tree.
- ``vulndb`` (function): a :class:`VulnDBServer`: the tree in a temporary directory
  served over HTTP on 127.0.0.1 (``.url`` for GOVULNDB; faults as for mirrors, e.g.
  ``server.fail("/vuln/index/db.json", 500)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer

MODIFIED = "2025-12-02T18:48:31Z"
OLD, NEW = "1.25.4", "1.25.5"


def _entry(
    entry_id: str,
    cve: str,
    summary: str,
    module: str,
    packages: Sequence[str],
    events: Sequence[dict[str, str]],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "schema_version": "1.3.1",
        "id": entry_id,
        "modified": extra.pop("modified", MODIFIED),
        "published": "2025-12-02T18:30:00Z",
        "aliases": [cve],
        "summary": summary,
        "details": summary + ". More details follow in the entry.",
        "affected": [
            {
                "package": {"name": module, "ecosystem": "Go"},
                "ranges": [{"type": "SEMVER", "events": list(events)}],
                "ecosystem_specific": {
                    "imports": [{"path": p, "symbols": ["Verify"]} for p in packages]
                },
            }
        ],
        "references": [{"type": "FIX", "url": "https://go.dev/cl/725000"}],
        "database_specific": {"url": f"https://pkg.go.dev/vuln/{entry_id}"},
        **extra,
    }


X509_A = _entry(
    "GO-2025-4155",
    "CVE-2025-61729",
    "Excessive resource consumption when printing error string for host certificate "
    "validation in crypto/x509",
    "stdlib",
    ["crypto/x509"],
    [{"introduced": "0"}, {"fixed": "1.24.11"}, {"introduced": "1.25.0-0"}, {"fixed": "1.25.5"}],
)
X509_B = _entry(
    "GO-2025-4175",
    "CVE-2025-61727",
    "Improper application of excluded DNS name constraints when verifying wildcard "
    "names in crypto/x509",
    "stdlib",
    ["crypto/x509"],
    [{"introduced": "0"}, {"fixed": "1.24.11"}, {"introduced": "1.25.0-0"}, {"fixed": "1.25.5"}],
)
CMD_GO = _entry(
    "GO-2025-3828",
    "CVE-2025-4674",
    "Unexpected command execution in untrusted VCS repositories in cmd/go",
    "toolchain",
    ["cmd/go"],
    [{"introduced": "0"}, {"fixed": "1.23.11"}, {"introduced": "1.24.0-0"}, {"fixed": "1.24.5"}],
)
RC_ONLY = _entry(
    "GO-2026-4301",
    "CVE-2026-20001",
    "Panic on malformed input in net/http of a release candidate",
    "stdlib",
    ["net/http"],
    [{"introduced": "1.26.0-0"}, {"fixed": "1.26.0-rc.2"}],
)
WITHDRAWN = _entry(
    "GO-2025-4100",
    "CVE-2025-47906",
    "Withdrawn: not a vulnerability in os/exec",
    "stdlib",
    ["os/exec"],
    [{"introduced": "0"}, {"fixed": "1.25.6"}],
    withdrawn="2025-12-01T00:00:00Z",
)
OTHER_MODULE = _entry(
    "GO-2025-4200",
    "CVE-2025-58190",
    "Infinite loop in golang.org/x/net/html",
    "golang.org/x/net",
    ["golang.org/x/net/html"],
    [{"introduced": "0"}, {"fixed": "0.45.0"}],
)
ENTRIES = (X509_A, X509_B, CMD_GO, RC_ONLY, WITHDRAWN, OTHER_MODULE)
# what affects Go 1.25.4, in id order, and what 1.25.5 fixes of it
AFFECTING_OLD = ("GO-2025-4155", "GO-2025-4175")
# how gvw's JSON reports show X509_A
X509_A_REPORTED = {
    "id": "GO-2025-4155",
    "aliases": ["CVE-2025-61729"],
    "summary": "Excessive resource consumption when printing error string for host "
    "certificate validation in crypto/x509",
    "modules": ["stdlib"],
    "packages": ["crypto/x509"],
}


def synthetic_machine(
    gvw: GvwEnv, mirror: MirrorServer, directory: Path, releases: Sequence[str], db: VulnDBServer
) -> GvwEnv:
    """``gvw`` set up with a synthetic linux-amd64 mirror of ``releases`` (in
    ``directory``, served by ``mirror``) and the database ``db``."""
    write_synthetic_mirror(directory, releases, ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.url, GVW_PLATFORM="linux-amd64", GOVULNDB=db.url)
    return gvw


def write_vulndb(
    directory: Path, entries: Sequence[dict[str, Any]] = ENTRIES, *, modified: str = MODIFIED
) -> Path:
    """The database tree with ``entries`` (as the real one: pretty-printed entries,
    compact indexes)."""
    modules: dict[str, list[dict[str, str]]] = {}
    for entry in entries:
        for affected in entry["affected"]:
            fixed = [e["fixed"] for r in affected["ranges"] for e in r["events"] if "fixed" in e]
            vuln = {"id": entry["id"], "modified": entry["modified"]}
            if fixed:
                vuln["fixed"] = fixed[-1]
            modules.setdefault(affected["package"]["name"], []).append(vuln)
        (directory / "ID").mkdir(parents=True, exist_ok=True)
        (directory / "ID" / f"{entry['id']}.json").write_text(json.dumps(entry, indent=2))
    (directory / "index").mkdir(parents=True, exist_ok=True)
    listing = [{"path": path, "vulns": vulns} for path, vulns in sorted(modules.items())]
    (directory / "index" / "modules.json").write_text(json.dumps(listing))
    (directory / "index" / "db.json").write_text(json.dumps({"modified": modified}))
    return directory


@dataclass
class VulnDBServer:
    directory: Path
    server: MirrorServer

    @property
    def url(self) -> str:
        return f"{self.server.base_url}/vuln"

    def requests(self, prefix: str = "/vuln/") -> list[str]:
        return [r.path for r in self.server.requests if r.path.startswith(prefix)]

    def rewrite(self, entries: Sequence[dict[str, Any]], *, modified: str) -> None:
        """Publish a new state of the database (entries changed, added or removed)."""
        for old in (self.directory / "ID").iterdir():
            old.unlink()
        write_vulndb(self.directory, entries, modified=modified)


@pytest.fixture
def vulndb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VulnDBServer]:
    directory = write_vulndb(tmp_path_factory.mktemp("vulndb"))
    empty = tmp_path_factory.mktemp("no-mirror")
    with MirrorServer(empty, trees={"/vuln/": directory}) as server:
        yield VulnDBServer(directory, server)
    assert not server.errors, server.errors
