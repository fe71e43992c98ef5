"""gvw apply: bring this machine in line with a fleet manifest (options and output;
the work is in gvw.fleet)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gvw.base.errors import ExitCode, GvwError
from gvw.base.redaction import redact
from gvw.base.reporting import Activity, Progress
from gvw.base.versions import parse_installed_name
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.output import say
from gvw.cli.runs import split_commands
from gvw.cli.terminal import TerminalReporter
from gvw.workflows.health import DEFAULT_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from gvw.fleet.apply import Verifier
    from gvw.fleet.desired_state import Manifest
    from gvw.fleet.lockfile import Lock
    from gvw.fleet.plan import Plan
    from gvw.fleet.rollout import PutBack
    from gvw.history.changes import Change
    from gvw.install.installer import Installer
    from gvw.knowledge.release_knowledge import Knowledge
    from gvw.workflows.health import HealthCheck
    from gvw.workflows.verify import VersionReport


@click.command(cls=Command)
@click.argument("manifest_file", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 21 when the machine drifted.")
@click.option("--diff", "show_diff", is_flag=True, help="Show the state before and after.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--locked", is_flag=True, help="Install exactly what the lock file names.")
@click.option("--mirror", metavar="URL", help="Download from this mirror (beats go.mirror).")
@click.option("--refresh", is_flag=True, help="Fetch the download index even if cached.")
@click.option(
    "--verify",
    is_flag=True,
    help="Verify what the apply installs and makes global before switching; "
    "put everything back when a step fails.",
)
@click.option(
    "--health-check",
    "health_checks",
    multiple=True,
    metavar="CMD",
    help="After the switch, run CMD with the new Go selected (repeatable); "
    "when it fails, put everything back (exit 24).",
)
@click.option(
    "--health-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_TIMEOUT_SECONDS,
    show_default=True,
    metavar="SECONDS",
    help="A health check still running then fails.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or messages.")
def apply(
    *,
    manifest_file: Path,
    check: bool,
    show_diff: bool,
    as_json: bool,
    locked: bool,
    mirror: str | None,
    refresh: bool,
    verify: bool,
    health_checks: tuple[str, ...],
    health_timeout: float,
    quiet: bool,
) -> int:
    """Install, pin and prune Go versions as a manifest says.

    A machine already in line changes nothing. Every change is snapshotted and
    logged: gvw rollback undoes the whole apply. Exit codes: 0 in line (or brought in
    line), 21 with --check when something would change.

    With --verify or --health-check the apply is all or nothing: when a step fails
    after something changed (an install, verification, the switch, a health check),
    everything the apply changed is put back before gvw exits with that step's code
    (24: a health check failed). Health checks run only when the apply changed
    something, in the current directory, through the shims, with GVW_GO_VERSION set to
    the new global version and GOTOOLCHAIN=local. --check runs neither.

    \b
    Examples:
      gvw apply fleet.toml --check --json
      gvw apply fleet.toml --verify --health-check 'go test ./...'
    """
    commands = split_commands(health_checks, option="--health-check")
    app = App()
    reporter = RecordingReporter(TerminalReporter(quiet=quiet or as_json), show=not as_json)
    run = ApplyRun(app, reporter, manifest_file, locked=locked, mirror=mirror, refresh=refresh)
    try:
        if check:
            run.plan_only()
        else:
            run.carry_out(verify=verify, health_checks=commands, health_timeout=health_timeout)
    except GvwError as failure:
        if run.plan is not None:  # what was done (and put back) before the failure
            _show(run, as_json=as_json, check=check, show_diff=False, quiet=quiet, error=failure)
        raise
    _show(run, as_json=as_json, check=check, show_diff=show_diff, quiet=quiet)
    assert run.plan is not None
    return int(ExitCode.DRIFT if check and not run.plan.in_line else ExitCode.OK)


def prepare_manifest(
    app: App,
    manifest_file: Path,
    *,
    locked: bool,
    mirror: str | None,
    refresh: bool,
    reporter: RecordingReporter,
) -> tuple[Manifest, Lock | None, Installer, Knowledge | None]:
    """The manifest, its lock (with --locked or a ``lock =`` line), an installer for
    its mirror (--mirror beats go.mirror, which beats the configured one) and, when the
    manifest has a ``refuse`` policy, what the policy judges by."""
    from gvw.fleet.desired_state import load_manifest
    from gvw.fleet.lockfile import load_lock
    from gvw.install.installer import Installer

    manifest = load_manifest(manifest_file)
    use_lock = locked or manifest.lock is not None
    lock = load_lock(manifest.default_lock(), manifest=manifest_file) if use_lock else None
    source = app.mirror(mirror) if mirror else manifest.mirror or app.mirror(None)
    installer = Installer(
        app.store,
        config=app.config,
        mirror=source,
        platform=app.platform,
        reporter=reporter,
        refresh_index=refresh,
    )
    known = _knowledge(app, manifest, installer, reporter) if manifest.refuse else None
    return manifest, lock, installer, known


def _knowledge(
    app: App, manifest: Manifest, installer: Installer, reporter: RecordingReporter
) -> Knowledge:
    """What the policy judges by: the vulnerability database (required: a policy is not
    enforced on guesses) and, for "unsupported", the releases of the download index."""
    from gvw.base.errors import GvwError

    releases = None
    failure: GvwError | None = None
    if "unsupported" in manifest.refuse:
        try:
            releases = [r.version for r in installer.index().releases]
        except GvwError as exc:  # e.g. offline with a lock file: what was known before
            failure = exc
    known = app.knowledge(reporter, releases=releases, required="vulnerable" in manifest.refuse)
    if "unsupported" in manifest.refuse and known.supported is None:
        raise failure or GvwError("cannot tell which Go releases are supported")
    if "vulnerable" in manifest.refuse and known.advisories is None:
        from gvw.base.errors import PolicyError

        raise PolicyError(
            f"{manifest.path} refuses vulnerable versions, but the vulnerability checks are "
            'off (GOVULNDB=off or vulndb = "off"); nothing was changed',
            hint="point GOVULNDB at the database or a copy of it (gvw mirror create --vulndb)",
        )
    return known


class ApplyRun:
    """One apply and what came of it, for the report: the plan, the snapshot, the
    verification, the health checks and what was put back."""

    def __init__(
        self,
        app: App,
        reporter: RecordingReporter,
        manifest_file: Path,
        *,
        locked: bool,
        mirror: str | None,
        refresh: bool,
    ) -> None:
        self.app = app
        self.reporter = reporter
        self.manifest_file = manifest_file
        self.locked = locked
        self.mirror = mirror
        self.refresh = refresh
        self.plan: Plan | None = None
        self.snapshot_id: str | None = None
        self.verified: list[VersionReport] | None = None  # None: not asked for
        self.health: list[HealthCheck] | None = None  # None: none asked for, or not run
        self.put_back: PutBack | None = None

    def _prepare(self) -> tuple[Manifest, Lock | None, Installer, Knowledge | None]:
        return prepare_manifest(
            self.app,
            self.manifest_file,
            locked=self.locked,
            mirror=self.mirror,
            refresh=self.refresh,
            reporter=self.reporter,
        )

    def plan_only(self) -> None:
        from gvw.fleet.plan import make_plan

        manifest, lock, installer, known = self._prepare()
        self.plan = make_plan(
            manifest, store=self.app.store, installer=installer, lock=lock, knowledge=known
        )

    def carry_out(
        self, *, verify: bool, health_checks: Sequence[tuple[str, ...]], health_timeout: float
    ) -> None:
        from gvw.fleet.rollout import settle

        app = self.app
        command = f"apply {self.manifest_file}" + (" --locked" if self.locked else "")
        try:
            # installs take minutes: the state lock is held to pin and prune (carry_out)
            with app.changes.change(
                command, scope=["installed", "global"], exclusive=False
            ) as change:
                self._apply(change, verify=verify)
            if health_checks and self.plan is not None and not self.plan.in_line:
                self._health(health_checks, health_timeout)  # the shims are rehashed now
        except BaseException as failure:
            if self.snapshot_id is None or not (verify or health_checks):
                raise
            if isinstance(failure, GvwError):
                self.put_back = settle(failure, self.snapshot_id, self._undo)
                raise
            self._undo_after(failure)  # interrupted (Ctrl+C, SIGTERM) or an OS error
            raise

    def _apply(self, change: Change, *, verify: bool) -> None:
        from gvw.fleet.apply import ApplyVerifyFailed, apply_lock, carry_out
        from gvw.fleet.plan import make_plan

        app = self.app
        manifest, lock, installer, known = self._prepare()
        with apply_lock(app.store):  # plans again once it holds the lock
            self.plan = make_plan(
                manifest, store=app.store, installer=installer, lock=lock, knowledge=known
            )
            try:
                reports = carry_out(
                    self.plan,
                    manifest=manifest,
                    store=app.store,
                    installer=installer,
                    env=app.env,
                    change=change,
                    verify=self._verifier() if verify else None,
                )
                self.verified = reports if verify else None
            except ApplyVerifyFailed as failed:
                self.verified = failed.reports
                raise
            finally:
                self.snapshot_id = change.snapshot_id

    def _verifier(self) -> Verifier:
        from gvw.workflows.verify import verify_version

        app = self.app
        return lambda version: verify_version(
            version, app.store.require(version), platform=app.platform, env=app.env
        )

    def _health(self, commands: Sequence[tuple[str, ...]], timeout: float) -> None:
        from gvw.fleet.rollout import health_failure
        from gvw.workflows.health import health_env, run_health_checks
        from gvw.workflows.trying import new_log_dir

        assert self.plan is not None
        app = self.app
        version = self.plan.after["global"]
        self.health = run_health_checks(
            commands,
            env=health_env(app.env, shims=app.paths.shims, version=version),
            cwd=app.require_cwd(),
            log_dir=new_log_dir(app.paths.cache),
            reporter=self.reporter,
            timeout=timeout,
        )
        if not self.health[-1].ok:
            raise health_failure(self.health, version)

    def _undo(self, why: str) -> PutBack:
        from gvw.fleet.rollout import put_back
        from gvw.history.snapshots.service import RestoreOptions

        app = self.app
        assert self.snapshot_id is not None
        options = RestoreOptions(
            mirror=lambda: app.mirror(self.mirror),
            platform=app.platform,
            reporter=self.reporter,
        )
        return put_back(app.snapshots, app.changes, self.snapshot_id, why=why, options=options)

    def _undo_after(self, failure: BaseException) -> None:
        """Put back after a failure that is not gvw's own; say so on stderr."""
        try:
            self.put_back = self._undo(getattr(failure, "message", "") or type(failure).__name__)
        except GvwError as also:
            self.reporter.warn(
                f"putting back what the apply changed failed: {also.message}; "
                f"put it back with: gvw restore {self.snapshot_id}"
            )
            return
        self.reporter.warn(
            f"everything this apply changed was put back (snapshot {self.snapshot_id})"
        )

    def report(self, *, check: bool, error: GvwError | None) -> dict[str, Any]:
        """The JSON document (``--json``), also after a failure."""
        plan = self.plan
        assert plan is not None
        return {
            "changed": not plan.in_line,
            "check": check,
            "manifest": str(self.manifest_file),
            "actions": plan.actions(),
            "before": plan.before,
            "after": plan.after,
            "snapshot": self.snapshot_id,
            "warnings": [*plan.warnings, *self.reporter.warnings],
            "verified": None if self.verified is None else [r.as_json() for r in self.verified],
            "health": None if self.health is None else [h.as_json() for h in self.health],
            "rolled_back": None if self.put_back is None else self.put_back.as_json(),
            "error": None
            if error is None
            else {"exit_code": int(error.exit_code), "message": error.message},
        }


def _show(
    run: ApplyRun,
    *,
    as_json: bool,
    check: bool,
    show_diff: bool,
    quiet: bool,
    error: GvwError | None = None,
) -> None:
    plan = run.plan
    assert plan is not None
    if as_json:
        click.echo(json.dumps(redact(run.report(check=check, error=error)), indent=2))
        return  # no mirror user:token on stdout
    for warning in plan.warnings:
        run.reporter.warn(warning)
    if quiet:
        return
    if error is None:
        _describe(plan.actions(), check=check, manifest=run.manifest_file)
        if show_diff:
            _diff(plan.before, plan.after)
    _show_checks(run)
    if error is None and run.snapshot_id:
        say("undo with: gvw rollback")
    if run.put_back is not None:
        for line in run.put_back.changes:
            say(f"put back: {line}")


def _show_checks(run: ApplyRun) -> None:
    from gvw.cli.verify import show

    if run.verified and not all(r.ok for r in run.verified):
        show(run.verified, as_json=False)
    elif run.verified:
        say("verified: " + ", ".join(f"Go {r.version}" for r in run.verified))
    for check in run.health or []:
        command = shlex.join(check.command)
        if check.ok:
            say(f"health check ok: {command} ({check.seconds:.2f}s)")
            continue
        say(
            f"health check FAILED: {command} ({check.describe()}); last lines "
            f"(full log: {check.log}):"
        )
        for text in check.tail:
            say(f"    {text}")


class RecordingReporter:
    """Shows warnings (unless JSON is printed) and keeps them for the JSON report."""

    def __init__(self, inner: TerminalReporter, *, show: bool) -> None:
        self.inner = inner
        self.show = show
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.show:
            self.inner.warn(message)

    def notice(self, message: str) -> None:
        if not self.inner.quiet:
            self.warn(message)

    def info(self, message: str) -> None:
        self.inner.info(message)

    def activity(self, label: str) -> Activity:
        return self.inner.activity(label)

    def progress(self, label: str, total: int | None, *, unit: str) -> Progress:
        return self.inner.progress(label, total, unit=unit)


def _describe(actions: list[dict[str, Any]], *, check: bool, manifest: Path) -> None:
    if not actions:
        say(f"in line with {manifest}: nothing to do")
        return
    for action in actions:
        kind = action["action"]
        if kind == "install":
            line = f"install Go {action['version']} ({action['archive']})"
        elif kind == "global":
            line = f"set the global version to {action['new']} (was {action['old'] or 'unset'})"
        elif kind == "refuse":  # nothing is done while there is one
            say(f"refused by the policy: Go {action['version']}: {action['reason']}")
            continue
        elif kind == "remove":
            line = f"remove Go {action['version']} (to the trash): {action['reason']}"
        else:
            line = f"prune Go {action['version']} (to the trash)"
        say(("would " if check else "done: ") + line)
    if check:
        say(f"{len(actions)} change(s) needed to bring this machine in line with {manifest}")


def _diff(before: dict[str, Any], after: dict[str, Any]) -> None:
    click.echo("--- before\n+++ after")
    old, new = set(before["installed"]), set(after["installed"])
    for name in sorted(old | new, key=parse_installed_name):  # type: ignore[arg-type]
        mark = " " if name in old and name in new else "-" if name in old else "+"
        say(f"{mark}installed {name}")
    if before["global"] == after["global"]:
        say(f" global {before['global'] or '(unset)'}")
    else:
        say(f"-global {before['global'] or '(unset)'}")
        say(f"+global {after['global']}")
