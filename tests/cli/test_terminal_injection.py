"""Text from outside gvw reaches neither a terminal nor the audit log raw (issue 19
item 11): a directory whose name holds escape sequences (clear screen, set the window
title) and a newline that would forge a line goes through gvw.base.sanitize.printable
in `gvw current`, `which`, `doctor`, `local`, errors and warnings, shown here on a real
pseudo-terminal; and an argument holding a newline, U+0085 or U+2028 stays inside its
audit-log line for any reader (gvw log's display is issue 21's)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

# clear the screen, retitle the window (OSC ... BEL), a C1 CSI, and a forged line
HOSTILE = "app\x1b[2J\x1b]0;pwned\x07\x9b31m\n1.21.13 (set by the global file)"
# what must not reach the terminal (gvw's own colour, ESC [ 3x m, may)
CONTROLS = [b"\x1b[2J", b"\x1b]", b"\x07", b"\xc2\x9b", b"\x9b"]


def on_a_terminal(gvw: GvwEnv, cwd: Path, *args: str) -> tuple[int, bytes]:
    """Run gvw with stdout and stderr on a new pseudo-terminal; everything it wrote."""
    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            gvw.command(*args),
            cwd=cwd,
            env=gvw.env({"TERM": "xterm"}),
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=follower,
            timeout=120,
        )
        os.close(follower)
        follower = -1
        written = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            written += chunk
        return done.returncode, written
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


@pytest.fixture
def project(gvw: GvwEnv, tmp_path: Path) -> Path:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(GVW_MIRROR=mirror.as_uri(), PATH="/usr/bin:/bin")
    run_ok(gvw, "install", "1.22.10")
    directory = tmp_path / HOSTILE
    directory.mkdir()
    (directory / ".go-version").write_text("1.22.10\n")
    return directory


@pytest.mark.parametrize(
    ("pin", "args", "codes"),
    [
        ("1.22.10", ["current"], {0}),
        ("1.22.10", ["local", "1.22.10"], {0}),
        ("1.22.10", ["doctor"], {0, 16}),
        ("1.21.13", ["current"], {4}),  # errors naming the pin's directory
        ("1.21.13", ["which"], {4}),
        ("1.21.13", ["doctor"], {16}),
    ],
    ids=["current", "local", "doctor", "current's error", "which's error", "doctor's problem"],
)
def test_a_hostile_directory_name_reaches_the_terminal_sanitized(
    gvw: GvwEnv, project: Path, pin: str, args: list[str], codes: set[int]
) -> None:
    (project / ".go-version").write_text(pin + "\n")  # 1.21.13 is not installed
    code, written = on_a_terminal(gvw, project, *args)
    assert code in codes, written
    for control in CONTROLS:
        assert control not in written, (control, written)
    shown = "app?[2J?]0;pwned??31m?1.21.13 (set by the global file)"
    assert shown in written.decode("utf-8", "replace"), written
    # the forged line is no line of its own
    lines = written.decode("utf-8", "replace").splitlines()
    assert not any(line.startswith("1.21.13 (set by the global file)") for line in lines)


def test_current_says_exactly_one_line(gvw: GvwEnv, project: Path) -> None:
    result = run_ok(gvw, "current", cwd=project)
    shown = str(project).replace(HOSTILE, "app?[2J?]0;pwned??31m?1.21.13 (set by the global file)")
    assert result.stdout == f"1.22.10 (set by {shown}/.go-version)\n"
    exact = json.loads(run_ok(gvw, "current", "--json", cwd=project).stdout)
    assert exact["origin"] == str(project / ".go-version")  # JSON keeps the exact path


@pytest.mark.parametrize("separator", ["\n", "\x85", "\u2028"], ids=["LF", "NEL", "LS"])
def test_an_argument_cannot_forge_an_audit_log_line(
    gvw: GvwEnv, project: Path, separator: str
) -> None:
    forged = '{"time": "2000-01-01T00:00:00Z", "argv": ["gvw", "uninstall", "1.22.10"]}'
    manifest = f"/no/such/fleet.toml{separator}{forged}"
    result = gvw.run("apply", manifest, cwd=project)  # logged, then refused: no manifest
    assert result.returncode == 13
    raw = (gvw.root / "log" / "audit.jsonl").read_bytes()
    entries = [json.loads(line) for line in raw.splitlines()]
    assert raw.isascii()
    assert len(raw.decode().splitlines()) == len(entries)  # str.splitlines too
    assert entries[-1]["argv"] == ["gvw", "apply", manifest]
    assert not any(e.get("time") == "2000-01-01T00:00:00Z" for e in entries)
