"""gvw tools and gvw tools rebuild with real toolchains: a tool `go install`ed from a
module proxy in a directory (GOPROXY=file://) with Go 1.21.13, listed, rebuilt with
1.22.10, checked with `go version -m`, run, and rolled back; a tool built from a
local checkout is reported and left alone; a failed rebuild keeps the old program."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from gvw.cli.terminal import human_size
from tests.support.goproxy_dir import greeting_tool
from tests.support.gvw_env import GvwEnv, go_bin, run_ok
from tests.support.mirror_server import MirrorServer

LOCAL_MAIN = 'package main\n\nfunc main() { println("local") }\n'


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def user(gvw: GvwEnv, tmp_path: Path, real_mirror: MirrorServer) -> GvwEnv:
    """Real 1.21.13 and 1.22.10, a GOPATH, and a module proxy with example.com/greet."""
    proxy = tmp_path / "proxy"
    greeting_tool(proxy)
    gvw.extra_env.update(
        GOPATH=str(tmp_path / "gopath"),
        GOCACHE=str(tmp_path / "gocache"),
        GOPROXY=proxy.as_uri(),
        GONOSUMDB="example.com",  # the proxy's module is not in the checksum database
        GOFLAGS="-modcacherw",  # so the test directory can be removed
        CGO_ENABLED="0",
        PATH="/usr/bin:/bin",
    )
    run_ok(gvw, "install", "--mirror", real_mirror.url, "1.21.13", "1.22.10")
    return gvw


def go(gvw: GvwEnv, version: str, *args: str, cwd: Path | None = None, **env: str) -> str:
    done = subprocess.run(
        [str(go_bin(gvw, version)), *args],
        cwd=cwd or gvw.base,
        env=gvw.env({"GOTOOLCHAIN": "local", **env}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def local_tool(gvw: GvwEnv) -> Path:
    source = gvw.base / "src"
    (source / "cmd" / "local").mkdir(parents=True)
    (source / "go.mod").write_text("module example.com/local\n\ngo 1.21\n")
    (source / "cmd" / "local" / "main.go").write_text(LOCAL_MAIN)
    go(gvw, "1.21.13", "install", "./cmd/local", cwd=source)
    return gvw.base / "gopath" / "bin" / "local"


def test_a_tool_is_listed_rebuilt_with_the_selected_go_run_and_rolled_back(user: GvwEnv) -> None:
    go(user, "1.21.13", "install", "example.com/greet/cmd/greet@v1.0.0")
    bin_dir = user.base / "gopath" / "bin"
    greet, local = bin_dir / "greet", local_tool(user)
    old_greet, old_local = sha(greet), sha(local)
    run_ok(user, "global", "1.22.10")

    listed = json.loads(run_ok(user, "tools", "--json").stdout)
    assert (listed["dir"], listed["selected_go"]) == (str(bin_dir), "go1.22.10")
    rows = {row["name"]: row for row in listed["tools"]}
    assert {k: rows["greet"][k] for k in ("go_version", "package", "module", "module_version")} == {
        "go_version": "go1.21.13",
        "package": "example.com/greet/cmd/greet",
        "module": "example.com/greet",
        "module_version": "v1.0.0",
    }
    assert (rows["greet"]["size"], rows["greet"]["differs_from_selected"]) == (
        greet.stat().st_size,
        True,
    )
    assert (rows["greet"]["rebuildable"], rows["local"]["rebuildable"]) == (True, False)
    assert rows["local"]["reason"] == "built from a local checkout ((devel) version)"
    text = run_ok(user, "tools").stdout.splitlines()  # a table: headers, human sizes
    assert text[0] == f"{bin_dir}, the Go selected here: go1.22.10"
    assert [re.split(r"\s{2,}", line) for line in text[1:4]] == [
        ["NAME", "SIZE", "BUILT WITH", "MODULE"],
        [
            "greet",
            human_size(greet.stat().st_size),
            "go1.21.13 (differs)",
            "example.com/greet/cmd/greet@v1.0.0",
        ],
        [
            "local",
            human_size(local.stat().st_size),
            "go1.21.13 (differs)",
            "example.com/local/cmd/local@(devel)",
        ],
    ]
    assert text[4:] == ["local cannot be rebuilt: built from a local checkout ((devel) version)"]

    dry = user.run("tools", "rebuild", "--dry-run")
    assert dry.returncode == 22
    assert dry.stdout.splitlines() == [
        "greet: would rebuild with go1.22.10: go install example.com/greet/cmd/greet@v1.0.0",
        "local: left alone: built from a local checkout ((devel) version)",
    ]
    assert sha(greet) == old_greet

    # a rebuild that fails (the module cannot be fetched) leaves the old program
    offline = user.run(
        "tools", "rebuild", "greet", env={"GOPROXY": "off", "GOMODCACHE": str(user.base / "empty")}
    )
    assert offline.returncode == 22
    assert offline.stdout.startswith("greet: FAILED, left as it was: go install ")
    assert "GOPROXY=off" in offline.stdout
    assert offline.error_lines[0] == "gvw: 1 of 1 programs were not rebuilt: greet"
    assert sha(greet) == old_greet

    rebuilt = user.run("tools", "rebuild", "--json")
    assert rebuilt.returncode == 22, rebuilt.stderr
    statuses = {r["name"]: r["status"] for r in json.loads(rebuilt.stdout)["tools"]}
    assert statuses == {"greet": "rebuilt", "local": "not-rebuildable"}
    assert sha(local) == old_local  # left alone
    shown = go(user, "1.22.10", "version", "-m", str(greet))
    assert shown.splitlines()[0] == f"{greet}: go1.22.10"
    assert "\tmod\texample.com/greet\tv1.0.0\t" in shown
    assert subprocess.run([str(greet)], capture_output=True, text=True).stdout == (
        "greetings from v1.0.0\n"
    )
    entry = user.audit_entries()[-1]
    assert (entry["command"], entry["outcome"]["exit_code"]) == ("tools rebuild", 22)  # type: ignore[index]

    again = run_ok(user, "tools", "rebuild", "greet")
    assert again.stdout == "greet: up to date: already built with go1.22.10\n"

    run_ok(user, "rollback")
    assert sha(greet) == old_greet
    assert go(user, "1.21.13", "version", "-m", str(greet)).splitlines()[0].endswith("go1.21.13")


def test_rebuild_with_a_named_version_and_unknown_names(user: GvwEnv) -> None:
    go(user, "1.22.10", "install", "example.com/greet/cmd/greet@v1.0.0")
    greet = user.base / "gopath" / "bin" / "greet"
    unknown = user.run("tools", "rebuild", "nope")
    assert (unknown.returncode, unknown.error_lines[0]) == (
        2,
        f"gvw: no program named nope in {greet.parent}",
    )
    missing = user.run("tools", "rebuild", "--with", "1.20.1")
    assert missing.returncode == 4
    result = run_ok(user, "tools", "rebuild", "--with", "1.21", "greet")
    assert result.stdout == (
        "greet: rebuilt with go1.21.13: go install example.com/greet/cmd/greet@v1.0.0\n"
    )
    assert go(user, "1.21.13", "version", str(greet)).strip().endswith("go1.21.13")
