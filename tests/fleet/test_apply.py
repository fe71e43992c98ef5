"""gvw apply: a fleet manifest applied with real toolchains from the test mirror: check
mode, idempotence, prune with rollback from the trash, bad manifests, concurrent runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import MirrorServer
from tests.support.toolchains import archive_name, unpack_toolchain

pytestmark = pytest.mark.slow


def manifest(path: Path, body: str) -> Path:
    path.write_text("[go]\n" + body, encoding="utf-8")
    return path


def test_check_reports_drift_with_exit_21_and_changes_nothing(
    gvw: GvwEnv, real_mirror: MirrorServer, tmp_path: Path
) -> None:
    file = manifest(tmp_path / "fleet.toml", 'versions = ["1.21.13", "1.22"]\nglobal = "1.22"\n')
    result = gvw.run("apply", str(file), "--check", "--json", "--mirror", real_mirror.url)
    assert result.returncode == 21, result.stderr
    report = json.loads(result.stdout)
    assert report["changed"] is True and report["check"] is True
    assert [(a["action"], a.get("version")) for a in report["actions"]] == [
        ("install", "1.21.13"),
        ("install", "1.22.10"),
        ("global", None),
    ]
    assert report["actions"][2]["new"] == "1.22.10"
    assert report["before"] == {"installed": [], "global": None}
    assert report["after"] == {"installed": ["1.21.13", "1.22.10"], "global": "1.22.10"}
    assert report["snapshot"] is None
    assert not (gvw.root / "versions").exists() and gvw.audit_entries() == []


def test_apply_installs_pins_then_is_idempotent_and_prune_rolls_back_offline(
    gvw: GvwEnv, mirror_factory, real_mirror_dir: Path, tmp_path: Path
) -> None:
    server = mirror_factory(real_mirror_dir)
    file = manifest(tmp_path / "fleet.toml", 'versions = ["1.21.13", "1.22"]\nglobal = "1.22"\n')
    first = json.loads(run_ok(gvw, "apply", str(file), "--json", "--mirror", server.url).stdout)
    assert first["changed"] is True and first["snapshot"]
    assert sorted(p.name for p in (gvw.root / "versions").iterdir()) == ["1.21.13", "1.22.10"]
    assert (gvw.root / "version").read_text() == "1.22.10\n"
    assert (gvw.root / "shims" / "go1.21.13").exists()
    listing = gvw.store_listing()

    again = run_ok(gvw, "apply", str(file), "--json", "--mirror", server.url)
    assert json.loads(again.stdout)["changed"] is False
    assert json.loads(again.stdout)["snapshot"] is None
    assert gvw.store_listing() == listing
    check = gvw.run("apply", str(file), "--check", "--mirror", server.url)
    assert check.returncode == 0 and "nothing to do" in check.stdout
    assert [e["command"] for e in gvw.audit_entries()] == [f"apply {file}"]

    server.stop()  # prune and rollback need no network (exact versions, the trash)
    pruning = manifest(
        tmp_path / "prune.toml", 'versions = ["1.22.10"]\nglobal = "1.22.10"\nprune = true\n'
    )
    pruned = run_ok(gvw, "apply", str(pruning), "--diff")
    assert "done: prune Go 1.21.13 (to the trash)" in pruned.stdout
    assert "-installed 1.21.13" in pruned.stdout and " installed 1.22.10" in pruned.stdout
    assert [p.name for p in (gvw.root / "versions").iterdir()] == ["1.22.10"]
    assert not (gvw.root / "shims" / "go1.21.13").exists()
    entry = gvw.audit_entries()[-1]
    assert entry["changes"] == [{"kind": "pruned", "version": "1.21.13"}]
    run_ok(gvw, "rollback")
    assert sorted(p.name for p in (gvw.root / "versions").iterdir()) == ["1.21.13", "1.22.10"]
    assert (gvw.root / "shims" / "go1.21.13").exists()


def test_prune_refuses_to_trash_the_global_version(
    gvw: GvwEnv, real_mirror_dir: Path, tmp_path: Path
) -> None:
    for version in ("1.21.13", "1.22.10"):
        unpack_toolchain(real_mirror_dir / archive_name(version), gvw.root, version)
    run_ok(gvw, "global", "1.21.13")
    file = manifest(tmp_path / "f.toml", 'versions = ["1.22.10"]\nprune = true\n')
    listing = gvw.store_listing()
    result = gvw.run("apply", str(file))
    assert result.returncode == 14, result.stderr
    assert "prune would move Go 1.21.13, the global version" in result.stderr
    assert gvw.store_listing() == listing


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('versions = ["1.22", "x/y"]\n', 'invalid Go version "x/y" (set by go.versions[1] in'),
        ('versions = ["1.22"]\ncolour = "red"\n', "go.colour = 'red': unknown key"),
        ('versions = "1.22"\n', "go.versions = '1.22': a non-empty list of version strings"),
        ('versions = ["1.22"]\nprune = "yes"\n', "go.prune = 'yes': true or false"),
        ('versions = ["1.22"]\nglobal = "1.21"\n', "go.global = '1.21': must be one of"),
        ('versions = ["latest"]\n', "go.versions[0] = 'latest': name a release or a family"),
        ('versions = ["1.22"]\nmirror = "ftp://x/"\n', "mirror 'ftp://x/' (set by go.mirror in"),
        ("versions = [\n", "is not valid TOML"),
    ],
)
def test_bad_manifests_are_refused_naming_file_key_and_value(
    gvw: GvwEnv, tmp_path: Path, body: str, message: str
) -> None:
    file = manifest(tmp_path / "bad.toml", body)
    for extra in ((), ("--check",)):
        result = gvw.run("apply", str(file), *extra)
        assert result.returncode == 13, result.stderr
        assert message in result.stderr
        assert str(file) in result.stderr
        assert f"gvw: fix {file}, then check it with: gvw apply {file} --check" in result.stderr
    assert gvw.store_listing() == []


def test_a_global_the_versions_do_not_resolve_to_is_refused_before_any_install(
    gvw: GvwEnv, real_mirror: MirrorServer, tmp_path: Path
) -> None:
    file = manifest(tmp_path / "f.toml", 'versions = ["1.22"]\nglobal = "1.22.3"\n')
    result = gvw.run("apply", str(file), "--mirror", real_mirror.url)
    assert result.returncode == 13
    assert "go.global = '1.22.3' is not among the versions the manifest resolves to" in (
        result.stderr
    )
    assert not (gvw.root / "versions").exists()


def test_concurrent_applies_of_one_manifest_install_once_and_agree(
    gvw: GvwEnv, real_mirror: MirrorServer, tmp_path: Path
) -> None:
    file = manifest(tmp_path / "fleet.toml", 'versions = ["1.22"]\nglobal = "1.22"\n')
    runs = [gvw.popen("apply", str(file), "--json", "--mirror", real_mirror.url) for _ in range(3)]
    outputs = [p.communicate(timeout=600) for p in runs]
    assert [p.returncode for p in runs] == [0, 0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    assert sorted(r["changed"] for r in reports) == [False, False, True]
    assert [p.name for p in (gvw.root / "versions").iterdir()] == ["1.22.10"]
    assert (gvw.root / "version").read_text() == "1.22.10\n"
    assert len(gvw.audit_entries()) == 1
    assert not list((gvw.root / ".staging").iterdir())
