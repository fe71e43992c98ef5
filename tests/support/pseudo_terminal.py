"""Run gvw with its output on a real pseudo-terminal, as a user at a terminal sees it."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.gvw_env import GvwEnv


@dataclass
class TerminalRun:
    returncode: int
    terminal: str  # what reached the terminal (its \r\n turned back into \n)
    piped: str  # the stream that was not on the terminal


def run_on_terminal(
    gvw: GvwEnv,
    *args: str,
    stream: str = "stderr",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> TerminalRun:
    """``gvw ARGS`` with ``stream`` (stdout or stderr) on a pseudo-terminal and the other
    one piped; TERM=xterm unless ``env`` says otherwise."""
    primary, secondary = pty.openpty()
    on_terminal = {"stdout": secondary, "stderr": subprocess.PIPE}
    if stream == "stderr":
        on_terminal = {"stdout": subprocess.PIPE, "stderr": secondary}
    process = subprocess.Popen(
        gvw.command(*args),
        env=gvw.env({"TERM": "xterm", **(env or {})}),
        stdin=subprocess.DEVNULL,
        cwd=cwd or gvw.base,
        **on_terminal,  # type: ignore[arg-type]
    )
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    piped = (process.stdout or process.stderr).read()  # type: ignore[union-attr]
    process.wait(timeout=120)
    os.close(primary)
    return TerminalRun(
        process.returncode,
        seen.decode("utf-8", "replace").replace("\r\n", "\n"),
        piped.decode("utf-8", "replace"),
    )
