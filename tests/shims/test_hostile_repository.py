"""A cloned repository cannot run its own code through gvw (issue 19 item 1).

The repository holds a ``.go-version`` naming a version that is not installed and a
``gvw/`` package whose ``__main__.py`` would write a marker file. With auto-install on,
``go version`` there makes the shim run the command recorded in ``<root>/gvw-command``:
it must run this gvw, not the repository's, whether gvw was set up as ``python -m gvw``
(Python puts the current directory first on sys.path for ``-m``) or by a console script
on PATH (whose interpreter honours PYTHONPATH, where an empty entry is the current
directory), through the native shim and the sh shim alike. The scripts ``gvw init``
prints run the same command. Real shims, a real install over a real HTTP mirror.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.gvw_env import REPO, GvwEnv, run_ok
from tests.support.launcher import make_launcher
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.mirror_server import MirrorServer
from tests.support.posix_world import POSIX_SHIM

HOSTILE = """\
import pathlib
pathlib.Path({marker!r}).write_text("the repository's code ran")
"""


def hostile_repository(base: Path) -> tuple[Path, Path]:
    """A checkout asking for a missing Go, with a gvw package of its own; its marker."""
    repo = base / "cloned"
    marker = base / "MARKER"
    for package in (repo / "gvw", repo / "lib" / "gvw"):
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(HOSTILE.format(marker=str(marker)))
        (package / "__main__.py").write_text(HOSTILE.format(marker=str(marker)))
        (package / "cli.py").write_text(HOSTILE.format(marker=str(marker)) + "def main(): pass\n")
    (repo / ".go-version").write_text("1.22.10\n")
    return repo, marker


@pytest.fixture(params=["python -m gvw", "console script on PATH"])
def set_up(
    request: pytest.FixtureRequest, gvw: GvwEnv, tmp_path: Path, mirror_factory
) -> tuple[GvwEnv, MirrorServer]:
    directory = tmp_path / "mirror"
    write_synthetic_mirror(directory, ["1.21.13", "1.22.10"], ["linux-amd64"])
    server: MirrorServer = mirror_factory(directory)
    gvw.extra_env.update(GVW_MIRROR=server.url, PATH="/usr/bin:/bin", GVW_AUTO_INSTALL="1")
    if request.param == "python -m gvw":
        run_ok(gvw, "install", "1.21.13")  # records <root>/gvw-command
    else:
        bin_dir = tmp_path / "venv" / "bin"
        launcher = make_launcher(bin_dir)
        gvw.extra_env["PATH"] = f"{bin_dir}:/usr/bin:/bin"
        done = subprocess.run(
            [str(launcher), "install", "1.21.13"], env=gvw.env(), capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return gvw, server


def shim_program(gvw: GvwEnv, kind: str) -> Path:
    if kind == "native":
        return gvw.root / "shims" / "go"  # rehash put the native shim there
    path = gvw.base / "sh-shims" / "go"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(POSIX_SHIM, path)
    path.chmod(0o755)
    return path


@pytest.mark.parametrize("kind", ["native", "sh"])
def test_auto_install_in_a_hostile_repository_runs_this_gvw_not_the_repositorys(
    set_up: tuple[GvwEnv, MirrorServer], kind: str
) -> None:
    gvw, server = set_up
    repo, marker = hostile_repository(gvw.base)
    # the environment of the moment: an empty PYTHONPATH entry (the current directory,
    # as `export PYTHONPATH=$PYTHONPATH:...` leaves it) and the repository's own lib
    env = gvw.env(
        {
            "PYTHONPATH": f":{repo / 'lib'}:{REPO}",
            "PYTHONSTARTUP": str(repo / "gvw" / "__main__.py"),
            "PYTHONINSPECT": "",
        }
    )
    done = subprocess.run(
        [str(shim_program(gvw, kind)), "version"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert not marker.exists(), "the repository's gvw package ran"
    assert (done.returncode, done.stdout) == (0, "go version go1.22.10 linux/amd64\n"), done.stderr
    assert f"Installed Go 1.22.10 in {gvw.root / 'versions' / '1.22.10'}" in done.stderr
    assert server.count("go1.22.10.linux-amd64.tar.gz") == 1


def test_the_recorded_command_and_the_init_scripts_name_no_module_to_search_for(
    set_up: tuple[GvwEnv, MirrorServer],
) -> None:
    """What the shims and every shell script run: the interpreter in isolated mode and
    the package's own __main__.py, by absolute paths; never ``-m gvw``."""
    gvw, _ = set_up
    words = (gvw.root / "gvw-command").read_text("utf-8").splitlines()
    assert words[1:] == ["-I", str(REPO / "gvw" / "__main__.py")]
    for shell in ("bash", "zsh", "fish", "powershell"):
        script = gvw.run("init", shell).stdout
        assert "-m gvw" not in script and "'-m'" not in script
        assert f"'{REPO / 'gvw' / '__main__.py'}'" in script
    # the recorded command, run in the repository, is this gvw
    repo, marker = hostile_repository(gvw.base)
    done = subprocess.run(
        [*words, "--version"],
        cwd=repo,
        env=gvw.env({"PYTHONPATH": f":{repo / 'lib'}"}),
        capture_output=True,
        text=True,
    )
    assert done.stdout.startswith("gvw, version ") and not marker.exists()


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["pip install", "pip install -e"])
def test_a_real_venv_install_records_a_command_the_repository_cannot_replace(
    tmp_path: Path, editable: bool
) -> None:
    """gvw pip-installed into a fresh venv (as a wheel, and editable: setuptools' import
    finder), set up by its console script: the recorded command still runs this gvw in
    the hostile repository, with an empty PYTHONPATH entry in the environment."""
    import sys
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # gvw's dependencies from the test environment, without its own gvw (a .pth line
    # adds the directory; its .pth files, the test venv's editable finder, are not run)
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    source = tmp_path / "source"  # a copy: pip builds in place and leaves build/ behind
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".venv*", ".git", "build", "__pycache__", "*.egg-info"),
    )
    pip = [str(python), "-m", "pip", "install", "-q", "--no-deps"]
    done = subprocess.run(
        [*pip, *(["-e"] if editable else []), str(source)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    root = tmp_path / "root"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "GVW_ROOT": str(root),
        "GVW_CACHE_DIR": str(tmp_path / "cache"),
        "GVW_CONFIG": str(tmp_path / "config.toml"),
    }
    done = subprocess.run(
        [str(venv / "bin" / "gvw"), "rehash"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    words = (root / "gvw-command").read_text("utf-8").splitlines()
    installed = source if editable else Path(site)
    assert words == [str(python), "-I", str(installed / "gvw" / "__main__.py")]
    repo, marker = hostile_repository(tmp_path)
    done = subprocess.run(
        [*words, "--version"],
        cwd=repo,
        env={**env, "PYTHONPATH": f":{repo / 'lib'}"},
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (0, "gvw, version 0.1.0\n"), done.stderr
    assert not marker.exists()
