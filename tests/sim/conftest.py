"""Assessed example organisations, fitted once per session (the configured fit, ~5 s each)."""

import pytest

from sim.consult.assess import assess, examples, load_answers
from sim.consult.effort import Effort

# Each example's known weakness: the layers its binding layer may be.
KNOWN_WEAKNESS = {"weak_architecture": {"architecture"}, "weak_alignment": {"partnership", "strategy"}}


@pytest.fixture(scope="session")
def assessed():
    return {name: assess(load_answers(path)) for name, path in examples().items() if name in KNOWN_WEAKNESS}


@pytest.fixture(scope="session")
def small_study(assessed):
    """A diagnosis and roadmap of one example, on few seeds and trials: what the report renders."""
    from sim.consult import report
    from sim.consult.diagnose import diagnose
    from sim.consult.recommend import recommend

    a = assessed["weak_architecture"]
    return report.Study(a, diagnose(a, Effort(seeds=6)), recommend(a, effort=Effort(seeds=4, trials=8)))
