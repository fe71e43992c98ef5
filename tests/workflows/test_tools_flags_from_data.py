"""What a program's build information says never reaches the go command as an option
(issue 19 item 10): a GOPATH/bin program claiming the package ``-toolexec=/tmp/tx``
is not rebuildable, and ``gvw tools rebuild`` does not run ``go install`` for it; the
words gvw does pass come after ``--``. The go that rebuilds records its arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.buildinfo_blobs import program_claiming
from tests.support.gvw_env import GvwEnv, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror

RECORDING_GO = """#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.22.10 linux/amd64"; exit 0; fi
for word in "$@"; do printf '%s\\n' "$word" >> "{log}"; done
printf -- '--- end\\n' >> "{log}"
exit 1
"""


@pytest.fixture
def user(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.22.10"], ["linux-amd64"])
    gvw.extra_env.update(
        GVW_MIRROR=mirror.as_uri(),
        GVW_PLATFORM="linux-amd64",
        GOPATH=str(tmp_path / "gopath"),
        PATH="/usr/bin:/bin",
    )
    run_ok(gvw, "install", "1.22.10")
    run_ok(gvw, "global", "1.22.10")
    go = gvw.root / "versions" / "1.22.10" / "bin" / "go"
    go.write_text(RECORDING_GO.format(log=tmp_path / "go-arguments.log"))
    return gvw


@pytest.mark.parametrize(
    ("name", "package", "version", "why"),
    [
        ("tx", "-toolexec=/tmp/tx", "v1", "'-toolexec=/tmp/tx' starts with a dash"),
        ("tx", "example.com/cmd/tx", "-toolexec=/tmp/tx", "'-toolexec=/tmp/tx' is not a"),
        ("x", "example.com/a x", "v1.0.0", "a character Go does not allow in 'a x'"),
    ],
    ids=["a flag as the package", "a flag as the version", "a space in the package"],
)
def test_a_program_claiming_a_flag_is_not_rebuilt_and_go_never_sees_it(
    user: GvwEnv, tmp_path: Path, name: str, package: str, version: str, why: str
) -> None:
    program = tmp_path / "gopath" / "bin" / name
    program.parent.mkdir(parents=True)
    program.write_bytes(program_claiming(package, package, version))
    program.chmod(0o755)
    (listed,) = json.loads(run_ok(user, "tools", "--json").stdout)["tools"]
    assert (listed["package"], listed["rebuildable"]) == (package, False)
    assert listed["reason"].startswith("its build information names no package go install")
    assert why in listed["reason"]
    result = user.run("tools", "rebuild")
    assert result.returncode == 22, result.stderr
    log = tmp_path / "go-arguments.log"
    assert not log.exists(), log.read_text()  # go never ran for it


def test_the_words_gvw_passes_come_after_a_double_dash(user: GvwEnv, tmp_path: Path) -> None:
    program = tmp_path / "gopath" / "bin" / "tool"
    program.parent.mkdir(parents=True)
    program.write_bytes(program_claiming("example.com/cmd/tool", "example.com", "v1.2.3"))
    program.chmod(0o755)
    result = user.run("tools", "rebuild")
    assert result.returncode == 22  # the recording go fails every build
    words = (tmp_path / "go-arguments.log").read_text().splitlines()
    assert words == ["install", "--", "example.com/cmd/tool@v1.2.3", "--- end"]
