"""The machine store (docs/machine-store.md) on a real shared host: an administrator
(root) installs real Go toolchains into a root-owned machine store; two real
unprivileged users (made with useradd, dropped to with setpriv) use it through its
shims and gvw, each with a global selection of their own, and cannot change it.

gvw runs as those users from the system's Python (/usr/bin/python3) with this
checkout and the test venv's packages on PYTHONPATH: the test venv's interpreter lives
under /root, which other users cannot enter. That stands in for a system-wide gvw
install (an administrator's venv every user can read).
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sysconfig
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gvw.base.platforms import host_platform
from gvw.store.shims import shim_for
from tests.support.gvw_env import REPO, GvwEnv, Result, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.processes import LockHolder, read_line

SYSTEM_PYTHON = Path("/usr/bin/python3")
# the test venv's packages (click, httpx, ...): the same Python minor version
SITE_PACKAGES = sysconfig.get_paths()["purelib"]


def _need_root_and_tools() -> None:
    missing = [tool for tool in ("useradd", "userdel", "setpriv") if shutil.which(tool) is None]
    if os.geteuid() != 0 or missing or not SYSTEM_PYTHON.exists():
        why = "root" if os.geteuid() != 0 else ", ".join(missing) or str(SYSTEM_PYTHON)
        if os.environ.get("CI"):
            raise RuntimeError(f"the machine store test needs {why}")
        pytest.skip(f"the machine store test needs {why} (real users and a root-owned store)")


@dataclass(frozen=True)
class User:
    """A real user of the machine, without any privilege."""

    name: str
    home: Path
    machine: Path  # the machine store, named by GVW_MACHINE_ROOT

    @property
    def env(self) -> dict[str, str]:
        """A clean login-like environment: the machine store's shims on PATH, no
        GVW_ROOT (the user's store is the user data directory's), nothing of root's."""
        return {
            "HOME": str(self.home),
            "USER": self.name,
            "LOGNAME": self.name,
            "LANG": "C.UTF-8",
            "PATH": f"{self.machine / 'shims'}:/usr/bin:/bin",
            "GVW_MACHINE_ROOT": str(self.machine),
            "PYTHONPATH": f"{REPO}:{SITE_PACKAGES}",
        }

    def run(self, *argv: str, cwd: Path | None = None) -> Result:
        prefix = [
            shutil.which("setpriv") or "setpriv",
            f"--reuid={self.name}",
            f"--regid={self.name}",
            "--init-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
        done = subprocess.run(
            [*prefix, *argv],
            cwd=cwd or self.home,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def gvw(self, *args: str, cwd: Path | None = None) -> Result:
        return self.run(str(SYSTEM_PYTHON), "-m", "gvw", *args, cwd=cwd)

    @property
    def store(self) -> Path:
        return self.home / ".local" / "share" / "gvw"


@pytest.fixture(scope="module")
def host() -> Iterator[Path]:
    """A base directory every user can enter, and in it two new users' homes."""
    _need_root_and_tools()
    base = Path(tempfile.mkdtemp(prefix="gvw-machine-"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def users(host: Path) -> Iterator[Sequence[User]]:
    made: list[User] = []
    try:
        for who in ("ana", "ben"):
            name = f"gvwm{os.getpid()}{who}"
            home = host / "home" / name
            home.parent.mkdir(exist_ok=True, mode=0o755)
            subprocess.run(
                ["useradd", "--create-home", "--home-dir", str(home), "--user-group", name],
                check=True,
                capture_output=True,
            )
            made.append(User(name, home, host / "machine"))
            assert pwd.getpwnam(name).pw_uid != 0
        yield made
    finally:
        for user in made:
            subprocess.run(["userdel", "--remove", user.name], capture_output=True)


@pytest.fixture(scope="module")
def admin(host: Path, real_mirror: object) -> GvwEnv:
    """root, who installs Go 1.21.13 and 1.22.10 into the machine store and makes
    1.22.10 its global version."""
    admin = GvwEnv(host)  # its machine store: host/machine
    url = real_mirror.url  # type: ignore[attr-defined]
    run_ok(admin, "install", "--machine", "--mirror", url, "1.21", "1.22.10")
    run_ok(admin, "global", "--machine", "1.22.10")
    return admin


def contents(top: Path) -> dict[str, tuple[int, int, int, str]]:
    """Every name under ``top``: its mode, owner, modification time and, for files,
    its sha256 (what "nothing changed" compares)."""
    found = {}
    for path in [top, *top.rglob("*")]:
        info = path.lstat()
        digest = ""
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        found[str(path.relative_to(top))] = (info.st_mode, info.st_uid, info.st_mtime_ns, digest)
    return found


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_a_root_owned_machine_store_serves_users_who_cannot_change_it(
    admin: GvwEnv, users: Sequence[User]
) -> None:
    machine = admin.machine
    ana, ben = users
    versions = machine / "versions"

    # readable by everyone, owned by root; the snapshots and the log are root's only
    assert machine.stat().st_uid == 0
    assert oct(machine.stat().st_mode & 0o777) == "0o755"
    assert oct((versions / "1.22.10" / "bin" / "go").stat().st_mode & 0o777) == "0o755"
    assert oct((versions / "1.22.10" / "VERSION").stat().st_mode & 0o777) == "0o644"
    assert oct((machine / "version").stat().st_mode & 0o777) == "0o644"
    assert oct((machine / "shims" / "go").stat().st_mode & 0o777) == "0o755"
    for private in ("snapshots", "log"):
        assert oct((machine / private).stat().st_mode & 0o777) == "0o700"
    assert not (machine / "gvw-command").exists()  # root's gvw is no user's

    # the shims run a real Go for a user without a store of their own
    go = ana.run("go", "version")
    assert (go.returncode, go.stderr) == (0, "")
    assert go.stdout.startswith("go version go1.22.10 linux/")

    # list, current, which and verify work without write access
    listed = ana.gvw("list")
    assert (listed.returncode, listed.stdout) == (0, "* 1.22.10  (machine)\n  1.21.13  (machine)\n")
    current = ana.gvw("current")
    assert current.stdout == f"1.22.10 (set by {machine / 'version'})\n", current.stderr
    which = ana.gvw("which", "go")
    assert which.stdout == f"{versions / '1.22.10' / 'bin' / 'go'}\n", which.stderr
    verified = ana.gvw("verify", "1.21")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"Go 1.21.13 ({versions / '1.21.13'}): ok\n")

    # each user's global selection is their own, written into their own store
    chose = ana.gvw("global", "1.21.13")
    assert chose.stdout == (f"Global Go version: 1.21.13, written to {ana.store / 'version'}\n"), (
        chose.stderr
    )
    assert run_ok_as(ben, "global", "1.22.10").stdout.endswith(f"{ben.store / 'version'}\n")
    assert ana.run("go", "version").stdout.startswith("go version go1.21.13 ")
    assert ben.run("go", "version").stdout.startswith("go version go1.22.10 ")
    assert ana.gvw("current").stdout == f"1.21.13 (set by {ana.store / 'version'})\n"
    assert ana.gvw("list").stdout == "  1.22.10  (machine)\n* 1.21.13  (machine)\n"
    assert (ana.store / "version").stat().st_uid == pwd.getpwnam(ana.name).pw_uid

    # changing the machine store: the documented error, and nothing changed
    before = contents(machine)
    for args in (
        ("install", "--machine", "1.23"),
        ("uninstall", "--machine", "1.21.13"),
        ("global", "--machine", "1.21.13"),
        ("global", "--machine", "--unset"),
        ("rehash", "--machine"),
    ):
        refused = ana.gvw(*args)
        assert (refused.returncode, refused.stdout, refused.stderr_lines) == (
            26,
            "",
            [
                f"gvw: cannot change the machine store {machine}: it serves every user of "
                "this machine, and only an administrator may change it; nothing was changed",
                f"gvw: run it as root: sudo gvw {' '.join(args)}",
            ],
        ), args
        assert contents(machine) == before, args
    # and the machine store is still what everyone runs
    assert ben.run("go", "version").stdout.startswith("go version go1.22.10 ")


def run_ok_as(user: User, *args: str) -> Result:
    result = user.gvw(*args)
    assert result.returncode == 0, result.stderr
    return result


# --- where the user store is when the machine store's shims run -----------------------

# (the environment, the version each implementation must run)
USER_DATA_CASES = {
    "XDG_DATA_HOME names the user data directory": ({"XDG_DATA_HOME": "{w}/xdg"}, "1.20.14"),
    "a trailing slash on XDG_DATA_HOME changes nothing": ({"XDG_DATA_HOME": "{w}/xdg/"}, "1.20.14"),
    "without XDG_DATA_HOME it is under HOME": ({}, "1.21.13"),
    "a relative XDG_DATA_HOME is ignored": ({"XDG_DATA_HOME": "xdg"}, "1.21.13"),
    "the machine store named through a link is still the shims' own": (
        {"XDG_DATA_HOME": "{w}/xdg", "GVW_MACHINE_ROOT": "{w}/machine-link"},
        "1.20.14",
    ),
}


def user_data_world(base: Path) -> Path:
    """A machine store with fake toolchains and its global 1.22.10; a user store in
    each place a user data directory can be, each with a global of its own."""
    from tests.support.posix_world import install_shim, native_shim, write_fake_tool

    world = Path(os.path.realpath(base))
    machine = world / "machine"
    for version in ("1.20.14", "1.21.13", "1.22.10"):
        for tool in ("go", "gofmt"):
            write_fake_tool(machine / "versions" / version / "bin" / tool, version, tool)
    (machine / "version").write_text("1.22.10\n")
    install_shim(machine / "shims", "go")  # the sh shim
    install_shim(machine / "native", "go", native_shim("linux-amd64"))
    (world / "machine-link").symlink_to(machine)
    for store, version in (("xdg/gvw", "1.20.14"), ("home/.local/share/gvw", "1.21.13")):
        (world / store).mkdir(parents=True)
        (world / store / "version").write_text(f"{version}\n")
    (world / "proj").mkdir()
    return world


def ran(result: subprocess.CompletedProcess[bytes]) -> str:
    from tests.support.posix_world import parse_report

    assert result.returncode == 0, result.stderr
    return parse_report(result.stdout.decode())["VERSION"]


@pytest.mark.parametrize("case", list(USER_DATA_CASES))
def test_gvw_and_the_shims_find_the_user_data_directory_alike(tmp_path: Path, case: str) -> None:
    """With the machine store's shims on PATH, gvw (no GVW_ROOT), the sh shim and the
    native shim take the same user store: the same global file wins."""
    if not native_runs_here():
        pytest.skip("the linux-amd64 native shim runs only on x86_64 Linux")
    world = user_data_world(tmp_path / "world")
    variables, expected = USER_DATA_CASES[case]
    env = {
        "HOME": str(world / "home"),
        "XDG_DATA_HOME": "",  # empty is unset, in gvw and the shims alike
        "PATH": "/usr/bin:/bin",
        "GVW_MACHINE_ROOT": str(world / "machine"),
        **{k: v.format(w=world) for k, v in variables.items()},
    }
    # both in the machine store: their store is the parent of their directory
    for shim in (world / "machine" / "shims" / "go", world / "machine" / "native" / "go"):
        done = subprocess.run([str(shim)], cwd=world / "proj", env=env, capture_output=True)
        assert ran(done) == expected, shim
    current = GvwEnv(tmp_path).run("current", cwd=world / "proj", env={**env, "GVW_ROOT": ""})
    assert current.stdout.split()[0] == expected, current.stderr


def native_runs_here() -> bool:
    import platform
    import sys

    return sys.platform.startswith("linux") and platform.machine() == "x86_64"


# --- the administrator's side, and one user's view of both stores ----------------------


def test_machine_changes_are_snapshotted_logged_and_rolled_back_in_the_machine_store(
    gvw: GvwEnv, mirror_factory: Any, tmp_path: Path
) -> None:
    """Run as whoever runs the tests (root in CI), who owns the machine store here."""
    server = mirror_factory(tmp_path / "mirror")
    write_synthetic_mirror(tmp_path / "mirror", ["1.21.13", "1.22.10"])
    machine = gvw.machine
    run_ok(gvw, "install", "--machine", "--mirror", str(server.url), "1.21.13", "1.22.10")
    run_ok(gvw, "global", "--machine", "1.22.10")
    removed = run_ok(gvw, "uninstall", "--machine", "1.21.13")
    assert removed.stdout == "Uninstalled Go 1.21.13\n"
    assert not (machine / "versions" / "1.21.13").exists()
    assert [name for name in gvw.store_listing() if not name.startswith(".")] == []

    logged = json.loads(run_ok(gvw, "log", "--machine", "--json").stdout)
    assert [entry["command"] for entry in logged] == [
        "uninstall 1.21.13",
        "global 1.22.10",
        "install 1.21.13 1.22.10",
    ]
    assert run_ok(gvw, "log").stdout == f"No entries in {gvw.root / 'log' / 'audit.jsonl'}\n"
    run_ok(gvw, "rollback", "--machine")
    assert (machine / "versions" / "1.21.13" / "bin").is_dir()
    assert len(run_ok(gvw, "snapshots", "--machine", "--json").stdout.split('"id"')) == 5

    # one user's view: both stores, the machine's global until they choose their own
    assert run_ok(gvw, "list").stdout == "* 1.22.10  (machine)\n  1.21.13  (machine)\n"
    rows = json.loads(run_ok(gvw, "list", "--json").stdout)
    assert [(r["version"], r["store"], r["selected"]) for r in rows] == [
        ("1.22.10", "machine", True),
        ("1.21.13", "machine", False),
    ]
    assert run_ok(gvw, "global").stdout == f"1.22.10 (set by {machine / 'version'})\n"
    run_ok(gvw, "global", "1.21.13")
    assert run_ok(gvw, "global").stdout == f"1.21.13 (set by {gvw.root / 'version'})\n"
    run_ok(gvw, "global", "--unset")
    assert run_ok(gvw, "current").stdout == f"1.22.10 (set by {machine / 'version'})\n"
    # installing a version the machine store has downloads nothing into the user's
    again = run_ok(gvw, "install", "--mirror", str(server.url), "1.21.13", "1.22")
    assert again.stdout == (
        f"Go 1.21.13 is already installed in {machine / 'versions' / '1.21.13'}\n"
        f"Go 1.22.10 is already installed in {machine / 'versions' / '1.22.10'}\n"
    )
    assert not (gvw.root / "versions").exists()
    mine = gvw.run("uninstall", "1.21.13")
    assert (mine.returncode, mine.stderr_lines) == (
        4,
        [
            f"gvw: Go 1.21.13 is in the machine store {machine}, not in yours",
            "gvw: remove it from there (as administrator): gvw uninstall --machine 1.21.13",
        ],
    )


def test_doctor_takes_the_machine_stores_shims_for_a_user_without_a_store(
    gvw: GvwEnv, mirror_factory: Any, tmp_path: Path
) -> None:
    server = mirror_factory(tmp_path / "mirror")
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"])
    run_ok(gvw, "install", "--machine", "--mirror", str(server.url), "1.22.10")
    run_ok(gvw, "global", "--machine", "1.22.10")
    shims = gvw.machine / "shims"
    result = gvw.run("doctor", "--json", env={"PATH": f"{shims}:/usr/bin:/bin"}, cwd=tmp_path)
    found = {(f["check"], f["ok"], f["message"]) for f in json.loads(result.stdout)["checks"]}
    assert ("shims-on-path", True, f"the shims directory {shims} is first on PATH") in found
    current = [f for f in found if f[0] == "shims-current"]
    kind = shim_for(str(host_platform({}))).description
    assert current == [("shims-current", True, f"the shims in {shims} are {kind}, up to date")]
    assert not (gvw.root / "shims").exists()  # nothing of the user's own was needed


def test_a_wait_for_the_machine_store_says_what_it_waits_for(
    gvw: GvwEnv, mirror_factory: Any, tmp_path: Path
) -> None:
    """A second administrator's command waits for the first, and says so once."""
    write_synthetic_mirror(tmp_path / "mirror", ["1.21.13"])
    server = mirror_factory(tmp_path / "mirror")
    run_ok(gvw, "install", "--machine", "--mirror", str(server.url), "1.21.13")
    lock = gvw.machine / ".locks" / "machine.lock"
    with LockHolder(lock) as other:
        waiting = gvw.popen("global", "--machine", "1.21.13")
        assert waiting.stderr is not None
        told = read_line(waiting.stderr, 20)  # after the second of grace
        other.release()
    _, rest = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, told + rest
    assert told.startswith(
        f"gvw: waiting for another process (it does not say which) to release {lock}; "
        "will wait up to "
    ), told
    assert (gvw.machine / "version").read_text() == "1.21.13\n"
