"""What the snapshot tests share: a user's Go environment, real toolchain runs, and
reading and editing snapshots as a user (or a determined hand) would."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import tomli_w

from tests.support.gvw_env import GvwEnv, install_unselected, run_ok
from tests.support.mirror_server import MirrorServer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello, %s") }\n'


# --- fixtures and helpers ---------------------------------------------------------------


def user_env(gvw: GvwEnv, base: Path) -> None:
    """A user's Go environment inside the test directory: home, GOPATH, go env file."""
    gvw.extra_env.update(
        HOME=str(base / "home"),
        XDG_CONFIG_HOME=str(base / "home" / ".config"),
        GOPATH=str(base / "gopath"),
        GOENV=str(base / "goenv" / "env"),
        PATH=f"{base / 'no-system-go'}:/usr/bin:/bin",
        TZ="UTC",
    )


def real_store(gvw: GvwEnv, tmp_path: Path, server: MirrorServer) -> GvwEnv:
    user_env(gvw, tmp_path)
    install_unselected(gvw, "--mirror", server.url, "1.21.13", "1.22.10")
    return gvw


def go(gvw: GvwEnv, version: str, *args: str, cwd: Path | None = None) -> str:
    """Run a real toolchain as the user would, offline (GOPROXY=off, local modules)."""
    env = gvw.env(
        {
            "GOCACHE": str(gvw.base / "gocache"),
            "GOFLAGS": "-mod=mod",
            "GOPROXY": "off",
            "GOTOOLCHAIN": "local",
            "CGO_ENABLED": "0",
        }
    )
    done = subprocess.run(
        [str(gvw.root / "versions" / version / "bin" / "go"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def go_install_tool(gvw: GvwEnv, version: str, greeting: str) -> Path:
    """`go install ./cmd/hello` of a tiny local module with the real Go ``version``."""
    source = gvw.base / "src"
    (source / "cmd" / "hello").mkdir(parents=True, exist_ok=True)
    (source / "go.mod").write_text("module example.com/tools\n\ngo 1.21\n")
    (source / "cmd" / "hello" / "main.go").write_text(MAIN % greeting)
    go(gvw, version, "install", "./cmd/hello", cwd=source)
    return gvw.base / "gopath" / "bin" / "hello"


def snapshot_ids(gvw: GvwEnv) -> list[str]:
    """Oldest first."""
    directory = gvw.root / "snapshots"
    return sorted(p.stem for p in directory.glob("*.toml")) if directory.is_dir() else []


def listing(gvw: GvwEnv) -> list[dict[str, Any]]:
    return json.loads(run_ok(gvw, "snapshots", "--json").stdout)  # type: ignore[no-any-return]


def shown_time(row_time: str) -> str:
    return datetime.fromisoformat(row_time).strftime("%Y-%m-%d %H:%M:%S")


def restore_header(gvw: GvwEnv, snapshot_id: str, saved_id: str) -> list[str]:
    row = next(r for r in listing(gvw) if r["id"] == snapshot_id)
    return [
        f"Restoring snapshot {snapshot_id} ({shown_time(row['time'])}, before: {row['command']})",
        f"Saved the state before this as snapshot {saved_id} (gvw rollback undoes it)",
    ]


def edit_snapshot(
    gvw: GvwEnv,
    snapshot_id: str,
    change: Callable[[dict[str, Any]], None],
    *,
    reseal: bool = True,
) -> Path:
    """Edit a snapshot as a determined hand would: including its checksum line."""
    from gvw.history.snapshots.fileformat import seal

    path = gvw.root / "snapshots" / f"{snapshot_id}.toml"
    data = tomllib.loads(path.read_text())
    change(data)
    body = tomli_w.dumps(data).encode()
    path.write_bytes(seal(body) if reseal else path.read_bytes().split(b"\n")[0] + b"\n" + body)
    return path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def set_field(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A snapshot edit: set the field at ``keys`` (list indexes as digits) to ``value``."""

    def change(data: dict[str, Any]) -> None:
        target = data
        for key in keys[:-1]:
            target = target[key] if not key.isdigit() else target[int(key)]  # type: ignore[index]
        target[keys[-1]] = value

    return change
