"""The assessment: answers validated, contradictions named, the mapping onto model v2, the fit."""

import copy
import dataclasses
import math

import pandas as pd
import pytest
import yaml

from sim.consult import assess
from sim.consult.assess import AssessmentError, examples, load_answers, parse_answers
from sim.consult.effort import Effort


def example(name: str) -> dict:
    return yaml.safe_load(examples()[name].read_text())


def test_two_examples_ship_and_are_valid():
    assert set(examples()) >= {"weak_architecture", "weak_alignment"}
    for path in examples().values():
        answers = load_answers(path)
        assert set(answers.strengths()) == set(assess.questionnaire()["layers"])
        assert all(0 <= v <= 1 for v in answers.strengths().values())


def test_known_weakness_is_the_weakest_answered_layer():
    arch = load_answers(examples()["weak_architecture"]).strengths()
    assert min(arch, key=arch.get) == "architecture"
    align = load_answers(examples()["weak_alignment"]).strengths()
    assert min(align, key=align.get) in {"partnership", "strategy"}


def test_layer_score_is_the_weighted_mean_and_maps_onto_strength():
    data = example("weak_architecture")
    for layer in data["answers"]:
        data["answers"][layer] = {k: 5 for k in data["answers"][layer]}
    data["answers"]["culture"]["safety"] = 1
    answers = parse_answers(data)
    weights = {k: q["weight"] for k, q in assess.questionnaire()["layers"]["culture"].items()}
    expected = (sum(weights.values()) * 5 - 4 * weights["safety"]) / sum(weights.values())
    assert math.isclose(answers.layer_scores()["culture"], expected)
    assert math.isclose(answers.strengths()["talent"], assess.questionnaire()["strength_at_max"])
    assert answers.strengths()["culture"] < answers.strengths()["talent"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda d: d["answers"]["culture"].pop("safety"),
            "answers.culture",
            "incomplete: no answer to safety",
        ),
        (lambda d: d["answers"].pop("talent"), "answers", "no answers for the layer(s) talent"),
        (
            lambda d: d["answers"]["strategy"].update(clarity=7),
            "answers.strategy.clarity",
            "from 1 to 5, got 7",
        ),
        (lambda d: d["answers"]["strategy"].update(clarity=2.5), "answers.strategy.clarity", "whole number"),
        (lambda d: d["answers"]["strategy"].update(vision=3), "answers.strategy.vision", "unknown question"),
        (
            lambda d: d["facts"].update(change_failure_rate=1.4),
            "facts.change_failure_rate",
            "from 0 to 1, got 1.4",
        ),
        (lambda d: d["facts"].pop("lead_time_days"), "facts", "incomplete: missing lead_time_days"),
        (lambda d: d["facts"].update(teams="many"), "facts.teams", "whole number"),
        (lambda d: d.update(notes="x"), "notes", "unknown key"),
    ],
)
def test_bad_or_incomplete_answers_name_the_field(change, field, words):
    data = copy.deepcopy(example("weak_alignment"))
    change(data)
    with pytest.raises(AssessmentError) as err:
        parse_answers(data)
    assert err.value.field == field
    assert words in err.value.message


def test_contradictions_are_named():
    data = example("weak_alignment")
    data["facts"].update(
        deploys_per_week=20, lead_time_days=0.5, change_failure_rate=0.05, time_to_restore_hours=0.5
    )
    data["answers"]["execution"] = {k: 1 for k in data["answers"]["execution"]}
    with pytest.raises(AssessmentError) as err:
        parse_answers(data)
    assert err.value.field == "facts.deploys_per_week"
    assert "contradictory: elite deploy frequency" in err.value.message

    data = example("weak_alignment")
    data["facts"].update(
        deploys_per_week=0.1, lead_time_days=1
    )  # one deploy in 10 weeks, changes out in a day
    with pytest.raises(AssessmentError) as err:
        parse_answers(data)
    assert err.value.field == "facts.lead_time_days"
    assert "waits on average 35.0 days" in err.value.message

    data = example("weak_alignment")
    data["facts"].update(business_units=30)
    with pytest.raises(AssessmentError, match="30 business units but only 20 teams"):
        parse_answers(data)


def test_org_overrides_compose_to_the_answered_organisation():
    from sim.config import load_config

    answers = load_answers(examples()["weak_alignment"])
    config = load_config(assess.org_overrides(answers))
    assert config.org.teams == answers.facts["teams"]
    assert math.isclose(
        config.org.teams_per_business_unit,
        answers.facts["teams"] / answers.facts["business_units"],
        rel_tol=1e-5,
    )
    for layer, strength in answers.strengths().items():
        assert math.isclose(getattr(config.org.layers, layer), strength, abs_tol=1e-5)
    # the levers that hold a layer follow it
    mapping = assess.settings()["mapping"]
    for lever, rule in mapping["levers"].items():
        expected = rule["at_0"] + (rule["at_1"] - rule["at_0"]) * answers.strengths()[rule["layer"]]
        assert math.isclose(getattr(config.org.levers, lever), expected, abs_tol=1e-5), lever
    # coupling comes from the integration answer, and a stronger layer in the diagnosis leaves it
    rule = mapping["fields"]["coupling"]
    layer, question = rule["question"].split(".")
    scale = assess.questionnaire()["scale"]
    x = (answers.answers[layer][question] - scale["min"]) / (scale["max"] - scale["min"])
    assert math.isclose(config.org.coupling, rule["at_0"] + (rule["at_1"] - rule["at_0"]) * x, abs_tol=1e-5)
    stronger = {k: min(v + 0.3, 1.0) for k, v in answers.strengths().items()}
    assert load_config(assess.org_overrides(answers, stronger)).org.coupling == config.org.coupling


def test_every_field_read_from_an_answer_names_a_question_and_an_org_field():
    from sim.model.params import OrgConfig

    layers = assess.questionnaire()["layers"]
    fields = {f.name for f in dataclasses.fields(OrgConfig)}
    for field, rule in assess.settings()["mapping"]["fields"].items():
        layer, question = rule["question"].split(".")
        assert question in layers[layer] and field in fields


def test_every_unknown_and_lever_the_mapping_sets_is_a_field_of_model_v2():
    from sim.config import load_config
    from sim.model.levers import LEVER_NAMES

    config = load_config(assess.org_overrides(load_answers(examples()["weak_alignment"])))
    for key in assess.settings()["fit"]["parameters"]:
        assert assess.set_value(config, key, 0.123) != config, key
    assert set(assess.settings()["mapping"]["levers"]) <= set(LEVER_NAMES)


def measured_answers(name: str, at: float, seeds: int) -> dict:
    """An example's answers with the facts the model shows for its unknowns at ``at`` of their ranges."""
    from sim.api import run_over_seeds
    from sim.config import load_config

    data = example(name)
    answers = parse_answers(data)
    s = assess.settings()["fit"]
    ranges = assess._ranges(s["parameters"], answers.strengths())
    truth = [f"{k}={lo + at * (hi - lo):.6g}" for k, (lo, hi) in ranges.items()]
    config = load_config(
        [*assess.org_overrides(answers), *truth, f"weeks={s['weeks']}", "record.team_every=0"]
    )
    frame = run_over_seeds([assess.sized(config, s["max_teams"])], range(seeds))[0]
    data["facts"].update({k: float(f"{v:.4g}") for k, v in assess.measure(frame, s["weeks"]).items()})
    return data


@pytest.mark.slow
def test_the_fit_reproduces_facts_the_model_produced():
    # The unknowns are off the centre of their ranges, where the fit starts: it has to search.
    answers = parse_answers(measured_answers("weak_alignment", 0.3, seeds=3))
    result = assess.fit(answers, Effort(fit_trials=30, fit_seeds=3))
    assert set(result.errors.index) == set(assess.settings()["fit"]["targets"])
    assert result.trials == 30
    assert result.ok, result.errors


@pytest.mark.slow
def test_the_fit_repeats_and_judges_each_fact_against_the_tolerance():
    answers = load_answers(examples()["weak_architecture"])
    a, b = (assess.fit(answers, Effort(fit_trials=6, fit_seeds=2)) for _ in range(2))
    assert a.values == b.values
    pd.testing.assert_frame_equal(a.errors, b.errors)
    errors = a.errors
    for fact, row in errors.iterrows():
        assert math.isclose(row["ratio"], math.exp(assess.fact_error(fact, row["simulated"], row["given"])))
        assert row["within"] == (abs(math.log(row["ratio"])) <= math.log(1 + a.tolerance))
    ranges = assess._ranges(assess.settings()["fit"]["parameters"], answers.strengths())
    for key, value in a.values.items():
        assert ranges[key][0] <= value <= ranges[key][1]


@pytest.mark.slow
def test_assessment_reports_maturity_and_cluster(assessed):
    result = assessed["weak_alignment"]
    assert 1 <= result.maturity <= 5
    assert result.maturity_name in result.summary()
    assert result.dora_cluster in {"low", "medium", "high", "elite"}
    assert result.simulated_cluster in {"low", "medium", "high", "elite"}
    for fact in result.fit.errors.index:
        assert fact in result.summary()
    org = yaml.safe_load(assess.org_yaml(result))
    assert org["teams"] == result.answers.facts["teams"]
    assert math.isclose(org["load"], result.fit.values["org.load"], rel_tol=1e-4)
    assert math.isclose(org["coupling"], result.fit.config.org.coupling, rel_tol=1e-4)


def test_every_setting_and_fact_is_documented():
    from pathlib import Path

    doc = (Path(assess.__file__).resolve().parents[2] / "docs" / "diagnose.md").read_text()

    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield str(key)
                yield from keys(value)

    settings = assess.settings()
    # every setting name (candidate lists and lever names included), every fact and the questionnaire's own keys
    missing = [k for k in keys(settings) if k not in doc]
    missing += [k for k in assess.questionnaire()["facts"] if k not in doc]
    missing += [k for k in ("scale", "strength_at_min", "strength_at_max", "weight") if k not in doc]
    assert not missing, f"not in docs/diagnose.md: {sorted(set(missing))}"
    readme = (Path(assess.__file__).resolve().parents[2] / "README.md").read_text()
    assert "## Diagnose an organisation" in readme and "docs/diagnose.md" in readme


def test_any_organisation_name_composes():
    from sim.config import load_config

    data = example("weak_alignment")
    data["organisation"] = "Acme ${oops} 'R&D' IT"
    config = load_config(assess.org_overrides(parse_answers(data)))
    assert config.org.description == "Acme oops R&D IT"
