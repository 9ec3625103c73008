"""Semantics of the lever schedule that interventions and shocks impose.

``sim.model.levers.schedule`` is the only channel through which an intervention or a
shock reaches the model, so its rules (when a phase acts, how intensity and
several interventions combine, clipping, spend) are checked here directly,
independently of the parameter values being tuned.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim import ConfigError, load_config
from sim.api import run_config
from sim.config import options
from sim.model.levers import (
    LEVER_INDEX,
    LEVER_NAMES,
    Intervention,
    Levers,
    Phase,
    active,
    lever_bounds,
    schedule,
)
from sim.model.model import OrgModel
from sim.model.schema import build

BASE = Levers()
WEEKS = 30
PRESSURE = LEVER_INDEX["pressure"]


def _pressure_deltas(table: np.ndarray) -> np.ndarray:
    return table[:, PRESSURE] - BASE.pressure


def _weeks_changed(table: np.ndarray, lever: str = "pressure") -> list[int]:
    """1-based weeks in which ``lever`` differs from the baseline."""
    column = table[:, LEVER_INDEX[lever]]
    return [int(w) + 1 for w in np.flatnonzero(~np.isclose(column, getattr(BASE, lever)))]


def _one(
    levers: dict[str, float], *, cost: float = 0.0, offset: int = 0, duration: int = 0, **kw
) -> Intervention:
    return Intervention(phases=(Phase(offset=offset, duration=duration, cost=cost, levers=levers),), **kw)


# --------------------------------------------------------------- no interventions
def test_no_interventions_gives_the_baseline_every_week_and_no_spend():
    table, spend = schedule(BASE, [], WEEKS, cost_per_week_unit=12)
    assert table.shape == (WEEKS, len(LEVER_NAMES))
    expected = np.array([getattr(BASE, name) for name in LEVER_NAMES])
    np.testing.assert_array_equal(table, np.tile(expected, (WEEKS, 1)))
    assert spend.shape == (WEEKS,)
    assert not spend.any()


def test_table_columns_follow_lever_names():
    baseline = Levers(
        **{name: getattr(BASE, name) for name in LEVER_NAMES} | {"priorities": 7.0, "budget": 1.3}
    )
    table, _ = schedule(baseline, [], 3, cost_per_week_unit=1)
    assert table[0, LEVER_INDEX["priorities"]] == 7.0
    assert table[0, LEVER_INDEX["budget"]] == 1.3
    assert [LEVER_INDEX[name] for name in LEVER_NAMES] == list(range(len(LEVER_NAMES)))


# --------------------------------------------------------------- timing
def test_start_and_offset_place_the_phase_in_one_based_weeks():
    item = _one({"pressure": 0.2}, offset=2, duration=3, start=5)
    table, _ = schedule(BASE, [item], WEEKS, cost_per_week_unit=1)
    # Starts in week 5, phase offset 2 -> weeks 7, 8, 9.
    assert _weeks_changed(table) == [7, 8, 9]
    np.testing.assert_allclose(_pressure_deltas(table)[6:9], 0.2)


def test_phase_duration_zero_lasts_to_the_end_of_the_run():
    table, _ = schedule(BASE, [_one({"pressure": 0.2}, start=4)], WEEKS, cost_per_week_unit=1)
    assert _weeks_changed(table) == list(range(4, WEEKS + 1))


def test_start_week_one_acts_from_the_first_week():
    table, _ = schedule(BASE, [_one({"pressure": 0.2}, duration=2)], WEEKS, cost_per_week_unit=1)
    assert _weeks_changed(table) == [1, 2]


def test_intervention_duration_cuts_every_phase():
    item = Intervention(
        start=3,
        duration=4,  # acts in weeks 3..6 only
        phases=(
            Phase(offset=0, duration=0, levers={"pressure": 0.1}),
            Phase(offset=2, duration=10, levers={"governance": 0.2}),
            Phase(offset=5, duration=0, levers={"training": 0.5}),  # begins after the cut-off
        ),
    )
    table, _ = schedule(BASE, [item], WEEKS, cost_per_week_unit=1)
    assert _weeks_changed(table, "pressure") == [3, 4, 5, 6]
    assert _weeks_changed(table, "governance") == [5, 6]
    assert _weeks_changed(table, "training") == []


def test_phase_longer_than_the_horizon_is_cut_at_the_horizon():
    table, spend = schedule(BASE, [_one({"pressure": 0.2}, cost=1.0, duration=100, start=25)], WEEKS, 1)
    assert _weeks_changed(table) == list(range(25, WEEKS + 1))
    assert spend.sum() == pytest.approx(WEEKS - 24)


def test_intervention_starting_after_the_horizon_changes_nothing():
    table, spend = schedule(BASE, [_one({"pressure": 0.2}, cost=1.0, start=WEEKS + 1)], WEEKS, 5)
    base_table, _ = schedule(BASE, [], WEEKS, 5)
    np.testing.assert_array_equal(table, base_table)
    assert not spend.any()


def test_later_phases_add_on_top_of_earlier_ones():
    item = Intervention(
        phases=(
            Phase(offset=0, levers={"pressure": 0.1}),
            Phase(offset=10, levers={"pressure": 0.2}),
        )
    )
    table, _ = schedule(BASE, [item], WEEKS, 1)
    deltas = _pressure_deltas(table)
    np.testing.assert_allclose(deltas[:10], 0.1)
    np.testing.assert_allclose(deltas[10:], 0.3)


# --------------------------------------------------------------- intensity
@pytest.mark.parametrize("intensity", [0.0, 0.5, 1.0, 2.5])
def test_intensity_scales_every_delta_and_the_cost(intensity):
    levers = {"pressure": 0.2, "governance": 0.1, "priorities": -1.0}
    unit_table, unit_spend = schedule(BASE, [_one(levers, cost=0.7)], WEEKS, 12)
    table, spend = schedule(BASE, [_one(levers, cost=0.7, intensity=intensity)], WEEKS, 12)
    base_table, _ = schedule(BASE, [], WEEKS, 12)
    np.testing.assert_allclose(table - base_table, intensity * (unit_table - base_table), atol=1e-12)
    np.testing.assert_allclose(spend, intensity * unit_spend)


def test_zero_intensity_is_the_baseline():
    table, spend = schedule(BASE, [_one({"pressure": 0.5, "demand": 1.0}, cost=3, intensity=0)], WEEKS, 12)
    np.testing.assert_array_equal(table, schedule(BASE, [], WEEKS, 12)[0])
    assert not spend.any()


# --------------------------------------------------------------- combination
def test_interventions_combine_additively():
    a = _one({"pressure": 0.2, "training": 0.3}, cost=1.0, start=3, duration=10)
    b = _one({"pressure": 0.1, "governance": 0.4}, cost=0.5, start=8)
    ta, sa = schedule(BASE, [a], WEEKS, 4)
    tb, sb = schedule(BASE, [b], WEEKS, 4)
    tab, sab = schedule(BASE, [a, b], WEEKS, 4)
    base_table, _ = schedule(BASE, [], WEEKS, 4)
    np.testing.assert_allclose(tab, base_table + (ta - base_table) + (tb - base_table), atol=1e-12)
    np.testing.assert_allclose(sab, sa + sb)
    # Where both act (weeks 8..12) the pressure deltas add.
    np.testing.assert_allclose(_pressure_deltas(tab)[7:12], 0.3)


def test_combination_does_not_depend_on_order():
    a = _one({"pressure": 0.2, "training": 0.3}, cost=1.0, start=3)
    b = _one({"pressure": -0.15, "tooling": 0.4}, cost=0.5, start=5, intensity=1.5)
    tab, sab = schedule(BASE, [a, b], WEEKS, 4)
    tba, sba = schedule(BASE, [b, a], WEEKS, 4)
    np.testing.assert_allclose(tab, tba, atol=1e-12)
    np.testing.assert_allclose(sab, sba)


def test_same_intervention_twice_doubles_its_effect():
    a = _one({"governance": 0.1}, cost=0.5)
    t1, s1 = schedule(BASE, [a], WEEKS, 2)
    t2, s2 = schedule(BASE, [a, a], WEEKS, 2)
    base_table, _ = schedule(BASE, [], WEEKS, 2)
    np.testing.assert_allclose(t2 - base_table, 2 * (t1 - base_table), atol=1e-12)
    np.testing.assert_allclose(s2, 2 * s1)


# --------------------------------------------------------------- clipping
def test_levers_are_clipped_to_their_bounds():
    lo, hi = lever_bounds()
    huge = {name: 1000.0 for name in LEVER_NAMES}
    table, _ = schedule(BASE, [_one(huge, intensity=3)], WEEKS, 1)
    np.testing.assert_array_equal(table, np.tile(hi, (WEEKS, 1)))
    table, _ = schedule(BASE, [_one({k: -v for k, v in huge.items()}, intensity=3)], WEEKS, 1)
    np.testing.assert_array_equal(table, np.tile(lo, (WEEKS, 1)))


def test_clipping_happens_after_the_interventions_are_summed():
    baseline = dataclasses.replace(BASE, pressure=0.9)
    up = _one({"pressure": 0.5})
    down = _one({"pressure": -0.5}, start=11)
    table, _ = schedule(baseline, [up, down], WEEKS, 1)
    assert np.all(table[:10, PRESSURE] == 1.0)  # clipped at the top alone
    np.testing.assert_allclose(table[10:, PRESSURE], 0.9)  # the two cancel before clipping


def test_lever_bounds_match_the_declared_ranges():
    lo, hi = lever_bounds()
    for i, field in enumerate(dataclasses.fields(Levers)):
        assert lo[i] == field.metadata["lo"]
        assert hi[i] == field.metadata["hi"]
        assert lo[i] <= getattr(BASE, field.name) <= hi[i]


def test_random_schedules_stay_within_bounds():
    rng = np.random.default_rng(7)
    lo, hi = lever_bounds()
    items = [
        Intervention(
            start=int(rng.integers(1, WEEKS)),
            intensity=float(rng.uniform(0, 3)),
            phases=tuple(
                Phase(
                    offset=int(rng.integers(0, 10)),
                    duration=int(rng.integers(0, 10)),
                    levers={name: float(rng.normal(0, 2)) for name in rng.choice(LEVER_NAMES, 4)},
                )
                for _ in range(3)
            ),
        )
        for _ in range(6)
    ]
    table, _ = schedule(BASE, items, WEEKS, 1)
    assert np.all(table >= lo) and np.all(table <= hi)


# --------------------------------------------------------------- cost
def test_spend_is_cost_times_intensity_times_unit_in_active_weeks_only():
    item = Intervention(
        start=4,
        intensity=2.0,
        phases=(
            Phase(offset=0, duration=5, cost=1.5, levers={}),
            Phase(offset=3, duration=0, cost=0.25, levers={"training": 0.1}),
        ),
    )
    _, spend = schedule(BASE, [item], WEEKS, cost_per_week_unit=12)
    expected = np.zeros(WEEKS)
    expected[3:8] += 2.0 * 1.5 * 12
    expected[6:] += 2.0 * 0.25 * 12
    np.testing.assert_allclose(spend, expected)


def test_model_spend_scales_with_the_number_of_teams():
    item = _one({}, cost=1.0)
    for teams in (3, 9):
        cfg = load_config(["weeks=10", f"org.teams={teams}"])
        model = OrgModel(dataclasses.replace(cfg, intervention={"pure_spend": item}))
        np.testing.assert_allclose(model.spend[0], np.full(10, 1.0 * teams))


def test_pure_spend_changes_only_the_cost_column():
    """An intervention with a cost and no lever changes costs money and does nothing else."""
    weeks, cost = 30, 2.0
    cfg = load_config([f"weeks={weeks}", "seed=5"])
    item = Intervention(start=5, duration=10, phases=(Phase(cost=cost, levers={}),))
    base = run_config(cfg).weekly
    spent = run_config(dataclasses.replace(cfg, intervention={"consultants": item})).weekly
    others = [c for c in base.columns if c not in ("cost", "net_value")]
    pd.testing.assert_frame_equal(spent[others], base[others])
    extra = (spent["cost"] - base["cost"]).to_numpy()
    expected = np.zeros(weeks)
    expected[4:14] = cost * cfg.org.teams
    np.testing.assert_allclose(extra, expected, atol=1e-9)
    np.testing.assert_allclose((base["net_value"] - spent["net_value"]).to_numpy(), expected, atol=1e-9)


# --------------------------------------------------------------- validation
def test_unknown_lever_in_a_phase_raises_config_error_naming_it():
    with pytest.raises(ConfigError) as err:
        Phase(levers={"presure": 0.1})
    assert "presure" in err.value.field
    assert "pressure" in err.value.message  # lists what is allowed


def test_unknown_lever_path_points_into_the_intervention():
    data = {"start": 2, "phases": [{"levers": {"pressure": 0.1}}, {"levers": {"moral": 0.2}}]}
    with pytest.raises(ConfigError) as err:
        build(Intervention, data, "intervention.mine")
    assert err.value.field == "intervention.mine.phases[1].levers.moral"
    assert "moral" in str(err.value)


def test_unknown_lever_from_an_override_is_reported_by_load_config():
    with pytest.raises(ConfigError) as err:
        load_config(["intervention=execution_push", "+intervention.execution_push.phases.0.levers.bogus=1"])
    assert "bogus" in str(err.value)


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [
        (Levers, {"pressure": 1.5}, "pressure"),
        (Levers, {"priorities": 0.0}, "priorities"),
        (Intervention, {"intensity": -0.1}, "intensity"),
        (Intervention, {"start": 0}, "start"),
        (Phase, {"duration": -1}, "duration"),
        (Phase, {"cost": float("nan")}, "cost"),
    ],
)
def test_out_of_range_values_are_rejected_naming_the_field(cls, kwargs, field):
    with pytest.raises(ConfigError) as err:
        cls(**kwargs)
    assert err.value.field == field


def test_active_skips_interventions_that_change_nothing():
    items = {
        "none": Intervention(),
        "empty_phase": Intervention(phases=(Phase(levers={}),)),
        "spend_only": _one({}, cost=1.0),
        "lever": _one({"training": 0.2}),
    }
    assert active(items) == ["spend_only", "lever"]


@pytest.mark.parametrize(("group", "name"), [(g, n) for g in ("intervention", "shock") for n in options(g)])
def test_every_shipped_preset_is_valid_and_acts_only_through_known_levers(group, name):
    item = getattr(load_config([f"{group}={name}"]), group)[name]
    for phase in item.phases:
        assert set(phase.levers) <= set(LEVER_NAMES)
    if name != "none":
        assert active({name: item}) == [name], f"{group} {name} changes no lever and costs nothing"
