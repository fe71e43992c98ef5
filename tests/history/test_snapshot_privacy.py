"""Snapshots keep credentials (a restore must put GOPROXY's ``user:token`` back) but no
other user can read them and no display shows them (issue 19 item 3): the snapshot
store is 0700 with 0600 files, created that way, an older world-readable one is
tightened on the next write, and ``snapshots`` (text and --json), ``snapshots show``
(text and --json), ``snapshots diff``, ``restore --dry-run`` and ``rollback`` redact.
A real unprivileged user tries to read them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.posix_world import unprivileged

SECRET = "s3cr3tTOKEN"
PROXY = f"https://alice:{SECRET}@proxy.corp.example/go"
FLAGS = f"-ldflags=-X=main.apiToken={SECRET}"


@pytest.fixture
def secret_env(store: GvwEnv, tmp_path: Path) -> GvwEnv:
    """The user's GOPROXY and GOFLAGS carry a token, and so does the go env file."""
    store.extra_env.update(GOPROXY=PROXY, GOFLAGS=FLAGS)
    env_file = tmp_path / "goenv" / "env"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text(f"GOPRIVATE=corp.example\nGONOSUMDB={PROXY}\n")
    return store


def modes(top: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(top.stat().st_mode)}
    for path in top.rglob("*"):
        found[str(path.relative_to(top))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def everything_shown(gvw: GvwEnv, snapshot_id: str) -> str:
    outputs = [
        run_ok(gvw, "snapshots"),
        run_ok(gvw, "snapshots", "--json"),
        run_ok(gvw, "snapshots", "show", snapshot_id),
        run_ok(gvw, "snapshots", "show", snapshot_id, "--json"),
        run_ok(gvw, "snapshots", "diff", snapshot_id),
        run_ok(gvw, "snapshots", "diff", snapshot_id, "--json"),
        run_ok(gvw, "restore", snapshot_id, "--dry-run"),
        run_ok(gvw, "rollback", "--dry-run"),
        run_ok(gvw, "rollback"),
    ]
    return "\n".join(r.stdout + r.stderr for r in outputs)


def test_snapshots_keep_credentials_private_and_never_show_them(
    secret_env: GvwEnv, tmp_path: Path
) -> None:
    gvw = secret_env
    run_ok(gvw, "global", "1.21.13")  # snapshot 1: the secrets as they are
    snapshots = gvw.root / "snapshots"
    first = max(p.stem for p in snapshots.glob("*.toml"))
    # kept: the file holds the values a restore writes back
    assert SECRET in (snapshots / f"{first}.toml").read_text("utf-8")
    # private, every directory and file, from the moment it was created
    found = modes(snapshots)
    assert {m for name, m in found.items() if (snapshots / name).is_dir()} == {0o700}
    assert {m for name, m in found.items() if (snapshots / name).is_file()} == {0o600}
    # the user changes the secrets; every display shows that they changed, never them
    (tmp_path / "goenv" / "env").write_text("GOPRIVATE=corp.example\n")
    gvw.extra_env.update(GOPROXY="https://proxy.golang.org", GOFLAGS="-mod=mod")
    run_ok(gvw, "global", "1.22.10")
    shown = everything_shown(gvw, first)
    assert SECRET not in shown and "alice" not in shown
    assert "https://***@proxy.corp.example/go" in shown
    assert "main.apiToken=***" in shown
    assert "# GOPROXY holds credentials, never shown; set it by hand" in shown
    # and another user cannot read a byte of it
    as_user = unprivileged()
    if not as_user:
        pytest.skip("needs root to run a command as another user")
    everyone_can_reach(tmp_path)
    for path in [snapshots / f"{first}.toml", *snapshots.rglob("*")]:
        done = subprocess.run([*as_user, "cat", str(path)], capture_output=True, text=True)
        assert done.returncode != 0 and SECRET not in done.stdout, path
    listed = subprocess.run([*as_user, "ls", str(snapshots)], capture_output=True, text=True)
    assert listed.returncode != 0 and "Permission denied" in listed.stderr


def everyone_can_reach(top: Path) -> None:
    """The test's directories up to the store searchable by others (as a home directory
    is), so that only the snapshot store's own modes stand in the way."""
    for path in [top, *top.parents]:
        if path == Path("/"):
            break
        path.chmod(path.stat().st_mode | 0o011)
    (top / "root").chmod(0o755)


def test_an_older_world_readable_store_is_tightened_on_the_next_write(
    secret_env: GvwEnv,
) -> None:
    gvw = secret_env
    run_ok(gvw, "global", "1.21.13")
    snapshots = gvw.root / "snapshots"
    for path in [snapshots, *snapshots.rglob("*")]:  # as gvw left it before: 0755/0644
        path.chmod(0o755 if path.is_dir() else 0o644)
    older = {name for name in modes(snapshots) if (snapshots / name).is_file()}
    assert older and {m for n, m in modes(snapshots).items() if n in older} == {0o644}
    run_ok(gvw, "global", "1.22.10")
    # every directory and every file, those the older gvw wrote included
    found = modes(snapshots)
    assert {m for name, m in found.items() if (snapshots / name).is_dir()} == {0o700}
    assert {m for name, m in found.items() if (snapshots / name).is_file()} == {0o600}
    assert older < set(found)
    newest = max(snapshots.glob("*.toml"))
    shown = json.loads(run_ok(gvw, "snapshots", "show", newest.stem, "--json").stdout)
    assert shown["process_env"]["GOPROXY"] == "https://***@proxy.corp.example/go"


def test_a_private_file_is_never_readable_by_others_even_while_written(tmp_path: Path) -> None:
    """The temporary file is opened 0600 (not 0644, then chmod): whatever the umask."""
    from gvw.base.fsutil import atomic_write_bytes

    old = os.umask(0)
    try:
        atomic_write_bytes(tmp_path / "f", b"x", mode=0o600)
        seen = []
        real_chmod = os.chmod

        def watch(path: object, mode: int, **kwargs: object) -> None:
            seen.append(stat.S_IMODE(os.stat(path).st_mode))  # type: ignore[arg-type]
            real_chmod(path, mode, **kwargs)  # type: ignore[arg-type]

        os.chmod = watch  # type: ignore[assignment]
        try:
            atomic_write_bytes(tmp_path / "g", b"y", mode=0o600)
        finally:
            os.chmod = real_chmod
    finally:
        os.umask(old)
    assert seen == [0o600]
    assert stat.S_IMODE((tmp_path / "g").stat().st_mode) == 0o600
