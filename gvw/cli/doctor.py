"""gvw doctor: check this machine for what makes the shims lose, and say the fix."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from gvw.base.errors import ExitCode
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.output import say

if TYPE_CHECKING:
    from gvw.workflows.doctor import Machine


@click.command(cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def doctor(*, as_json: bool) -> int:
    """Find what makes the shims lose on this machine, and the fix.

    Checks PATH, GOROOT, GOTOOLCHAIN, go.mod lines, the selected version, the shims
    and unfinished installs; on Windows also the machine and user PATH and the
    registry. Also warns when the selected Go has known vulnerabilities or its minor
    release is no longer supported (as of the last check; no network). One line per
    check; each problem and warning is followed by its fix. Exit code 0 when all is
    well (warnings included), 16 when a problem was found.

    \b
    Examples:
      gvw doctor
      gvw doctor --json
    """
    from gvw.workflows import doctor as checks

    findings = checks.run(machine_of(App()))
    problems = [f for f in findings if not f.ok and not f.warning]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not problems,
                    "checks": [
                        {
                            "check": f.check,
                            "ok": f.ok,
                            "warning": f.warning,
                            "message": f.message,
                            "fix": f.fix,
                        }
                        for f in findings
                    ],
                },
                indent=2,
            )
        )
    else:
        for finding in findings:
            label = "ok" if finding.ok else "warning" if finding.warning else "problem"
            say(f"{label:<8} {finding.message}")
            if not finding.ok and finding.fix:
                say(f"{'':<8} fix: {finding.fix}")
        warnings = sum(1 for f in findings if not f.ok and f.warning)
        if problems:
            click.echo(f"{len(problems)} problem(s) found")
        else:
            click.echo(
                f"No problems found; {warnings} warning(s)." if warnings else "No problems found."
            )
    return int(ExitCode.PROBLEMS_FOUND if problems else ExitCode.OK)


def machine_of(app: App) -> Machine:
    """This machine as the doctor's checks see it (gvw facts reports them too)."""
    from gvw.host.goenv import host_goos
    from gvw.host.windows_programs import installed_programs
    from gvw.host.windows_registry import user_environment
    from gvw.host.winenv import machine_environment
    from gvw.workflows.doctor import Machine

    windows = host_goos() == "windows"
    return Machine(
        env=app.env,
        cwd=app.require_cwd(),
        store=app.store,
        windows=windows,
        shim_platform=str(app.platform),
        user_registry=user_environment() if windows else None,
        machine_registry=machine_environment() if windows else None,
        programs=installed_programs() if windows else None,
        known=app.known() if app.vulndb is not None else None,  # GOVULNDB=off: no line
    )
