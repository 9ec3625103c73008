"""Running many worlds: outcomes summarise the run, and the number of workers changes nothing."""

import dataclasses

import numpy as np

from experiments.validation import population
from experiments.validation.worlds import outcome, run_all
from sim.api import run_config


def _configs(n: int = 4, weeks: int = 30):
    spec = population.load_spec(size=n, weeks=weeks, window=10)
    return [dataclasses.replace(c, weeks=weeks) for c in population.configs(spec)]


def test_an_outcome_summarises_its_run():
    config = _configs(1)[0]
    weekly = run_config(config).weekly
    out = outcome(config, weekly, window=10)
    assert out.value == weekly["value"].sum()
    assert run_all([config], "test", workers=1, window=10)[0].value == out.value
    assert out.deploys_per_week == weekly["deploys_per_week"].iloc[-10:].mean()
    assert out.attrition == weekly["attrition"].sum() / (config.org.teams * config.org.team_size)
    assert np.allclose(out.cumulative_value[-1], out.value, rtol=1e-5)


def test_results_are_identical_whatever_the_number_of_workers():
    configs = _configs()
    one = run_all(configs, "test", workers=1, window=10)
    two = run_all(configs, "test", workers=2, window=10)
    for a, b in zip(one, two, strict=True):
        assert a.value == b.value and a.change_failure_rate == b.change_failure_rate
        assert np.array_equal(a.cumulative_value, b.cumulative_value)
    assert len({o.value for o in one}) == len(one), "different organisations differ"
