"""``gvw verify``: is an installed toolchain intact, and does it work?

Integrity compares the tree with the manifest written at install time
(:mod:`gvw.install.tree_manifest`). The function checks run the toolchain itself in a clean
environment, so that nothing of the user's setup can make a broken toolchain look good
or a good one look broken: no GOROOT (the toolchain finds its own), GOTOOLCHAIN=local
(Go may not switch to another toolchain), GOFLAGS and the go env file ignored
(GOENV=off), no GOOS/GOARCH (the program must run here), GOWORK=off.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gvw.base.errors import VerifyError
from gvw.base.platforms import Platform
from gvw.base.reporting import Reporter, SilentReporter
from gvw.base.versions import GoVersion
from gvw.host.processes import run_tree
from gvw.install.tree_manifest import check_tree, read_manifest

RUN_TIMEOUT_SECONDS = 600  # a cold build cache builds the runtime first
HELLO_LINE = "hello from gvw verify"
# where Go keeps things between runs: kept, so verify uses the user's caches
_KEPT_GO_VARS = frozenset({"GOCACHE", "GOPATH", "GOMODCACHE", "GOTMPDIR"})


@dataclass
class Check:
    name: str  # "integrity", "go version", "go env GOROOT", "hello world"
    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "message": self.message, **self.details}


@dataclass
class VersionReport:
    version: str
    path: Path
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "path": str(self.path),
            "ok": self.ok,
            "checks": [check.as_json() for check in self.checks],
        }


def verify_version(
    version: GoVersion,
    tree: Path,
    *,
    platform: Platform,
    env: Mapping[str, str],
    clean_cache: bool = False,
    workers: int | None = None,
    reporter: Reporter | None = None,
) -> VersionReport:
    """Every check of one installed version; failures are reported, not raised."""
    shown = reporter or SilentReporter()
    activity = shown.activity(f"Go {version.name}: checking its files against the manifest")
    checks = [integrity(version, tree, workers=workers)]
    activity.close(0 if checks[0].ok else 1)
    run = _Runner(clean_env(env), shown, version)
    with tempfile.TemporaryDirectory(prefix="gvw-verify-") as temp:
        if clean_cache:
            run.env["GOCACHE"] = os.path.join(temp, "gocache")
        go = str(tree / "bin" / ("go.exe" if platform.goos == "windows" else "go"))
        checks.append(_go_version(go, version, platform, run))
        checks.append(_go_root(go, tree, run))
        checks.append(_hello_world(go, version, Path(temp), run, platform))
    return VersionReport(version.name, tree, checks)


def integrity(version: GoVersion, tree: Path, *, workers: int | None = None) -> Check:
    manifest = read_manifest(tree)
    if manifest is None:
        return Check(
            "integrity",
            False,
            f"Go {version.name} has no manifest (installed before gvw recorded one), so "
            f"its files cannot be checked; reinstall it to get one: "
            f"gvw uninstall --force {version.name} && gvw install {version.name}",
            {"status": "no-manifest"},
        )
    result = check_tree(tree, manifest, workers=workers)
    lists = {"missing": result.missing, "changed": result.changed, "extra": result.extra}
    details: dict[str, Any] = {"status": "ok" if result.ok else "damaged", "files": result.files}
    details.update(lists)
    if result.ok:
        return Check("integrity", True, f"all {result.files} files match the manifest", details)
    counts = ", ".join(f"{len(paths)} {kind}" for kind, paths in lists.items() if paths)
    return Check("integrity", False, f"the tree differs from its manifest: {counts}", details)


def clean_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment the function checks run the toolchain in (see the module doc)."""
    clean = {
        key: value
        for key, value in env.items()
        if not (key.startswith(("GO", "CGO_")) and key not in _KEPT_GO_VARS)
        and not key.startswith("GVW_")
    }
    clean.update(GOTOOLCHAIN="local", GOENV="off", GOWORK="off")
    return clean


class _Runner:
    """Runs the toolchain's commands as a process tree (ended whole on an interruption
    or a time-out), showing each while it runs."""

    def __init__(self, env: dict[str, str], reporter: Reporter, version: GoVersion) -> None:
        self.env = env
        self.reporter = reporter
        self.version = version

    def __call__(self, command: list[str], label: str, cwd: Path | None = None) -> tuple[int, str]:
        activity = self.reporter.activity(f"Go {self.version.name}: {label}")
        code: int | None = None
        try:
            finished = run_tree(
                command, cwd=cwd, env=self.env, output=subprocess.PIPE, timeout=RUN_TIMEOUT_SECONDS
            )
            code = finished.exit_code
        except subprocess.TimeoutExpired:
            code = -1
            return -1, f"timed out after {RUN_TIMEOUT_SECONDS} s"
        except OSError as exc:
            code = -1
            return -1, f"cannot run {command[0]}: {exc.strerror or exc}"
        finally:
            activity.close(code)
        return code, finished.output.decode("utf-8", "replace").strip()


def _go_version(go: str, version: GoVersion, platform: Platform, run: _Runner) -> Check:
    expected = f"go version go{version.name} {platform.goos}/{platform.goarch}"
    code, output = run([go, "version"], "go version")
    # builds with experiments append " X:name"; the first four words are the release
    ok = code == 0 and output.split()[:4] == expected.split()
    message = f"reports {output!r}" if ok else f"expected {expected!r}, got {output!r}"
    return Check("go version", ok, message, {"expected": expected, "actual": output})


def _go_root(go: str, tree: Path, run: _Runner) -> Check:
    code, output = run([go, "env", "GOROOT"], "go env GOROOT")
    ok = code == 0 and _same_path(output, tree)
    message = f"is {output}" if ok else f"expected {tree}, got {output!r}"
    return Check("go env GOROOT", ok, message, {"expected": str(tree), "actual": output})


def _hello_world(
    go: str, version: GoVersion, temp: Path, run: _Runner, platform: Platform
) -> Check:
    module = temp / "hello"
    module.mkdir()
    # a go line no newer than the toolchain, or GOTOOLCHAIN=local refuses to build
    (module / "go.mod").write_text(f"module hello\n\ngo {version.major}.{version.minor}\n")
    # println needs only the runtime: a cold build cache builds in seconds, not minutes
    (module / "main.go").write_text(f'package main\n\nfunc main() {{ println("{HELLO_LINE}") }}\n')
    program = str(temp / ("hello-program" + (".exe" if platform.goos == "windows" else "")))
    code, output = run([go, "build", "-o", program, "."], "go build (hello world)", cwd=module)
    if code != 0:
        return Check("hello world", False, f"go build failed: {output}", {"output": output})
    code, output = run([program], "hello world", cwd=module)
    ok = code == 0 and output == HELLO_LINE
    message = "built and ran" if ok else f"expected {HELLO_LINE!r}, got {output!r} (exit {code})"
    return Check("hello world", ok, message, {"output": output})


def _same_path(text: str, tree: Path) -> bool:
    try:
        return os.path.samefile(text, tree)
    except OSError:
        return False


def failures(reports: Sequence[VersionReport]) -> str:
    """The versions that failed and their failed checks, in words ("" when none did):
    ``Go 1.22.10: integrity, hello world``."""
    return "; ".join(
        f"Go {r.version}: " + ", ".join(c.name for c in r.checks if not c.ok)
        for r in reports
        if not r.ok
    )


def require_ok(reports: list[VersionReport]) -> None:
    """Raise the verify error when any version failed a check."""
    what = failures(reports)
    if not what:
        return
    raise VerifyError(
        f"verification failed for {what}",
        hint="reinstall a damaged version: gvw uninstall --force VERSION && gvw install VERSION",
    )
