"""gvw upgrade: install a newer Go, verify it, run the checks, then change the pin."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from gvw.base.errors import ExitCode
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.runs import (
    advisory_line,
    judgement_options,
    show_fixes,
    show_notes,
    show_trial,
    split_commands,
)
from gvw.cli.terminal import TerminalReporter

if TYPE_CHECKING:
    from gvw.base.versions import GoVersion
    from gvw.history.changes import Change
    from gvw.history.snapshots.model import ScopeKind
    from gvw.install.installer import Installer
    from gvw.knowledge.release_knowledge import Knowledge
    from gvw.workflows.tools import Rebuilt
    from gvw.workflows.upgrade import AfterSwitch, Checks, Pin, UpgradePlan, UpgradeResult


@click.command(cls=Command)
@click.argument("spec", required=False, metavar="[SPEC]")
@click.option("--check", is_flag=True, help="Only say whether an upgrade is available (exit 19).")
@click.option("--global", "use_global", is_flag=True, help="Upgrade the global version.")
@click.option("--run", "run_", multiple=True, metavar="CMD", help="A check to run (repeatable).")
@click.option("--no-test", is_flag=True, help="Run no checks (verification still runs).")
@judgement_options("with the target keeps the pin (exit 20)")
@click.option(
    "--rebuild-tools",
    is_flag=True,
    help="After switching, rebuild the programs in GOPATH/bin with the new Go "
    "(as gvw tools rebuild; exit 22 when some were not rebuilt).",
)
@click.option("--mirror", metavar="URL", help="Download from this mirror.")
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def upgrade(
    *,
    spec: str | None,
    check: bool,
    use_global: bool,
    run_: tuple[str, ...],
    no_test: bool,
    repeat: int,
    max_slowdown: float | None,
    rebuild_tools: bool,
    mirror: str | None,
    refresh: bool,
    quiet: bool,
    as_json: bool,
) -> int:
    """Upgrade the pinned Go once the project's checks pass.

    The pin is the nearest .go-version, else the global file (--global: the global
    file); SPEC (1.26, latest, 1.25.5) is the target, by default the newest patch
    release of its family. Installs the target, verifies it, runs the checks (default
    in a Go module: go build ./..., go vet ./... and go test -count=1 ./...) under the
    current version and the target, and only when all pass under the target (and, with
    --max-slowdown, none is slower by more than PERCENT) changes the version word of
    the pin. Any failure leaves the pin as it was (exit 17 verification, 20 checks).
    gvw rollback puts the old pin back. --check (exit 19 when an upgrade is available)
    and the summary name the known vulnerabilities the target fixes.

    \b
    Examples:
      gvw upgrade --check
      gvw upgrade
      gvw upgrade 1.26 --repeat 5 --max-slowdown 10
      gvw upgrade --global --no-test
    """
    from gvw.install.installer import Installer
    from gvw.workflows.upgrade import find_pin, plan_upgrade

    if no_test and run_:
        raise click.UsageError("give either --run CMD or --no-test, not both")
    app = App()
    reporter = TerminalReporter(quiet=quiet or as_json)
    pin = find_pin(app.cwd, app.env, app.paths, use_global=use_global)
    installer = Installer(
        app.store,
        config=app.config,
        mirror=app.mirror(mirror),
        platform=app.platform,
        reporter=reporter,
        refresh_index=refresh,
    )
    plan = plan_upgrade(pin, app.store, installer, spec)
    index = installer.loaded_index()
    knowledge = app.knowledge(
        reporter, releases=[r.version for r in index.releases] if index else None
    )
    if check or not plan.upgrade_available:
        _show_plan(plan, knowledge, as_json=as_json)
        return int(ExitCode.UPGRADE_AVAILABLE if check and plan.upgrade_available else 0)
    checks = None if no_test else _checks(app, run_, reporter, repeat, max_slowdown)
    scope: list[ScopeKind] = ["installed", "version_files" if pin.kind == "local" else "global"]
    scope += ["tools"] if rebuild_tools else []
    files = [pin.path] if pin.kind == "local" else []
    flags = [*_flags(use_global), *(["--rebuild-tools"] if rebuild_tools else [])]
    command = " ".join(["upgrade", *([spec.strip()] if spec else []), *flags])
    rebuilt: list[Rebuilt] = []
    # the checks take minutes: the state lock is held only to switch (run_upgrade)
    with app.changes.change(command, scope=scope, version_files=files, exclusive=False) as change:
        after = _tools_rebuilder(app, rebuilt) if rebuild_tools else None
        result = _upgrade(
            app, plan, installer, change, checks, reporter, after, knowledge, as_json=as_json
        )
        _show_result(result, knowledge, as_json=as_json, tools=rebuilt if rebuild_tools else None)
        if rebuild_tools:
            from gvw.cli.tools import show_rebuilt
            from gvw.workflows.tools import not_rebuilt_error

            if not as_json:
                show_rebuilt(rebuilt, f"go{plan.target.name}", as_json=False)
            error = not_rebuilt_error(rebuilt)
            if error is not None:  # the upgrade stands; the audit log records exit 22
                raise error
    return 0


def _tools_rebuilder(app: App, into: list[Rebuilt]) -> AfterSwitch:
    """``--rebuild-tools``: after the pin changed, rebuild GOPATH/bin's programs with
    the new Go (as ``gvw tools rebuild --with NEW``), keeping the results in ``into``."""
    from gvw.host.goenv import host_goos
    from gvw.workflows.tools import list_tools, rebuild_tools, target_toolchain, tools_dir

    def rebuild(change: Change, _old: object, new: GoVersion) -> None:
        directory = tools_dir(app.env, host_goos())
        if directory is None:
            return
        target = target_toolchain(new.name, app.cwd, app.env, app.store)
        into.extend(
            rebuild_tools(
                list_tools(directory), target, env=app.env, directory=directory, change=change
            )
        )

    return rebuild


def _upgrade(
    app: App,
    plan: UpgradePlan,
    installer: Installer,
    change: Change,
    checks: Checks | None,
    reporter: TerminalReporter,
    after_switch: AfterSwitch | None,
    knowledge: Knowledge,
    *,
    as_json: bool,
) -> UpgradeResult:
    from gvw.cli.verify import show
    from gvw.workflows.upgrade import (
        UpgradeChecksFailed,
        UpgradeResult,
        UpgradeVerifyFailed,
        run_upgrade,
    )
    from gvw.workflows.verify import verify_version

    def snapshot_first(_version: object) -> None:  # a version is about to appear
        change.snapshot()

    installer.before_change = snapshot_first
    try:
        return run_upgrade(
            plan,
            installer=installer,
            change=change,
            verify=lambda v, tree: verify_version(
                v, tree, platform=app.platform, env=app.env, reporter=reporter
            ),
            checks=checks,
            reporter=reporter,
            after_switch=after_switch,  # --rebuild-tools
            fixes=knowledge.fixed_by(plan.current, plan.target) if plan.current else None,
        )
    except UpgradeVerifyFailed as failed:
        if as_json:
            failed_result = UpgradeResult(plan, verified=failed.report)
            _show_result(failed_result, knowledge, as_json=True, failed=True)
        else:
            show([failed.report], as_json=False)
        raise
    except UpgradeChecksFailed as failed:
        _show_result(
            UpgradeResult(plan, trial=failed.trial), knowledge, as_json=as_json, failed=True
        )
        raise


def _checks(
    app: App,
    commands: tuple[str, ...],
    reporter: TerminalReporter,
    repeat: int,
    max_slowdown: float | None,
) -> Checks | None:
    from gvw.base.errors import UsageError
    from gvw.workflows.trial import settings_for
    from gvw.workflows.trying import default_commands

    cwd = app.require_cwd()
    if commands:
        parsed = split_commands(commands, option="--run")
    else:
        try:
            parsed = default_commands(cwd)
        except UsageError:
            reporter.warn(f"{cwd} is not in a Go module: no checks run (name them with --run)")
            return None
    return settings_for(
        parsed,
        cwd=cwd,
        env=app.env,
        cache=app.paths.cache,
        repeat=repeat,
        max_slowdown=max_slowdown,
    )


def _flags(use_global: bool) -> list[str]:
    return ["--global"] if use_global else []


def _plan_json(plan: UpgradePlan, knowledge: Knowledge) -> dict[str, Any]:
    fixes = knowledge.fixed_by(plan.current, plan.target) if plan.current else None
    return {
        "current": plan.current.name if plan.current else None,
        "target": plan.target.name,
        "upgrade_available": plan.upgrade_available,
        "pin": str(plan.pin.path),
        "pin_kind": plan.pin.kind,
        "pin_spec": plan.pin.word,
        "new_pin_spec": plan.new_word,
        # None: unknown (no vulnerability data)
        "security_upgrade": None if fixes is None else bool(fixes) and plan.upgrade_available,
        "fixes": None if fixes is None else [a.as_json() for a in fixes],
        "current_facts": knowledge.version_facts(plan.current) if plan.current else None,
        "target_facts": knowledge.version_facts(plan.target),
        "vulndb": knowledge.describe(),
    }


def _show_plan(plan: UpgradePlan, knowledge: Knowledge, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_plan_json(plan, knowledge), indent=2))
        return
    current = f"Go {plan.current}" if plan.current else "no installed version"
    where = _pin_text(plan.pin)
    fixes = knowledge.fixed_by(plan.current, plan.target) if plan.current else None
    if not plan.upgrade_available:
        click.echo(f"{where} selects Go {plan.target}, the newest release: nothing to do")
    else:
        kind = ": a security upgrade" if fixes else ""
        click.echo(f"{where} selects {current}; Go {plan.target} is available{kind}")
        if plan.new_word is None:
            click.echo(f"  {plan.pin.word} follows patch releases: the upgrade only installs it")
        else:
            flag = " --global" if plan.pin.kind == "global" else ""
            click.echo(f"  gvw upgrade{flag} would change {plan.pin.word} to {plan.new_word}")
        if fixes and plan.current is not None:
            show_fixes(plan.target.name, plan.current.name, fixes)
    show_notes(_support_notes(plan, knowledge))


def _support_notes(plan: UpgradePlan, knowledge: Knowledge) -> list[str]:
    """What remains after the upgrade: known vulnerabilities without a fix, an
    unsupported minor release."""
    from gvw.knowledge.support import family_name

    notes = []
    remaining = knowledge.vulnerabilities(plan.target) or []
    if remaining:
        ids = ", ".join(a.id for a in remaining)
        notes.append(f"Go {plan.target} still has {len(remaining)} known vulnerabilities: {ids}")
    if knowledge.is_supported(plan.target) is False and knowledge.supported:
        families = " and ".join(family_name(f) for f in knowledge.supported)
        notes.append(
            f"Go {plan.target.major}.{plan.target.minor} is no longer supported (Go supports "
            f"{families}): gvw upgrade {family_name(knowledge.supported[0])} moves on"
        )
    return notes


def _show_result(
    result: UpgradeResult,
    knowledge: Knowledge,
    *,
    as_json: bool,
    failed: bool = False,
    tools: list[Rebuilt] | None = None,
) -> None:
    plan = result.plan
    trial = result.trial
    if as_json:
        data = _plan_json(plan, knowledge)
        data["upgraded"] = not failed
        data["pin_changed"] = bool(result.pin_write and result.pin_write.changed)
        data["verify"] = result.verified.as_json() if result.verified else None
        data["runs"] = [run.as_json() for run in result.runs]
        data["repeat"] = len(trial.runs[0].times) if trial and trial.runs else None
        data["regressions"] = [r.as_json() for r in trial.regressions] if trial else []
        data["binaries"] = [b.as_json() for b in trial.binaries] if trial else []
        data["modules"] = [m.as_json() for m in trial.modules] if trial else []
        data["module_changes"] = (
            {t.name: c.as_json() for t, c in trial.module_changes().items()} if trial else {}
        )
        if tools is not None:  # --rebuild-tools, as gvw tools rebuild --json lists them
            from gvw.cli.tools import rebuilt_rows

            data["tools"] = rebuilt_rows(tools)
        click.echo(json.dumps(data, indent=2))
        return
    if trial is not None:
        show_trial(trial)
    if not failed:
        if result.pin_write is not None and result.pin_write.changed:
            click.echo(
                f"Upgraded {_pin_text(plan.pin)}: {plan.pin.word} -> {plan.new_word} "
                f"(Go {plan.current or '-'} -> Go {plan.target}); undo with: gvw rollback"
            )
        else:
            click.echo(
                f"Installed and verified Go {plan.target}; {_pin_text(plan.pin)} says "
                f"{plan.pin.word}, which follows patch releases and now selects it"
            )
        if result.fixes:
            count = len(result.fixes)
            click.echo(f"Fixes {count} known vulnerabilit{'ies' if count != 1 else 'y'}:")
            for advisory in result.fixes:
                click.echo(f"  {advisory_line(advisory)}")
    if trial is not None:
        show_notes(trial.notes)


def _pin_text(pin: Pin) -> str:
    return f"{pin.path}" if pin.kind == "local" else f"the global version ({pin.path})"
