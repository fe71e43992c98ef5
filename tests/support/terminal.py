"""Running gvw with one of its streams on a real pseudo-terminal (what a user in a
terminal sees: progress bars, spinners, colour), the other one in a file."""

from __future__ import annotations

import os
import pty
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.gvw_env import GvwEnv


@dataclass
class TerminalRun:
    returncode: int
    stdout: str  # "" when stdout was the terminal
    terminal: str  # everything written to the terminal, escapes included
    stderr: str = ""  # "" when stderr was the terminal


def run_on_terminal(
    gvw: GvwEnv,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    stream: str = "stderr",
) -> TerminalRun:
    """``gvw ARGS`` with ``stream`` (stderr or stdout) on a pseudo-terminal."""
    primary, secondary = pty.openpty()
    # the other stream to a file, not a pipe: a full pipe would stall gvw while we read
    # the terminal
    with tempfile.TemporaryFile() as other:
        streams = {"stdout": other, "stderr": secondary}
        if stream == "stdout":
            streams = {"stdout": secondary, "stderr": other}
        process = subprocess.Popen(
            gvw.command(*args),
            env=gvw.env({"TERM": "xterm", **(env or {})}),
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            **streams,  # type: ignore[arg-type]
        )
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        process.wait(timeout=timeout)
        os.close(primary)
        other.seek(0)
        piped = other.read().decode()
    terminal = seen.decode("utf-8", "replace")
    if stream == "stdout":
        return TerminalRun(process.returncode, "", terminal, stderr=piped)
    return TerminalRun(process.returncode, piped, terminal)
