"""gvw verify: the install manifest, integrity against it, and the function checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from gvw.base.errors import ExitCode
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import (
    Member,
    MirrorFactory,
    add_archive,
    synthetic_members,
    tar_gz_bytes,
)
from tests.support.patch_mirror import OLD, copy_store

PLATFORM = "linux-amd64"


def _checks(result_stdout: str) -> dict[str, dict[str, object]]:
    (report,) = json.loads(result_stdout)
    return {check["check"]: check for check in report["checks"]}


def _synthetic_install(
    gvw: GvwEnv, mirror_factory: MirrorFactory, version: str, go: bytes | None = None
) -> Path:
    """Install a tiny synthetic toolchain; ``go`` replaces its bin/go script."""
    members = synthetic_members(version, PLATFORM)
    if go is not None:
        members = [m if m.name != "go/bin/go" else Member(m.name, go, mode=0o755) for m in members]
    server = mirror_factory(None)
    add_archive(server.directory, version, PLATFORM, tar_gz_bytes(members))
    run_ok(gvw, "install", "--mirror", server.url, version, env={"GVW_PLATFORM": PLATFORM})
    return gvw.root / "versions" / version


def test_an_install_records_every_file_with_its_size_and_sha256(
    gvw: GvwEnv, mirror_factory: MirrorFactory
) -> None:
    tree = _synthetic_install(gvw, mirror_factory, "1.25.9")
    manifest = json.loads((tree / "gvw-manifest.json").read_text("utf-8"))
    on_disk = {
        str(p.relative_to(tree)): p
        for p in tree.rglob("*")
        if p.is_file() and p.name not in ("gvw-manifest.json", "gvw-install.toml")
    }
    assert manifest["format"] == 1
    assert sorted(manifest["files"]) == sorted(on_disk)
    for rel, path in on_disk.items():
        data = path.read_bytes()
        assert manifest["files"][rel] == {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }


def test_a_fresh_real_install_passes_every_check(patch_store: GvwEnv) -> None:
    result = run_ok(patch_store, "verify", OLD, "--json")
    checks = _checks(result.stdout)
    assert list(checks) == ["integrity", "go version", "go env GOROOT", "hello world"]
    assert all(c["ok"] for c in checks.values()), checks
    integrity = checks["integrity"]
    assert integrity["status"] == "ok" and integrity["files"] > 10000  # type: ignore[operator]
    assert (integrity["missing"], integrity["changed"], integrity["extra"]) == ([], [], [])
    assert checks["go version"]["actual"] == f"go version go{OLD} linux/amd64"


def test_changed_missing_and_extra_files_are_named_by_path(
    patch_store: GvwEnv, tmp_path: Path
) -> None:
    gvw = copy_store(patch_store, tmp_path)
    tree = gvw.root / "versions" / OLD
    with open(tree / "src" / "fmt" / "print.go", "ab") as handle:
        handle.write(b"// tampered\n")
    (tree / "src" / "strings" / "compare.go").unlink()
    (tree / "bin" / "go-helper").write_bytes(b"#!/bin/sh\n")
    result = gvw.run("verify", OLD, "--json", "--clean-cache")
    assert result.returncode == ExitCode.VERIFY_FAILED, result.stderr
    integrity = _checks(result.stdout)["integrity"]
    assert integrity["ok"] is False and integrity["status"] == "damaged"
    assert integrity["changed"] == ["src/fmt/print.go"]
    assert integrity["missing"] == ["src/strings/compare.go"]
    assert integrity["extra"] == ["bin/go-helper"]
    assert f"verification failed for Go {OLD}: integrity" in result.stderr

    text = gvw.run("verify", OLD)
    assert text.returncode == ExitCode.VERIFY_FAILED
    assert (
        "FAIL  integrity: the tree differs from its manifest: 1 missing, 1 changed, 1 extra"
        in text.stdout
    )
    assert "          changed: src/fmt/print.go" in text.stdout


def test_a_toolchain_whose_go_version_disagrees_fails(
    gvw: GvwEnv, mirror_factory: MirrorFactory
) -> None:
    # intact as installed (the manifest matches), but its go claims another release
    liar = b'#!/bin/sh\necho "go version go1.25.3 linux/amd64"\n'
    _synthetic_install(gvw, mirror_factory, "1.25.9", go=liar)
    result = gvw.run("verify", "1.25.9", "--json", env={"GVW_PLATFORM": PLATFORM})
    assert result.returncode == ExitCode.VERIFY_FAILED
    checks = _checks(result.stdout)
    assert checks["integrity"]["ok"] is True
    assert checks["go version"]["ok"] is False
    assert checks["go version"]["expected"] == "go version go1.25.9 linux/amd64"
    assert checks["go version"]["actual"] == "go version go1.25.3 linux/amd64"


def test_an_install_without_manifest_is_reported_never_passed(
    gvw: GvwEnv, mirror_factory: MirrorFactory
) -> None:
    tree = _synthetic_install(gvw, mirror_factory, "1.25.9")
    (tree / "gvw-manifest.json").unlink()  # as installed by a gvw before manifests
    result = gvw.run("verify", "1.25.9", "--json", env={"GVW_PLATFORM": PLATFORM})
    assert result.returncode == ExitCode.VERIFY_FAILED
    integrity = _checks(result.stdout)["integrity"]
    assert integrity["ok"] is False and integrity["status"] == "no-manifest"
    assert "gvw uninstall --force 1.25.9 && gvw install 1.25.9" in str(integrity["message"])


def test_verify_of_a_version_that_is_not_installed_says_how_to_install(gvw: GvwEnv) -> None:
    result = gvw.run("verify", "1.25.4")
    assert result.returncode == ExitCode.NOT_INSTALLED
    assert result.error_lines == ["gvw: Go 1.25.4 is not installed", "gvw: gvw install 1.25.4"]
