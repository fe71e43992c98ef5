"""gvw.selection.pathsearch: one PATH search for the resolver (gvw current/which) and gvw doctor,
by the shims' rules; one walk up for .go-version and go.mod/go.work."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gvw.base.paths import Paths
from gvw.selection import gomod, pathsearch, resolver
from gvw.selection.pathsearch import PathSearch, find_up, walk_up
from gvw.selection.resolver import find_system_go
from gvw.store.version_store import Store
from gvw.workflows import doctor


def executable(path: Path, text: str = "#!/bin/sh\necho go\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store whose shims directory has a go shim, a system go, and the current
    directory at the world's root (relative PATH entries are relative to it)."""
    executable(tmp_path / "root" / "shims" / "go", "#!/bin/sh\necho shim\n")
    executable(tmp_path / "sys" / "bin" / "go")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def store_of(world: Path) -> Store:
    """The world's store, with the machine store ``machine/`` beside it."""
    root = world / "root"
    return Store(Paths(root=root, cache=root, config_file=root, machine_root=world / "machine"))


def machine(world: Path, path: str, *, windows: bool = False) -> doctor.Machine:
    return doctor.Machine(
        env={"PATH": path},
        cwd=world,
        store=store_of(world),
        windows=windows,
        shim_platform="windows-amd64" if windows else "linux-amd64",
    )


def doctor_first_go(m: doctor.Machine) -> Path | None:
    """What doctor takes for the go a PATH lookup runs: the first entry, shims skipped,
    that provides one."""
    for entry in m.path_entries:
        if not m.is_shims(entry):
            found = m.go_in(entry)
            if found is not None:
                return found
    return None


# (PATH with {shims}, {sys} and {w} for the world, the go found, relative to the world)
POSIX_CASES = {
    "shims first": ("{shims}:{sys}", "sys/bin/go"),
    "shims with a trailing slash and dots": ("{shims}/:{shims}/../shims:{sys}", "sys/bin/go"),
    "shims through a link to the directory": ("{w}/shims-link:{sys}", "sys/bin/go"),
    "a link elsewhere to the shim itself": ("{w}/local-bin:{sys}", "sys/bin/go"),
    "relative entries are relative to the current directory": ("root/shims:sys/bin", "sys/bin/go"),
    "an empty entry is the current directory": ("{shims}::{sys}", "go"),
    "not executable, or a directory": ("{w}/noexec:{w}/dirgo:{sys}", "sys/bin/go"),
    "nothing but the shims": ("{shims}", None),
    "the machine store's shims are skipped too": ("{w}/machine/shims:{shims}:{sys}", "sys/bin/go"),
    "a link elsewhere to a machine shim": ("{w}/machine-bin:{sys}", "sys/bin/go"),
}


@pytest.mark.parametrize("case", POSIX_CASES)
def test_the_resolver_and_doctor_find_the_same_go(case: str, world: Path) -> None:
    (world / "shims-link").symlink_to(world / "root" / "shims")
    (world / "local-bin").mkdir()
    (world / "local-bin" / "go").symlink_to(world / "root" / "shims" / "go")
    executable(world / "noexec" / "go").chmod(0o644)
    (world / "dirgo" / "go").mkdir(parents=True)
    executable(world / "go")  # in the current directory
    executable(world / "machine" / "shims" / "go", "#!/bin/sh\necho machine shim\n")
    (world / "machine-bin").mkdir()
    (world / "machine-bin" / "go").symlink_to(world / "machine" / "shims" / "go")
    template, expected = POSIX_CASES[case]
    path = template.format(shims=world / "root" / "shims", sys=world / "sys" / "bin", w=world)
    found = find_system_go("go", {"PATH": path}, store_of(world))
    want = None if expected is None else world / expected
    assert (found and os.path.realpath(found)) == (want and os.path.realpath(want))
    assert doctor_first_go(machine(world, path)) == found


def test_doctor_takes_a_linked_shims_directory_for_the_shims(world: Path) -> None:
    """Before: doctor compared spellings, so a link to the shims directory was "another go
    ahead of the shims" (the shim itself) while gvw current skipped it."""
    (world / "shims-link").symlink_to(world / "root" / "shims")
    m = machine(world, f"{world / 'shims-link'}:{world / 'sys' / 'bin'}")
    found = {f.check: f for f in doctor.run(m, (doctor.shims_on_path, doctor.go_ahead_of_shims))}
    assert found["shims-on-path"].ok and found["shims-on-path"].message.endswith("first on PATH")
    assert found["go-ahead-of-shims"].ok


@pytest.mark.parametrize(
    "entry",
    ["sys/\0bin", "x" * 5000, "{w}/afile/sub", "{w}/locked"],
    ids=["nul", "too-long", "not-a-directory", "no-permission"],
)
def test_a_bad_entry_is_no_match_and_never_an_error(
    entry: str, world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (world / "afile").write_text("")
    locked = world / "locked"
    executable(locked / "go")
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).startswith(str(locked)):  # as without search permission (root has it)
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    path = f"{entry.format(w=world)}:{world / 'sys' / 'bin'}"
    for windows in (False, True):
        search = PathSearch(world / "root" / "shims", windows=windows)
        for spelling in (path, path.replace(":", ";")):
            search.find("go", spelling)  # no exception
    assert find_system_go("go", {"PATH": path}, store_of(world)) == (world / "sys" / "bin" / "go")
    assert doctor_first_go(machine(world, path)) == world / "sys" / "bin" / "go"


# --------------------------------------------------------------- the Windows rules


@pytest.fixture
def windows_world(world: Path) -> Path:
    for directory in ("msi/bin", "Program Files/Go/bin", "rel/bin"):
        (world / directory).mkdir(parents=True)
        (world / directory / "go.exe").write_bytes(b"MZ")
    (world / "bat").mkdir()
    (world / "bat" / "go.bat").write_text("@echo off\n")
    (world / "go.exe").write_bytes(b"MZ")  # in the current directory
    return world


WINDOWS_CASES = {
    # quotes are not part of a name, wherever they are (the shim removes them all)
    "a quoted entry": ('"{w}/msi/bin"', "msi/bin/go.exe"),
    "quotes inside an entry": ('{w}/"Program Files"/Go/bin', "Program Files/Go/bin/go.exe"),
    "a trailing separator": ("{w}/msi/bin\\", "msi/bin/go.exe"),
    "the shims in another case": ("{SHIMS};{w}/msi/bin", "msi/bin/go.exe"),
    # the shim starts <tool>.exe only: PATHEXT's go.bat or go.cmd are not a go for it
    "go.bat is not go.exe": ("{w}/bat;{w}/msi/bin", "msi/bin/go.exe"),
    # an empty entry is skipped, not the current directory (which holds a go.exe)
    "an empty entry is skipped": (";{shims}", None),
    "relative entries": ("rel/bin", "rel/bin/go.exe"),
}


@pytest.mark.parametrize("case", WINDOWS_CASES)
def test_windows_rules_for_the_resolver_and_doctor(case: str, windows_world: Path) -> None:
    w = windows_world
    shims = w / "root" / "shims"
    template, expected = WINDOWS_CASES[case]
    path = template.format(w=w, shims=shims, SHIMS=str(shims).upper())
    search = PathSearch(shims, windows=True)
    found = search.find("go", path)
    assert found == (None if expected is None else w / expected)
    m = machine(w, path, windows=True)
    assert doctor_first_go(m) == found
    assert [m.is_shims(e) for e in m.path_entries] == [search.is_shims(e) for e in path.split(";")]


def test_windows_doctor_finds_the_shims_in_any_spelling(windows_world: Path) -> None:
    shims = windows_world / "root" / "shims"
    for spelling in (str(shims).upper(), f'"{shims}"', f"{shims}\\", f"{shims}/"):
        m = machine(windows_world, f"{spelling};{windows_world / 'msi' / 'bin'}", windows=True)
        (finding,) = doctor.shims_on_path(m)
        assert finding.ok and finding.message.endswith("is first on PATH"), spelling


# ---------------------------------------------------------------------- walking up


def test_one_walk_up_for_version_files_and_go_mod() -> None:
    assert gomod.find_up is pathsearch.find_up
    assert resolver.walk_up is pathsearch.walk_up


def test_walk_up_stops_at_the_root(tmp_path: Path) -> None:
    walked = list(walk_up(tmp_path / "a" / "b"))
    assert walked[:3] == [tmp_path / "a" / "b", tmp_path / "a", tmp_path]
    assert walked[-1] == Path(tmp_path.anchor)
    assert list(walk_up(Path("/"))) == [Path("/")]


def test_find_up_takes_the_nearest_file_and_skips_directories(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / "go.mod").write_text("module x\n")
    (tmp_path / "a" / "b" / "go.mod").mkdir()  # a directory of that name is no file
    assert find_up(deep, "go.mod") == tmp_path / "go.mod"
    (tmp_path / "a" / "go.mod").write_text("module y\n")
    assert find_up(deep, "go.mod") == tmp_path / "a" / "go.mod"
    assert resolver.find_version_file(deep) is None


def test_an_unreadable_directory_on_the_way_up_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: gomod used Path.is_file, which raises PermissionError (doctor crashed);
    selection used os.path.isfile. Now both never raise."""
    deep = tmp_path / "locked" / "project"
    deep.mkdir(parents=True)
    (tmp_path / "go.mod").write_text("module x\ngo 1.22\n")
    real_stat = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(tmp_path / "locked") in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "stat", stat)
    assert gomod.governing_file(deep, {}) == tmp_path / "go.mod"
    assert gomod.governing_file(deep, {"GOWORK": str(tmp_path / "locked" / "go.work")}) == (
        tmp_path / "go.mod"
    )
    assert resolver.find_version_file(deep) is None
