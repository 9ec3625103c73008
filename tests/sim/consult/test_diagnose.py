"""The diagnosis: model v2's causal links, the chain rule on made-up movements, and a diagnosed example."""

import importlib
import inspect
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pytest

from sim.consult import diagnose as dg
from sim.consult.assess import MONEY, settings
from sim.consult.diagnose import LABELS, MECHANISMS, TARGET, WEEK, causal_chain, diagnose
from sim.consult.effort import Effort
from sim.model import organisation, week
from sim.model.levers import LEVER_NAMES
from sim.model.metrics import COLUMNS, DORA_KEYS
from sim.model.params import LAYER_NAMES

Z, SHARE = 2.0, 0.01  # the moved thresholds the made-up movements are tested against


def resolve(path: str):
    """Import the longest module prefix of a dotted path and get the rest as attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(path)


def week_steps() -> dict[int, str]:
    """The numbered steps of model v2's week, from the organisation module's docstring."""
    return {int(n): name for n, name in re.findall(r"^(\d)\. \*\*(.+?)\*\*", organisation.__doc__, re.M)}


def test_every_mechanism_names_a_rule_of_model_v2_and_recorded_quantities():
    steps = week_steps()
    # the week's code: the kernels before and after the flow, and the step that runs them
    week_source = "".join(
        inspect.getsource(fn)
        for fn in (week.before_flow.py_func, organisation.Organisation.step, week.after_flow.py_func)
    )
    assert len(steps) == 8
    for m in MECHANISMS:
        assert m.rule.startswith("sim.model."), m
        assert callable(resolve(m.rule)), m
        if m.rule == WEEK:
            # the step exists: in the docstring's list and as the numbered comment in the code
            assert m.step in steps and f"# {m.step}. " in week_source, m
        else:
            assert m.step is None, m
        assert m.cause in LABELS and m.effect in LABELS, m
        assert m.sign in (-1, 1) and m.cause != m.effect
    pairs = [(m.cause, m.effect) for m in MECHANISMS]
    assert len(pairs) == len(set(pairs)), "a link is listed twice"


def test_labels_are_columns_of_the_weekly_frame():
    assert set(LABELS) <= set(COLUMNS)
    assert TARGET in COLUMNS


def test_a_link_through_a_lever_uses_a_lever_the_assessment_ties_to_that_layer():
    levers = settings()["mapping"]["levers"]
    through = [m for m in MECHANISMS if m.lever]
    assert through
    for m in through:
        assert m.lever in LEVER_NAMES
        assert m.cause == f"layer_{levers[m.lever]['layer']}", m


def test_every_layer_reaches_net_value_and_every_dora_key_is_reached():
    out: dict[str, set[str]] = {}
    for m in MECHANISMS:
        out.setdefault(m.cause, set()).add(m.effect)

    def reach(node: str) -> set[str]:
        seen, todo = set(), [node]
        while todo:
            for nxt in out.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for layer in LAYER_NAMES:
        assert TARGET in reach(f"layer_{layer}"), layer
    effects = {m.effect for m in MECHANISMS}
    assert set(DORA_KEYS) <= effects


def moved(changes: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """A made-up movement: per quantity ``(relative change, z)`` from a baseline of 1 (0 for the rest)."""
    rows = {c: {"base": 1.0, "variant": 1.0, "z": 0.0, "change": 0.0} for c in LABELS}
    for column, (change, z) in changes.items():
        rows[column] = {"base": 1.0, "variant": 1.0 + change, "z": z, "change": change}
    return pd.DataFrame.from_dict(rows, orient="index")


# Stronger architecture: less debt, so more throughput, value and net value.
DEBT_PATH = {
    "layer_architecture": (0.2, np.inf),
    "debt_ratio": (-0.1, -12.0),
    "throughput": (0.05, 6.0),
    "value": (0.05, 6.0),
    "net_value": (0.1, 6.0),
}


def effects(chain) -> list[str]:
    return [step.mechanism.effect for step in chain]


def test_the_chain_follows_links_whose_effects_moved_as_the_model_says():
    chain = causal_chain("architecture", moved(DEBT_PATH), Z, SHARE)
    assert effects(chain) == ["debt_ratio", "throughput", "value", "net_value"]
    assert chain[0].mechanism.cause == "layer_architecture"
    for prev, step in zip(chain, chain[1:], strict=False):
        assert step.mechanism.cause == prev.mechanism.effect
    # Debt rising with stronger standards is not what the model says: no chain passes through it.
    wrong = moved({**DEBT_PATH, "debt_ratio": (0.1, 12.0)})
    assert "debt_ratio" not in effects(causal_chain("architecture", wrong, Z, SHARE))


def test_a_movement_within_the_noise_or_too_small_breaks_the_chain():
    for small in ((0.05, 1.5), (0.005, 6.0)):  # below moved_z; below moved_share
        assert causal_chain("architecture", moved({**DEBT_PATH, "throughput": small}), Z, SHARE) == ()
    unmoved = moved({**DEBT_PATH, "layer_architecture": (0.0, 0.0)})
    assert causal_chain("architecture", unmoved, Z, SHARE) == ()


def test_of_two_paths_the_one_that_moved_more_clearly_is_the_chain():
    # Debt also falls incidents, cost with them, and net value rises: two paths from debt to net value.
    both = {**DEBT_PATH, "incidents": (-0.1, -30.0), "cost": (-0.05, -30.0)}
    assert effects(causal_chain("architecture", moved(both), Z, SHARE)) == [
        "debt_ratio",
        "incidents",
        "cost",
        "net_value",
    ]
    both.update(incidents=(-0.1, -2.5), cost=(-0.05, -2.5))
    assert "throughput" in effects(causal_chain("architecture", moved(both), Z, SHARE))


def test_side_links_and_the_symptom_are_off_the_chain_and_moved_as_the_model_says():
    m = moved({**DEBT_PATH, "time_to_restore_hours": (-0.2, -9.0), "change_failure_rate": (-0.05, -3.0)})
    chain = causal_chain("architecture", m, Z, SHARE)
    side = dg.side_links("architecture", chain, m, Z, SHARE)
    on = {"layer_architecture", *effects(chain)}
    assert side and all(s.mechanism.cause in on and s.mechanism.effect not in on for s in side)
    assert [abs(s.z) for s in side] == sorted((abs(s.z) for s in side), reverse=True)
    symptom = dg.symptom_chain("architecture", m, Z, SHARE)
    assert effects(symptom) == ["debt_ratio", "time_to_restore_hours"]  # the DORA key that moved most


def test_per_seed_sums_and_scales_money_and_averages_the_rest():
    idx = pd.MultiIndex.from_product([[0, 1], [1, 2, 3]], names=["seed", "week"])
    frame = pd.DataFrame({"throughput": [1.0, 2, 3, 4, 5, 6]}, index=idx)
    for column in MONEY:
        frame[column] = [1.0, 1, 1, 2, 2, 2]
    out = dg.per_seed(frame, scale=2.5)
    assert list(out["throughput"]) == [2.0, 5.0]
    for column in MONEY:
        assert list(out[column]) == [7.5, 15.0]


def made_up_diagnosis(chain, m) -> dg.Diagnosis:
    marginal = pd.DataFrame(
        {"mean": 1.0, "lo": 0.5, "hi": 1.5, "share": 0.01, "at_max": False}, index=list(LAYER_NAMES)
    )
    marginal.loc["architecture", ["mean", "lo", "hi"]] = [5.0, 4.0, 6.0]
    return dg.Diagnosis(
        marginal=marginal,
        binding="architecture",
        runner_up="partnership",
        overlap=False,
        chain=chain,
        also=(),
        symptom=(),
        moved=m,
        baseline_value=100.0,
        weeks=156,
        seeds=4,
        delta=0.1,
        teams=12,
        baseline=pd.DataFrame(),
    )


def test_the_explanation_tells_the_chain_from_net_value_down_to_the_layer():
    m = moved(DEBT_PATH)
    d = made_up_diagnosis(causal_chain("architecture", m, Z, SHARE), m)
    text = d.explanation()
    assert text.startswith("Looking down the stack from net value")
    positions = [text.index(LABELS[e][:1].upper() + LABELS[e][1:]) for e in reversed(effects(d.chain))]
    assert positions == sorted(positions)  # top-down: net value first, debt last
    assert "architecture is weak" in text
    steps = d.steps_text()
    assert len(steps) == len(d.chain) and all("(model: " in s for s in steps)
    assert "capabilities.debt_after" in steps[0]
    assert "Binding layer: architecture" in d.summary()
    nothing = made_up_diagnosis((), m)
    assert "no chain of the model's mechanisms" in nothing.explanation()


# ------------------------------------------------------------------ a diagnosed example


@pytest.fixture(scope="module")
def diagnosed(assessed):
    return diagnose(assessed["weak_alignment"], Effort(seeds=6))


@pytest.mark.slow
def test_the_binding_layer_is_worth_most_with_intervals(diagnosed):
    d = diagnosed
    assert list(d.marginal.index) == list(LAYER_NAMES)
    assert d.marginal.loc[d.binding, "mean"] == d.marginal["mean"].max()
    assert d.runner_up == d.marginal["mean"].drop(d.binding).idxmax()
    assert (d.marginal["lo"] <= d.marginal["mean"]).all() and (d.marginal["mean"] <= d.marginal["hi"]).all()
    assert d.overlap == (d.marginal.loc[d.binding, "lo"] <= d.marginal.loc[d.runner_up, "hi"])
    assert d.seeds == 6 and d.baseline.index.get_level_values("seed").nunique() == 6


@pytest.mark.slow
def test_the_diagnosed_chain_and_side_links_moved_as_the_model_says(diagnosed):
    d = diagnosed
    min_z = settings()["diagnosis"]["moved_z"]
    for chain in (d.chain, d.symptom):
        if not chain:
            continue
        assert chain[0].mechanism.cause == f"layer_{d.binding}"
        for prev, step in zip(chain, chain[1:], strict=False):
            assert step.mechanism.cause == prev.mechanism.effect
    if d.chain:
        assert d.chain[-1].mechanism.effect == TARGET
    if d.symptom:
        assert d.symptom[-1].mechanism.effect in DORA_KEYS
        assert "The symptom in delivery" in d.explanation()
    for step in (*d.chain, *d.symptom, *d.also):
        m = step.mechanism
        cause = d.moved.loc[m.cause]
        assert np.sign(step.variant - step.base) == m.sign * np.sign(cause["variant"] - cause["base"])
        assert abs(step.z) >= min_z
    assert not {s.mechanism for s in d.also} & {s.mechanism for s in d.symptom}


@pytest.mark.slow
def test_the_diagnosis_repeats_on_the_same_seeds(assessed, diagnosed):
    again = diagnose(assessed["weak_alignment"], Effort(seeds=6))
    pd.testing.assert_frame_equal(again.marginal, diagnosed.marginal)
    assert again.chain == diagnosed.chain
