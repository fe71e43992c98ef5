"""gvw doctor: what makes the shims lose, each as a small check that returns findings.

Checks read a :class:`Machine` (environment, directory, store, registries, what is known
about releases) and never print or change anything. A finding is ok, a problem, or a
warning (not ok, but nothing that stops the shims: a selected version with known
vulnerabilities); problems and warnings carry the fix.
The Windows-only checks read the registries through :mod:`gvw.host.windows_registry` and
:mod:`gvw.host.winenv`, so they run on any OS against in-memory ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

from gvw.base.errors import GvwError
from gvw.base.paths import Paths
from gvw.base.versions import GoVersion, parse_release_name
from gvw.host import goenv, windows_programs, winenv
from gvw.host.windows_programs import InstalledPrograms
from gvw.host.windows_registry import UserEnvironment
from gvw.knowledge.release_knowledge import Knowledge
from gvw.knowledge.support import family_name
from gvw.selection import gomod
from gvw.selection.pathsearch import PathSearch
from gvw.selection.resolver import Resolved, find_selection, resolve, shims_search
from gvw.store.shims import shim_for, stale_shims
from gvw.store.version_store import Store, entry_version


@dataclass(frozen=True)
class Finding:
    check: str  # a stable id, for --json
    ok: bool
    message: str
    fix: str | None = None
    warning: bool = False  # not ok, yet no problem: doctor still exits 0


@dataclass(frozen=True)
class Machine:
    env: Mapping[str, str]
    cwd: Path
    store: Store
    windows: bool  # the host: PATH syntax, .exe names, registry checks
    shim_platform: str  # the store's os-arch, which picks its shims (GVW_PLATFORM may differ)
    user_registry: UserEnvironment | None = None
    machine_registry: winenv.MachineEnvironment | None = None
    programs: InstalledPrograms | None = None  # Windows: the uninstall entries
    known: Knowledge | None = None  # vulnerabilities and support, as last checked

    @property
    def paths(self) -> Paths:
        return self.store.paths

    @cached_property
    def search(self) -> PathSearch:
        """PATH lookups by the shims' rules: the same search `gvw current` uses."""
        return shims_search(self.store, windows=self.windows, cwd=str(self.cwd))

    @property
    def path_entries(self) -> list[str]:
        return self.search.split(self.env.get("PATH", ""))

    def is_shims(self, entry: str) -> bool:
        return self.search.is_shims(entry)

    def go_in(self, entry: str) -> Path | None:
        """The ``go`` the shims would run from this PATH entry, if any."""
        return self.search.tool_in(entry, "go")

    def registry_value(self, name: str, *, machine: bool) -> str | None:
        if machine:
            reader = self.machine_registry
            values = reader.read_machine_environment() if reader is not None else {}
        else:
            user = self.user_registry
            values = user.read_user_environment() if user is not None else {}
        value = winenv.lookup(values, name)[1]
        return value.value if value else None


Check = Callable[[Machine], Iterator[Finding]]


def run(machine: Machine, checks: Sequence[Check] | None = None) -> list[Finding]:
    return [finding for check in (checks or CHECKS) for finding in check(machine)]


# ------------------------------------------------------------------------------ PATH


def shims_on_path(m: Machine) -> Iterator[Finding]:
    shims = m.paths.shims
    entries = m.path_entries
    where = [i for i, e in enumerate(entries) if m.is_shims(e)]
    fix = "run `gvw setup` and open a new terminal (or load `gvw init <shell>` in this one)"
    machine = m.store.machine
    if where and machine is not None and not m.search.is_shims_of(entries[where[0]], shims):
        shims = machine.paths.shims  # the machine store's come first: they serve this user too
    if not where:
        yield Finding("shims-on-path", False, f"the shims directory {shims} is not on PATH", fix)
    elif where[0] == 0:
        yield Finding("shims-on-path", True, f"the shims directory {shims} is first on PATH")
    else:
        # Only what comes first and provides go matters; go-ahead-of-shims names it.
        ahead = [e for e in entries[: where[0]] if m.go_in(e)]
        message = f"the shims directory {shims} is entry {where[0] + 1} on PATH"
        if ahead:
            yield Finding("shims-on-path", False, message + ", after another go", fix)
        else:
            yield Finding("shims-on-path", True, message + " (nothing ahead of it provides go)")


def go_ahead_of_shims(m: Machine) -> Iterator[Finding]:
    entries = m.path_entries
    first_shims = next((i for i, e in enumerate(entries) if m.is_shims(e)), len(entries))
    machine_path = m.registry_value("Path", machine=True) if m.windows else None
    user_path = m.registry_value("Path", machine=False) if m.windows else None
    found = False
    for entry in entries[:first_shims]:
        go = m.go_in(entry)
        if go is None:
            continue
        found = True
        where = "before the shims" if first_shims < len(entries) else "and the shims are not"
        message = f"{go} is on PATH {where}: `go` runs it, not the version gvw selects"
        if machine_path is not None and winenv.contains(machine_path, entry, m.env):
            message += " (it is in the machine PATH, which Windows puts before the user PATH)"
            fix = (
                f"remove {entry} from the machine PATH (System Properties > Environment "
                "Variables, as administrator) or uninstall that Go; until then only shells "
                "that load `gvw init` put the shims first"
            )
        elif user_path is not None and winenv.contains(user_path, entry, m.env):
            fix = f"remove {entry} from your user PATH, then run `gvw setup`"
        else:
            fix = (
                f"remove {entry} from PATH where your shell profile adds it, or load "
                "`gvw init` after that line"
            )
        yield Finding("go-ahead-of-shims", False, message, fix)
    if not found:
        yield Finding("go-ahead-of-shims", True, "no other go comes before the shims on PATH")


def machine_path_go(m: Machine) -> Iterator[Finding]:
    """Windows: a Go in the machine PATH wins for every program that does not load the
    profile (IDEs, cmd, build tools): the MSI puts C:\\Program Files\\Go\\bin there;
    unless the machine store's shims come first there (`gvw setup --machine`)."""
    if not m.windows or m.machine_registry is None:
        return
    value = m.registry_value("Path", machine=True)
    written = winenv.entries(value)  # as the registry holds them, for the messages
    entries = [winenv.expand(e, m.env) for e in written]
    first_shims = next((i for i, e in enumerate(entries) if m.is_shims(e)), len(entries))
    found = [(i, written[i], go) for i, e in enumerate(entries) if (go := m.go_in(e))]
    for index, entry, go in found:
        msi = _msi_removal(m, go)
        if index > first_shims:
            also = f"; to remove it: {msi}" if msi else ""
            message = f"{go} is in the machine PATH after the shims ({entry}): the shims win"
            yield Finding("machine-path-go", True, message + also)
            continue
        yield Finding(
            "machine-path-go",
            False,
            f"{go} is in the machine PATH ({entry}), which Windows puts before the user PATH: "
            "programs started outside a shell with `gvw init` (IDEs, cmd) run it",
            msi
            or f"remove {entry} from the machine PATH (System Properties > Environment "
            "Variables, as administrator) or uninstall that Go (the MSI adds it)",
        )
    if not found:
        yield Finding("machine-path-go", True, "no go in the machine PATH")


def _msi_removal(m: Machine, go: Path) -> str | None:
    """For a go an installer put there (the MSI, Chocolatey): keep its toolchain as a
    version of the machine store, then remove it with its own uninstaller, exactly."""
    if m.programs is None:
        return None
    tree = str(go.parent.parent)
    program = windows_programs.go_owning(m.programs.installed_programs(), tree)
    if program is None:
        return None
    removal = windows_programs.removal_command(program, m.env)
    return (
        f"{program.name} installed it: keep its toolchain as a version with `gvw install "
        f'--machine --adopt "{tree}"`, then remove it with `{removal}` (both as administrator)'
    )


def user_path_shims(m: Machine) -> Iterator[Finding]:
    """Windows: the shims in the user PATH, for programs started outside a shell (or
    the machine store's in the machine PATH: `gvw setup --machine`)."""
    if not m.windows or m.user_registry is None:
        return
    value = m.registry_value("Path", machine=False)
    machine = m.store.machine
    machine_path = m.registry_value("Path", machine=True) if m.machine_registry else None
    if winenv.contains(value, str(m.paths.shims), m.env):
        yield Finding("user-path", True, f"the user PATH ({winenv.USER_KEY}) has the shims")
    elif machine is not None and winenv.contains(machine_path, str(machine.paths.shims), m.env):
        shown = machine.paths.shims
        yield Finding("user-path", True, f"the machine PATH has the machine store's shims {shown}")
    else:
        yield Finding(
            "user-path",
            False,
            f"the user PATH ({winenv.USER_KEY}) lacks {m.paths.shims}: programs started "
            "outside a shell with `gvw init` do not find the shims",
            "run `gvw setup`",
        )


# ------------------------------------------------------------------------- Go settings


def goroot(m: Machine) -> Iterator[Finding]:
    value = m.env.get("GOROOT", "")
    in_registry = [
        (scope, v)
        for scope, machine in (("user", False), ("machine", True))
        if m.windows and (v := m.registry_value("GOROOT", machine=machine))
    ]
    for scope, stored in in_registry:
        fix = (
            'reg delete "HKCU\\Environment" /v GOROOT, then open a new terminal'
            if scope == "user"
            else "delete GOROOT from the system environment variables (as administrator)"
        )
        yield Finding(
            "goroot",
            False,
            f"GOROOT={stored} is set in the {scope} environment (registry): tools that do not "
            "go through the shims use that Go's files",
            fix,
        )
    if value and not in_registry:
        yield Finding(
            "goroot",
            False,
            f"GOROOT={value} is set in the environment: the shims set it for the version they "
            "run, but anything else (IDEs, another go) mixes that Go's files with its own "
            '("version does not match go tool version")',
            "unset GOROOT, and remove the line that sets it from your shell profile",
        )
    if not value and not in_registry:
        yield Finding("goroot", True, "GOROOT is not set (the shims set it)")


def gotoolchain(m: Machine, selected: GoVersion | None = None) -> Iterator[Finding]:
    """GOTOOLCHAIN from the environment or the go env file: a goX.Y.Z value makes every
    go command run that version (+auto/+path: at least that version)."""
    selected = selected if selected is not None else _selected_version(m)
    settings = []
    if m.env.get("GOTOOLCHAIN", ""):
        fix = "unset GOTOOLCHAIN, and remove the line that sets it from your shell profile"
        settings.append((m.env["GOTOOLCHAIN"], "the environment", fix))
    goos = "windows" if m.windows else "linux"
    env_file = goenv.go_env_file(m.env, goos)
    if env_file is not None:
        try:
            text = Path(str(env_file)).read_text("utf-8", "replace")
        except OSError:
            text = ""
        value = goenv.parse_go_env(text).get("GOTOOLCHAIN", "")
        if value:
            settings.append((value, f"the go env file {env_file}", "go env -u GOTOOLCHAIN"))
    for value, origin, fix in settings:
        problem = _toolchain_problem(value, selected)
        if problem:
            yield Finding("gotoolchain", False, f"GOTOOLCHAIN={value} in {origin}: {problem}", fix)
        else:
            yield Finding("gotoolchain", True, f"GOTOOLCHAIN={value} in {origin}")
    if not settings:
        yield Finding("gotoolchain", True, "GOTOOLCHAIN is not set (Go's default: auto)")


def _toolchain_problem(value: str, selected: GoVersion | None) -> str | None:
    name, _, mode = value.partition("+")
    if name in ("auto", "path", "local") and mode in ("", "auto", "path"):
        return None
    forced = parse_release_name(name) if name.startswith("go") else None
    if forced is None or mode not in ("", "auto", "path"):
        return "not a value Go accepts (auto, local, path, goX.Y.Z[+auto|+path])"
    if not mode:
        if selected is not None and selected == forced:
            return None
        return f"every go command runs go{forced.name}, whatever gvw selects"
    if selected is not None and not selected < forced:
        return None
    return f"go commands run go{forced.name} or newer, not an older selected version"


def go_mod(m: Machine, resolved: Resolved | None = None) -> Iterator[Finding]:
    path = gomod.governing_file(m.cwd, m.env)
    if path is None:
        yield Finding("go-mod", True, "no go.mod or go.work here")
        return
    try:
        lines = gomod.read_go_lines(path)
    except OSError as exc:
        yield Finding("go-mod", False, f"cannot read {path}: {exc.strerror}", f"check {path}")
        return
    required = lines.required
    resolved = resolved if resolved is not None else _resolved(m)
    selected = resolved.version if resolved else None
    if required is None or selected is None:
        yield Finding("go-mod", True, f"{path} asks for no particular Go, or none is selected")
        return
    version, line = required
    if not selected < version:
        yield Finding("go-mod", True, f"{path} ({line}) accepts the selected Go {selected}")
        return
    if selected < GoVersion(1, 21):
        effect = f"Go {selected} predates toolchain switching: builds may fail or differ"
    elif _no_switching(m.env.get("GOTOOLCHAIN", "")):
        effect = f"with GOTOOLCHAIN={m.env['GOTOOLCHAIN']} Go does not switch: it refuses to build"
    else:
        effect = (
            f"Go switches to go{version.name} (a gvw launcher if installed, else a download) "
            f"instead of the selected {selected}"
        )
    wanted = version.name
    yield Finding(
        "go-mod",
        False,
        f"{path} asks for {line}, newer than the selected Go {selected}: {effect}",
        f"gvw install {wanted} && gvw local {wanted} (or change the {line.split()[0]} line)",
    )


# ---------------------------------------------------------------------- the store


def selected_version(m: Machine) -> Iterator[Finding]:
    try:
        selection = find_selection(m.cwd, m.env, m.paths)
        resolved = resolve(selection, m.store, m.env)
    except GvwError as error:
        yield Finding("selected-version", False, error.message, error.hint)
        return
    if resolved.version is not None and selection is not None:
        yield Finding(
            "selected-version",
            True,
            f"Go {resolved.version} is selected (set by {selection.origin}) and installed",
        )
    else:
        origin = f"set by {selection.origin}" if selection else "nothing selected"
        yield Finding("selected-version", True, f"the system go {resolved.system_go} ({origin})")


def selected_security(m: Machine) -> Iterator[Finding]:
    """Warns when the Go selected here has known vulnerabilities or belongs to a minor
    release Go no longer supports (as of the last check; doctor uses no network)."""
    selected = _selected_version(m)
    known = m.known
    if selected is None or known is None:
        return
    found = known.vulnerabilities(selected)
    if found is None:
        yield Finding(
            "selected-security",
            True,
            "no vulnerability data yet (gvw upgrade --check fetches it)",
        )
    elif found:
        ids = ", ".join(a.id for a in found[:5]) + (", ..." if len(found) > 5 else "")
        fixed = known.fix_for(selected)
        yield Finding(
            "selected-security",
            False,
            f"Go {selected} (selected here) has {len(found)} known vulnerabilit"
            f"{'ies' if len(found) != 1 else 'y'}: {ids}"
            + (f"; fixed in {fixed}" if fixed else "; not all fixed yet"),
            "gvw upgrade (see what it fixes first: gvw upgrade --check)",
            warning=True,
        )
    else:
        yield Finding("selected-security", True, f"Go {selected} has no known vulnerabilities")
    if known.is_supported(selected) is False and known.supported:
        families = " and ".join(family_name(f) for f in known.supported)
        newest = family_name(known.supported[0])
        yield Finding(
            "selected-supported",
            False,
            f"Go {selected.major}.{selected.minor} (selected here) is no longer supported: "
            f"Go fixes only {families}",
            f"gvw upgrade {newest}",
            warning=True,
        )


def shims_current(m: Machine) -> Iterator[Finding]:
    kind = shim_for(m.shim_platform).description
    machine = m.store.machine
    stores = [(m.store, "gvw rehash")]
    if machine is not None and machine.paths.root.is_dir():
        stores.append((machine, "gvw rehash --machine (as administrator)"))
        if not m.store.installed() and not m.paths.shims.exists():
            stores.pop(0)  # a user of the machine store alone needs no shims of their own
    for store, fix in stores:
        shims = store.paths.shims
        problems = stale_shims(store.paths, store.installed(), platform=m.shim_platform)
        if problems:
            message = f"shims missing, outdated or left over in {shims}: {', '.join(problems)}"
            yield Finding("shims-current", False, message, fix)
        else:
            yield Finding("shims-current", True, f"the shims in {shims} are {kind}, up to date")


def staging_leftovers(m: Machine) -> Iterator[Finding]:
    leftovers = []
    for entry in m.store.staging_leftovers():
        version = entry_version(entry)
        if m.store.is_installing(version):
            continue  # an install is running right now
        leftovers.append((version, entry))
    if leftovers:
        names = ", ".join(str(entry) for _, entry in leftovers)
        versions = " ".join(sorted({v for v, _ in leftovers}))
        yield Finding(
            "staging-leftovers",
            False,
            f"unfinished installs left files behind: {names}",
            f"gvw install {versions} removes them (or delete them by hand)",
        )
    else:
        yield Finding("staging-leftovers", True, "no unfinished installs")


def _no_switching(value: str) -> bool:
    """GOTOOLCHAIN=local or goX.Y.Z (without +auto/+path): Go never switches."""
    return value == "local" or (value.startswith("go") and "+" not in value)


def _resolved(m: Machine) -> Resolved | None:
    try:
        return resolve(find_selection(m.cwd, m.env, m.paths), m.store, m.env)
    except GvwError:
        return None


def _selected_version(m: Machine) -> GoVersion | None:
    resolved = _resolved(m)
    return resolved.version if resolved else None


CHECKS: tuple[Check, ...] = (
    shims_on_path,
    go_ahead_of_shims,
    machine_path_go,
    user_path_shims,
    goroot,
    gotoolchain,
    selected_version,
    selected_security,
    go_mod,
    shims_current,
    staging_leftovers,
)
