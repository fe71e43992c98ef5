"""Judging a candidate Go on a project's runs, as a release engineer does.

A candidate regresses a command when the command passes with the current Go but fails
with the candidate, or — with ``--max-slowdown PERCENT`` — passes with both but its
median time with the candidate exceeds the current one's by more than PERCENT. A
command that fails with both is no regression (the project was already broken).

Times are honest about noise: with ``--repeat`` above 1 the first run of each version,
which fills the build cache, is not counted; the median is over the rest. On a shared
machine single runs vary by 10–20 %, so a slowdown judgement wants five or more runs
(four counted); :func:`notes` says so when fewer were asked for. A difference of less
than a quarter of a second is never a slowdown: at that scale process start-up and the
build cache decide, not the toolchain.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gvw.workflows.trying import Run

MEANINGFUL_REPEAT = 5  # four counted runs per version
# below this difference process start-up and the build cache decide, not the compiler
MIN_SLOWDOWN_SECONDS = 0.25
# a first run counts as "filling the cache" when it took this much longer than the rest
CACHE_FILL_FACTOR = 1.5
CACHE_FILL_SECONDS = 0.5


@dataclass(frozen=True)
class Regression:
    kind: Literal["fails", "slower"]
    candidate: Run
    current: Run | None  # None: the command did not run under the current Go

    @property
    def slowdown(self) -> float | None:
        """How much slower the candidate is, in percent (for ``slower``)."""
        if self.current is None or self.current.seconds <= 0:
            return None
        return (self.candidate.seconds / self.current.seconds - 1) * 100

    def describe(self, max_slowdown: float | None = None) -> str:
        command = " ".join(self.candidate.command)
        new = self.candidate.toolchain.name
        old = self.current.toolchain.name if self.current is not None else None
        if self.kind == "fails":
            before = f"passes with Go {old} but " if old is not None else ""
            return f"{command} {before}fails with Go {new} (exit {self.candidate.exit_code})"
        assert self.current is not None
        runs = len(self.candidate.counted)
        which = "the median of" if runs > 1 else "in"
        return (
            f"{command} took {self.candidate.seconds:.2f} s with Go {new} against "
            f"{self.current.seconds:.2f} s with Go {old} ({which} {runs} "
            f"run{'s' if runs != 1 else ''} each): {self.slowdown:.0f}% slower, more than "
            f"--max-slowdown {max_slowdown:g}%"
        )

    def as_json(self, max_slowdown: float | None = None) -> dict[str, Any]:
        slowdown = self.slowdown if self.kind == "slower" else None
        return {
            "kind": self.kind,
            "version": self.candidate.toolchain.name,
            "command": list(self.candidate.command),
            "message": self.describe(max_slowdown),
            "slowdown_percent": None if slowdown is None else round(slowdown, 1),
        }


def regressions(runs: Sequence[Run], *, max_slowdown: float | None = None) -> list[Regression]:
    """Each candidate run that fails where the current version passed (or was not run),
    or — with ``max_slowdown`` — is slower by more than that many percent (and by more
    than :data:`MIN_SLOWDOWN_SECONDS`)."""
    current = {r.command: r for r in runs if r.toolchain.role == "current"}
    found = []
    for run in runs:
        if run.toolchain.role != "candidate":
            continue
        before = current.get(run.command)
        if not run.ok:
            if before is None or before.ok:
                found.append(Regression("fails", run, before))
        elif max_slowdown is not None and before is not None and before.ok:
            slower = Regression("slower", run, before)
            longer = run.seconds - before.seconds
            if (
                slower.slowdown is not None
                and slower.slowdown > max_slowdown
                and (longer > MIN_SLOWDOWN_SECONDS)
            ):
                found.append(slower)
    return found


def notes(runs: Sequence[Run], *, repeat: int, max_slowdown: float | None) -> list[str]:
    """What the reader of the times should know: a first run that filled the build
    cache (only when it was markedly slower than the later ones), and a slowdown
    judged on too few runs."""
    found = []
    filling = [r for r in runs if _filled_cache(r)]
    if filling:
        worst = max(filling, key=lambda r: r.times[0] - statistics.median(r.times[1:]))
        found.append(
            f"the first run of each version filled its build cache and is not counted "
            f"(e.g. {' '.join(worst.command)} with Go {worst.toolchain.name}: "
            f"{worst.times[0]:.2f} s, later {statistics.median(worst.times[1:]):.2f} s)"
        )
    if max_slowdown is not None and repeat < MEANINGFUL_REPEAT:
        counted = "1 run" if repeat < 3 else f"{repeat - 1} runs"
        cold = " (a cold build cache's)" if repeat == 1 else ""
        found.append(
            f"--max-slowdown judged {counted} per version{cold}; times on a busy machine "
            f"vary by 10-20%: use --repeat {MEANINGFUL_REPEAT} or more for a judgement"
        )
    return found


def _filled_cache(run: Run) -> bool:
    if len(run.times) < 2:
        return False
    later = statistics.median(run.times[1:])
    first = run.times[0]
    return first > later * CACHE_FILL_FACTOR and first - later > CACHE_FILL_SECONDS
