"""The public API: simulate and simulate_many."""

import pandas as pd
import pytest

from sim import ConfigError, simulate, simulate_many


def test_simulate_many_stacks_the_frames_of_single_runs_in_order():
    runs = [["seed=3", "weeks=20"], ["seed=4", "weeks=20", "intervention=foundations_first"]]
    many = simulate_many(runs)
    assert many.index.names == ["run", "week"]
    for i, overrides in enumerate(runs):
        pd.testing.assert_frame_equal(many.loc[i], simulate(overrides))


def test_simulate_many_reports_progress_up_to_one():
    seen: list[float] = []
    simulate_many([["weeks=3", f"seed={s}"] for s in range(3)], progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_simulate_many_rejects_a_bad_run_before_simulating_any():
    seen: list[float] = []
    with pytest.raises(ConfigError, match="weeks"):
        simulate_many([["weeks=3"], ["weeks=-3"]], progress=seen.append)
    assert seen == []
