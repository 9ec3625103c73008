"""What must emerge (the patterns of docs/model.md, section 1), over 20 fixed seeds and 156 weeks.

These are properties of the dynamics as a whole. None of them is coded as a
special case: interventions act only through lever tables, so a failure here
means the mechanisms, or their parameters, do not produce the behaviour.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from sim import simulate

pytestmark = pytest.mark.slow

SEEDS = range(20)
WEEKS = 156
SCENARIOS = [
    ("struggling", "none"),
    ("struggling", "execution_push"),
    ("struggling", "foundations_first"),
    ("struggling", "delivery_excellence"),
    ("solid_but_slow", "none"),
    ("solid_but_slow", "foundations_first"),
    ("solid_but_slow", "delivery_excellence"),
    ("elite", "none"),
]
COLUMNS = ["value", "innovations", "lead_time_days", "deploys_per_week", "change_failure_rate"]


def _run(job: tuple[str, str, int]) -> pd.DataFrame:
    org, intervention, seed = job
    df = simulate([f"org={org}", f"intervention={intervention}", f"seed={seed}", f"weeks={WEEKS}"])
    return df[COLUMNS]


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], list[pd.DataFrame]]:
    jobs = [(org, iv, seed) for org, iv in SCENARIOS for seed in SEEDS]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        frames = list(pool.map(_run, jobs, chunksize=8))
    out: dict[tuple[str, str], list[pd.DataFrame]] = {}
    for (org, iv, _), df in zip(jobs, frames, strict=True):
        out.setdefault((org, iv), []).append(df)
    return out


def mean(runs, org: str, iv: str, column: str, weeks: slice, how: str = "mean") -> float:
    """Mean over seeds of a per-run statistic of ``column`` in the week range."""
    stats = [getattr(df.loc[weeks, column], how)() for df in runs[(org, iv)]]
    return float(np.mean(stats))


EARLY, LATE, FIRST8, ALL = slice(1, 12), slice(105, 156), slice(1, 8), slice(1, 156)


def test_execution_push_wins_early_then_falls_behind(runs):
    """(a) The capability trap: better in weeks 1-12, worse than doing nothing in year 3."""
    assert mean(runs, "struggling", "execution_push", "value", EARLY) > mean(
        runs, "struggling", "none", "value", EARLY
    )
    assert mean(runs, "struggling", "execution_push", "value", LATE) < mean(
        runs, "struggling", "none", "value", LATE
    )


def test_foundations_first_dips_then_wins(runs):
    """(b) Worse before better, then the best cumulative value and the most innovation."""
    assert mean(runs, "struggling", "foundations_first", "value", EARLY) < mean(
        runs, "struggling", "none", "value", EARLY
    )
    totals = {iv: mean(runs, "struggling", iv, "value", ALL, "sum") for iv in ("none", "execution_push")}
    assert mean(runs, "struggling", "foundations_first", "value", ALL, "sum") > max(totals.values())
    ff = mean(runs, "struggling", "foundations_first", "innovations", LATE, "sum")
    push = mean(runs, "struggling", "execution_push", "innovations", LATE, "sum")
    assert ff > 0
    assert ff >= 2 * push


def test_short_horizon_favours_the_push(runs):
    """(c) Over the first eight weeks the push has more cumulative value."""
    assert mean(runs, "struggling", "execution_push", "value", FIRST8, "sum") > mean(
        runs, "struggling", "foundations_first", "value", FIRST8, "sum"
    )


def test_the_right_move_depends_on_the_diagnosis(runs):
    """(d) Delivery excellence wins on strong foundations, loses to foundations first on weak ones."""
    solid = {
        iv: mean(runs, "solid_but_slow", iv, "value", ALL, "sum") for iv in ("none", "foundations_first")
    }
    assert mean(runs, "solid_but_slow", "delivery_excellence", "value", ALL, "sum") > max(solid.values())
    assert mean(runs, "struggling", "delivery_excellence", "value", ALL, "sum") < mean(
        runs, "struggling", "foundations_first", "value", ALL, "sum"
    )


def test_foundations_multiply_delivery_practice(runs):
    """(e) The same programme gains at least three times more, relatively, on strong foundations."""

    def gain(org: str) -> float:
        base = mean(runs, org, "none", "value", ALL, "sum")
        return mean(runs, org, "delivery_excellence", "value", ALL, "sum") / base - 1

    assert gain("struggling") > 0
    assert gain("solid_but_slow") >= 3 * gain("struggling")


def test_dora_keys_of_elite_and_struggling_orgs(runs):
    """(f) Year-3 DORA keys at baseline land where the published clusters put them."""
    assert mean(runs, "elite", "none", "lead_time_days", LATE) < 1
    assert mean(runs, "elite", "none", "deploys_per_week", LATE) >= 5
    assert mean(runs, "elite", "none", "change_failure_rate", LATE) <= 0.15
    assert mean(runs, "struggling", "none", "lead_time_days", LATE) > 7
    assert mean(runs, "struggling", "none", "change_failure_rate", LATE) >= 0.30
