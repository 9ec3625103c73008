"""The assessment: answers validated, contradictions named, the examples fitted within tolerance."""

import copy
import math

import pytest
import yaml

from sim.consult import assess
from sim.consult.assess import AssessmentError, examples, load_answers, parse_answers


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
    rule = assess.settings()["mapping"]["levers"]["governance"]
    expected = rule["at_0"] + (rule["at_1"] - rule["at_0"]) * answers.strengths()["partnership"]
    assert math.isclose(config.org.levers.governance, expected, abs_tol=1e-5)


def test_examples_fit_within_tolerance(assessed):
    fitted = assessed
    for name, result in fitted.items():
        errors = result.fit.errors
        assert set(errors.index) == set(assess.settings()["fit"]["targets"])
        bad = errors[~errors["within"]]
        assert bad.empty, f"{name}: facts outside x{1 + result.fit.tolerance}: {bad.to_dict('index')}"
        ranges = assess._ranges(assess.settings()["fit"]["parameters"], result.answers.strengths())
        for key, value in result.fit.values.items():
            assert ranges[key][0] <= value <= ranges[key][1]


def test_assessment_reports_maturity_and_cluster(assessed):
    result = assessed["weak_alignment"]
    assert 1 <= result.maturity <= 5
    assert result.maturity_name in result.summary()
    assert result.dora_cluster in {"low", "medium", "high", "elite"}
    text = assess.org_yaml(result)
    org = yaml.safe_load(text)
    assert org["teams"] == result.answers.facts["teams"]
    assert math.isclose(org["load"], result.fit.values["org.load"], rel_tol=1e-4)


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
