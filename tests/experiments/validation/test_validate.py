"""make validate, reduced: the report's files, and the consistency of its numbers and findings.

The reduced run (``experiments.validation.validate.QUICK``) runs every analysis small, so
its numbers are checked for consistency, never for their values: whether the population
meets the DORA envelopes and whether the patterns the seeds expect emerge are results
the report states, not properties a change must keep.
"""

import json
import re

import numpy as np
import pytest

from experiments.validation import calibration, emergence, validate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    document = validate.validate(validate.QUICK, workers=2, out=out)
    return out, document


def test_writes_the_report_its_figures_and_strict_json(done):
    out, document = done
    md = (out / "validation.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) >= 6
    for image in images:
        assert (out / image).is_file(), image
    text = (out / "validation.json").read_text()
    assert json.loads(text) == document
    assert "NaN" not in text and "Infinity" not in text


def test_the_calibration_reports_its_misses_whatever_they_are(done):
    _, document = done
    cal = document["calibration"]
    assert cal["organisations"] == validate.QUICK.population
    measures = {k: np.nan if v is None else v for k, v in cal["measures"].items()}
    assert set(measures) == set(calibration.MEASURES)
    assert cal["misses"] == calibration.misses(measures, calibration.load_spec().envelopes)
    shares = [measures[f"share_{c}"] for c in ("low", "medium", "high", "elite")]
    assert sum(shares) == pytest.approx(1.0)


def test_the_six_findings_are_computed_and_reported(done):
    out, document = done
    found = document["emergence"]
    seeds = found["seeds"]
    assert [f["key"] for f in seeds] == list("abcdef")
    for f in [*seeds, *(g for group in found["worlds"].values() for g in group)]:
        assert 0 <= f["holds_in"] <= min(p["holds_in"] for p in f["parts"]) <= f["units"]
        assert f["share"] == pytest.approx(f["holds_in"] / f["units"])
        lo, hi = f["interval"]
        assert lo <= f["share"] <= hi
    assert all(f["units"] == validate.QUICK.seeds for f in seeds)
    # (a)-(c) over the robustness worlds: all of them, and the half nearer the weak organisation.
    groups = list(found["worlds"].values())
    assert len(groups) == 2 and [f["key"] for f in groups[0]] == ["a", "b", "c"]
    assert groups[0][0]["units"] == validate.QUICK.worlds
    assert groups[1][0]["units"] < validate.QUICK.worlds
    md = (out / "validation.md").read_text()
    assert "## 2. What the seeds expect to emerge" in md
    lines = validate.summary(document)
    for f in seeds:
        assert emergence.verdict(f) in md
        assert "  " + emergence.line(f) in lines


def test_sobol_takes_the_most_influential_morris_factors(done):
    _, document = done
    sens = document["sensitivity"]
    assert len(sens["top"]) == validate.QUICK.sobol_top
    influence = {}
    for row in sens["morris"]:
        influence[row["factor"]] = max(influence.get(row["factor"], 0.0), row["mu_star_norm"] or 0.0)
    threshold = min(influence[f] for f in sens["top"])
    assert all(v <= threshold for f, v in influence.items() if f not in sens["top"])
    assert {(r["factor"], r["outcome"]) for r in sens["sobol"]} == {
        (f, o) for f in sens["top"] for o in ("value", "innovations", "attrition")
    }


def test_winning_and_crossing_agree_and_the_boxes_account_for_every_world(done):
    _, document = done
    rob = document["robustness"]
    n, course = rob["worlds"], rob["course"]
    assert n == validate.QUICK.worlds and sum(rob["winners"].values()) == n
    wins = rob["winners"].get(course, 0)
    assert rob["share_course_wins"] == pytest.approx(wins / n)
    # Ahead of every other in the last week exactly when it has the most cumulative value.
    assert sum(w is not None for w in rob["crossover_weeks"]) == wins
    assert sum(b["worlds"] for b in rob["boxes"]) == n
    assert sum(b["wins"] * b["worlds"] for b in rob["boxes"]) == pytest.approx(wins)
    assert all(1 <= w <= 156 for w in rob["crossover_weeks"] if w is not None)
    # A world's crossover, if any, comes within its own decision horizon.
    assert all(w is None or w <= h for w, h in zip(rob["crossover_weeks"], rob["horizon_weeks"], strict=True))
    assert np.isfinite(rob["tree_accuracy"]) and np.isfinite(rob["full_tree_accuracy"])
    assert sum(b["worlds"] for b in rob["full_boxes"]) == n
    wins_3y = rob["winners_3y"].get(course, 0)
    assert rob["share_course_wins_3y"] == pytest.approx(wins_3y / n)
    assert (rob["lead_3y_min"] >= 0) == (wins_3y == n)


def test_main_prints_the_findings_and_never_fails_on_them(tmp_path, capsys, monkeypatch, done):
    _, document = done
    monkeypatch.setattr(validate, "validate", lambda sizes, workers, out: document)
    assert validate.main(["--quick", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "what must emerge" in printed
    for f in document["emergence"]["seeds"]:
        assert emergence.line(f) in printed
