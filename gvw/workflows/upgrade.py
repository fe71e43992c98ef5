"""``gvw upgrade``: install a newer Go, verify it, run the project's checks under it,
and only when all of that passed, change the pin.

The steps, each its own function so that ``--check`` can stop after planning:
find the pin that selects the version here (:func:`find_pin`), choose the target
(:func:`plan_upgrade`), then :func:`run_upgrade` inside the caller's change guard.
Any failure leaves the pin as it was (the new version stays installed: it may be
wanted for another try, and ``gvw uninstall`` removes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from gvw.base.errors import (
    ChecksFailedError,
    GvwError,
    NotInstalledError,
    NoVersionSelectedError,
    VerifyError,
)
from gvw.base.paths import Paths
from gvw.base.reporting import Reporter
from gvw.base.versions import (
    ExactSpec,
    FamilySpec,
    GoVersion,
    LatestSpec,
    Spec,
    SystemSpec,
    newest_matching,
    parse_spec,
)
from gvw.history.changes import Change
from gvw.selection.resolver import ENV_VAR, find_version_file, read_version_file
from gvw.store.version_store import Store
from gvw.workflows.pins import PinWrite, pin_word, replace_pin_word
from gvw.workflows.trying import Run, Toolchain, run_checks
from gvw.workflows.verify import VersionReport

if TYPE_CHECKING:
    from gvw.install.installer import Installer, Planned


@dataclass(frozen=True)
class Pin:
    path: Path
    kind: Literal["local", "global"]
    spec: Spec
    word: str  # the version word as the file spells it ("go1.25.4" keeps its prefix)


@dataclass(frozen=True)
class UpgradePlan:
    pin: Pin
    current: GoVersion | None  # what the pin selects now; None: nothing installed matches
    target: GoVersion
    planned: Planned
    new_word: str | None  # what the pin will say; None: it already follows the target

    @property
    def upgrade_available(self) -> bool:
        return self.current != self.target


@dataclass(frozen=True)
class Checks:
    """The project's checks: what to run, where, and where the logs go."""

    commands: Sequence[tuple[str, ...]]
    cwd: Path
    env: Mapping[str, str]
    log_dir: Path


@dataclass
class UpgradeResult:
    plan: UpgradePlan
    verified: VersionReport | None = None
    runs: list[Run] = field(default_factory=list)
    pin_write: PinWrite | None = None


class UpgradeChecksFailed(ChecksFailedError):
    """The checks failed under the target; carries the runs for the before/after table."""

    def __init__(self, message: str, *, hint: str, runs: list[Run]) -> None:
        super().__init__(message, hint=hint)
        self.runs = runs


class UpgradeVerifyFailed(VerifyError):
    def __init__(self, message: str, *, hint: str, report: VersionReport) -> None:
        super().__init__(message, hint=hint)
        self.report = report


# (change, the old version, the new one), called after the pin changed: the seam for
# ``--rebuild-tools`` (gvw tools rebuild), which the CLI wires in
AfterSwitch = Callable[[Change, "GoVersion | None", GoVersion], object]
Verifier = Callable[[GoVersion, Path], VersionReport]


def find_pin(cwd: Path | None, env: Mapping[str, str], paths: Paths, *, use_global: bool) -> Pin:
    """The file that selects the version here: the nearest .go-version, else (or with
    ``--global``) the global file. GVW_GO_VERSION beats both: then refuse."""
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        raise GvwError(
            f"{ENV_VAR}={from_env} selects the Go version in this shell (gvw shell), "
            "above every pin, so changing a pin would change nothing here",
            hint="unset it first: gvw shell --unset (or unset GVW_GO_VERSION)",
        )
    path = None if use_global or cwd is None else find_version_file(cwd)
    kind: Literal["local", "global"] = "local" if path is not None else "global"
    if path is None:
        path = paths.global_file
        if not path.is_file():
            raise NoVersionSelectedError(
                f"nothing pins a Go version here: no .go-version and no global file {path}",
                hint="pin one first: gvw local 1.22 (or gvw global 1.22)",
            )
    selection = read_version_file(path)
    if isinstance(selection.spec, SystemSpec):
        raise GvwError(
            f"{path} selects the system Go, which gvw does not upgrade",
            hint="pin a gvw version first: gvw local 1.22",
        )
    return Pin(path, kind, selection.spec, pin_word(path) or str(selection.spec))


def plan_upgrade(
    pin: Pin, store: Store, installer: Installer, spec_text: str | None
) -> UpgradePlan:
    """The target: ``spec_text`` if given, else the newest stable release of the pinned
    family, from the index; nothing is installed."""
    installed = store.installed()
    current = newest_matching(pin.spec, installed)
    if spec_text is not None:
        spec: Spec = parse_spec(spec_text, origin="the command line")
        spelled = spec_text.strip()
    else:
        spec = _family_of(pin.spec)
        spelled = f"{spec} (the family of {pin.path})"
    planned = installer.plan(spec, spelled=spelled)
    target = planned.version
    follows = (
        not isinstance(pin.spec, ExactSpec)
        and newest_matching(pin.spec, {*installed, target}) == target
    )
    new_word = None if follows or target == current else _spelled_like(pin, target)
    return UpgradePlan(pin, current, target, planned, new_word)


def run_upgrade(
    plan: UpgradePlan,
    *,
    installer: Installer,
    change: Change,
    verify: Verifier,
    checks: Checks | None,
    reporter: Reporter,
    after_switch: AfterSwitch | None = None,
) -> UpgradeResult:
    """Install, verify, check, switch: the pin changes only when everything passed."""
    result = UpgradeResult(plan)
    target = plan.target
    outcome = installer.install_planned(plan.planned)  # snapshots first (before_change)
    if not outcome.already_installed:
        change.versions_changed()
        change.note("installed", version=target.name)
    # a family pin (1.25) selects a newly installed patch at once: if it fails, it must
    # not stay where every go run would pick it up (verify -> try -> switch)
    withdraw = (
        not outcome.already_installed
        and plan.new_word is None
        and plan.pin.spec != ExactSpec(target)
    )
    keep = _kept_hint(plan, installed_now=not outcome.already_installed, withdrawn=withdraw)
    store = installer.store
    try:
        _verify_and_check(plan, result, installer, verify, checks, reporter, outcome.path, keep)
    except (UpgradeVerifyFailed, UpgradeChecksFailed) as failed:
        with change.exclusive():
            if not store.is_installed(target):  # that is why it failed: say so
                stage = "verified" if isinstance(failed, UpgradeVerifyFailed) else "tested"
                raise _removed_meanwhile(plan, f"was being {stage}") from failed
            if withdraw:
                with store.install_lock(target):
                    store.remove(target)
                change.note("uninstalled", version=target.name, why="failed the upgrade")
        raise
    # the switch holds the state lock: an uninstall of the target waits for it, then
    # refuses the version the pin selects
    with change.exclusive():
        if not store.is_installed(target):
            raise _removed_meanwhile(plan, "was being verified and tested")
        if plan.new_word is not None:
            result.pin_write = replace_pin_word(
                plan.pin.path, plan.new_word, change=change, expected=plan.pin.word
            )
    if after_switch is not None:
        after_switch(change, plan.current, target)
    return result


def _removed_meanwhile(plan: UpgradePlan, while_: str) -> NotInstalledError:
    return NotInstalledError(
        f"Go {plan.target.name} was uninstalled by another process while it {while_}; "
        f"{_pin_kept(plan)}",
        hint="run the upgrade again (it installs it again)",
    )


def _verify_and_check(
    plan: UpgradePlan,
    result: UpgradeResult,
    installer: Installer,
    verify: Verifier,
    checks: Checks | None,
    reporter: Reporter,
    root: Path,
    keep: str,
) -> None:
    target = plan.target
    result.verified = verify(target, root)
    if not result.verified.ok:
        failed = ", ".join(c.name for c in result.verified.checks if not c.ok)
        raise UpgradeVerifyFailed(
            f"Go {target.name} failed verification ({failed}); {_pin_kept(plan)}",
            hint=keep,
            report=result.verified,
        )
    if checks is not None:
        result.runs = _run_checks(plan, checks, root, installer.store, reporter)
        failures = [r for r in result.runs if r.toolchain.role == "candidate" and not r.ok]
        if failures:
            first = failures[0]
            raise UpgradeChecksFailed(
                f"{' '.join(first.command)} failed with Go {target.name} (exit "
                f"{first.exit_code}{_before(result.runs, first)}); {_pin_kept(plan)}",
                hint=f"full log: {first.log}; {keep}",
                runs=result.runs,
            )


def _run_checks(
    plan: UpgradePlan, checks: Checks, target_root: Path, store: Store, reporter: Reporter
) -> list[Run]:
    toolchains = []
    if plan.current is not None and plan.current != plan.target:
        current_root = store.paths.version_dir(plan.current.name)
        toolchains.append(Toolchain("current", plan.current, current_root))
    toolchains.append(Toolchain("candidate", plan.target, target_root))
    return run_checks(
        checks.commands,
        toolchains,
        cwd=checks.cwd,
        env=checks.env,
        log_dir=checks.log_dir,
        reporter=reporter,
    )


def _before(runs: Sequence[Run], failed: Run) -> str:
    for run in runs:
        if run.toolchain.role == "current" and run.command == failed.command:
            return f"; with Go {run.toolchain.name}: exit {run.exit_code}"
    return ""


def _pin_kept(plan: UpgradePlan) -> str:
    return f"{plan.pin.path} still says {plan.pin.word}"


def _kept_hint(plan: UpgradePlan, *, installed_now: bool, withdrawn: bool) -> str:
    if withdrawn:
        return (
            f"Go {plan.target.name} was moved to the trash, since {plan.pin.word} would "
            f"select it; install it again with: gvw install {plan.target.name}"
        )
    what = "was installed and stays" if installed_now else "stays installed"
    return f"Go {plan.target.name} {what}; remove it with: gvw uninstall {plan.target.name}"


def _family_of(spec: Spec) -> Spec:
    if isinstance(spec, ExactSpec):
        return FamilySpec(spec.version.major, spec.version.minor)
    return spec  # a family or latest already names what to follow


def _spelled_like(pin: Pin, target: GoVersion) -> str:
    """The new pin word in the style of the old: a family stays a family, an exact
    version stays exact, a ``go`` prefix stays."""
    word = f"{target.major}.{target.minor}" if isinstance(pin.spec, FamilySpec) else target.name
    if isinstance(pin.spec, LatestSpec):
        word = target.name  # "latest" does not select the target: pin it exactly
    return f"go{word}" if pin.word.startswith("go") and pin.word[2:3].isdigit() else word
