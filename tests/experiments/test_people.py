"""people: the same-money options as data, their calibration, and the experiment on a reduced size."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments import people
from sim.config import GENERATED, GENERATED_DIR, load_config
from tests.experiments.analysed import assert_wrote, reduced_analysis

pytestmark = pytest.mark.slow

SEEDS, WEEKS = 3, 60


# ----------------------------------------------------------------------------- the options as data


@pytest.mark.parametrize("name", people.OPTIONS)
def test_preset_is_the_option_at_its_recorded_scale(name):
    path = GENERATED_DIR / "intervention" / f"{name}.yaml"
    text = path.read_text()
    assert yaml.safe_load(text)["description"]
    scale = people.read_scale(name)
    preset = load_config([GENERATED, f"intervention={name}"]).intervention[name]
    built = people.option(name, scale)
    assert preset.intensity == pytest.approx(built.intensity)
    assert len(preset.phases) == len(built.phases)
    for a, b in zip(preset.phases, built.phases, strict=True):
        assert (a.offset, a.duration) == (b.offset, b.duration)
        assert a.cost == pytest.approx(b.cost)
        assert a.levers.keys() == b.levers.keys()
        for lever in a.levers:
            assert a.levers[lever] == pytest.approx(b.levers[lever])
    assert "Same money" in text, "the preset records its calibration"


def test_hiring_means_one_more_person_per_team():
    item = people.option("people_hire_more", people.HIRE_INTENSITY)
    delta = item.intensity * item.phases[0].levers["headcount"]
    for org in ("struggling", "solid_but_slow", "enterprise"):
        size = load_config([f"org={org}"]).org.team_size
        assert round(size * delta) == 1


def test_the_coaching_option_keeps_training_at_full_strength():
    item = people.option("people_talent_coaching", 1.2)
    talent = load_config(["intervention=talent_program"]).intervention["talent_program"]
    assert item.phases[0] == talent.phases[0] and item.intensity == 1
    assert item.phases[1].levers["enabling_capacity"] == pytest.approx(0.6)


def test_clipping_is_measured_against_the_lever_range():
    # struggling has no training: talent_program at 2.8956 pushes training to 2.9, clipped to 1.
    share = people.clipped_share("people_talent_program", "struggling", 20)
    assert share["training"] == pytest.approx(1 - 1 / 2.8956, rel=1e-3)
    assert people.clipped_share("people_platform_team", "struggling", 20)[
        "platform_capacity"
    ] == pytest.approx(0)


def test_investment_is_cost_without_incidents():
    weekly = pd.DataFrame({"cost": [10.0, 20.0], "incidents": [1.0, 2.0]})
    assert people.investment(weekly, 5.0) == pytest.approx(15.0)


def test_calibration_equalises_the_extra_investment_on_its_seeds():
    orgs, seeds, weeks = ("struggling",), (1000, 1001), 40
    found = people.calibrate(orgs=orgs, seeds=seeds, weeks=weeks)
    assert set(found) == set(people.OPTIONS)
    target = found["people_hire_more"]["target"]
    assert target > 0
    for name, entry in found.items():
        if entry["scale"] < people.MAX_INTENSITY and entry["mean"] != pytest.approx(
            target, rel=people.TOLERANCE
        ):
            # People are hired whole, so money rises in steps: short of the target, the search
            # has found the step that straddles it (one rounding step either side).
            near = [
                np.mean(list(people.extra_investment(people.option(name, x), orgs, seeds, weeks).values()))
                for x in (entry["scale"] - 1e-4, entry["scale"] + 1e-4)
            ]
            assert min(*near, entry["mean"]) <= target <= max(*near, entry["mean"]), name
        # Re-measure at the written (rounded) scale: the same money.
        again = people.extra_investment(people.option(name, entry["scale"]), orgs, seeds, weeks)
        assert np.mean(list(again.values())) == pytest.approx(entry["mean"])


def test_secant_search_finds_a_root():
    x = people.solve(lambda v: 2.0 * v + 0.1, 3.0, 1.0, 1.5, 0.0, 3.0)
    assert 2.0 * x + 0.1 == pytest.approx(3.0, rel=people.TOLERANCE)


# ----------------------------------------------------------------------------- the experiment, reduced


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    return reduced_analysis(
        people, tmp_path_factory, SEEDS, WEEKS, only={"org": ["struggling", "solid_but_slow"]}
    )


def test_writes_its_files(done):
    assert_wrote(done, "people", ("people.csv", "money.csv", "curves.csv", "clipped.csv", "people.png"))


def test_table_ranks_options_by_gain_with_intervals(done):
    out, _, _ = done
    table = pd.read_csv(out / "people.csv")
    assert len(table) == 2 * (1 + len(people.OPTIONS))
    options = table[table["intervention"] != "none"]
    for _, part in options.groupby("org"):
        ranked = part.sort_values("rank")
        assert ranked["rank"].tolist() == list(range(1, len(people.OPTIONS) + 1))
        assert ranked["gain_mean"].is_monotonic_decreasing
    for key in (
        "gain",
        "extra_investment",
        "extra_cost",
        "gain_per_1000k",
        "cumulative_net_value",
        "attrition",
    ):
        part = options if key not in ("cumulative_net_value", "attrition") else table
        assert (part[f"{key}_ci_low"] <= part[f"{key}_mean"] + 1e-9).all(), key
        assert (part[f"{key}_mean"] <= part[f"{key}_ci_high"] + 1e-9).all(), key


def test_money_and_gain_follow_their_definitions(done):
    out, results, _ = done
    table = pd.read_csv(out / "people.csv").set_index(["org", "intervention"])
    cpi = load_config([]).params.operating.cost_per_incident
    rows = results[results["org"] == "struggling"]

    def total(name, column):
        part = rows[rows["intervention"] == name]
        values = part[column] if column != "investment" else part["cost"] - part["incidents"] * cpi
        return values.groupby(part["seed"]).sum()

    row = table.loc[("struggling", "people_platform_team")]
    assert row["extra_investment_mean"] == pytest.approx(
        (total("people_platform_team", "investment") - total("none", "investment")).mean()
    )
    assert row["gain_mean"] == pytest.approx(
        (total("people_platform_team", "net_value") - total("none", "net_value")).mean()
    )
    money = pd.read_csv(out / "money.csv").set_index("org")
    for org in ("struggling", "solid_but_slow"):
        extra = table.loc[org].drop(index="none")["extra_investment_mean"]
        spread = (extra.max() - extra.min()) / extra.mean()
        assert money.loc[org, "relative_spread"] == pytest.approx(spread)
        assert money.loc[org, "equal"] == (spread <= people.DEFAULTS["equal_tolerance"])


def test_summary_is_generated_from_the_table(done):
    out, _, _ = done
    clipped = pd.read_csv(out / "clipped.csv")
    saturated = clipped[
        (clipped["intervention"] == "people_talent_program") & (clipped["org"] == "struggling")
    ]
    assert saturated["share"].iloc[0] > 0.5
    table = pd.read_csv(out / "people.csv")
    money = pd.read_csv(out / "money.csv").set_index("org")
    md = (out / "summary.md").read_text()
    for org, part in table[table["intervention"] != "none"].groupby("org"):
        best = part.sort_values("rank").iloc[0]["intervention"]
        assert f"**{best}** adds the most cumulative net value" in md
        phrase = "the options cost the same within" if money.loc[org, "equal"] else "the money is NOT equal"
        assert f"On `{org}` (12 teams) {phrase}" in md


def test_unequal_money_is_flagged(done):
    _, results, _ = done
    tampered = results.copy()
    hire = tampered["intervention"] == "people_hire_more"
    tampered.loc[hire, "cost"] = tampered.loc[hire, "cost"] * 1.5
    settings = dict(people.DEFAULTS)
    result = people.compute(tampered, settings)
    assert not result["money"]["equal"].any()
    assert "the money is NOT equal" in " ".join(people.reading(result, settings))
    assert dataclasses.is_dataclass(people.option("people_platform_team", 1.0))
