#!/usr/bin/env python3
"""Run ``ansible-test sanity`` on the gvw.go collection, without docker.

    .venv/bin/python scripts/ansible_sanity.py [ansible-test sanity arguments...]

- The collection is copied into a temporary ``ansible_collections/gvw/go`` tree, so
  ansible-test's output never lands in the repository.
- ansible-test keeps a virtual environment per sanity test under ``~/.ansible/test``;
  here that home is ``${GVW_TEST_CACHE:-~/.cache/gvw-tests}/ansible-test-home``, kept
  across runs (the first run installs the pinned linters from PyPI: about a minute).
- ansible-test bootstraps pip in those environments with a get-pip script from its own
  CI file server, which this project's machines cannot reach; a stand-in script (written
  into that home) installs the same pip version from PyPI instead (ensurepip, then pip).
- ``win_toolchains.ps1`` is excluded: its sanity tests (pslint, and validate-modules'
  argument-spec inspection) need PowerShell (``pwsh``), which these machines do not
  have. docs/dev/testing.md says what is checked instead.

Exits with ansible-test's code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
COLLECTION = REPO / "ansible_collections" / "gvw" / "go"
EXCLUDED = ("plugins/modules/win_toolchains.ps1",)

# installs the pip version ansible-test asks for (its arguments are pip install's, plus
# two flags of get-pip.py that pip does not know)
PIP_BOOTSTRAP = """\
import subprocess, sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
"""


def ansible_test_home() -> Path:
    cache = os.environ.get("GVW_TEST_CACHE") or str(Path.home() / ".cache" / "gvw-tests")
    return Path(cache) / "ansible-test-home"


def write_pip_bootstrap(home: Path, python: str) -> None:
    """The stand-in for the get-pip script of the pip version ansible-test wants."""
    from ansible_test._internal.python_requirements import get_venv_packages

    pip = get_venv_packages(SimpleNamespace(version=python))["pip"]  # type: ignore[arg-type]
    path = home / ".ansible" / "test" / "cache" / f"get_pip_{pip.replace('.', '_')}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PIP_BOOTSTRAP, encoding="utf-8")


def main(argv: list[str]) -> int:
    home = ansible_test_home()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    write_pip_bootstrap(home, python)
    ansible_test = Path(sys.executable).with_name("ansible-test")
    with tempfile.TemporaryDirectory(prefix="gvw-sanity-") as temp:
        tree = Path(temp) / "ansible_collections" / "gvw" / "go"
        shutil.copytree(COLLECTION, tree, ignore=shutil.ignore_patterns("output", "__pycache__"))
        command = [str(ansible_test), "sanity", "--python", python, "--local"]
        for path in EXCLUDED:
            command += ["--exclude", path]
        env = {**os.environ, "HOME": str(home)}
        env.pop("ANSIBLE_COLLECTIONS_PATH", None)
        return subprocess.call([*command, *argv], cwd=tree, env=env, stdin=subprocess.DEVNULL)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
