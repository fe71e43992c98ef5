"""``gvw upgrade``: install a newer Go, verify it, run the project's checks under it,
and only when all of that passed, change the pin.

The checks are a trial (:mod:`gvw.workflows.trial`), judged as ``gvw try`` judges:
any failure under the target, or with ``--max-slowdown`` a command slower by more than
that, keeps the pin. The project's module list under the current Go is made first and
recorded in the snapshot the upgrade takes; the security fixes the target brings are
named in the audit entry.

The steps, each its own function so that ``--check`` can stop after planning:
find the pin that selects the version here (:func:`find_pin`), choose the target
(:func:`plan_upgrade`), then :func:`run_upgrade` inside the caller's change guard.
Any failure leaves the pin as it was (the new version stays installed: it may be
wanted for another try, and ``gvw uninstall`` removes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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
from gvw.history.snapshots.model import ModuleRecord
from gvw.selection.resolver import ENV_VAR, find_version_file, read_version_file
from gvw.store.version_store import Store
from gvw.workflows.module_list import ModuleList, module_list
from gvw.workflows.pins import PinWrite, pin_word, replace_pin_word
from gvw.workflows.trial import Trial, TrialSettings, run_trial
from gvw.workflows.trying import Run, Toolchain
from gvw.workflows.verify import VersionReport

if TYPE_CHECKING:
    from gvw.install.installer import Installer, Planned
    from gvw.knowledge.osv import Advisory


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


# the project's checks: what to run, where, where the logs go, and how to judge
Checks = TrialSettings


@dataclass
class UpgradeResult:
    plan: UpgradePlan
    verified: VersionReport | None = None
    trial: Trial | None = None
    pin_write: PinWrite | None = None
    fixes: list[Advisory] | None = None  # known vulnerabilities of the old Go it fixes

    @property
    def runs(self) -> list[Run]:
        return self.trial.runs if self.trial is not None else []


class UpgradeChecksFailed(ChecksFailedError):
    """The checks failed under the target; carries the trial for the before/after table."""

    def __init__(self, message: str, *, hint: str, trial: Trial) -> None:
        super().__init__(message, hint=hint)
        self.trial = trial


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
    fixes: list[Advisory] | None = None,
) -> UpgradeResult:
    """Install, verify, check, switch: the pin changes only when everything passed."""
    result = UpgradeResult(plan, fixes=fixes)
    target = plan.target
    before = _module_list_before(plan, checks, installer.store, reporter)
    if checks is not None and before is not None and before.modules is not None:
        # kept with the snapshot the change takes before its first real change
        change.module_list = ModuleRecord(
            str(checks.cwd), before.toolchain.name, tuple(before.modules)
        )
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
        _verify_and_check(
            plan, result, installer, verify, checks, reporter, outcome.path, keep, before
        )
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
    _note_findings(change, result)
    if after_switch is not None:
        after_switch(change, plan.current, target)
    return result


def _removed_meanwhile(plan: UpgradePlan, while_: str) -> NotInstalledError:
    return NotInstalledError(
        f"Go {plan.target.name} was uninstalled by another process while it {while_}; "
        f"{_pin_kept(plan)}",
        hint="run the upgrade again (it installs it again)",
    )


def _module_list_before(
    plan: UpgradePlan, checks: Checks | None, store: Store, reporter: Reporter
) -> ModuleList | None:
    """The project's module list under the current Go, before anything changes."""
    if checks is None or not checks.modules or plan.current is None:
        return None
    if plan.current == plan.target:
        return None
    toolchain = Toolchain("current", plan.current, store.paths.version_dir(plan.current.name))
    return module_list(
        toolchain, cwd=checks.cwd, env=checks.env, log_dir=checks.log_dir, reporter=reporter
    )


def _note_findings(change: Change, result: UpgradeResult) -> None:
    """The audit entry names the security fixes and any change of the module list."""
    if result.fixes:
        change.note(
            "fixes",
            vulnerabilities=[{"id": a.id, "aliases": list(a.aliases)} for a in result.fixes],
        )
    if result.trial is not None:
        for toolchain, changes in result.trial.module_changes().items():
            if not changes.none:
                change.note("modules", version=toolchain.name, **changes.as_json())


def _verify_and_check(
    plan: UpgradePlan,
    result: UpgradeResult,
    installer: Installer,
    verify: Verifier,
    checks: Checks | None,
    reporter: Reporter,
    root: Path,
    keep: str,
    before: ModuleList | None,
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
    if checks is None:
        return
    toolchains = []
    if plan.current is not None and plan.current != plan.target:
        current_root = installer.store.paths.version_dir(plan.current.name)
        toolchains.append(Toolchain("current", plan.current, current_root))
    toolchains.append(Toolchain("candidate", target, root))
    known = [before] if before is not None else []
    trial = run_trial(toolchains, checks, reporter=reporter, known_modules=known)
    result.trial = trial
    failures = [r for r in trial.runs if r.toolchain.role == "candidate" and not r.ok]
    if failures:
        first = failures[0]
        raise UpgradeChecksFailed(
            f"{' '.join(first.command)} failed with Go {target.name} (exit "
            f"{first.exit_code}{_before(trial.runs, first)}); {_pin_kept(plan)}",
            hint=f"full log: {first.log}; {keep}",
            trial=trial,
        )
    slower = [r for r in trial.regressions if r.kind == "slower"]
    if slower:
        raise UpgradeChecksFailed(
            f"{slower[0].describe(checks.max_slowdown)}; {_pin_kept(plan)}",
            hint=f"full log: {slower[0].candidate.log}; {keep}",
            trial=trial,
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
    if not installed_now:  # it was there before: removing it is no way back
        return f"Go {plan.target.name} was installed before this upgrade and stays"
    return (
        f"Go {plan.target.name} was installed and stays; remove it with: "
        f"gvw uninstall {plan.target.name}"
    )


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
