"""Auto-install in the native shim (issue 11 item 2; docs/selection.md "Auto-install").

A shim that finds the selected version missing runs ``<root>/gvw-command``'s arguments
followed by ``install <spec>`` when ``GVW_AUTO_INSTALL=1`` (or, with the variable empty
or unset, when ``<root>/auto-install`` exists), then resolves again and runs the
toolchain. The "gvw" here is a fake (:data:`FAKE_GVW`): a Python script, as
``python3 -m gvw`` would be, that records what it was started with and creates the
version directory with a fake toolchain. Both Linux builds run: linux-amd64 directly,
linux-arm64 under qemu-user (the fake gvw and toolchain are host programs the kernel
starts itself).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from gvw.base.errors import ExitCode
from gvw.base.platforms import host_platform
from gvw.store.shims import shim_for
from tests.shims.test_native_shim import build
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_server import MirrorServer
from tests.support.posix_world import Shell, World, build_world, parse_report, write_fake_tool

__all__ = ["build"]  # the fixture: each Linux build, and how it runs here

INSTALLED = ("1.21.13",)
MISSING = "1.22.10"

# argv: FAKE_GVW LOG ROOT TEMPLATE install SPEC. FAKE_GVW_EXIT=N: exit N without
# installing; FAKE_GVW_NOTHING: exit 0 without installing; FAKE_GVW_WAIT=FILE: create
# FILE, then wait for SIGTERM (recorded, exit 143).
FAKE_GVW = """\
import json, os, signal, sys, time
log, root, template = sys.argv[1:4]
record = {"argv": sys.argv[1:], "env": dict(os.environ), "stdin": sys.stdin.read()}
def on_term(sig, frame):
    record["signal"] = sig
    with open(log, "a") as f:
        f.write(json.dumps(record) + "\\n")
    sys.exit(143)
signal.signal(signal.SIGTERM, on_term)
print("fake gvw: installing", sys.argv[-1], flush=True)
sys.stderr.write("fake gvw: progress\\n")
if os.environ.get("FAKE_GVW_WAIT"):
    open(os.environ["FAKE_GVW_WAIT"], "w").close()
    time.sleep(60)
with open(log, "a") as f:
    f.write(json.dumps(record) + "\\n")
if os.environ.get("FAKE_GVW_EXIT"):
    sys.exit(int(os.environ["FAKE_GVW_EXIT"]))
if not os.environ.get("FAKE_GVW_NOTHING"):
    spec = sys.argv[-1]
    bin_dir = os.path.join(root, "versions", spec, "bin")
    os.makedirs(bin_dir)
    with open(template) as f:
        text = f.read().replace("@VERSION@", spec)
    with open(os.path.join(bin_dir, "go"), "w") as f:
        f.write(text)
    os.chmod(os.path.join(bin_dir, "go"), 0o755)
"""


class AutoWorld:
    """A world (tests/support/posix_world.py) with 1.21.13 installed, a project pinned
    to the missing 1.22.10, and the fake gvw recorded in ``root/gvw-command``."""

    def __init__(self, base: Path, program: Path, runner: Shell) -> None:
        # spaces and non-ASCII in every argument of gvw-command
        self.world: World = build_world(base / "wörld a b", INSTALLED, program=program)
        self.runner = runner
        self.log = self.world.path / "gvw log.jsonl"
        fake = self.world.path / "fake gvw.py"
        fake.write_text(FAKE_GVW, encoding="utf-8")
        template = self.world.path / "template go"
        write_fake_tool(template, "@VERSION@", "go")
        self.command = [sys.executable, str(fake), str(self.log), str(self.root), str(template)]
        self.write_command(self.command)
        (self.world.path / "proj").mkdir()
        (self.world.path / "proj" / ".go-version").write_bytes(MISSING.encode() + b"\n")

    @property
    def root(self) -> Path:
        return self.world.root

    def write_command(self, args: list[str], newline: str = "\n") -> None:
        data = "".join(a + newline for a in args)
        (self.root / "gvw-command").write_bytes(data.encode("utf-8"))

    def env(self, **extra: str) -> dict[str, str]:
        return {**self.world.base_env(), **extra}

    def run(
        self, shim: str = "go", stdin: bytes | None = None, **extra: str
    ) -> subprocess.CompletedProcess[bytes]:
        return self.world.run(
            self.world.shims / shim,
            ["version"],
            cwd=self.world.path / "proj",
            env=self.env(**extra),
            shell=self.runner,
            stdin=stdin,
        )

    def installs(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def not_installed(self, spec: str = MISSING, origin: str | None = None) -> list[str]:
        origin = origin or f"{self.world.path}/proj/.go-version"
        return [
            f"gvw: Go {spec} is not installed (set by {origin})",
            f"gvw: install it with: gvw install {spec}",
        ]


@pytest.fixture
def auto(tmp_path: Path, build: tuple[Path, Shell]) -> AutoWorld:
    return AutoWorld(tmp_path, *build)


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "surrogateescape").splitlines()


def _ran(auto: AutoWorld, result: subprocess.CompletedProcess[bytes], version: str) -> None:
    assert result.returncode == 0, result
    report = parse_report(result.stdout.decode())
    assert report["VERSION"] == version
    assert report["GOROOT"] == str(auto.world.goroot(version))


def test_off_the_missing_version_is_an_error_as_before(auto: AutoWorld) -> None:
    for extra in ({}, {"GVW_AUTO_INSTALL": ""}):
        result = auto.run(**extra)
        assert (result.returncode, _lines(result.stderr), result.stdout) == (
            4,
            auto.not_installed(),
            b"",
        )
    assert auto.installs() == []


def test_on_by_the_environment_it_installs_then_runs(auto: AutoWorld) -> None:
    result = auto.run(stdin=b"typed\n", GVW_AUTO_INSTALL="1", GOROOT="/elsewhere")
    _ran(auto, result, MISSING)
    # install's stdout went to the shim's stderr: go's stdout is the toolchain's alone
    assert _lines(result.stderr) == [f"fake gvw: installing {MISSING}", "fake gvw: progress"]
    assert "fake gvw" not in result.stdout.decode()
    (install,) = auto.installs()
    assert install["argv"] == [*auto.command[2:], "install", MISSING]
    # the environment unchanged (no GOROOT of the shim's, no depth), stdin inherited
    assert install["env"] == auto.env(GVW_AUTO_INSTALL="1", GOROOT="/elsewhere")
    assert install["stdin"] == "typed\n"
    # the next call is the fast path: nothing is installed again
    _ran(auto, auto.run(GVW_AUTO_INSTALL="1"), MISSING)
    assert len(auto.installs()) == 1


def test_on_by_the_marker_file_from_the_config(auto: AutoWorld) -> None:
    (auto.root / "auto-install").write_bytes(b"")
    _ran(auto, auto.run(), MISSING)
    assert [i["argv"][-2:] for i in auto.installs()] == [["install", MISSING]]


@pytest.mark.parametrize("value", ["0", "yes", "true", "1 ", "11"])
def test_any_other_value_of_the_variable_is_off_whatever_the_marker(
    auto: AutoWorld, value: str
) -> None:
    (auto.root / "auto-install").write_bytes(b"")
    result = auto.run(GVW_AUTO_INSTALL=value)
    assert (result.returncode, _lines(result.stderr)) == (4, auto.not_installed())
    assert auto.installs() == []


def test_a_launcher_of_a_missing_version_installs_it(auto: AutoWorld) -> None:
    shim = auto.world.shims / "go1.22.10"
    shim.write_bytes((auto.world.shims / "go").read_bytes())
    shim.chmod(0o755)
    _ran(auto, auto.run("go1.22.10", GVW_AUTO_INSTALL="1"), MISSING)
    assert auto.installs()[0]["argv"][-2:] == ["install", MISSING]


def test_a_family_spec_is_installed_by_its_name(auto: AutoWorld) -> None:
    (auto.world.path / "proj" / ".go-version").write_bytes(b"go1.23\n")
    _ran(auto, auto.run(GVW_AUTO_INSTALL="1"), "1.23")
    assert auto.installs()[0]["argv"][-2:] == ["install", "1.23"]


@pytest.mark.parametrize("code", [1, 8, 9, 23, 255])
def test_a_failing_install_gives_its_exit_code(auto: AutoWorld, code: int) -> None:
    result = auto.run(GVW_AUTO_INSTALL="1", FAKE_GVW_EXIT=str(code))
    assert (result.returncode, _lines(result.stderr), result.stdout) == (
        code,
        [f"fake gvw: installing {MISSING}", "fake gvw: progress"],
        b"",
    )
    assert not auto.world.goroot(MISSING).exists()


def test_an_install_that_installs_nothing_ends_in_the_usual_error(auto: AutoWorld) -> None:
    """Install said yes but the version is still missing: one try, no loop."""
    result = auto.run(GVW_AUTO_INSTALL="1", FAKE_GVW_NOTHING="1")
    assert (result.returncode, _lines(result.stderr)[2:]) == (4, auto.not_installed())
    assert len(auto.installs()) == 1


@pytest.mark.parametrize("how", ["absent", "directory", "empty", "unreadable-size"])
def test_without_a_usable_gvw_command_it_says_to_rehash(auto: AutoWorld, how: str) -> None:
    command = auto.root / "gvw-command"
    command.unlink()
    if how == "directory":
        command.mkdir()
    elif how == "empty":
        command.write_bytes(b"\n\r\n")
    elif how == "unreadable-size":
        command.write_bytes(b"/x" * 20000)  # over 32 KiB: refused, never cut
    result = auto.run(GVW_AUTO_INSTALL="1")
    assert (result.returncode, _lines(result.stderr)) == (
        4,
        [
            *auto.not_installed(),
            f"gvw: auto-install is on but {auto.root}/gvw-command is missing; run: gvw rehash",
        ],
    )


def test_crlf_a_bom_and_blank_lines_in_gvw_command(auto: AutoWorld) -> None:
    data = "\ufeff" + "\r\n\r\n".join(auto.command) + "\r\n"
    (auto.root / "gvw-command").write_bytes(data.encode("utf-8"))
    _ran(auto, auto.run(GVW_AUTO_INSTALL="1"), MISSING)
    assert auto.installs()[0]["argv"] == [*auto.command[2:], "install", MISSING]


def test_a_gvw_command_that_cannot_start_is_named(auto: AutoWorld) -> None:
    missing = auto.world.path / "no such gvw"
    auto.write_command([str(missing), "-m", "gvw"])
    result = auto.run(GVW_AUTO_INSTALL="1")
    assert (result.returncode, _lines(result.stderr)) == (
        127,
        [f"gvw: cannot run {missing} (No such file or directory)"],
    )


def test_never_for_system_invalid_specs_or_the_loop_guard(auto: AutoWorld) -> None:
    proj = auto.world.path / "proj" / ".go-version"
    proj.write_bytes(b"system\n")
    result = auto.run(GVW_AUTO_INSTALL="1")
    assert (result.returncode, _lines(result.stderr)[0]) == (
        4,
        f"gvw: no system Go found on PATH (set by {proj})",
    )
    proj.write_bytes(b"1.22.x\n")
    assert auto.run(GVW_AUTO_INSTALL="1").returncode == 3
    proj.write_bytes(MISSING.encode() + b"\n")
    assert auto.run(GVW_AUTO_INSTALL="1", GVW_SHIM_DEPTH="16").returncode == 6
    assert auto.installs() == []


def test_terminating_the_shim_terminates_the_install(auto: AutoWorld) -> None:
    """SIGTERM to the waiting shim reaches the install (gvw cleans up and exits 143),
    and the shim ends with that code rather than leaving the install behind."""
    ready = auto.world.path / "ready"
    env = auto.env(GVW_AUTO_INSTALL="1", FAKE_GVW_WAIT=str(ready))
    proc = subprocess.Popen(
        [*auto.runner.command(), str(auto.world.shims / "go"), "version"],
        cwd=auto.world.path / "proj",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert ready.exists(), proc.communicate(timeout=60)
    os.kill(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out) == (143, b""), err
    assert [i.get("signal") for i in auto.installs()] == [signal.SIGTERM]


# --------------------------------------------------------------------- the real gvw


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_real_gvw_installs_a_real_go_through_the_native_shim(
    tmp_path: Path, real_mirror: MirrorServer
) -> None:
    """gvw-command as `python -m gvw` (what rehash records for a module run): a mirror
    that cannot be reached gives install's network error and its exit code, not a hang;
    then three shims started at once install the real Go 1.22.10 from the local mirror
    once (gvw's lock) and each runs it."""
    if "native_shim" not in shim_for(str(host_platform({}))).file:
        pytest.skip("no native shim is shipped for this platform")
    gvw = GvwEnv(tmp_path)
    run_ok(gvw, "install", "--mirror", real_mirror.url, "1.21.13")
    (gvw.root / "gvw-command").write_text(f"{sys.executable}\n-m\ngvw\n", encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".go-version").write_text("1.22.10\n")
    env = gvw.env({"GVW_AUTO_INSTALL": "1", "GOTOOLCHAIN": "local"})

    unreachable = subprocess.run(
        [str(gvw.root / "shims" / "go"), "version"],
        cwd=project,
        env={**env, "GVW_MIRROR": "http://127.0.0.1:9/", "GVW_TIMEOUT": "5"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert unreachable.returncode == ExitCode.NETWORK, unreachable
    assert not (gvw.root / "versions" / "1.22.10").exists()
    # three shims at once: gvw's install lock makes one download, the others wait
    archive = "go1.22.10.linux-amd64.tar.gz"
    before = real_mirror.count(archive)
    shims = [
        subprocess.Popen(
            [str(gvw.root / "shims" / "go"), "version"],
            cwd=project,
            env={**env, "GVW_MIRROR": real_mirror.url},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for shim in shims:
        out, err = shim.communicate(timeout=600)
        assert (shim.returncode, out) == (0, "go version go1.22.10 linux/amd64\n"), err
        assert "1.22.10" in err  # install's report, on stderr
    assert real_mirror.count(archive) - before == 1
    assert (gvw.root / "versions" / "1.22.10" / "bin" / "go").is_file()
