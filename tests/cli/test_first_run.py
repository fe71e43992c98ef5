"""A new user's first minutes: after `gvw init` (or `gvw setup`) and before any install,
`go` answers with gvw's message and the command that fixes it; the first version
installed becomes the global one, so `go` works right after; later installs never
change the selection, and concurrent first installs select exactly one version."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from gvw.base.errors import ExitCode
from gvw.host.shells.posix import quote
from tests.cli.conftest import SH_SHIM_PLATFORM
from tests.support.gvw_env import REPO, GvwEnv, install_unselected, run_ok
from tests.support.launcher import make_launcher
from tests.support.processes import LockHolder

NO_VERSION = [
    "gvw: no Go version selected and no other go on PATH",
    "gvw: install one with: gvw install latest",
]


def bash(
    user: GvwEnv, script: str, *, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``script`` in a real bash that loaded gvw's integration as its profile would."""
    gvw = make_launcher(user.base / "venv" / "bin")
    profile = f'eval "$({quote(str(gvw))} init bash)"\n'
    return subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", profile + script],
        capture_output=True,
        text=True,
        env=user.env({"PYTHONPATH": str(REPO), **(env or {})}),
        cwd=user.base,
        timeout=120,
    )


@pytest.mark.parametrize("platform", ["host", SH_SHIM_PLATFORM])
def test_before_any_install_go_is_gvws_shim_saying_what_to_do(user: GvwEnv, platform: str) -> None:
    env = {} if platform == "host" else {"GVW_PLATFORM": platform}
    done = bash(user, 'command -v go; go version; echo "exit $?"', env=env)
    assert done.stdout.splitlines() == [
        str(user.root / "shims" / "go"),
        f"exit {ExitCode.NO_VERSION}",
    ]
    assert done.stderr.splitlines() == NO_VERSION  # the native and the sh shim alike
    # gvw current says the same, and its hint is the command that makes go work
    current = user.run("current", env=env)
    assert (current.returncode, current.stderr_lines) == (ExitCode.NO_VERSION, NO_VERSION)


def test_setup_creates_the_shims_too(user: GvwEnv) -> None:
    Path(user.env()["HOME"]).mkdir()
    run_ok(user, "setup", "--shell", "bash")
    assert sorted(p.name for p in (user.root / "shims").iterdir()) == ["go", "gofmt"]


def test_the_first_install_becomes_the_global_version_and_go_works(user: GvwEnv) -> None:
    installed = run_ok(user, "install", "1.21")
    version_dir = user.root / "versions" / "1.21.13"
    assert installed.stdout.splitlines() == [
        f"Installed Go 1.21.13 in {version_dir}",
        "Go 1.21.13 is now the global version (none was selected); "
        "change it with: gvw global <version>",
    ]
    assert (user.root / "version").read_text() == "1.21.13\n"  # exact: later installs
    done = bash(user, "go version")
    assert done.stdout == "go version go1.21.13 linux/amd64\n", done.stderr
    # a later install never changes the selection, not even for a newer version
    later = run_ok(user, "install", "1.22.10")
    assert later.stdout == f"Installed Go 1.22.10 in {user.root / 'versions' / '1.22.10'}\n"
    assert bash(user, "go version").stdout == "go version go1.21.13 linux/amd64\n"


def test_the_hint_of_the_no_version_message_makes_go_work(user: GvwEnv) -> None:
    first = bash(user, "go version")
    assert first.stderr.splitlines() == NO_VERSION
    command = NO_VERSION[1].rsplit(": ", 1)[1].split()
    run_ok(user, *command[1:])  # gvw install latest
    assert bash(user, "go version").stdout == "go version go1.22.10 linux/amd64\n"


def test_with_versions_installed_but_none_selected_the_hint_selects_one(user: GvwEnv) -> None:
    run_ok(user, "install", "1.21.13")
    run_ok(user, "global", "--unset")
    assert user.run("current").stderr_lines == NO_VERSION
    again = run_ok(user, "install", "latest")  # 1.22.10: new, and now selected
    assert again.stdout.splitlines()[-1].startswith("Go 1.22.10 is now the global version")
    assert run_ok(user, "current").stdout == f"1.22.10 (set by {user.root / 'version'})\n"
    run_ok(user, "global", "--unset")
    already = run_ok(user, "install", "1.21.13")  # installed before: selected all the same
    assert already.stdout.splitlines() == [
        f"Go 1.21.13 is already installed in {user.root / 'versions' / '1.21.13'}",
        "Go 1.21.13 is now the global version (none was selected); "
        "change it with: gvw global <version>",
    ]


def test_an_install_where_a_version_is_pinned_leaves_the_global_version_alone(
    user: GvwEnv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".go-version").write_text("1.22\n")
    done = run_ok(user, "install", cwd=project)  # what the project needs
    assert done.stdout == (
        f"Installed Go 1.22.10 in {user.root / 'versions' / '1.22.10'} "
        f"(set by {project / '.go-version'})\n"
    )
    assert not (user.root / "version").exists()
    shell = run_ok(user, "install", "1.21.13", env={"GVW_GO_VERSION": "1.22"})  # gvw shell
    assert "global" not in shell.stdout and not (user.root / "version").exists()


def test_quiet_and_json_first_installs_select_too_and_say_so_in_json(user: GvwEnv) -> None:
    quiet = run_ok(user, "install", "--quiet", "1.21.13")
    assert quiet.stdout == "" and (user.root / "version").read_text() == "1.21.13\n"
    run_ok(user, "global", "--unset")
    rows = json.loads(run_ok(user, "install", "--json", "1.22.10", "1.21.13").stdout)
    assert [(r["version"], r["status"], r.get("selected")) for r in rows] == [
        ("1.22.10", "installed", "global"),  # the first named becomes the global version
        ("1.21.13", "already-installed", None),
    ]


def test_rolling_back_the_first_install_takes_the_global_version_back(user: GvwEnv) -> None:
    run_ok(user, "install", "1.22.10")
    run_ok(user, "rollback")
    assert not (user.root / "version").exists()
    assert not (user.root / "versions" / "1.22.10").exists()
    entry = user.audit_entries()[0]
    assert entry["changes"] == [
        {"kind": "installed", "version": "1.22.10"},
        {"kind": "pin", "path": str(user.root / "version"), "old": None, "new": "1.22.10"},
    ]


def test_the_first_install_decides_under_a_lock_and_respects_a_selection_made_meanwhile(
    user: GvwEnv,
) -> None:
    install_unselected(user, "1.21.13")
    # another gvw holds the store's state lock (as gvw global does while it writes)
    with LockHolder(user.root / ".locks" / "state.lock"):
        installing = user.popen("install", "1.22.10")
        deadline = time.monotonic() + 120
        while not (user.root / "versions" / "1.22.10").is_dir():
            assert installing.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.5)
        assert installing.poll() is None  # installed, and waiting to decide
        (user.root / "version").write_text("1.21.13\n")  # what the holder selected
    out, err = installing.communicate(timeout=120)
    assert installing.returncode == 0, err
    assert out == f"Installed Go 1.22.10 in {user.root / 'versions' / '1.22.10'}\n"
    assert (user.root / "version").read_text() == "1.21.13\n"


def test_concurrent_first_installs_select_exactly_one_version(user: GvwEnv) -> None:
    specs = ["1.21.13", "1.22.10", "1.21", "1.22"]
    running = [user.popen("install", spec) for spec in specs]
    outputs = [p.communicate(timeout=300) for p in running]
    assert [p.returncode for p in running] == [0] * 4, [err for _, err in outputs]
    said = [out for out, _ in outputs if "is now the global version" in out]
    assert len(said) == 1
    chosen = (user.root / "version").read_text().strip()
    assert f"Go {chosen} is now the global version" in said[0]
    pins = [c for e in user.audit_entries() for c in e["changes"] if c["kind"] == "pin"]
    assert pins == [{"kind": "pin", "path": str(user.root / "version"), "old": None, "new": chosen}]
