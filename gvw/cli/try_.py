"""gvw try: run the project's commands with the current Go and with other versions, side
by side, and judge them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gvw.base.errors import InvalidVersionError, NotInstalledError, RegressionError
from gvw.base.versions import GoVersion, newest_matching, parse_spec
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.runs import judgement_options
from gvw.cli.terminal import TerminalReporter
from gvw.selection.resolver import find_selection, resolve

if TYPE_CHECKING:
    from gvw.knowledge.release_knowledge import Knowledge
    from gvw.workflows.trial import Trial, TrialSettings
    from gvw.workflows.trying import Toolchain

COMMAND_KEY = "gvw.try.command"


class VersionsThenCommand(Command):
    """``gvw try V1 V2 -- go test ./...``: what follows ``--`` is the command, taken
    before click parses (so its options are never read as gvw's)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            cut = args.index("--")
            ctx.meta[COMMAND_KEY] = tuple(args[cut + 1 :])
            args = args[:cut]
        return super().parse_args(ctx, args)


@click.command("try", cls=VersionsThenCommand)
@click.argument("versions", nargs=-1, required=True, metavar="VERSION... [-- COMMAND [ARG]...]")
@judgement_options("with a version is a regression (exit 18)")
@click.option("--install", "install_", is_flag=True, help="Install the versions first if needed.")
@click.option("--mirror", metavar="URL", help="With --install: download from this mirror.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the results as Markdown (for a pull request or a CI artifact).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress messages.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def try_(
    *,
    versions: tuple[str, ...],
    repeat: int,
    max_slowdown: float | None,
    install_: bool,
    mirror: str | None,
    report_file: Path | None,
    quiet: bool,
    as_json: bool,
) -> None:
    """Build and test this project with other Go versions.

    Runs COMMAND (default in a Go module: go build ./..., go vet ./... and go test
    -count=1 ./...) with the current Go and with each VERSION, and compares exit codes,
    median wall times, peak memory, the programs' sizes and the module lists; says
    which known vulnerabilities each version fixes.

    Changes nothing: no snapshot, no pin, nothing in the store (only --install
    installs, as gvw install does). Each run has GVW_GO_VERSION and GOTOOLCHAIN=local
    set; logs go to the cache directory. Exit 18 when a command that passes with the
    current version fails with a VERSION, or (with --max-slowdown) is slower by more
    than PERCENT. With --repeat N the first run of each version (it fills the build
    cache) is not counted; judge slowdowns on --repeat 5 or more.

    Examples:

    \b
      gvw try 1.25.5
      gvw try 1.24 1.25.5 latest --repeat 5 --max-slowdown 10
      gvw try 1.25.5 --report try.md -- go test -race ./...
    """
    from gvw.workflows.trial import run_trial, settings_for
    from gvw.workflows.trying import Toolchain, default_commands, go_mod_note

    ctx = click.get_current_context()
    command: tuple[str, ...] = ctx.meta.get(COMMAND_KEY, ())
    app = App()
    reporter = TerminalReporter(quiet=quiet or as_json)
    cwd = app.require_cwd()
    commands = [command] if command else default_commands(cwd)
    current = _current(app)
    notes: list[str] = []
    candidates: list[Toolchain] = []
    for text in versions:
        version = _candidate(app, text, install_=install_, mirror=mirror, quiet=quiet)
        home = app.store.locate(version) or app.paths.version_dir(version.name)
        toolchain = Toolchain("candidate", version, home)
        if toolchain in candidates:
            notes.append(f"{text.strip()} is Go {version.name} again: it runs once")
            continue
        candidates.append(toolchain)
        if version == current.version:
            notes.append(f"Go {version.name} is also the current version: both columns run it")
    toolchains = [current, *candidates]
    notes += [n for n in (go_mod_note(cwd, app.env, t) for t in toolchains) if n]
    knowledge = app.knowledge(reporter) if current.version is not None else None
    settings = settings_for(
        commands,
        cwd=cwd,
        env=app.env,
        cache=app.paths.cache,
        repeat=repeat,
        max_slowdown=max_slowdown,
    )
    trial = run_trial(toolchains, settings, reporter=reporter)
    notes += trial.notes
    if report_file is not None:
        from gvw.base.fsutil import atomic_write_bytes
        from gvw.cli.try_report import markdown

        text = markdown(trial, knowledge=knowledge, notes=notes, max_slowdown=max_slowdown)
        atomic_write_bytes(report_file, text.encode("utf-8"))
    if as_json:
        data = _json(trial, settings, knowledge, notes, report_file)
        click.echo(json.dumps(data, indent=2))
    else:
        _show(trial, knowledge, notes, report_file)
    if trial.regressions:
        first = trial.regressions[0]
        more = f" (and {len(trial.regressions) - 1} more)" if len(trial.regressions) > 1 else ""
        raise RegressionError(
            f"Go {first.candidate.toolchain.name} regresses: {first.describe(max_slowdown)}{more}",
            hint=f"full log: {first.candidate.log}",
        )


def _show(trial: Trial, knowledge: Knowledge | None, notes: list[str], report: Path | None) -> None:
    from gvw.cli.runs import show_fixes, show_notes, show_trial

    show_trial(trial)
    for current, candidate, fixes in _fixes(trial, knowledge):
        if fixes:
            click.echo("")
            show_fixes(candidate.name, current.name, fixes)
    if report is not None:
        click.echo(f"\nReport: {report}")
    show_notes(notes)


def _fixes(
    trial: Trial, knowledge: Knowledge | None
) -> list[tuple[GoVersion, GoVersion, list[Any]]]:
    """(current, candidate, what the candidate fixes) for each candidate."""
    current = trial.toolchains[0].version
    if knowledge is None or current is None:
        return []
    found = []
    for toolchain in trial.toolchains[1:]:
        assert toolchain.version is not None
        fixes = knowledge.fixed_by(current, toolchain.version)
        found.append((current, toolchain.version, fixes or []))
    return found


def _json(
    trial: Trial,
    settings: TrialSettings,
    knowledge: Knowledge | None,
    notes: list[str],
    report: Path | None,
) -> dict[str, Any]:
    candidates = [t.name for t in trial.toolchains[1:]]
    security = None
    if knowledge is not None:
        security = {
            t.name: knowledge.version_facts(t.version)
            for t in trial.toolchains
            if t.version is not None
        }
        for _current, candidate, fixes in _fixes(trial, knowledge):
            security[candidate.name]["fixes"] = (
                None if knowledge.advisories is None else [a.id for a in fixes]
            )
    return {
        "current": trial.toolchains[0].name,
        "candidates": candidates,
        "candidate": candidates[0],  # the first, as before several could be tried
        "repeat": settings.repeat,
        "max_slowdown": settings.max_slowdown,
        "runs": [run.as_json() for run in trial.runs],
        "binaries": [b.as_json() for b in trial.binaries],
        "modules": [m.as_json() for m in trial.modules],
        "module_changes": {t.name: c.as_json() for t, c in trial.module_changes().items()},
        "security": security,
        "vulndb": None if knowledge is None else knowledge.describe(),
        "regressions": [r.as_json(settings.max_slowdown) for r in trial.regressions],
        "notes": notes,
        "log_dir": str(settings.log_dir),
        "report": None if report is None else str(report),
    }


def _current(app: App) -> Toolchain:
    from gvw.workflows.trying import Toolchain

    resolved = resolve(find_selection(app.cwd, app.env, app.paths), app.store, app.env)
    return Toolchain("current", resolved.version, resolved.goroot)


def _candidate(
    app: App, text: str, *, install_: bool, mirror: str | None, quiet: bool
) -> GoVersion:
    try:
        spec = parse_spec(text, origin="the command line")
    except InvalidVersionError as exc:  # often a command written without "--"
        raise InvalidVersionError(
            exc.message, hint=f"{exc.hint}; a command goes after --: gvw try 1.25.5 -- go vet"
        ) from None
    found = newest_matching(spec, app.store.selectable())  # the machine store's too
    if found is not None:
        return found
    if not install_:
        raise NotInstalledError(
            f"Go {text.strip()} is not installed",
            hint=f"install it first, or let try do it: gvw try {text.strip()} --install",
        )
    from gvw.install.installer import Installer

    with app.changes.change(
        f"install {text.strip()}", scope=["installed"], exclusive=False
    ) as change:

        def snapshot_first(_version: object) -> None:  # a version is about to appear
            change.snapshot()

        installer = Installer(
            app.store,
            config=app.config,
            mirror=app.mirror(mirror),
            platform=app.platform,
            reporter=TerminalReporter(quiet=quiet),
            before_change=snapshot_first,
        )
        outcome = installer.install(spec, spelled=text.strip())
        if not outcome.already_installed:
            change.versions_changed()
            change.note("installed", version=outcome.version.name)
    return outcome.version
