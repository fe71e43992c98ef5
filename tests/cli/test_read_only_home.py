"""A read-only HOME (a tmpfs remounted read-only) with the store elsewhere: each place
gvw cannot write says what it is and the setting that moves it — the cache
(GVW_CACHE_DIR), a shell profile (which file, and the line to put elsewhere),
GOPATH/bin (GOBIN or GOPATH) — never "point GVW_ROOT at a writable directory"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.disks import MountTmpfs
from tests.support.gvw_env import GvwEnv
from tests.support.mirror_fixtures import write_synthetic_mirror

SENTINEL = b"\xff" * 16  # modload's infoStart/infoEnd are 16 opaque bytes around the text


def go_program(go_version: str, package: str, version: str) -> bytes:
    """A file carrying Go build info as the linker writes it (inline strings): enough
    for gvw tools to call it a program built by ``go_version`` from ``package``."""
    info = f"path\t{package}\nmod\t{package}\t{version}\th1:x=\n".encode()
    header = b"\xff Go buildinf:" + bytes([8, 2]) + b"\0" * 16
    strings = b"".join(
        bytes([len(s)]) + s for s in (go_version.encode(), SENTINEL + info + SENTINEL)
    )
    return b"\0" * 32 + header + strings


@pytest.fixture
def read_only_home(gvw: GvwEnv, tmp_path: Path, tmpfs: MountTmpfs) -> dict[str, str]:
    """The user's environment: HOME read-only, the store in a writable directory, no
    GVW_CACHE_DIR (the cache is ~/.cache/gvw), a program in ~/go/bin to rebuild."""
    home = tmpfs("home", "1m")
    (home / ".bashrc").write_text("# my bashrc\n")
    (home / "go" / "bin").mkdir(parents=True)
    (home / "go" / "bin" / "hello").write_bytes(go_program("go1.20", "example.com/hello", "v1.0.0"))
    subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
    env = gvw.env({"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "config")})
    del env["GVW_CACHE_DIR"]
    env.pop("XDG_CACHE_HOME", None)
    return env


def run(gvw: GvwEnv, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        gvw.command(*args), env=env, cwd=gvw.base, capture_output=True, text=True, timeout=300
    )


def read_only_failure(done: subprocess.CompletedProcess[str], where: Path) -> str:
    """A command that failed (exit 12) writing below ``where``, read-only: its hint."""
    assert done.returncode == 12, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("gvw: warning:")]
    message, hint = lines
    # what it was doing there (create a directory, lock a download) and where, below it
    verb, _, path = message.removeprefix("gvw: cannot ").partition(" ")
    assert verb in ("create", "lock"), message
    assert path.startswith(str(where)), message
    assert message.endswith(": the filesystem is read-only")
    return hint


def test_the_cache_names_gvw_cache_dir(
    gvw: GvwEnv, read_only_home: dict[str, str], tmp_path: Path, mirror_factory
) -> None:
    # over http: the index is cached and the download kept for resuming (a file://
    # mirror needs neither)
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    server = mirror_factory(tmp_path / "mirror")
    done = run(gvw, read_only_home, "install", "--mirror", server.url, "1.22")
    cache = Path(read_only_home["HOME"]) / ".cache" / "gvw"
    hint = read_only_failure(done, cache)
    assert hint == "gvw: point GVW_CACHE_DIR at a writable directory"


def test_a_profile_names_the_file_and_the_line_to_put_elsewhere(
    gvw: GvwEnv, read_only_home: dict[str, str], tmp_path: Path
) -> None:
    writable_home = tmp_path / "writable-home"
    writable_home.mkdir()
    run(gvw, {**read_only_home, "HOME": str(writable_home)}, "setup", "--shell", "bash")
    line = [
        text
        for text in (writable_home / ".bashrc").read_text().splitlines()
        if text and not text.startswith("#")
    ]
    assert len(line) == 1  # the one line gvw setup adds between its markers
    done = run(gvw, read_only_home, "setup", "--shell", "bash")
    assert done.returncode == 12, done.stderr
    bashrc = Path(read_only_home["HOME"]) / ".bashrc"
    assert done.stderr.splitlines() == [
        f"gvw: cannot write {bashrc}: the filesystem is read-only",
        f"gvw: gvw setup only adds one line to {bashrc}: add it to a start-up file you can "
        f"write instead, or run it in each new shell: {line[0]}",
    ]


def test_gopath_bin_names_gobin_and_gopath(
    gvw: GvwEnv, read_only_home: dict[str, str], tmp_path: Path
) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    writable = {**read_only_home, "GVW_CACHE_DIR": str(tmp_path / "cache")}
    run_ok_env = run(gvw, writable, "install", "--mirror", (tmp_path / "mirror").as_uri(), "1.22")
    assert run_ok_env.returncode == 0, run_ok_env.stderr
    assert run(gvw, writable, "global", "1.22.10").returncode == 0
    done = run(gvw, writable, "tools", "rebuild")
    gobin = Path(read_only_home["HOME"]) / "go" / "bin"
    hint = read_only_failure(done, gobin / ".gvw-rebuild-")
    assert hint == "gvw: set GOBIN (or GOPATH) to a writable directory"


def test_the_store_still_names_gvw_root(gvw: GvwEnv, tmpfs: MountTmpfs, tmp_path: Path) -> None:
    write_synthetic_mirror(tmp_path / "mirror", ["1.22.10"], ["linux-amd64"])
    root = tmpfs("root", "1m")
    gvw.extra_env["GVW_ROOT"] = str(root / "gvw")
    assert gvw.run("install", "--mirror", (tmp_path / "mirror").as_uri(), "1.22").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
    done = gvw.run("global", "1.22.10")
    assert done.returncode == 12, done.stderr
    assert done.error_lines[-2].endswith(": the filesystem is read-only")
    assert done.error_lines[-1] == "gvw: point GVW_ROOT at a writable directory"
