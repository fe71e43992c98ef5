"""A lock file is gvw's own output, read as strictly as it is written (issue 19 item
7): unknown keys, specs and releases not spelled as gvw spells them (``../../etc``,
``"1.22.10\\n"``, ``go01.022.010``) and a lock made for another manifest are refused,
exit 13, before anything changes; the lock path a manifest names stays in the
manifest's directory; a locked size that does not match the archive is refused even
where the sha256 matches (a larger download: tests/fleet/test_lock.py). Real gvw
processes, a file mirror and an http one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer


@pytest.fixture
def locked(gvw: GvwEnv, tmp_path: Path) -> tuple[Path, Path]:
    """fleet.toml for 1.22, locked against a file mirror: (manifest, lock)."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), GVW_PLATFORM="linux-amd64")
    manifest = tmp_path / "fleet.toml"
    manifest.write_text('[go]\nversions = ["1.22"]\n')
    run_ok(gvw, "lock", str(manifest))
    return manifest, tmp_path / "fleet.lock.toml"


def test_the_lock_gvw_writes_is_accepted(gvw: GvwEnv, locked: tuple[Path, Path]) -> None:
    manifest, _ = locked
    result = gvw.run("apply", str(manifest), "--locked", "--check")
    assert result.returncode == 21, result.stderr  # drift: 1.22.10 is not installed


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("lock_version = 1", "lock_version = 1\nextra = 1", "'extra' is not a key of a lock file"),
        (
            'sha256 = "',
            'url = "http://evil/"\nsha256 = "',
            "archives.1.22.10.'linux-amd64'.'url' is not a key of a locked archive",
        ),
        (
            '"1.22" = "1.22.10"',
            '"1.22" = "1.22.10\\n"',
            "specs.'1.22' = '1.22.10?' is not a Go release such as 1.22.10",
        ),
        (
            '"1.22" = "1.22.10"',
            '"1.22" = "go01.022.010"',
            "specs.'1.22' = 'go01.022.010' is not a Go release such as 1.22.10",
        ),
        (
            '"1.22" = "1.22.10"',
            '"1.22" = "1.22.10"\n"../../etc" = "1.22.10"',
            "specs.'../../etc' is not a version spec as gvw writes one (e.g. 1.22)",
        ),
        (
            '"1.22" = "1.22.10"',
            '"go1.22" = "1.22.10"',
            "specs.'go1.22' is not a version spec as gvw writes one (e.g. 1.22)",
        ),
        (
            '[archives."1.22.10"',
            '[archives."01.22.10"',
            "archives.'01.22.10' is not a Go release",
        ),
        (
            'manifest = "fleet.toml"',
            'manifest = "other.toml"',
            "was written for the manifest 'other.toml', not fleet.toml",
        ),
    ],
    ids=[
        "unknown key",
        "unknown archive key",
        "a newline in a release",
        "a release not spelled canonically",
        "a spec naming a path",
        "a spec not spelled canonically",
        "an archive release not spelled canonically",
        "another manifest's lock",
    ],
)
def test_a_lock_gvw_would_not_write_is_refused(
    gvw: GvwEnv, locked: tuple[Path, Path], old: str, new: str, why: str
) -> None:
    manifest, lock = locked
    text = lock.read_text("utf-8")
    assert old in text
    lock.write_text(text.replace(old, new, 1), encoding="utf-8")
    for args in (["--check"], []):
        result = gvw.run("apply", str(manifest), "--locked", *args)
        assert result.returncode == 13, result.stderr
        assert result.error_lines == [
            f"gvw: the lock file {lock}: {why}",
            f"gvw: write it again with: gvw lock {manifest}",
        ]
    assert not (gvw.root / "versions").exists()


@pytest.mark.parametrize(
    "named", ["/tmp/gvw-elsewhere.toml", "../outside.lock.toml", "a/../../outside.toml", "C:x"]
)
def test_a_manifest_cannot_point_its_lock_outside_its_directory(
    gvw: GvwEnv, locked: tuple[Path, Path], tmp_path: Path, named: str
) -> None:
    manifest, _ = locked
    manifest.write_text(f'[go]\nversions = ["1.22"]\nlock = {named!r}\n'.replace("'", '"'))
    for args in (["lock", str(manifest)], ["apply", str(manifest), "--check"]):
        result = gvw.run(*args)
        assert result.returncode == 13, result.stderr
        assert result.error_lines[0] == (
            f"gvw: {manifest}: go.lock = {named!r}: a file name relative to the manifest, "
            "in its directory or below it"
        )
    assert not Path("/tmp/gvw-elsewhere.toml").exists()
    assert not (tmp_path.parent / "outside.lock.toml").exists()
    assert not (tmp_path.parent / "outside.toml").exists()


@pytest.mark.parametrize("link", ["directory", "file"])
def test_a_link_beside_the_manifest_cannot_lead_its_lock_outside(
    gvw: GvwEnv, locked: tuple[Path, Path], tmp_path: Path, link: str
) -> None:
    # a cloned repository ships evil -> ~/.ssh and lock = "evil/authorized_keys"
    manifest, _ = locked
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "target").write_text("precious\n")
    if link == "directory":
        (tmp_path / "evil").symlink_to(outside)
        named = "evil/target"
    else:
        (tmp_path / "evil.toml").symlink_to(outside / "target")
        named = "evil.toml"
    manifest.write_text(f'[go]\nversions = ["1.22"]\nlock = "{named}"\n')
    for args in (["lock", str(manifest)], ["apply", str(manifest), "--check"]):
        result = gvw.run(*args)
        assert result.returncode == 13, result.stderr
        assert result.error_lines[0] == (
            f"gvw: {manifest}: go.lock = {named!r}: a file name relative to the manifest, "
            "in its directory or below it (a link leads elsewhere)"
        )
    assert (outside / "target").read_text() == "precious\n"


def test_a_lock_name_with_control_characters_is_refused(
    gvw: GvwEnv, locked: tuple[Path, Path], tmp_path: Path
) -> None:
    # printed by gvw lock: an escape sequence in it would reach the terminal
    manifest, _ = locked
    manifest.write_text('[go]\nversions = ["1.22"]\nlock = "x\\u001b]0;pwned\\u0007.toml"\n')
    result = gvw.run("lock", str(manifest))
    assert result.returncode == 13, result.stderr
    assert result.error_lines[0] == (
        f"gvw: {manifest}: go.lock = 'x\\x1b]0;pwned\\x07.toml': "
        "a file name without control characters"
    )
    assert "\x1b" not in result.stderr and "\x1b" not in result.stdout
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("x")] == []


def test_a_lock_in_a_directory_below_the_manifest_is_fine(
    gvw: GvwEnv, locked: tuple[Path, Path], tmp_path: Path
) -> None:
    manifest, _ = locked
    (tmp_path / "locks").mkdir()
    manifest.write_text('[go]\nversions = ["1.22"]\nlock = "locks/fleet.lock.toml"\n')
    run_ok(gvw, "lock", str(manifest))
    assert (tmp_path / "locks" / "fleet.lock.toml").is_file()


@pytest.mark.parametrize("served", ["file", "http"])
def test_a_locked_size_larger_than_the_archive_is_refused_though_its_sha256_matches(
    gvw: GvwEnv, locked: tuple[Path, Path], tmp_path: Path, mirror_factory, served: str
) -> None:
    manifest, lock = locked
    archive = tmp_path / "mirror" / "go1.22.10.linux-amd64.tar.gz"
    real = archive.stat().st_size
    text = lock.read_text()
    assert f"size = {real}\n" in text
    lock.write_text(text.replace(f"size = {real}\n", f"size = {real + 1000}\n"))
    if served == "http":
        server: MirrorServer = mirror_factory(tmp_path / "mirror")
        gvw.extra_env["GVW_MIRROR"] = server.url
        where = f"{server.url}{archive.name}"
    else:
        where = str(archive)
    result = gvw.run("apply", "--locked", str(manifest))
    assert result.returncode == 9, result.stderr
    assert result.error_lines[0] == (
        f"gvw: {where} is {real:,} bytes, not the {real + 1000:,} bytes the index or lock "
        "promises; nothing was installed"
    )
    assert not (gvw.root / "versions" / "1.22.10").exists()
