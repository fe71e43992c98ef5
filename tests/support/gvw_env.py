"""Run the real gvw command line in an isolated environment.

Every test gets its own store root, cache and config file; gvw runs as a separate
process (``python -m gvw``), exactly as a user runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    @property
    def error_lines(self) -> list[str]:
        """stderr without warnings (a plain-http test mirror always warns)."""
        return [line for line in self.stderr_lines if not line.startswith("gvw: warning:")]


@dataclass
class GvwEnv:
    """A user's machine, as far as gvw can tell: its store, cache and config."""

    base: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def machine(self) -> Path:
        """The machine store (docs/machine-store.md): its own per test, empty unless a
        test fills it, so that nothing in /opt/gvw on the machine running the tests is
        ever seen."""
        return self.base / "machine"

    @property
    def cache(self) -> Path:
        return self.base / "cache"

    @property
    def config(self) -> Path:
        return self.base / "config.toml"

    def env(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GVW_", "GO"))}
        env.update(
            GVW_ROOT=str(self.root),
            GVW_MACHINE_ROOT=str(self.machine),
            GVW_CACHE_DIR=str(self.cache),
            GVW_CONFIG=str(self.config),
        )
        # a home of its own: snapshots read ~/go/bin and Go's env file, setup edits
        # profiles; none of that may touch the machine running the tests
        home = self.base / "home"
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
        # no test may ask vuln.go.dev: those that need a vulnerability database set
        # GOVULNDB to a local one (tests/support/vulndb_fixture.py)
        env["GOVULNDB"] = "off"
        # this checkout's gvw, whatever the virtualenv's editable install points at
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
        )
        env.update(self.extra_env)
        env.update(overrides or {})
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "gvw", *args]

    def run(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
    ) -> Result:
        done = subprocess.run(
            self.command(*args),
            cwd=cwd or self.base,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def popen(
        self, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            cwd=cwd or self.base,
            env=self.env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )

    def store_listing(self) -> list[str]:
        """Every path under the root except locks and the audit log (which records failed
        commands too): what "the store is unchanged" compares."""
        if not self.root.exists():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in self.root.rglob("*")
            if not {".locks", "log"} & set(p.relative_to(self.root).parts)
        )

    def audit_entries(self) -> list[dict[str, object]]:
        """The audit log's entries, oldest first."""
        import json

        log = self.root / "log" / "audit.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text("utf-8").splitlines()]


def run_ok(gvw: GvwEnv, *args: str, **kwargs: object) -> Result:
    result = gvw.run(*args, **kwargs)  # type: ignore[arg-type]
    assert result.returncode == 0, f"gvw {' '.join(args)} failed:\n{result.stderr}"
    return result


@pytest.fixture
def gvw(tmp_path: Path) -> GvwEnv:
    return GvwEnv(tmp_path)


@pytest.fixture(scope="session")
def installed_gvw(
    tmp_path_factory: pytest.TempPathFactory, real_mirror: object
) -> Iterator[GvwEnv]:
    """A store with the real Go 1.21.13 and 1.22.10 installed through the real CLI from
    the local mirror, and nothing selected (shared by the tests that only use them)."""
    env = GvwEnv(tmp_path_factory.mktemp("installed"))
    install_unselected(env, "--mirror", real_mirror.url, "1.21", "go1.22.10")  # type: ignore[attr-defined]
    yield env


def install_unselected(gvw: GvwEnv, *args: str) -> Result:
    """``gvw install ARGS`` in a shell where ``gvw shell`` has selected a version, so the
    first install does not become the global version: for tests of a store with
    versions installed and nothing selected."""
    return run_ok(gvw, "install", *args, env={"GVW_GO_VERSION": "1.0"})


def go_bin(env: GvwEnv, version: str, tool: str = "go") -> Path:
    return env.root / "versions" / version / "bin" / tool


def write_files(base: Path, files: Mapping[str, bytes]) -> None:
    for relative, data in files.items():
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


__all__: Sequence[str] = [
    "GvwEnv",
    "Result",
    "go_bin",
    "install_unselected",
    "run_ok",
    "write_files",
]
