"""Running gvw with its stderr on a real pseudo-terminal (what a user in a terminal
sees: progress bars, spinners), stdout piped."""

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
    stdout: str
    terminal: str  # everything written to the terminal (stderr), escapes included


def run_on_terminal(
    gvw: GvwEnv,
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> TerminalRun:
    primary, secondary = pty.openpty()
    # stdout to a file, not a pipe: a full pipe would stall gvw while we read the terminal
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            gvw.command(*args),
            env=gvw.env({"TERM": "xterm", **(env or {})}),
            stdout=out,
            stderr=secondary,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
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
        out.seek(0)
        stdout = out.read().decode()
    return TerminalRun(process.returncode, stdout, seen.decode("utf-8", "replace"))
