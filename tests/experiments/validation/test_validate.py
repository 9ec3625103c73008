"""make validate, reduced: the report's files, the DORA envelopes and the consistency of its numbers.

The reduced run (``experiments.validation.validate.QUICK``) keeps a population large enough
for the calibration envelopes; the sensitivity and robustness designs are small,
so their numbers are checked for consistency, not for their values.
"""

import json
import re

import numpy as np
import pytest

from experiments.validation import calibration, validate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    document = validate.validate(validate.QUICK, workers=2, out=out)
    return out, document


def test_writes_the_report_its_figures_and_the_json(done):
    out, document = done
    md = (out / "validation.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) >= 6
    for image in images:
        assert (out / image).is_file(), image
    assert json.loads((out / "validation.json").read_text()) == json.loads(json.dumps(document))


def test_the_population_lands_inside_every_dora_envelope(done):
    _, document = done
    measures = document["calibration"]["measures"]
    envelopes = calibration.load_spec().envelopes
    assert calibration.misses(measures, envelopes) == []
    assert document["calibration"]["misses"] == []


def test_the_presets_land_inside_their_published_profiles(done):
    _, document = done
    presets = document["calibration"]["presets"]
    targets = calibration.load_spec().presets.targets
    assert set(presets) == set(targets)
    assert calibration.misses(presets, targets) == document["calibration"]["preset_misses"] == []


def test_the_clusters_are_ordered_as_published(done):
    _, document = done
    m = document["calibration"]["measures"]
    assert document["calibration"]["organisations"] == validate.QUICK.population
    assert all(m[f"share_{c}"] > 0 for c in ("low", "medium", "high", "elite"))
    # Elite deploys more, waits less, restores faster and fails less than low, by a wide margin.
    assert m["ratio_deploys"] > 10 and m["ratio_lead_time"] > 10 and m["ratio_restore"] > 10
    assert m["ratio_change_failure"] > 2
    assert m["change_failure_elite"] < 0.10 < 0.30 < m["change_failure_low"]


def test_speed_and_stability_go_together(done):
    _, document = done
    assert document["calibration"]["measures"]["speed_stability_rho"] > 0.3
    # Also when the generator draws every attribute on its own: the correlation is the mechanisms'.
    assert document["calibration"]["unbundled_speed_stability_rho"] > 0.3


def test_sobol_takes_the_most_influential_morris_factors(done):
    _, document = done
    sens = document["sensitivity"]
    assert len(sens["top"]) == validate.QUICK.sobol_top
    influence = {}
    for row in sens["morris"]:
        influence[row["factor"]] = max(influence.get(row["factor"], 0.0), row["mu_star_norm"])
    threshold = min(influence[f] for f in sens["top"])
    assert all(v <= threshold for f, v in influence.items() if f not in sens["top"])
    assert {(r["factor"], r["outcome"]) for r in sens["sobol"]} == {
        (f, o) for f in sens["top"] for o in ("value", "innovations", "attrition")
    }


def test_winning_and_crossing_agree_and_the_boxes_account_for_every_world(done):
    _, document = done
    rob = document["robustness"]
    n = rob["worlds"]
    assert n == validate.QUICK.worlds and sum(rob["winners"].values()) == n
    wins = rob["winners"].get("foundations_first", 0)
    assert rob["share_foundations_first_wins"] == pytest.approx(wins / n)
    # Ahead of both others in the last week exactly when it has the most cumulative value.
    assert sum(w is not None for w in rob["crossover_weeks"]) == wins
    assert sum(b["worlds"] for b in rob["boxes"]) == n
    assert sum(b["wins"] * b["worlds"] for b in rob["boxes"]) == pytest.approx(wins)
    assert all(1 <= w <= 156 for w in rob["crossover_weeks"] if w is not None)
    # A world's crossover, if any, comes within its own decision horizon.
    assert all(w is None or w <= h for w, h in zip(rob["crossover_weeks"], rob["horizon_weeks"], strict=True))
    assert np.isfinite(rob["tree_accuracy"]) and np.isfinite(rob["full_tree_accuracy"])
    assert sum(b["worlds"] for b in rob["full_boxes"]) == n
    wins_3y = rob["winners_3y"].get("foundations_first", 0)
    assert rob["share_foundations_first_wins_3y"] == pytest.approx(wins_3y / n)
    assert (rob["lead_3y_min"] >= 0) == (wins_3y == n)
