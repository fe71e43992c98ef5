"""gvw facts: what an inventory reads from one host, without the network."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror


def test_facts_report_versions_checksums_global_path_and_pending_patches(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    digests = write_synthetic_mirror(tmp_path / "m", ("1.21.12", "1.22.10"), ["linux-amd64"])
    server = mirror_factory(tmp_path / "m")
    run_ok(gvw, "install", "--mirror", server.url, "1.21.12", "1.22.10")
    run_ok(gvw, "global", "1.22.10")
    write_synthetic_mirror(tmp_path / "m", ("1.21.13",), ["linux-amd64"])  # a patch appears
    env = {"GVW_MIRROR": server.url, "GVW_PLATFORM": "linux-amd64"}
    server.clear_log()
    before = json.loads(run_ok(gvw, "facts", "--json", env=env).stdout)
    assert server.requests == []  # no network without --refresh
    assert before["pending_patches"] == {}  # the cached index predates the patch
    found = json.loads(run_ok(gvw, "facts", "--json", "--refresh", env=env).stdout)
    assert set(found) == {
        "gvw_version", "platform", "root", "installed", "vulndb", "global",
        "shims_first_on_path", "pending_patches", "doctor",
    }  # fmt: skip
    assert found["platform"] == "linux-amd64" and found["root"] == str(gvw.root)
    assert [(i["version"], i["sha256"]) for i in found["installed"]] == [
        ("1.22.10", digests["go1.22.10.linux-amd64.tar.gz"]),
        ("1.21.12", digests["go1.21.12.linux-amd64.tar.gz"]),
    ]
    assert found["global"] == "1.22.10"
    assert found["pending_patches"] == {"1.21.12": "1.21.13"}
    assert found["shims_first_on_path"] is False
    assert found["doctor"]["ok"] is False
    assert "shims-on-path" in [p["check"] for p in found["doctor"]["problems"]]
    on_path = {"PATH": f"{gvw.root / 'shims'}:/usr/bin:/bin", **env}
    assert json.loads(run_ok(gvw, "facts", "--json", env=on_path).stdout)["shims_first_on_path"]
