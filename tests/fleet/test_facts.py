"""gvw facts: what an inventory reads from one host, without the network."""

from __future__ import annotations

import json
import socket
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
        "gvw_version", "host", "platform", "root", "installed", "vulndb", "global",
        "shims_first_on_path", "pending_patches", "doctor",
    }  # fmt: skip
    assert found["host"] == socket.gethostname()
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


def test_facts_with_a_manifest_say_how_the_host_differs_as_apply_check_would(
    gvw: GvwEnv, mirror_factory, tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "m", ("1.21.13", "1.22.10"), ["linux-amd64"])
    server = mirror_factory(tmp_path / "m")
    env = {"GVW_MIRROR": server.url, "GVW_PLATFORM": "linux-amd64"}
    run_ok(gvw, "install", "1.21.13", env=env)
    manifest = tmp_path / "fleet.toml"
    manifest.write_text('[go]\nversions = ["1.21.13", "1.22"]\nglobal = "1.22"\n')
    listing = gvw.store_listing()
    found = json.loads(run_ok(gvw, "facts", "--json", "--manifest", str(manifest), env=env).stdout)
    check = gvw.run("apply", str(manifest), "--check", "--json", env=env)
    assert found["drift"] == {
        "manifest": str(manifest),
        "in_line": False,
        "actions": json.loads(check.stdout)["actions"],
        "warnings": [],
    }
    assert [a["action"] for a in found["drift"]["actions"]] == ["install", "global"]
    assert gvw.store_listing() == listing  # facts change nothing
    text = run_ok(gvw, "facts", "--manifest", str(manifest), env=env).stdout.splitlines()
    # the install above selected 1.21.13 (the first install becomes the global version)
    assert text[-1] == f"compared with {manifest}: install 1.22.10; global 1.21.13 -> 1.22.10"
    bad = gvw.run("facts", "--manifest", str(tmp_path / "missing.toml"), env=env)
    assert bad.returncode == 13 and "cannot read the manifest" in bad.stderr
    assert gvw.run("facts", "--locked").returncode == 2
