"""The diagnosis: the binding layer of each example is its known weakness, explained by a chain the runs show."""

import inspect

import numpy as np
import pytest

from sim.consult.diagnose import LABELS, MECHANISMS, diagnose
from sim.consult.effort import Effort
from sim.model import mechanisms
from sim.model.params import LAYER_NAMES
from tests.sim.conftest import KNOWN_WEAKNESS


@pytest.fixture(scope="module")
def diagnosed(assessed):
    return {name: diagnose(a, Effort(seeds=12)) for name, a in assessed.items()}


def test_every_mechanism_names_a_model_function_and_recorded_quantities():
    for m in MECHANISMS:
        compiled = getattr(mechanisms, m.function, None)
        assert inspect.isfunction(getattr(compiled, "py_func", None)), m.function
        assert m.cause in LABELS and m.effect in LABELS
        assert m.sign in (-1, 1)
    # every layer has a way up the stack
    assert {m.cause for m in MECHANISMS} >= {f"layer_{name}" for name in LAYER_NAMES}


@pytest.mark.parametrize("name", sorted(KNOWN_WEAKNESS))
def test_binding_layer_is_the_known_weakness(diagnosed, name):
    d = diagnosed[name]
    assert d.binding in KNOWN_WEAKNESS[name], d.summary()
    assert set(d.marginal.index) == set(LAYER_NAMES)
    assert d.marginal.loc[d.binding, "mean"] == d.marginal["mean"].max()
    assert (d.marginal["lo"] <= d.marginal["mean"]).all() and (d.marginal["mean"] <= d.marginal["hi"]).all()
    # strengthening the weakness is worth something, clearly
    assert d.marginal.loc[d.binding, "lo"] > 0


@pytest.mark.parametrize("name", sorted(KNOWN_WEAKNESS))
def test_chain_runs_from_the_layer_to_value_as_the_runs_moved(diagnosed, name):
    d = diagnosed[name]
    assert d.chain, d.summary()
    assert d.chain[0].mechanism.cause == f"layer_{d.binding}"
    assert d.chain[-1].mechanism.effect == "value"
    for prev, step in zip(d.chain, d.chain[1:], strict=False):
        assert step.mechanism.cause == prev.mechanism.effect
    for step in d.chain:
        m = step.mechanism
        cause = d.moved.loc[m.cause]
        assert np.sign(step.variant - step.base) == m.sign * np.sign(cause["variant"] - cause["base"])
        assert abs(step.z) >= 2
    text = d.explanation()
    assert text.startswith("Looking down the stack from value")
    for step in d.chain:
        assert LABELS[step.mechanism.effect] in text.lower()
    assert d.binding in text


@pytest.mark.parametrize("name", sorted(KNOWN_WEAKNESS))
def test_side_links_moved_as_the_model_says_and_stay_off_the_chain(diagnosed, name):
    d = diagnosed[name]
    chain_nodes = {f"layer_{d.binding}", *(s.mechanism.effect for s in d.chain)}
    for step in d.also:
        m = step.mechanism
        assert m.cause in chain_nodes and m.effect not in chain_nodes
        cause = d.moved.loc[m.cause]
        assert np.sign(step.variant - step.base) == m.sign * np.sign(cause["variant"] - cause["base"])
        assert LABELS[m.effect] in d.explanation()


@pytest.mark.parametrize("name", sorted(KNOWN_WEAKNESS))
def test_the_symptom_chain_ends_at_a_dora_key(diagnosed, name):
    d = diagnosed[name]
    if not d.symptom:  # possible when no DORA key moved clearly; then nothing is claimed
        assert "The symptom in delivery" not in d.explanation()
        return
    assert d.symptom[0].mechanism.cause == f"layer_{d.binding}"
    assert d.symptom[-1].mechanism.effect in {
        "lead_time_days",
        "change_failure_rate",
        "deploys_per_week",
        "time_to_restore_hours",
    }
    assert "The symptom in delivery" in d.explanation()
    assert not {s.mechanism for s in d.also} & {s.mechanism for s in d.symptom}
