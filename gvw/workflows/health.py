"""Health checks after a switch (``gvw apply --health-check``): the user's commands, run
the way the machine runs Go once the change is made — through the shims, with the new
version selected.

Each command runs with ``<root>/shims`` first on PATH, ``GVW_GO_VERSION`` naming the
version the change selected (so a ``.go-version`` in the directory cannot pick another)
and ``GOTOOLCHAIN=local`` (so a go.mod cannot make Go switch away); an inherited GOROOT
is dropped, since the shim sets it. Output goes to a log under the cache, as for
``gvw try``. The first failing command ends the checks.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gvw.base.reporting import Reporter
from gvw.selection.resolver import ENV_VAR
from gvw.workflows.trying import TIMED_OUT, log_tail, run_logged

DEFAULT_TIMEOUT_SECONDS = 900.0


@dataclass(frozen=True)
class HealthCheck:
    command: tuple[str, ...]
    exit_code: int
    seconds: float
    log: Path
    tail: tuple[str, ...]  # the last lines of the log, for a failure

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def describe(self) -> str:
        """How it failed, in words: "exit 1", "stopped after 900 s"."""
        return "timed out" if self.exit_code == TIMED_OUT else f"exit {self.exit_code}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "command": list(self.command),
            "exit_code": self.exit_code,
            "seconds": round(self.seconds, 3),
            "log": str(self.log),
        }
        if not self.ok:
            data["tail"] = list(self.tail)
        return data


def health_env(env: Mapping[str, str], *, shims: Path, version: str | None) -> dict[str, str]:
    """The environment the checks run in (see the module doc); ``version`` None: the
    machine's own selection."""
    result = {key: value for key, value in env.items() if key != "GOROOT"}
    result["PATH"] = os.pathsep.join(p for p in (str(shims), env.get("PATH", "")) if p)
    result["GOTOOLCHAIN"] = "local"
    if version is not None:
        result[ENV_VAR] = version
    else:
        result.pop(ENV_VAR, None)
    return result


def run_health_checks(
    commands: Sequence[tuple[str, ...]],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_dir: Path,
    reporter: Reporter,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> list[HealthCheck]:
    """Run the commands in order until one fails; every run, the failing one last."""
    checks = []
    for number, command in enumerate(commands, 1):
        log = log_dir / f"health-{number}.log"
        label = f"health check: {shlex.join(command)}"
        done = run_logged(command, env, cwd, log, reporter, label, timeout=timeout)
        code = done.exit_code
        checks.append(
            HealthCheck(command, code, done.seconds, log, tuple(log_tail(log)) if code else ())
        )
        if code != 0:
            break
    return checks
