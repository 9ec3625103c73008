"""Measuring a population against the DORA envelopes, and the machinery of the fit."""

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.validation import calibration, parameters, population
from sim.config import load_config
from sim.model.schema import ConfigError, build

# One organisation per cluster, each key at a level of its cluster (sim.model.metrics cut points).
KEYS = pd.DataFrame(
    {
        "deploys_per_week": [0.1, 0.5, 2.0, 20.0],
        "lead_time_days": [60.0, 14.0, 3.0, 0.5],
        "time_to_restore_hours": [300.0, 50.0, 5.0, 0.5],
        "change_failure_rate": [0.5, 0.25, 0.15, 0.05],
    }
)


def test_measures_of_a_known_population():
    m = calibration.measure(KEYS)
    assert [m[f"share_{c}"] for c in ("low", "medium", "high", "elite")] == [0.25] * 4
    assert m["ratio_deploys"] == pytest.approx(200)
    assert m["ratio_lead_time"] == pytest.approx(120)
    assert m["ratio_restore"] == pytest.approx(600)
    assert m["ratio_change_failure"] == pytest.approx(10)
    assert m["change_failure_elite"] == 0.05 and m["change_failure_low"] == 0.5
    assert m["speed_stability_rho"] == pytest.approx(1.0)


def test_an_empty_cluster_gives_no_ratio():
    m = calibration.measure(KEYS.iloc[1:])
    assert m["share_low"] == 0 and math.isnan(m["ratio_deploys"]) and math.isnan(m["change_failure_low"])
    assert calibration.distance(m["ratio_deploys"], (50, 1000)) == math.inf


def test_ward_clusters_find_and_rank_separated_groups():
    rng = np.random.default_rng(0)
    frame = pd.concat([KEYS * np.exp(rng.normal(0, 0.05, KEYS.shape)) for _ in range(10)], ignore_index=True)
    frame["change_failure_rate"] = frame["change_failure_rate"].clip(upper=0.9)
    assert (calibration.ward_clusters(frame) == np.tile([0, 1, 2, 3], 10)).all()


def test_distance_misses_score_and_margin():
    assert calibration.distance(5, (1, 10)) == 0
    assert calibration.distance(20, (1, 10)) == pytest.approx(math.log(2))
    assert calibration.distance(0.5, (1, 10)) == pytest.approx(math.log(2))
    targets = {"share_low": (0.07, 0.25), "ratio_deploys": (50, 1000)}
    central = {"share_low": 0.13, "ratio_deploys": 220}
    edge = {"share_low": 0.24, "ratio_deploys": 60}
    outside = {"share_low": 0.4, "ratio_deploys": 200}
    assert calibration.misses(central, targets) == []
    assert calibration.misses(outside, targets) == ["share_low = 0.4 (envelope 0.07-0.25)"]
    assert calibration.score(central, targets) == calibration.score(edge, targets) == 0
    assert calibration.score(outside, targets) == pytest.approx(math.log(0.4 / 0.25) ** 2)
    assert calibration.margin(central, targets) < calibration.margin(edge, targets)


def test_candidates_start_from_the_given_values_and_stay_in_their_box():
    spec = calibration.load_spec()
    now = dict(spec.fit.start)
    bounds = {**spec.fit.parameters, **spec.fit.population_parameters}
    for stage in spec.fit.stages:
        table = calibration.candidates(spec.fit, stage, now)
        assert len(table) == stage.candidates + 1
        assert table.iloc[0].to_dict() == now
        assert table.equals(calibration.candidates(spec.fit, stage, now))  # seeded: the same every time
        varied = list(stage.parameters) or spec.fit.names
        for name, (lo, hi) in bounds.items():
            values = table[name].iloc[1:]
            if name not in varied:
                assert (values == now[name]).all(), name
                continue
            half = stage.width * (hi - lo)
            low, high = max(lo, now[name] - half), min(hi, now[name] + half)
            slack = 0.05 * abs(high)  # rounding to significant digits
            assert values.between(low - slack, high + slack).all(), name
            assert values.nunique() > 1, name


def test_an_unknown_stage_is_named():
    with pytest.raises(ConfigError, match="unknown stage 'nope'"):
        calibration.load_spec().fit.stage("nope")


def test_write_params_keeps_comments_and_order(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("# head\ncfr_min: 0.04\n# quality\ncfr_max: 0.62\nother: 1\n")
    calibration.write_params({"cfr_max": 0.5, "cfr_min": 0.06}, path)
    assert path.read_text() == "# head\ncfr_min: 0.06\n# quality\ncfr_max: 0.5\nother: 1\n"
    with pytest.raises(ValueError, match="nope"):
        calibration.write_params({"nope": 1.0}, path)


def test_write_params_finds_a_dotted_name_in_its_group(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "warmup_weeks: 26\nflow:  # items\n  overtime: 1.0  # not this one\n"
        "operating:  # time\n  overtime: 0.25  # share\n  switching: 0.08\nlast: 1\n"
    )
    calibration.write_params(
        {"operating.overtime": 0.3, "operating.switching": 0.1, "warmup_weeks": 20}, path
    )
    assert path.read_text() == (
        "warmup_weeks: 20\nflow:  # items\n  overtime: 1.0  # not this one\n"
        "operating:  # time\n  overtime: 0.3  # share\n  switching: 0.1\nlast: 1\n"
    )
    with pytest.raises(ValueError, match="no group 'nope'"):
        calibration.write_params({"nope.overtime": 1.0}, path)
    with pytest.raises(ValueError, match="operating.nope"):
        calibration.write_params({"operating.nope": 1.0}, path)


def test_write_params_round_trips_the_real_defaults(tmp_path):
    """Every fitted name has exactly one line in configs/params/default.yaml, and writing it back changes nothing."""
    path = tmp_path / "default.yaml"
    path.write_text(calibration.PARAMS_PATH.read_text())
    fit = calibration.load_spec().fit
    now = calibration.current_values(fit)
    calibration.write_params({n: now[n] for n in fit.parameters}, path)
    written = yaml.safe_load(path.read_text())
    for name in fit.parameters:
        group, key = name.split(".")
        assert written[group][key] == now[name], name


def test_the_spec_refuses_unknown_measures_and_parameters():
    data = yaml.safe_load(calibration.SPEC_PATH.read_text())
    with pytest.raises(ConfigError, match="unknown measure"):
        build(calibration.CalibrationSpec, {**data, "targets": {"share_best": [0, 1]}})
    bad_fit = {**data["fit"], "parameters": {"cfr_min": [0, 1]}}  # a model v1 name
    with pytest.raises(ConfigError) as err:
        build(calibration.CalibrationSpec, {**data, "fit": bad_fit})
    assert err.value.field == "fit.parameters.cfr_min" and "GROUP.NAME" in err.value.message
    bad_fit = {**data["fit"], "parameters": {"operating.cfr_min": [0, 1]}}
    with pytest.raises(ConfigError, match="allowed: overtime"):
        build(calibration.CalibrationSpec, {**data, "fit": bad_fit})
    reversed_fit = {**data["fit"], "parameters": {"operating.change_failure_floor": [0.08, 0.03]}}
    with pytest.raises(ConfigError, match="low <= high"):
        build(calibration.CalibrationSpec, {**data, "fit": reversed_fit})
    outside = {**data["fit"], "parameters": {"operating.change_failure_floor": [0.01, 1.5]}}
    with pytest.raises(ConfigError) as err:
        build(calibration.CalibrationSpec, {**data, "fit": outside})
    assert err.value.field == "fit.parameters.operating.change_failure_floor"


def test_the_current_values_are_read_from_the_files():
    fit = calibration.load_spec().fit
    params, pop = load_config(["intervention=none"]).params, population.load_spec()
    now = calibration.current_values(fit)
    assert list(now) == fit.names
    name = next(iter(fit.parameters))
    assert now[name] == parameters.value(params, name) and now["maturity_a"] == pop.maturity_a


def test_the_start_names_every_fitted_value_within_its_range():
    data = yaml.safe_load(calibration.SPEC_PATH.read_text())
    assert set(calibration.load_spec().fit.start) == set(calibration.load_spec().fit.names)
    name = "operating.change_failure_ceiling"
    start = dict(data["fit"]["start"])
    del start[name]
    with pytest.raises(ConfigError, match=f"'{name}' is missing"):
        build(calibration.CalibrationSpec, {**data, "fit": {**data["fit"], "start": start}})
    with pytest.raises(ConfigError) as err:
        build(
            calibration.CalibrationSpec,
            {**data, "fit": {**data["fit"], "start": {**data["fit"]["start"], name: 2.0}}},
        )
    assert err.value.field == f"fit.start.{name}"


def test_the_calibration_fits_population_envelopes_only():
    """No preset's outcome and no emergent pattern is a target: the spec has no place for them."""
    data = yaml.safe_load(calibration.SPEC_PATH.read_text())
    assert set(calibration.load_spec().targets) <= set(calibration.MEASURES)
    with pytest.raises(ConfigError, match="unknown key"):
        build(calibration.CalibrationSpec, {**data, "presets": {"seeds": 5}})


def test_the_redraw_score_punishes_thin_margins():
    rng = np.random.default_rng(1)
    frame = pd.concat([KEYS * np.exp(rng.normal(0, 0.05, KEYS.shape)) for _ in range(50)], ignore_index=True)
    labels = calibration.clusters(frame)
    assert calibration.measure(frame, labels)["share_low"] == 0.25
    roomy, tight = {"share_low": (0.1, 0.5)}, {"share_low": (0.25, 0.5)}
    assert calibration.redraw_score(frame, labels, tight, 0, 0) == 0  # its own measures are inside
    assert calibration.redraw_score(frame, labels, roomy, 50, 0) == 0
    # On the edge, a redrawn population falls outside about half the time.
    thin = calibration.redraw_score(frame, labels, tight, 50, 0)
    assert thin > 0
    assert thin == calibration.redraw_score(frame, labels, tight, 50, 0)
    assert calibration.redraw_score(frame, labels, tight, 50, 0, confidence=0.5) < thin
