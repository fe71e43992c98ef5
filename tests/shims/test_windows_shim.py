"""The Windows shim (gvw/shim_files/windows_shim.exe, from shims/windows_shim.c).

Everything but the build checks runs the committed binary under Wine: the shared
table of selection cases (in a plain directory and in one whose path has spaces and
non-ASCII characters), a real Go toolchain, command-line forwarding, full exit codes,
the job object and console control events. Windows-side parents and fake toolchains
are built from tests/support/wine/*.c (see tests/support/wine.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.selection_cases import (
    CASES,
    MACHINE,
    USER_DATA,
    Case,
    lay_out,
    native_params,
    shims_on_path,
)
from tests.support.gvw_env import GvwEnv
from tests.support.replacing import call_many, start_replacer
from tests.support.wine import (
    MINGW_GCC,
    SYSTEM_PATH,
    Job,
    Result,
    Wine,
    command_line,
    quote_arg,
    wine,
    wine_path,
)

__all__ = ["wine"]  # the session fixture, imported for this module

REPO = Path(__file__).resolve().parents[2]
SHIM = REPO / "gvw" / "shim_files" / "windows_shim.exe"
BUILD_SCRIPT = REPO / "scripts" / "build_windows_shim.py"

# A GOROOT inherited from the caller: the shim must replace it for an installed
# version and leave it alone for the system Go.
INHERITED_GOROOT = "C:\\inherited\\goroot"
# Path parts with spaces and non-ASCII characters (nvm-windows#41, #881, g#76)
AWKWARD_BASE = ("Zoë Smith", "张伟 projects")


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def parse_report(stdout: bytes) -> dict[str, list[str | None]]:
    """The fake go's report: ``key "json string"`` lines."""
    report: dict[str, list[str | None]] = {}
    for line in stdout.decode("utf-8").splitlines():
        key, _, value = line.partition(" ")
        report.setdefault(key, []).append(json.loads(value))
    return report


def report_of(result: Result) -> dict[str, list[str | None]]:
    """The fake go's report, or an empty one when the output is not a report."""
    try:
        return parse_report(result.stdout)
    except (UnicodeDecodeError, ValueError):
        return {}


# --------------------------------------------------------------------- build


def _build(output: Path, cwd: Path) -> bytes:
    subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "-o", str(output)], cwd=cwd, check=True, timeout=120
    )
    return output.read_bytes()


def _need_mingw() -> None:
    if shutil.which(MINGW_GCC) is None and not os.environ.get("CI"):
        pytest.skip(f"{MINGW_GCC} is not installed")


@pytest.mark.timeout(300)
def test_the_committed_shim_is_the_build_of_its_source() -> None:
    _need_mingw()
    done = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.timeout(300)
def test_the_build_is_reproducible_from_any_directory(tmp_path: Path) -> None:
    _need_mingw()
    (tmp_path / "a b").mkdir()
    (tmp_path / "c").mkdir()
    first = _build(tmp_path / "a b" / "one.exe", cwd=tmp_path / "a b")
    second = _build(tmp_path / "c" / "two.exe", cwd=tmp_path / "c")
    assert first == second == SHIM.read_bytes()


def test_the_shim_is_small_and_needs_only_kernel32() -> None:
    _need_mingw()
    data = SHIM.read_bytes()
    assert data[:2] == b"MZ"
    assert len(data) < 32 * 1024
    dump = subprocess.run(
        ["x86_64-w64-mingw32-objdump", "-p", str(SHIM)], capture_output=True, text=True, check=True
    ).stdout
    dlls = sorted({line.split()[-1].lower() for line in dump.splitlines() if "DLL Name:" in line})
    assert dlls == ["kernel32.dll"]


# --------------------------------------------------------------------- the table


@dataclass(frozen=True)
class CaseRun:
    world: Path
    result: Result


def build_world(world: Path, case: Case, fakego: Path) -> Job:
    """The case's world (see tests/selection_cases.py) and the job that runs it."""
    lay_out(
        world,
        case,
        toolchain=lambda path, _version, _tool: _link(fakego, path),
        shim=lambda path: _link(SHIM, path),
        exe=".exe",
    )
    shims = [wine_path(world.joinpath(*d.split("/"))) for d in shims_on_path(case)]
    env: dict[str, str | None] = {
        "GVW_ROOT": None,
        "GVW_GO_VERSION": None,
        "GVW_SHIM_DEPTH": None,
        "GOROOT": INHERITED_GOROOT,
        # the machine store, and the user data directory (Wine sets its own)
        "GVW_MACHINE_ROOT": wine_path(world / MACHINE),
        "LOCALAPPDATA": wine_path(world / USER_DATA),
        # the shims first, as `gvw setup` arranges: the system search must skip them
        "PATH": ";".join([*shims, wine_path(world / "sys"), *SYSTEM_PATH]),
        **case.env,
    }
    # found on PATH by CreateProcessW, as a shell would; ".exe" is spelled out because
    # CreateProcessW appends it only to names without an extension (go1.21.0 has ".0")
    return Job(cmd=f"{case.tool}.exe version", cwd=wine_path(world / case.cwd), env=env)


class TableRuns:
    """Runs the whole table once per base directory, in one Wine start each."""

    def __init__(self, wine: Wine, base: Path) -> None:
        self.wine = wine
        self.base = base
        self.runs: dict[str, dict[str, CaseRun]] = {}

    def get(self, base_name: str, case: Case) -> CaseRun:
        if base_name not in self.runs:
            self.runs[base_name] = self._run_all(base_name)
        return self.runs[base_name][case.name]

    def _run_all(self, base_name: str) -> dict[str, CaseRun]:
        base = self.base / base_name
        if base_name == "awkward":
            base = base.joinpath(*AWKWARD_BASE)
        worlds = [base / f"case{i:02d}" for i in range(len(CASES))]
        jobs = [build_world(w, c, self.wine.fakego) for w, c in zip(worlds, CASES)]
        results = self.wine.run_jobs(jobs, workdir=self.base / f"{base_name}-runner")
        return {c.name: CaseRun(w, r) for c, w, r in zip(CASES, worlds, results)}


@pytest.fixture(scope="module")
def table(wine: Wine, tmp_path_factory: pytest.TempPathFactory) -> TableRuns:
    return TableRuns(wine, tmp_path_factory.mktemp("table"))


def check_case(case: Case, run: CaseRun) -> None:
    world = wine_path(run.world)
    root = world + "\\root"
    expected_stderr = [
        line.replace("{world}", world).replace("{sep}", "\\").replace("{root}", root)
        for line in case.expect_stderr
    ]
    result = run.result
    assert (result.exit_code, result.stderr_lines) == (case.expect_exit, expected_stderr)
    if case.expect_version is None:
        assert result.stdout == b""
        return
    report = parse_report(result.stdout)
    exe_name = "gofmt.exe" if case.tool == "gofmt" else "go.exe"
    if case.expect_version == "system":
        assert report["exe"] == [f"{world}\\sys\\{exe_name}"]
        assert report["goroot"] == [INHERITED_GOROOT]
    else:
        goroot = world + "\\" + str(case.expected_goroot()).replace("/", "\\")
        assert report["exe"] == [f"{goroot}\\bin\\{exe_name}"]
        assert report["goroot"] == [goroot]
    depth = int(case.env.get("GVW_SHIM_DEPTH") or 0) + 1
    assert report["depth"] == [str(depth)]
    assert report["tail"] == [" version"]
    assert report["arg"] == ["version"]


@pytest.mark.wine
@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", native_params())
def test_selection_case(table: TableRuns, case: Case) -> None:
    check_case(case, table.get("plain", case))


@pytest.mark.wine
@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", native_params())
def test_selection_case_under_a_path_with_spaces_and_non_ascii(
    table: TableRuns, case: Case
) -> None:
    check_case(case, table.get("awkward", case))


# --------------------------------------------------------------------- small worlds


@dataclass(frozen=True)
class Store:
    """A store with fake toolchains 1.21.13 and 1.22.10 and the shims."""

    base: Path
    root: Path

    @property
    def shims(self) -> Path:
        return self.root / "shims"

    def shim(self, name: str = "go") -> str:
        return wine_path(self.shims / f"{name}.exe")

    def fake(self, version: str = "1.22.10") -> str:
        return wine_path(self.root / "versions" / version / "bin" / "go.exe")

    def env(self, **extra: str | None) -> dict[str, str | None]:
        return {
            "GVW_ROOT": None,
            "GVW_GO_VERSION": "1.22.10",
            "GVW_SHIM_DEPTH": None,
            "PATH": ";".join([wine_path(self.shims), *SYSTEM_PATH]),
            **extra,
        }


def make_store(base: Path, fakego: Path) -> Store:
    root = base / "root"
    for version in ("1.21.13", "1.22.10"):
        _link(fakego, root / "versions" / version / "bin" / "go.exe")
        _link(fakego, root / "versions" / version / "bin" / "gofmt.exe")
        _link(SHIM, root / "shims" / f"go{version}.exe")
    for name in ("go", "gofmt"):
        _link(SHIM, root / "shims" / f"{name}.exe")
    return Store(base, root)


@pytest.fixture
def store(wine: Wine, tmp_path: Path) -> Store:
    return make_store(tmp_path / "store", wine.fakego)


def run_one(wine: Wine, job: Job, workdir: Path) -> Result:
    (result,) = wine.run_jobs([job], workdir=workdir)
    return result


# --------------------------------------------------------------------- behaviour


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_gvw_root_overrides_the_shim_location(wine: Wine, store: Store, tmp_path: Path) -> None:
    # the shims copied elsewhere still find the store through GVW_ROOT
    elsewhere = tmp_path / "elsewhere"
    _link(SHIM, elsewhere / "go.exe")
    result = run_one(
        wine,
        Job(
            cmd=f'"{wine_path(elsewhere / "go.exe")}" version',
            cwd=wine_path(tmp_path),
            env=store.env(GVW_ROOT=wine_path(store.root) + "\\", GVW_GO_VERSION="1.21"),
        ),
        tmp_path / "runner",
    )
    assert result.exit_code == 0, result
    assert parse_report(result.stdout)["exe"] == [store.fake("1.21.13")]


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_the_shims_directory_on_path_is_recognised_in_any_spelling(
    wine: Wine, store: Store, tmp_path: Path
) -> None:
    # an 8.3 short name, upper case, a trailing separator, "." and "..", "/" and
    # quotes: all the shims directory, so the system search skips them and finds the
    # go after them (a shim that ran itself would end at the loop guard, exit 6)
    system = tmp_path / "sys"
    _link(wine.fakego, system / "go.exe")
    shims = wine_path(store.shims)
    short = wine.run(wine.fakego, ["shortpath", shims], cwd=tmp_path)
    short_shims = parse_report(short.stdout)["short"][0]
    assert short_shims and "~" in short_shims, short
    spellings = [
        short_shims,
        shims.upper() + "\\",
        shims + "\\.\\",
        shims + "\\..\\shims",
        '"' + shims + '"',
        shims.replace("\\", "/"),
    ]
    path = ";".join([*spellings, "", wine_path(system), *SYSTEM_PATH])
    result = run_one(
        wine,
        Job(
            cmd="go.exe version",
            cwd=wine_path(tmp_path),
            env=store.env(GVW_GO_VERSION="system", PATH=path),
        ),
        tmp_path / "runner",
    )
    assert result.exit_code == 0, result
    assert parse_report(result.stdout)["exe"] == [wine_path(system / "go.exe")]


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_the_version_file_is_found_from_the_physical_directory(
    wine: Wine, store: Store, tmp_path: Path
) -> None:
    # cwd is a symlink into the project: walking up follows the real path (docs/selection.md)
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    (project / ".go-version").write_bytes(b"1.21.13\n")
    (tmp_path / "links").mkdir()
    os.symlink(project / "sub", tmp_path / "links" / "sub")
    result = run_one(
        wine,
        Job(
            cmd="go.exe version",
            cwd=wine_path(tmp_path / "links") + "\\sub",
            env=store.env(GVW_GO_VERSION=None),
        ),
        tmp_path / "runner",
    )
    assert result.exit_code == 0, result
    assert parse_report(result.stdout)["exe"] == [store.fake("1.21.13")]


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_a_store_deeper_than_max_path(wine: Wine, tmp_path: Path) -> None:
    # The store deeper than MAX_PATH (260 characters): the shim reads it through
    # \\?\ paths. (The current directory cannot be longer than MAX_PATH for a process
    # that is not long-path aware, on Windows as under Wine, so a .go-version is never
    # found through such a path.)
    deep = tmp_path.joinpath(*["d" * 40] * 7)
    store = make_store(deep / "store", wine.fakego)
    short = tmp_path / "short"
    _link(SHIM, short / "go.exe")
    assert len(store.fake()) > 260
    env = {**store.env(GVW_GO_VERSION="1.21"), "GVW_ROOT": wine_path(store.root)}
    target = store.fake("1.21.13")
    control, result = wine.run_jobs(
        [
            # control: can this Wine start a program whose path is that long at all?
            Job(app="\\\\?\\" + target, cmd="go version", cwd=wine_path(tmp_path), env=env),
            # a shim with a short path, the deep store through GVW_ROOT
            Job(cmd=f'"{wine_path(short / "go.exe")}" version', cwd=wine_path(tmp_path), env=env),
        ],
        workdir=tmp_path / "runner",
    )
    if control.exit_code == -1:
        # Wine 8's CreateProcessW copies the program name into a MAX_PATH buffer and
        # fails with ERROR_FILE_NOT_FOUND: what is verified here is that the shim
        # selected the right toolchain in the deep store and tried to start exactly it.
        assert control.info["start_error"] == "2"
        assert (result.exit_code, result.stderr_lines) == (
            1,
            [f"gvw: cannot run {target} (error 2)"],
        )
        return
    assert result.exit_code == 0, result
    report = parse_report(result.stdout)
    assert report["exe"] == [target]
    assert report["goroot"] == [wine_path(store.root / "versions" / "1.21.13")]


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_a_shim_with_another_name_refuses_to_guess(wine: Wine, store: Store) -> None:
    for name in ("windows_shim", "gox"):
        _link(SHIM, store.shims / f"{name}.exe")
    jobs = [
        Job(cmd=f'"{store.shim(name)}"', cwd=wine_path(store.base), env=store.env())
        for name in ("windows_shim", "gox")
    ]
    results = wine.run_jobs(jobs, workdir=store.base / "runner")
    assert [(r.exit_code, r.stderr_lines) for r in results] == [
        (1, [f'gvw: unknown shim name "{name}" (expected go, gofmt or go<version>)'])
        for name in ("windows_shim", "gox")
    ]


# Issue 20: gvw on Windows moves a running shim aside as .NAME.old-HEX before it puts
# the new one in place (gvw/store/shims.py, _retire), and the running shim may then be told
# that name by GetModuleFileNameW. (Wine keeps the name a process was started by: a
# rename does not reach it, so under Wine the name is tested by starting a copy that
# already has the moved-aside name.)
MOVED_ASIDE = (
    # (file in the shims directory, what it must run or the name it refuses)
    (".go.exe.old-1a2b3c4d", "1.22.10\\bin\\go.exe"),
    (".gofmt.exe.old-0badcafe", "1.22.10\\bin\\gofmt.exe"),
    (".go1.21.13.exe.old-12ab34cd", "1.21.13\\bin\\go.exe"),
    (".GO.EXE.old-1a2b3c4d", "1.22.10\\bin\\go.exe"),  # any case: the same file
    (".go.exe.old-", 'unknown ".go.exe.old-"'),  # no number
    (".gox.exe.old-1a2b3c4d", 'unknown "gox"'),  # moved aside, but no shim's name
    ("go.exe.old-1a2b3c4d", 'unknown "go.exe.old-1a2b3c4d"'),  # no leading dot
)


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_a_shim_moved_aside_by_gvw_is_the_shim_it_was(wine: Wine, store: Store) -> None:
    for file, _expect in MOVED_ASIDE:
        _link(SHIM, store.shims / file)
    jobs = [
        Job(
            cmd=f'"{wine_path(store.shims / file)}" version',
            cwd=wine_path(store.base),
            env=store.env(),
        )
        for file, _expect in MOVED_ASIDE
    ]
    results = wine.run_jobs(jobs, workdir=store.base / "runner")
    for (file, expect), result in zip(MOVED_ASIDE, results):
        if expect.startswith("unknown "):
            name = expect.removeprefix("unknown ")
            assert (result.exit_code, result.stderr_lines) == (
                1,
                [f"gvw: unknown shim name {name} (expected go, gofmt or go<version>)"],
            ), file
        else:
            assert (result.exit_code, result.stderr) == (0, b""), result
            exe = wine_path(store.root / "versions") + "\\" + expect
            assert parse_report(result.stdout)["exe"] == [exe], file


@pytest.mark.wine
@pytest.mark.timeout(600)
def test_no_started_shim_fails_while_its_file_is_replaced(wine: Wine, tmp_path: Path) -> None:
    """Shims run under Wine from two Windows-side parents at once while, on the Linux
    side, a loop of real `gvw rehash` (a windows-amd64 store: it renames new copies over
    the shims) and a replacer doing what gvw does on Windows (move the shim aside, put
    the new one in place, delete the old one) replace them: every shim that started
    ran the right toolchain. A call that comes while a shim's name is moved aside and
    not yet back finds no program at all: CreateProcessW fails before any code of the
    shim runs (error 2, and under Wine also 126 when the file goes between Wine's
    looking it up and loading it). That gap is in gvw's Windows replacement, not in
    the shim; such calls are only counted."""
    store = make_store(tmp_path / "store", wine.fakego)
    gvw = GvwEnv(store.base)
    assert gvw.root == store.root
    names = ("go", "gofmt", "go1.21.13")
    expected = {
        "go": store.fake("1.22.10"),
        "gofmt": wine_path(store.root / "versions" / "1.22.10" / "bin" / "gofmt.exe"),
        "go1.21.13": store.fake("1.21.13"),
    }
    parents, per_parent = 2, 60
    batches = [
        [
            Job(
                cmd=f'"{store.shim(names[i % len(names)])}" version',
                cwd=wine_path(store.base),
                env=store.env(),
            )
            for i in range(per_parent)
        ]
        for _ in range(parents)
    ]
    rehashes: list[int] = []
    done = threading.Event()

    def rehash_loop() -> None:
        while not done.is_set():
            ran = gvw.run("rehash", env={"GVW_PLATFORM": "windows-amd64"}, timeout=120)
            rehashes.append(ran.returncode)

    replacer = start_replacer(
        [store.shims / f"{name}.exe" for name in names],
        windows_style=True,
        work=tmp_path / "replacer",
    )
    looping = threading.Thread(target=rehash_loop)
    looping.start()
    try:
        results = call_many(
            list(range(parents)),
            lambda i: wine.run_jobs(batches[i], workdir=tmp_path / f"runner{i}"),
            workers=parents,
        )
    finally:
        done.set()
        looping.join()
        rounds = replacer.stop()
    assert rehashes and set(rehashes) == {0}, rehashes
    assert rounds >= 100, rounds
    failures: list[str] = []
    gaps: list[str] = []
    for batch, batch_results in zip(batches, results):
        for job, result in zip(batch, batch_results):
            name = next(n for n in names if store.shim(n) in job.cmd)
            if result.status == "startfail":
                gaps.append(result.info["start_error"])
                continue
            if (result.exit_code, result.stderr, report_of(result).get("exe")) != (
                0,
                b"",
                [expected[name]],
            ):
                failures.append(result.describe())
    started = parents * per_parent - len(gaps)
    assert started >= parents * per_parent // 2, f"only {started} shims started: {gaps}"
    assert failures == [], f"{len(failures)} of {started} started shims failed:\n" + "\n".join(
        failures
    )


# environment edge cases the table does not hold; the POSIX shim behaves the same
ENV_EDGES: Sequence[tuple[str, dict[str, str | None], int, str]] = (
    # (what, environment, exit code, selected version or the stderr line)
    ("depth with leading zeros", {"GVW_SHIM_DEPTH": "016"}, 6, "GVW_SHIM_DEPTH=016"),
    ("depth that is not a number", {"GVW_SHIM_DEPTH": "abc"}, 0, "1.22.10"),
    ("depth just below the limit", {"GVW_SHIM_DEPTH": "15"}, 0, "1.22.10"),
    ("white space only version", {"GVW_GO_VERSION": " \t "}, 0, "1.21.13"),
    ("store from ~", {"GVW_ROOT": "~\\root", "USERPROFILE": "{base}"}, 0, "1.22.10"),
)


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_environment_edge_cases(wine: Wine, store: Store, tmp_path: Path) -> None:
    (store.root / "version").write_text("1.21.13\n")
    jobs = []
    for _what, extra, _code, _expect in ENV_EDGES:
        env = {k: v.replace("{base}", wine_path(store.base)) if v else v for k, v in extra.items()}
        jobs.append(
            Job(cmd=f'"{store.shim()}" version', cwd=wine_path(tmp_path), env=store.env(**env))
        )
    results = wine.run_jobs(jobs, workdir=tmp_path / "runner")
    for (what, extra, code, expect), result in zip(ENV_EDGES, results):
        assert result.exit_code == code, f"{what}:\n{result}"
        if code:
            assert expect in result.stderr.decode(), what
            continue
        report = parse_report(result.stdout)
        assert report["exe"] == [store.fake(expect)], what
        depth = extra.get("GVW_SHIM_DEPTH") or "0"
        assert report["depth"] == [str(int(depth) + 1 if depth.isdigit() else 1)], what


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_the_loop_guard_stops_a_shim_that_finds_itself(wine: Wine, tmp_path: Path) -> None:
    # a store whose "toolchain" is the shim itself: it recurses until the guard trips
    root = tmp_path / "root"
    _link(SHIM, root / "shims" / "go.exe")
    _link(SHIM, root / "versions" / "1.22.10" / "bin" / "go.exe")
    result = run_one(
        wine,
        Job(
            cmd=f'"{wine_path(root / "shims" / "go.exe")}" version',
            cwd=wine_path(tmp_path),
            env={"GVW_GO_VERSION": "1.22.10", "GVW_SHIM_DEPTH": None, "GVW_ROOT": wine_path(root)},
        ),
        tmp_path / "runner",
    )
    assert (result.exit_code, result.stderr_lines) == (
        6,
        ["gvw: shim recursion detected (GVW_SHIM_DEPTH=16); check PATH and the selected version"],
    )


# --------------------------------------------------------------------- forwarding

AWKWARD_ARGS: Sequence[Sequence[str]] = (
    ["build", "./..."],
    ["a b", "c"],
    [""],
    ["", "", "x"],
    ['say "hi"'],
    ['"'],
    ["back\\slash\\"],
    ["C:\\Program Files\\x\\", "y"],
    ['\\"', '\\\\"', "\\\\"],
    ["%PATH%", "%GOROOT%", "!x!"],
    ["^", "&", "|", "<", ">", "a&b", "(x)"],
    ["Zoë", "张伟", "emoji 😀", "tab\there"],
    ["-ldflags=-X main.v=1 -s", "-gcflags=all=-N -l"],
)

# command-line tails as a caller might write them, not all from a quoting function
RAW_TAILS: Sequence[str] = (
    "",
    " ",
    "   many   spaces   ",
    "\ttabbed\targs",
    ' a"b c"d',
    ' "unterminated',
    ' x""y ""',
    ' a\\\\\\"b "c\\\\" d',
    ' """triple"""',
    ' "a b"c d',
)


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_the_command_line_reaches_the_toolchain_as_it_was_written(wine: Wine, store: Store) -> None:
    tails = [" " + command_line(args) for args in AWKWARD_ARGS] + list(RAW_TAILS)
    starts = [
        # argv[0] as callers write it: quoted full path (with spaces here), bare name
        # found on PATH, quoted bare name
        f'"{store.shim()}"',
        "go",
        '"go.exe"',
    ]
    jobs: list[Job] = []
    for tail in tails:
        # the toolchain started directly, then through the shim in each spelling
        jobs.append(Job(cmd=f'"{store.fake()}"' + tail, cwd=wine_path(store.base), env=store.env()))
        for start in starts:
            jobs.append(Job(cmd=start + tail, cwd=wine_path(store.base), env=store.env()))
    results = wine.run_jobs(jobs, workdir=store.base / "runner")
    per_tail = len(starts) + 1
    failures: list[str] = []
    for i, tail in enumerate(tails):
        direct, *via_shim = results[i * per_tail : (i + 1) * per_tail]
        expected = report_of(direct)
        if direct.exit_code != 0 or expected.get("tail") != [tail]:
            failures.append(f"tail {tail!r}, the toolchain started directly:\n{direct}")
            continue
        want = (store.fake(), expected["tail"], expected.get("arg", []))
        for start, result in zip(starts, via_shim):
            got = report_of(result)
            seen = (got.get("exe", [None])[0], got.get("tail"), got.get("arg", []))
            if result.exit_code != 0 or seen != want:
                failures.append(
                    f"tail {tail!r} through the shim started as {start}:\n"
                    f"  expected exe, tail, args: {want!r}\n"
                    f"  got:                      {seen!r}\n{result}"
                )
    assert not failures, f"{len(failures)} of {len(jobs)} runs differ:\n\n" + "\n\n".join(failures)


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_the_arguments_survive_a_store_with_spaces_and_non_ascii(
    wine: Wine, tmp_path: Path
) -> None:
    store = make_store(tmp_path.joinpath(*AWKWARD_BASE), wine.fakego)
    project = store.base / "my project é"
    project.mkdir()
    (project / ".go-version").write_bytes(b"1.21\n")
    args = ["x y", "Zoë", 'q"uote']
    result = run_one(
        wine,
        Job(
            cmd=f'"{store.shim()}" ' + command_line(args),
            cwd=wine_path(project),
            env=store.env(GVW_GO_VERSION=None),
        ),
        tmp_path / "runner",
    )
    assert result.exit_code == 0, result
    report = parse_report(result.stdout)
    assert report["exe"] == [store.fake("1.21.13")]
    assert report["goroot"] == [wine_path(store.root / "versions" / "1.21.13")]
    assert report["arg"] == args


# --------------------------------------------------------------------- exit codes

EXIT_CODES = (0, 1, 2, 3, 255, 256, 300, 0xC0000005, 0xC000013A, 0x7FFFFFFF, 0xFFFFFFFF)


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_the_full_32_bit_exit_code_is_forwarded(wine: Wine, store: Store) -> None:
    jobs = [
        Job(cmd=f"go.exe exit {code:#x}", cwd=wine_path(store.base), env=store.env())
        for code in EXIT_CODES
    ]
    results = wine.run_jobs(jobs, workdir=store.base / "runner")
    assert [r.exit_code for r in results] == list(EXIT_CODES)


# --------------------------------------------------------------------- job object


@pytest.mark.wine
@pytest.mark.timeout(300)
def test_killing_the_shim_kills_the_toolchain(wine: Wine, store: Store) -> None:
    pidfile = store.base / "child.pid"
    control_pidfile = store.base / "control.pid"
    cmd_exe = "C:\\windows\\system32\\cmd.exe"
    jobs = [
        Job(
            mode="kill",
            cmd=f"go.exe sleep {quote_arg(wine_path(pidfile))}",
            cwd=wine_path(store.base),
            env=store.env(),
            pidfile=wine_path(pidfile),
            timeout_ms=30_000,
        ),
        # control: a parent without a job object (cmd.exe) leaves its child running
        # when it is killed, so the check above can tell the difference under Wine
        Job(
            mode="kill",
            app=cmd_exe,
            cmd=f'cmd.exe /c ""{store.fake()}" sleep "{wine_path(control_pidfile)}""',
            cwd=wine_path(store.base),
            env=store.env(),
            pidfile=wine_path(control_pidfile),
            timeout_ms=30_000,
        ),
    ]
    shim_run, control = wine.run_jobs(jobs, workdir=store.base / "runner")
    assert shim_run.info["child_found"] == "1", shim_run
    assert shim_run.info["child_alive"] == "1"
    assert shim_run.info["child_gone"] == "1", "the toolchain outlived the killed shim"
    assert control.info["child_found"] == "1", control
    assert control.info["child_gone"] == "0", "control: Wine killed a child without a job"


# --------------------------------------------------------------------- console events


@pytest.mark.wine
@pytest.mark.timeout(300)
@pytest.mark.parametrize(("event", "code"), [("ctrl-c", 42), ("ctrl-break", 43)])
def test_console_events_go_to_the_toolchain_and_the_shim_waits(
    wine: Wine, store: Store, event: str, code: int
) -> None:
    def job(cmd: str, name: str) -> Job:
        got, ready = store.base / f"{name}.got", store.base / f"{name}.ready"
        return Job(
            mode=event,
            cmd=f"{cmd} ctrl {quote_arg(wine_path(got))} {quote_arg(wine_path(ready))}",
            cwd=wine_path(store.base),
            env=store.env(),
            ready=wine_path(ready),
            timeout_ms=20_000,
        )

    # control: the toolchain started directly, to learn whether Wine delivers the event
    control, via_shim = wine.run_jobs(
        [job(f'"{store.fake()}"', "direct"), job("go.exe", "shim")], workdir=store.base / "runner"
    )
    if control.exit_code != code:
        pytest.xfail(
            f"Wine did not deliver {event} to a console program started directly "
            f"(exit {control.exit_code:#x}, runner: {dict(control.info)}), so it is not "
            f"verified under Wine that the shim survives {event} and its toolchain gets it "
            "(the shim's handler treats Ctrl+C and Ctrl+Break in one branch)"
        )
    assert (store.base / "direct.got").read_text() == event
    assert via_shim.exit_code == code, via_shim
    assert (store.base / "shim.got").read_text() == event


# --------------------------------------------------------------------- real Go

REAL_VERSIONS = ("1.21.13", "1.22.10")
HELLO = """package main

import (
\t"fmt"
\t"runtime"
)

func main() { fmt.Println("hello from", runtime.Version()) }
"""


def extract_go(archive: Path, target: Path) -> None:
    """A go.dev Windows zip (entries under go/) into ``target``."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = info.filename
            if not name.startswith("go/") or info.is_dir():
                continue
            dest = target / name[len("go/") :]
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)


@pytest.fixture(scope="module")
def real_store(real_mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Go 1.21.13 and 1.22.10 for Windows from the test mirror, in a store whose
    path has spaces and non-ASCII characters."""
    base = tmp_path_factory.mktemp("real").joinpath(*AWKWARD_BASE)
    root = base / "gvw root"
    for version in REAL_VERSIONS:
        archive = real_mirror_dir / f"go{version}.windows-amd64.zip"
        extract_go(archive, root / "versions" / version)
        _link(SHIM, root / "shims" / f"go{version}.exe")
    for name in ("go", "gofmt"):
        _link(SHIM, root / "shims" / f"{name}.exe")
    return Store(base, root)


@pytest.mark.wine
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_real_go_toolchain_through_the_shim(wine: Wine, real_store: Store) -> None:
    base = real_store.base
    old, new, switch = base / "proj 1.21", base / "proj 1.22 é", base / "proj switch"
    for project, pin in ((old, "1.21.13"), (new, "1.22.10"), (switch, "1.21.13")):
        project.mkdir()
        (project / ".go-version").write_text(pin + "\n")
    (new / "go.mod").write_text("module hello\n\ngo 1.21\n")
    (new / "main.go").write_text(HELLO)
    # go.mod asks for a newer Go than the pin: Go's own switch (GOTOOLCHAIN=auto from
    # go.env) looks for go1.22.10 on PATH and finds gvw's launcher; with GOPROXY=off a
    # download is impossible, so "go1.22.10" below can only come from the launcher
    (switch / "go.mod").write_text("module switch\n\ngo 1.22.10\n")
    env = real_store.env(
        GVW_GO_VERSION=None,
        GOCACHE=wine_path(base / "go cache"),
        GOPATH=wine_path(base / "go path"),
        GOPROXY="off",
        GOFLAGS=None,
        GOTOOLCHAIN=None,
        GOENV="off",
        GOTELEMETRY="off",
    )

    def job(cwd: Path, cmd: str, **extra: str) -> Job:
        return Job(cmd=cmd, cwd=wine_path(cwd), env={**env, **extra}, timeout_ms=600_000)

    hello = new / "hello.exe"
    jobs = [
        job(old, "go version"),
        job(new, "go version"),
        job(new, "go env GOROOT"),
        job(new, "gofmt -l ."),
        job(new, "go1.21.13 version"),
        job(new, "go build -o hello.exe ."),
        Job(app=wine_path(hello), cmd="hello", cwd=wine_path(new), env=env),
        job(switch, "go version"),
    ]
    # CreateProcessW appends .exe only to names without an extension: spell it out
    for j in jobs:
        j.cmd = j.cmd.replace("go1.21.13 ", "go1.21.13.exe ")
    results = wine.run_jobs(jobs, workdir=base / "runner", timeout=900)
    outputs = [(r.exit_code, r.stdout.decode("utf-8", "replace").strip()) for r in results]
    assert outputs == [
        (0, "go version go1.21.13 windows/amd64"),
        (0, "go version go1.22.10 windows/amd64"),
        (0, wine_path(real_store.root / "versions" / "1.22.10")),
        (0, ""),
        (0, "go version go1.21.13 windows/amd64"),
        (0, ""),
        (0, "hello from go1.22.10"),
        (0, "go version go1.22.10 windows/amd64"),
    ], "\n\n".join(map(str, results))
