"""``gvw try --report FILE``: the trial as Markdown, fit for a pull-request comment or a
CI artifact (tables, the failures with their last lines, the vulnerabilities fixed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gvw.base.redaction import redact
from gvw.cli.runs import advisory_line, column, human_size

if TYPE_CHECKING:
    from gvw.knowledge.release_knowledge import Knowledge
    from gvw.workflows.trial import Trial


def markdown(
    trial: Trial, *, knowledge: Knowledge | None, notes: list[str], max_slowdown: float | None
) -> str:
    current = trial.toolchains[0]
    candidates = ", ".join(f"Go {t.name}" for t in trial.toolchains[1:])
    verdict = (
        "**Regressions found.**"
        if trial.regressions
        else "No regressions."
        + (f" (--max-slowdown {max_slowdown:g}%)" if max_slowdown is not None else "")
    )
    lines = [f"## gvw try: Go {current.name} (current) against {candidates}", "", verdict, ""]
    lines += [f"- {_escape(r.describe(max_slowdown))}" for r in trial.regressions]
    lines += ["", *_runs(trial), *_binaries(trial), *_modules(trial), *_security(trial, knowledge)]
    lines += _failures(trial)
    if notes:
        lines += ["", "### Notes", "", *(f"- {_escape(n)}" for n in notes)]
    text: str = redact("\n".join(lines).replace("\n\n\n", "\n\n"))
    return text.rstrip() + "\n"


def _runs(trial: Trial) -> list[str]:
    columns = [column(t) for t in trial.toolchains]
    rows: dict[str, dict[str, str]] = {}
    for run in trial.runs:
        result = "ok" if run.ok else f"**exit {run.exit_code}**"
        memory = human_size(run.peak_memory) if run.peak_memory is not None else "-"
        cell = f"{result}, {run.seconds:.2f} s ({len(run.counted)} run"
        cell += f"{'s' if len(run.counted) != 1 else ''}), {memory}"
        rows.setdefault(" ".join(run.command), {})[column(run.toolchain)] = cell
    return _table("Command", columns, rows)


def _binaries(trial: Trial) -> list[str]:
    columns = [column(t) for t in trial.toolchains]
    rows: dict[str, dict[str, str]] = {}
    for found in trial.binaries:
        for name, size in found.sizes.items():
            rows.setdefault(name, {})[column(found.toolchain)] = f"{human_size(size)} ({size:,} B)"
    if not rows:
        return []
    return ["", "### Program sizes", "", *_table("Program", columns, rows)]


def _modules(trial: Trial) -> list[str]:
    lists = [m for m in trial.modules if m.modules is not None]
    if not lists:
        return []
    changes = trial.module_changes()
    lines = ["", "### Module list (`go list -m all`)", ""]
    if all(c.none for c in changes.values()):
        lines.append(f"The same under every version ({len(lists[0].modules or [])} modules).")
        return lines
    for toolchain, change in changes.items():
        if not change.none:
            lines += [f"Under Go {toolchain.name}:", "", "```diff", *change.lines(), "```", ""]
    return lines


def _security(trial: Trial, knowledge: Knowledge | None) -> list[str]:
    current = trial.toolchains[0].version
    if knowledge is None or knowledge.advisories is None or current is None:
        return []
    lines = ["", "### Known vulnerabilities fixed", ""]
    for toolchain in trial.toolchains[1:]:
        assert toolchain.version is not None
        fixes = knowledge.fixed_by(current, toolchain.version) or []
        remaining = knowledge.vulnerabilities(toolchain.version) or []
        lines.append(
            f"- **Go {toolchain.name}** fixes {len(fixes)} of Go {current.name}'s "
            f"{len(knowledge.vulnerabilities(current) or [])}; {len(remaining)} known remain"
        )
        lines += [f"  - {_escape(advisory_line(a))}" for a in fixes]
    lines += ["", f"(Go vulnerability database {knowledge.database}, {knowledge.modified})"]
    return lines


def _failures(trial: Trial) -> list[str]:
    lines: list[str] = []
    for run in trial.runs:
        if not run.ok:
            title = f"`{' '.join(run.command)}` with Go {run.toolchain.name}: exit {run.exit_code}"
            lines += ["", f"<details><summary>{_escape(title)}</summary>", "", "```"]
            lines += [t.replace("```", "'''") for t in run.tail]
            lines += ["```", "", f"Full log: `{run.log}`", "</details>"]
    return ["", "### Failures", *lines] if lines else []


def _table(first: str, columns: list[str], rows: dict[str, dict[str, str]]) -> list[str]:
    lines = [f"| {first} | " + " | ".join(columns) + " |"]
    lines.append("|---" * (len(columns) + 1) + "|")
    for name, cells in rows.items():
        values = [cells.get(c, "-") for c in columns]
        lines.append(f"| `{name}` | " + " | ".join(values) + " |")
    return lines


def _escape(text: str) -> str:
    """Text from outside (commands, summaries) that must not turn into Markdown or HTML."""
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
