"""gvw doctor on prepared machines: each thing that makes the shims lose is found, named
and comes with its fix; a clean machine exits 0. The Windows-only checks (machine PATH,
user PATH, GOROOT in the registry) run in-process against in-memory registries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gvw.base.paths import Paths
from gvw.base.platforms import host_platform
from gvw.host.windows_programs import InstalledProgram
from gvw.host.windows_registry import RegistryValue
from gvw.store.shims import shim_for
from gvw.store.version_store import Store
from gvw.workflows import doctor
from tests.support.gvw_env import GvwEnv, Result, run_ok
from tests.support.mirror_fixtures import write_synthetic_mirror
from tests.support.registry import (
    MemoryInstalledPrograms,
    MemoryMachineEnvironment,
    MemoryUserEnvironment,
)


@pytest.fixture
def machine(gvw: GvwEnv, tmp_path: Path) -> GvwEnv:
    """A clean machine: 1.21.13 and 1.22.10 installed, global 1.22, the shims first on
    PATH, no Go settings, a home without a go env file, an empty project directory."""
    mirror = tmp_path / "mirror"
    write_synthetic_mirror(mirror, ["1.21.13", "1.22.10"], ["linux-amd64"])
    (tmp_path / "home").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "empty").mkdir()
    gvw.extra_env.update(
        GVW_MIRROR=mirror.as_uri(),
        HOME=str(tmp_path / "home"),
        PATH=f"{gvw.root / 'shims'}:{tmp_path / 'empty'}",
    )
    for name in ("XDG_CONFIG_HOME", "GOENV", "GOWORK", "GOROOT", "GOTOOLCHAIN"):
        gvw.extra_env.pop(name, None)
    run_ok(gvw, "install", "1.21.13", "1.22.10")
    run_ok(gvw, "global", "1.22")
    return gvw


def doctor_run(gvw: GvwEnv, **env: str) -> Result:
    return gvw.run("doctor", cwd=gvw.base / "project", env=env)


def problems(result: Result) -> list[tuple[str, str]]:
    """(problem line, fix line) pairs of a text report."""
    lines = result.stdout.splitlines()
    return [
        (line.split(None, 1)[1], lines[i + 1].strip().removeprefix("fix: "))
        for i, line in enumerate(lines)
        if line.startswith("problem ")
    ]


def test_a_clean_machine_has_no_problems(machine: GvwEnv) -> None:
    result = doctor_run(machine)
    assert result.returncode == 0, result.stdout
    shims = machine.root / "shims"
    kind = shim_for(str(host_platform({}))).description  # native where one is shipped
    assert result.stdout.splitlines() == [
        f"ok       the shims directory {shims} is first on PATH",
        "ok       no other go comes before the shims on PATH",
        "ok       GOROOT is not set (the shims set it)",
        "ok       GOTOOLCHAIN is not set (Go's default: auto)",
        f"ok       Go 1.22.10 is selected (set by {machine.root / 'version'}) and installed",
        "ok       no go.mod or go.work here",
        f"ok       the shims in {shims} are {kind}, up to date",
        "ok       no unfinished installs",
        "No problems found.",
    ]


def test_a_system_go_ahead_of_the_shims_is_named(machine: GvwEnv, tmp_path: Path) -> None:
    system = tmp_path / "usr local go" / "bin"
    system.mkdir(parents=True)
    (system / "go").write_text("#!/bin/sh\necho system go\n")
    (system / "go").chmod(0o755)
    result = doctor_run(machine, PATH=f"{system}:{machine.root / 'shims'}")
    assert result.returncode == 16
    assert problems(result) == [
        (
            f"the shims directory {machine.root / 'shims'} is entry 2 on PATH, after another go",
            "run `gvw setup` and open a new terminal (or load `gvw init <shell>` in this one)",
        ),
        (
            f"{system / 'go'} is on PATH before the shims: `go` runs it, not the version gvw "
            "selects",
            f"remove {system} from PATH where your shell profile adds it, or load `gvw init` "
            "after that line",
        ),
    ]


def test_doctor_and_which_agree_on_the_go_that_runs(machine: GvwEnv, tmp_path: Path) -> None:
    """One PATH search for both: a link to the shims directory is the shims, and a link
    to the shim elsewhere on PATH is the shim (the shims skip both), so the go that
    `system` runs is the one after them, and nothing runs ahead of the shims."""
    link = tmp_path / "shims-link"
    link.symlink_to(machine.root / "shims")
    local_bin = tmp_path / "local-bin"
    local_bin.mkdir()
    (local_bin / "go").symlink_to(machine.root / "shims" / "go")
    system = tmp_path / "system" / "bin"
    system.mkdir(parents=True)
    (system / "go").write_text("#!/bin/sh\necho system go\n")
    (system / "go").chmod(0o755)
    (machine.base / "project" / ".go-version").write_text("system\n")
    env = {"PATH": f"{link}:{local_bin}:{system}"}
    which = run_ok(machine, "which", "go", cwd=machine.base / "project", env=env)
    assert which.stdout == f"{system / 'go'}\n"
    result = machine.run("doctor", cwd=machine.base / "project", env=env)
    assert result.returncode == 0, result.stdout
    assert f"ok       the shims directory {machine.root / 'shims'} is first on PATH" in (
        result.stdout.splitlines()
    )


def test_shims_missing_from_path(machine: GvwEnv, tmp_path: Path) -> None:
    result = doctor_run(machine, PATH=str(tmp_path / "empty"))
    assert result.returncode == 16
    assert problems(result)[0][0] == f"the shims directory {machine.root / 'shims'} is not on PATH"


def test_goroot_in_the_environment(machine: GvwEnv) -> None:
    result = doctor_run(machine, GOROOT="/usr/local/go")
    assert result.returncode == 16
    ((problem, fix),) = problems(result)
    assert problem.startswith("GOROOT=/usr/local/go is set in the environment")
    assert fix == "unset GOROOT, and remove the line that sets it from your shell profile"


@pytest.mark.parametrize(
    ("value", "is_problem"),
    [
        ("go1.21.0", True),  # pins another version
        ("go1.23.0+auto", True),  # at least 1.23: newer than the selected 1.22.10
        ("go1.22.10", False),  # pins the selected version itself
        ("go1.21.0+path", False),  # a minimum the selection meets
        ("local", False),
        ("auto", False),
        ("path", False),
        ("banana", True),
    ],
)
def test_gotoolchain_in_the_environment(machine: GvwEnv, value: str, is_problem: bool) -> None:
    result = doctor_run(machine, GOTOOLCHAIN=value)
    assert result.returncode == (16 if is_problem else 0), result.stdout
    line = next(x for x in result.stdout.splitlines() if "GOTOOLCHAIN=" in x)
    assert line.startswith("problem" if is_problem else "ok")


def test_gotoolchain_in_the_go_env_file(machine: GvwEnv, tmp_path: Path) -> None:
    default_file = tmp_path / "home" / ".config" / "go" / "env"
    default_file.parent.mkdir(parents=True)
    default_file.write_text("GOPROXY=direct\nGOTOOLCHAIN=go1.21.0\n")
    result = doctor_run(machine)
    assert problems(result) == [
        (
            f"GOTOOLCHAIN=go1.21.0 in the go env file {default_file}: every go command runs "
            "go1.21.0, whatever gvw selects",
            "go env -u GOTOOLCHAIN",
        )
    ]
    # GOENV names another file; GOENV=off means none
    other = tmp_path / "goenv"
    other.write_text("GOTOOLCHAIN=go1.24.0+auto\n")
    assert "go1.24.0+auto" in problems(doctor_run(machine, GOENV=str(other)))[0][0]
    assert doctor_run(machine, GOENV="off").returncode == 0


def test_a_go_mod_asking_for_a_newer_go(machine: GvwEnv) -> None:
    project = machine.base / "project"
    (project / "go.mod").write_text("module example.com/app\n\ngo 1.23\n")
    result = doctor_run(machine)
    assert result.returncode == 16
    assert problems(result) == [
        (
            f"{project / 'go.mod'} asks for go 1.23, newer than the selected Go 1.22.10: Go "
            "switches to go1.23 (a gvw launcher if installed, else a download) instead of "
            "the selected 1.22.10",
            "gvw install 1.23 && gvw local 1.23 (or change the go line)",
        )
    ]
    pinned = doctor_run(machine, GOTOOLCHAIN="local")
    assert "Go does not switch: it refuses to build" in problems(pinned)[0][0]
    # a go line the selection meets is fine, and so is 1.22 for 1.22.10
    (project / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    assert doctor_run(machine).returncode == 0


def test_a_go_work_file_is_the_one_that_counts(machine: GvwEnv) -> None:
    project = machine.base / "project"
    (project / "go.mod").write_text("module app\ngo 1.21\n")
    (project / "go.work").write_text("go 1.22.11\nuse .\n")
    ((problem, _fix),) = problems(doctor_run(machine))
    assert problem.startswith(f"{project / 'go.work'} asks for go 1.22.11")


@pytest.mark.parametrize(
    ("pin", "problem", "fix"),
    [
        ("1.19\n", "Go 1.19 is not installed (set by {file})", "install it with: gvw install 1.19"),
        (
            "1.19/../x\n",
            'invalid Go version "1.19/../x" (set by {file})',
            "expected a version such as 1.22.10, 1.22, latest or system",
        ),
    ],
)
def test_a_selected_version_that_cannot_run(
    machine: GvwEnv, pin: str, problem: str, fix: str
) -> None:
    version_file = machine.base / "project" / ".go-version"
    version_file.write_text(pin)
    result = doctor_run(machine)
    assert result.returncode == 16
    assert problems(result) == [(problem.format(file=version_file), fix)]


def test_stale_shims(machine: GvwEnv) -> None:
    shims = machine.root / "shims"
    (shims / "go1.21.13").unlink()
    (shims / "go1.19.13").write_text("left over")
    result = doctor_run(machine)
    assert problems(result) == [
        (
            f"shims missing, outdated or left over in {shims}: go1.21.13, go1.19.13",
            "gvw rehash",
        )
    ]
    run_ok(machine, "rehash")
    assert doctor_run(machine).returncode == 0


def test_leftover_staging_but_not_a_running_install(machine: GvwEnv) -> None:
    leftover = machine.root / ".staging" / "1.23.4.12345.abcdef12"
    leftover.mkdir(parents=True)
    result = doctor_run(machine)
    assert problems(result) == [
        (
            f"unfinished installs left files behind: {leftover}",
            "gvw install 1.23.4 removes them (or delete them by hand)",
        )
    ]
    # while another process holds the install lock, it is an install in progress
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, filelock, time\n"
            "lock = filelock.FileLock(sys.argv[1]); lock.acquire()\n"
            "print('held', flush=True); time.sleep(60)\n",
            str(machine.root / ".locks" / "install-1.23.4.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert doctor_run(machine).returncode == 0
    finally:
        holder.kill()
        holder.wait()


def test_json_for_scripts(machine: GvwEnv) -> None:
    result = machine.run("doctor", "--json", cwd=machine.base / "project", env={"GOROOT": "/x"})
    assert result.returncode == 16
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [c["check"] for c in report["checks"]] == [
        "shims-on-path",
        "go-ahead-of-shims",
        "goroot",
        "gotoolchain",
        "selected-version",
        "go-mod",
        "shims-current",
        "staging-leftovers",
    ]
    goroot = report["checks"][2]
    assert goroot["ok"] is False and goroot["fix"].startswith("unset GOROOT")


def test_nothing_installed_or_selected(gvw: GvwEnv, tmp_path: Path) -> None:
    result = gvw.run("doctor", env={"PATH": str(tmp_path), "HOME": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 16
    found = dict(problems(result))
    assert found["no Go version selected and no other go on PATH"] == (
        "install one with: gvw install latest"
    )
    assert found[f"shims missing, outdated or left over in {gvw.root / 'shims'}: go, gofmt"] == (
        "gvw rehash"
    )


# --------------------------------------------------------------- Windows, in-process


@pytest.fixture
def windows_machine(tmp_path: Path) -> dict[str, Path]:
    """Directories standing in for C:\\Program Files\\Go\\bin and the store root; the
    PATH strings use ; and Windows rules (case, trailing separators) on these paths."""
    msi_go = tmp_path / "Program Files" / "Go" / "bin"
    msi_go.mkdir(parents=True)
    (msi_go / "go.exe").write_bytes(b"MZ")
    root = tmp_path / "gvw"
    machine = tmp_path / "ProgramData" / "gvw"
    return {
        "msi": msi_go,
        "root": root,
        "shims": root / "shims",
        "machine": machine,
        "machine_shims": machine / "shims",
    }


def windows_findings(
    dirs: dict[str, Path],
    path: str,
    *,
    machine_path: str,
    user: dict[str, RegistryValue] | None = None,
    env: dict[str, str] | None = None,
    programs: list[InstalledProgram] | None = None,
) -> dict[str, list[doctor.Finding]]:
    root = dirs["root"]
    machine = doctor.Machine(
        env={"PATH": path, "PATHEXT": ".COM;.EXE;.BAT;.CMD", **(env or {})},
        cwd=root,
        store=Store(Paths(root, cache=root, config_file=root, machine_root=dirs["machine"])),
        windows=True,
        shim_platform="windows-amd64",
        user_registry=MemoryUserEnvironment(dict(user or {})),
        machine_registry=MemoryMachineEnvironment(
            {"Path": RegistryValue(machine_path, expand=True)}
        ),
        programs=MemoryInstalledPrograms(list(programs or [])),
    )
    checks = (
        doctor.shims_on_path,
        doctor.go_ahead_of_shims,
        doctor.machine_path_go,
        doctor.user_path_shims,
        doctor.goroot,
    )
    found: dict[str, list[doctor.Finding]] = {}
    for finding in doctor.run(machine, checks):
        found.setdefault(finding.check, []).append(finding)
    return found


def test_windows_the_msi_go_in_the_machine_path_beats_the_user_path(
    windows_machine: dict[str, Path],
) -> None:
    msi, shims = windows_machine["msi"], windows_machine["shims"]
    # as a new process sees it: machine PATH first, then the user PATH with the shims
    path = f"C:\\Windows\\system32;{msi}\\;{str(shims).upper()}"
    found = windows_findings(
        windows_machine,
        path,
        machine_path=f"%SystemRoot%\\system32;{msi}",
        user={"Path": RegistryValue(str(shims), expand=True)},
        env={"SystemRoot": "C:\\Windows"},
    )
    (ahead,) = found["go-ahead-of-shims"]
    assert not ahead.ok
    assert ahead.message == (
        f"{msi / 'go.exe'} is on PATH before the shims: `go` runs it, not the version gvw "
        "selects (it is in the machine PATH, which Windows puts before the user PATH)"
    )
    assert ahead.fix is not None and "as administrator" in ahead.fix
    (in_machine,) = found["machine-path-go"]
    assert not in_machine.ok and str(msi / "go.exe") in in_machine.message
    assert [f.ok for f in found["user-path"]] == [True]


def test_windows_profile_activation_puts_the_shims_first_but_the_machine_go_remains(
    windows_machine: dict[str, Path],
) -> None:
    msi, shims = windows_machine["msi"], windows_machine["shims"]
    found = windows_findings(windows_machine, f"{shims};{msi}", machine_path=str(msi))
    assert [f.ok for f in found["shims-on-path"]] == [True]
    assert [f.ok for f in found["go-ahead-of-shims"]] == [True]
    assert [f.ok for f in found["machine-path-go"]] == [False]
    (user,) = found["user-path"]
    assert (user.ok, user.fix) == (False, "run `gvw setup`")


def test_windows_goroot_in_the_registry(windows_machine: dict[str, Path]) -> None:
    shims = windows_machine["shims"]
    found = windows_findings(
        windows_machine,
        str(shims),
        machine_path="C:\\Windows",
        user={"GOROOT": RegistryValue("C:\\Go", expand=False), "Path": RegistryValue(str(shims))},
        env={"GOROOT": "C:\\Go"},
    )
    (goroot,) = found["goroot"]
    assert not goroot.ok
    assert goroot.message.startswith("GOROOT=C:\\Go is set in the user environment (registry)")
    assert goroot.fix == 'reg delete "HKCU\\Environment" /v GOROOT, then open a new terminal'


GO_MSI_CODE = "{B0D3B0C5-1F2A-4C3D-9E8F-0A1B2C3D4E5F}"


def go_msi(location: str) -> InstalledProgram:
    """The uninstall entry the Go MSI writes (its key is the product code)."""
    return InstalledProgram(
        key=GO_MSI_CODE,
        name="Go Programming Language amd64 go1.22.1",
        location=location,
        uninstall=f"MsiExec.exe /X{GO_MSI_CODE}",
        msi=True,
    )


def test_windows_an_msi_go_is_adopted_then_removed_with_its_product_code(
    windows_machine: dict[str, Path],
) -> None:
    msi = windows_machine["msi"]
    tree = msi.parent
    found = windows_findings(
        windows_machine,
        f"{msi};{windows_machine['shims']}",
        machine_path=str(msi),
        programs=[
            InstalledProgram("Git_is1", "Git", location="C:\\Program Files\\Git"),
            go_msi(f"{tree}\\"),
        ],
    )
    (in_machine,) = found["machine-path-go"]
    assert not in_machine.ok
    assert in_machine.fix == (
        "Go Programming Language amd64 go1.22.1 installed it: keep its toolchain as a version "
        f'with `gvw install --machine --adopt "{tree}"`, then remove it with '
        f"`msiexec /x {GO_MSI_CODE}` (both as administrator)"
    )


def test_windows_a_chocolatey_go_is_removed_with_chocolatey(
    windows_machine: dict[str, Path], tmp_path: Path
) -> None:
    """Chocolatey runs the same MSI, but would still list the package after msiexec."""
    msi = windows_machine["msi"]
    (tmp_path / "chocolatey" / "lib" / "golang").mkdir(parents=True)
    found = windows_findings(
        windows_machine,
        str(msi),
        machine_path=str(msi),
        env={"CHOCOLATEYINSTALL": str(tmp_path / "chocolatey")},
        programs=[go_msi("")],  # no location recorded, but the only Go installed
    )
    (in_machine,) = found["machine-path-go"]
    assert in_machine.fix is not None
    assert in_machine.fix.endswith(
        "then remove it with `choco uninstall golang` (both as administrator)"
    )


def test_windows_a_go_no_installer_owns_gets_the_path_fix(
    windows_machine: dict[str, Path],
) -> None:
    msi = windows_machine["msi"]
    elsewhere = go_msi("D:\\Go")  # another Go's entry: not this one
    found = windows_findings(windows_machine, str(msi), machine_path=str(msi), programs=[elsewhere])
    (in_machine,) = found["machine-path-go"]
    assert in_machine.fix == (
        f"remove {msi} from the machine PATH (System Properties > Environment Variables, as "
        "administrator) or uninstall that Go (the MSI adds it)"
    )


def test_windows_the_machine_shims_ahead_of_the_msi_go_win(
    windows_machine: dict[str, Path],
) -> None:
    """After `gvw setup --machine`: the machine store's shims come first in the machine PATH."""
    msi, machine_shims = windows_machine["msi"], windows_machine["machine_shims"]
    (machine_shims / "go.exe").parent.mkdir(parents=True)
    (machine_shims / "go.exe").write_bytes(b"MZ")
    found = windows_findings(
        windows_machine,
        f"{machine_shims};{msi}",
        machine_path=f"{machine_shims};{msi}",
        programs=[go_msi(str(msi.parent))],
    )
    (in_machine,) = found["machine-path-go"]
    assert in_machine.ok
    assert in_machine.message.startswith(
        f"{msi / 'go.exe'} is in the machine PATH after the shims ({msi}): the shims win; "
        "to remove it: Go Programming Language amd64 go1.22.1 installed it"
    )
    assert [f.ok for f in found["go-ahead-of-shims"]] == [True]
