"""How runs are judged: failures, slowdowns beyond --max-slowdown (and the noise floor),
and the notes that say what the times mean."""

from __future__ import annotations

from pathlib import Path

from gvw.base.versions import GoVersion
from gvw.workflows.judgement import notes, regressions
from gvw.workflows.trying import Run, Toolchain

CURRENT = Toolchain("current", GoVersion(1, 25, 4), None)
CANDIDATE = Toolchain("candidate", GoVersion(1, 25, 5), None)
TEST = ("go", "test", "./...")


def _run(toolchain: Toolchain, times: list[float], code: int = 0) -> Run:
    return Run(toolchain, TEST, code, times, None, Path("x.log"), [])


def test_a_failure_only_under_the_candidate_is_a_regression_and_under_both_is_not() -> None:
    (found,) = regressions([_run(CURRENT, [1.0]), _run(CANDIDATE, [1.0], code=1)])
    assert found.kind == "fails"
    assert (
        found.describe() == "go test ./... passes with Go 1.25.4 but fails with Go 1.25.5 (exit 1)"
    )
    assert regressions([_run(CURRENT, [1.0], code=2), _run(CANDIDATE, [1.0], code=1)]) == []


def test_a_slowdown_counts_only_beyond_max_slowdown_on_the_counted_runs() -> None:
    # the first runs (cache filling) differ wildly and are not counted
    runs = [_run(CURRENT, [9.0, 2.0, 2.1, 1.9]), _run(CANDIDATE, [1.0, 2.3, 2.4, 2.2])]
    assert regressions(runs) == []  # no --max-slowdown: times are not judged
    assert regressions(runs, max_slowdown=20) == []  # 15% slower
    (found,) = regressions(runs, max_slowdown=10)
    assert found.describe(10) == (
        "go test ./... took 2.30 s with Go 1.25.5 against 2.00 s with Go 1.25.4 (the median "
        "of 3 runs each): 15% slower, more than --max-slowdown 10%"
    )


def test_a_slowdown_of_less_than_a_quarter_second_is_noise_whatever_the_percentage() -> None:
    runs = [_run(CURRENT, [0.10]), _run(CANDIDATE, [0.30])]  # +200%, but 0.2 s
    assert regressions(runs, max_slowdown=10) == []


def test_the_build_cache_note_appears_only_when_a_first_run_was_markedly_slower() -> None:
    warm = [_run(CURRENT, [0.31, 0.29, 0.30]), _run(CANDIDATE, [0.35, 0.30, 0.31])]
    assert notes(warm, repeat=3, max_slowdown=None) == []
    cold = [_run(CURRENT, [0.31, 0.29, 0.30]), _run(CANDIDATE, [12.5, 1.2, 1.3])]
    assert notes(cold, repeat=3, max_slowdown=None) == [
        "the first run of each version filled its build cache and is not counted (e.g. go "
        "test ./... with Go 1.25.5: 12.50 s, later 1.25 s)"
    ]
    assert notes([_run(CANDIDATE, [40.0])], repeat=1, max_slowdown=None) == []


def test_a_slowdown_judged_on_few_runs_says_how_many_make_a_judgement() -> None:
    assert notes([], repeat=1, max_slowdown=10) == [
        "--max-slowdown judged 1 run per version (a cold build cache's); times on a busy "
        "machine vary by 10-20%: use --repeat 5 or more for a judgement"
    ]
    assert notes([], repeat=5, max_slowdown=10) == []
