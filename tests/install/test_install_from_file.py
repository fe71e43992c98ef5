"""gvw install --from-file: offline installs of a local archive, checked by its
sha256; archives whose name or go/VERSION do not match are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.install.install_helpers import ARCHIVE, LINUX
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import (
    Member,
    add_archive,
    synthetic_archive,
    synthetic_members,
    tar_gz_bytes,
)

# --- --from-file -----------------------------------------------------------------------


def test_from_file_with_sha256_needs_no_network(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    data = synthetic_archive("1.22.10", LINUX)
    archive.write_bytes(data)
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    result = gvw.run(
        "install",
        "--from-file",
        str(archive),
        "--sha256",
        digest,
        env={"GVW_MIRROR": "http://127.0.0.1:9/unreachable/"},
    )
    assert result.returncode == 0, result.stderr
    assert run_ok(gvw, "list").stdout.split() == ["*", "1.22.10"]  # the first: selected


def test_from_file_with_wrong_sha256_installs_nothing(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    result = gvw.run("install", "--from-file", str(archive), "--sha256", "0" * 64)
    assert result.returncode == 9
    assert result.error_lines[0].startswith(
        f"gvw: checksum mismatch for {ARCHIVE} from {archive}: expected sha256 {'0' * 64}, got "
    )
    # no mirror is involved, so no "use another mirror"
    assert result.error_lines[1] == (
        "gvw: the file is damaged or not the release the checksum is for: "
        "copy it again and compare its sha256 with https://go.dev/dl/"
    )
    assert gvw.store_listing() in ([], [".staging"])


def test_from_file_without_checksum_is_refused_unless_asked(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    refused = gvw.run("install", "--from-file", str(archive))
    assert refused.returncode == 9
    assert refused.error_lines[0].startswith(f"gvw: no checksum for {archive}")
    allowed = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert allowed.returncode == 0, allowed.stderr
    assert "without checksum verification" in allowed.stderr


def test_from_file_with_a_name_that_hides_the_version(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / "toolchain.tar.gz"
    archive.write_bytes(synthetic_archive("1.22.10", LINUX))
    result = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert result.returncode == 3
    assert result.error_lines[0] == (
        "gvw: cannot tell the Go version from the file name 'toolchain.tar.gz'"
    )


def test_archive_named_for_another_version_is_refused(gvw: GvwEnv, tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE
    archive.write_bytes(synthetic_archive("1.21.13", LINUX))  # holds go/VERSION go1.21.13
    result = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert result.returncode == 10
    assert result.error_lines[0] == (f"gvw: {ARCHIVE} claims to be Go 1.22.10 but holds go1.21.13")
    assert not (gvw.root / "versions" / "1.22.10").exists()


VERSION_HINT = (
    "gvw: official Go archives hold go/VERSION naming their release: check the file's source"
)


def tree_with_version(version_member: Member | None) -> bytes:
    members = [m for m in synthetic_members("1.22.10", LINUX) if m.name != "go/VERSION"]
    return tar_gz_bytes(members + ([version_member] if version_member else []))


@pytest.mark.parametrize(
    ("version_member", "line"),
    [
        (
            None,
            f"gvw: {ARCHIVE} has no go/VERSION file, so it cannot be shown to hold Go "
            "1.22.10; nothing was installed",
        ),
        (
            Member("go/VERSION", kind="dir", mode=0o755),
            f"gvw: {ARCHIVE} has no go/VERSION file, so it cannot be shown to hold Go "
            "1.22.10; nothing was installed",
        ),
        (
            Member("go/VERSION", b""),
            f"gvw: {ARCHIVE} claims to be Go 1.22.10 but has an empty go/VERSION",
        ),
        (
            Member("go/VERSION", b"devel +abc\n"),
            f"gvw: {ARCHIVE} claims to be Go 1.22.10 but holds devel +abc",
        ),
    ],
    ids=["missing", "a-directory", "empty", "not-a-release"],
)
@pytest.mark.parametrize("source", ["from-file", "mirror"])
def test_an_archive_whose_version_file_does_not_name_the_release_is_refused(
    gvw: GvwEnv, mirror_factory, tmp_path: Path, version_member, line: str, source: str
) -> None:
    data = tree_with_version(version_member)
    if source == "mirror":
        add_archive(tmp_path / "mirror", "1.22.10", LINUX, data)
        result = gvw.run("install", "--mirror", mirror_factory(tmp_path / "mirror").url, "1.22.10")
    else:
        archive = tmp_path / ARCHIVE
        archive.write_bytes(data)
        result = gvw.run("install", "--from-file", str(archive), "--skip-checksum")
    assert result.returncode == 10, result.stderr
    assert result.error_lines == [line, VERSION_HINT]
    assert not (gvw.root / "versions").exists()
    assert list((gvw.root / ".staging").iterdir()) == []
