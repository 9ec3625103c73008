"""Component tests: the pages rendered with solara.render and driven through their widgets."""

import json
import re
import time

import ipyvuetify as v
import pytest
import solara
import solara.widgets

from viz import whatif
from viz.learn import Learn
from viz.lessons import LESSONS
from viz.organisation import Organisation
from viz.scenario import METRICS
from viz.state import STALE
from viz.vega import VegaChart
from viz.whatif import WhatIf

TIMEOUT = 120
LAYERS = (
    "1 partnership",
    "2 strategy",
    "3 architecture",
    "4 culture",
    "5 talent",
    "6 execution",
    "7 innovation",
)


def sliders(rc, label: str) -> list:
    """Sliders whose label starts with ``label`` (labels end with the current value)."""
    return [w for w in rc.find(v.Slider).widgets if w.label.startswith(label)]


def slider(rc, label: str):
    (found,) = sliders(rc, label)
    return found


def set_slider(rc, label: str, value: float, shows: str | None = None) -> None:
    """Move a slider and wait until its label shows the value (``shows``, default ``"label: 0.90"``).

    A run that has just finished may still be re-rendering the page from its own
    thread; a value set on a slider that this re-render replaces is set again.
    """
    shows = shows or f"{label}: {value:.2f}"
    deadline = time.monotonic() + 10
    while True:
        found = sliders(rc, label)
        if found:
            found[0].v_model = value
        time.sleep(0.05)
        if any(w.label == shows for w in rc.find(v.Slider).widgets):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"slider {label!r} does not take {value}")


def settle(rc) -> None:
    """Wait until the page's text stops changing: the run re-renders it from its own thread."""
    last = None
    while (now := html(rc)) != last:
        last = now
        time.sleep(0.1)


def run(rc, outcome: str = "success") -> str:
    """Press Run and return the text of the alert that ends this run (not one left from the last).

    The page keeps its result's alert and changes its text, so an alert is new if its text is.
    """
    # By identity, not model_id: an alert a re-render closes meanwhile has no model_id to read.
    # The widgets are kept (values of the dict), so that no new one takes an old one's id.
    before = {(id(w), str(w.children)): w for w in rc.find(v.Alert).widgets}
    rc.find(v.Btn, children=["Run"]).widget.click()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        alerts = rc.find(v.Alert, type=outcome).widgets
        fresh = [w for w in alerts if (id(w), str(w.children)) not in before]
        if fresh:
            settle(rc)
            return fresh[0].children[0]
        time.sleep(0.02)
    raise AssertionError(f"no new {outcome} alert within {TIMEOUT} s")


def html(rc) -> str:
    return "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def cumulative(rc) -> dict[str, float]:
    """Mean cumulative net value of plans A and B, read from the table at the horizon."""
    label = re.escape(METRICS["cumulative_net_value"])
    row = re.search(rf"<td>{label}</td>\s*<td[^>]*>([\d,.]+)</td>\s*<td[^>]*>([\d,.]+)</td>", html(rc))
    return {"A": float(row.group(1).replace(",", "")), "B": float(row.group(2).replace(",", ""))}


def field(rc, label: str):
    """The text field whose label starts with ``label``."""
    (found,) = [w for w in rc.find(v.TextField).widgets if (w.label or "").startswith(label)]
    return found


def charts(rc, waiting_for: str | None = None) -> dict[str, dict]:
    """The Vega-Lite charts on the page, by title, once one titled ``waiting_for`` is there.

    The metric charts are built after the numbers are shown, in the background.
    """
    deadline = time.monotonic() + TIMEOUT
    while True:
        found = {w.spec["title"]["text"]: w.spec for w in rc.find(VegaChart).widgets}
        if waiting_for is None or waiting_for in found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def eventually(check, what: str) -> None:
    """Wait until ``check()`` is true: a run re-renders the page from its own thread."""
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.02)


def alerts(rc, kind: str) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Alert, type=kind).widgets]


def small(rc, weeks: int = 26, seeds: int = 2) -> None:
    slider(rc, "Horizon").v_model = weeks
    slider(rc, "Seeds per plan").v_model = seeds


def test_the_summary_names_the_plan_the_table_shows_ahead():
    # Which plan wins is a finding (make validate); the page must report the one its numbers show.
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=104, seeds=3)
    summary = run(rc)
    values = cumulative(rc)
    ahead = "A (execution_push)" if values["A"] > values["B"] else "B (foundations_first)"
    assert summary.startswith(f"After 104 weeks, plan {ahead} has delivered the most cumulative net value")
    assert f"Plan {ahead[0]} has been ahead since week" in summary


def test_raised_layer_sliders_reach_both_plans_stacks():
    # What stronger layers do to value is a finding (make validate), not the page's to test.
    def stack(rc) -> dict[tuple[str, str], float]:
        spec = next(c for t, c in charts(rc, METRICS["value"]).items() if t.startswith("Effective layer"))
        return {(row["plan"][0], row["layer"]): row["set"] for row in spec["data"]["values"]}

    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=4, seeds=1)
    run(rc)
    before = stack(rc)
    set_slider(rc, "4 culture", 0.9)
    set_slider(rc, "5 talent", 0.9)
    run(rc)
    # The charts follow the numbers in a second render.
    eventually(lambda: stack(rc)["A", "4 culture"] == 0.9, "the new stack")
    after = stack(rc)
    for plan in "AB":
        assert after[plan, "4 culture"] == after[plan, "5 talent"] == 0.9
        assert before[plan, "4 culture"] < 0.9 and before[plan, "5 talent"] < 0.9
        assert after[plan, "3 architecture"] == before[plan, "3 architecture"]


def test_choosing_a_preset_loads_its_layers_and_size():
    box, rc = solara.render(WhatIf(), handle_error=False)
    rc.find(v.Select, label="Preset").widget.v_model = "enterprise"
    assert slider(rc, "3 architecture").label == "3 architecture: 0.35"
    assert field(rc, "Teams").v_model == "200"


def test_a_one_week_horizon_gives_points_and_says_week():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=1, seeds=2)
    assert run(rc).startswith("After 1 week,")
    value = charts(rc, METRICS["value"])[METRICS["value"]]
    line = next(layer for layer in value["layer"] if layer["mark"]["type"] == "line")
    assert line["mark"]["point"] is True and {row["week"] for row in value["data"]["values"]} == {1}


@pytest.mark.parametrize("level", [0.0, 1.0])
def test_every_layer_at_an_extreme_gives_results(level):
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=8, seeds=1)
    for name in LAYERS:
        slider(rc, name).v_model = level
    assert run(rc).startswith("After 8 weeks")


@pytest.mark.parametrize(
    ("typed", "says"),
    [("100000", "Teams: choose from 1 to 5,000"), ("abc", "Teams: 'abc' is not a whole number")],
)
def test_a_bad_team_count_blocks_run_and_says_why(typed, says):
    box, rc = solara.render(WhatIf(), handle_error=False)
    field(rc, "Teams").v_model = typed
    assert any(a.startswith(f"Cannot run: {says}") for a in alerts(rc, "error"))
    assert rc.find(v.Btn, children=["Run"]).widget.disabled


def test_a_plan_without_intensity_ties_with_doing_nothing():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=30, seeds=2)
    rc.find(v.Select, label="Plan A interventions").widget.v_model = []
    slider(rc, "foundations_first start week").v_model = 10
    slider(rc, "foundations_first intensity").v_model = 0.0
    summary = run(rc)
    values = cumulative(rc)
    assert values["B"] == pytest.approx(values["A"])
    assert summary.startswith("After 30 weeks, it is a tie on cumulative net value")
    assert "foundations_first (week 10, x0)" in summary


def test_a_duration_cuts_an_intervention_short():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=40, seeds=2)
    slider(rc, "execution_push duration").v_model = 5
    summary = run(rc)
    assert "execution_push stops after 5 weeks" in summary or "execution_push stops after 5 weeks" in html(rc)


def test_scrubbing_the_week_redraws_the_layer_stack_only():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=10, seeds=1)
    run(rc)
    before = charts(rc, METRICS["value"])
    assert "Effective layer strengths at week 10" in before
    set_slider(rc, "Week", 2, shows="Week 2")
    after = charts(rc)
    assert "Effective layer strengths at week 2" in after
    assert after[METRICS["value"]] == before[METRICS["value"]], "the charts over all weeks are not redrawn"


def test_results_go_out_of_date_when_an_input_changes_and_come_back_with_run():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=6, seeds=1)
    run(rc)
    assert not any(STALE in a for a in alerts(rc, "warning"))
    slider(rc, "Horizon").v_model = 7
    assert any(f"These results are {STALE}" in a for a in alerts(rc, "warning"))
    slider(rc, "Horizon").v_model = 6
    assert not any(STALE in a for a in alerts(rc, "warning")), "back at the inputs of the results"
    slider(rc, "Horizon").v_model = 8
    run(rc)
    eventually(
        lambda: not any(STALE in a for a in alerts(rc, "warning")), "the results are still out of date"
    )


def test_inputs_and_results_survive_leaving_the_page_and_coming_back():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=6, seeds=1)
    set_slider(rc, "4 culture", 0.9)
    summary = run(rc)
    rc.close()  # the page is left: its components go
    box, rc = solara.render(WhatIf(), handle_error=False)
    assert slider(rc, "4 culture").label == "4 culture: 0.90"
    assert slider(rc, "Horizon").label.startswith("Horizon: 6 weeks")
    assert summary in alerts(rc, "success")


def test_a_third_plan_is_added_run_and_removed():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=6, seeds=1)
    rc.find(v.Btn, children=["Add plan C"]).widget.click()
    rc.find(v.Select, label="Plan C interventions").widget.v_model = ["platform_team"]
    run(rc)
    assert "| C - A %" in whatif.differences_markdown(whatif.result.value.outcome)
    eventually(lambda: len(charts(rc, METRICS["value"])[METRICS["value"]]["data"]["values"]) == 18, "no C")
    value = charts(rc)[METRICS["value"]]
    assert {row["key"] for row in value["data"]["values"]} == {"A", "B", "C"}
    assert "C: platform_team" in json.dumps(value["layer"])
    rc.find(v.Btn, children=["Remove plan C"]).widget.click()
    assert len(whatif.plans.value) == 2


def run_organisation(teams: int, weeks: int):
    """Render the Organisation page, run it for a small organisation and wait for the network."""
    box, rc = solara.render(Organisation(), handle_error=False)
    field(rc, "Teams").v_model = str(teams)
    slider(rc, "Horizon").v_model = weeks
    rc.find(v.Btn, children=["Run"]).widget.click()
    rc.find(v.Select, label="Colour by").wait_for(timeout=TIMEOUT)
    return rc


def test_organisation_page_shows_the_chosen_team():
    rc = run_organisation(teams=6, weeks=20)
    assert "<strong>Team 0</strong>" in html(rc)
    set_slider(rc, "Team", 4, shows="Team 4")
    assert "<strong>Team 4</strong> serves business unit" in html(rc)
    assert "net value" in html(rc) and "thousands of currency units" in html(rc)
    network = next(
        spec for title, spec in charts(rc).items() if title.startswith("Who serves and needs whom")
    )
    teams = network["layer"][-1]["data"]["values"]
    assert [t["team"] for t in teams if t["selected"]] == [4] and len(teams) == 6
    # The history is the new team's: the metric the teams are coloured by, and its item measures.
    assert {f"Team 4: {m}" for m in ("skill", "flow_time_days", "items_in_system", "utilisation")} <= set(
        charts(rc)
    )


def test_organisation_run_goes_out_of_date_and_survives_leaving_the_page():
    rc = run_organisation(teams=4, weeks=5)
    field(rc, "Seed").v_model = "3"
    assert any(f"This run is {STALE}" in a for a in alerts(rc, "warning"))
    rc.close()
    box, rc = solara.render(Organisation(), handle_error=False)
    assert field(rc, "Seed").v_model == "3"
    assert rc.find(v.Select, label="Colour by").widgets
    field(rc, "Seed").v_model = "x"
    assert any("Seed: 'x' is not a whole number" in a for a in alerts(rc, "error"))


def test_organisation_steps_live_with_mesas_controller():
    box, rc = solara.render(Organisation(), handle_error=False)
    field(rc, "Teams").v_model = "5"
    slider(rc, "Horizon").v_model = 3
    rc.find(v.Btn, children=["Step through it"]).widget.click()
    week_0 = "Week 0. Press Step for one week, or play; Reset starts again from week 0."
    rc.find(v.Alert, children=[week_0]).assert_single()
    step = rc.find(v.Btn, children=["Step"])
    step.widget.click()
    rc.find(v.Html, children=["Week 1"]).wait_for(timeout=TIMEOUT)
    step.widget.click()
    rc.find(v.Html, children=["Week 2"]).wait_for(timeout=TIMEOUT)
    assert any(title.endswith("week 2: teams coloured by skill") for title in charts(rc))
    step.widget.click()
    rc.find(v.Html, children=["Week 3"]).wait_for(timeout=TIMEOUT)
    assert step.widget.disabled, "the model stops at the horizon"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(v.Alert, children=[week_0]).wait_for(timeout=TIMEOUT)
    assert not step.widget.disabled
    step.widget.click()
    rc.find(v.Html, children=["Week 1"]).wait_for(timeout=TIMEOUT)
    rc.find(v.Btn, children=["Step through it"]).widget.click()  # again: a new model, from week 0
    rc.find(v.Alert, children=[week_0]).wait_for(timeout=TIMEOUT)


def test_learn_reveals_the_answer_read_from_the_runs():
    box, rc = solara.render(Learn(), handle_error=False)
    assert not rc.find(v.Alert, type="success").widgets
    lesson = LESSONS[0]
    rc.find(v.Btn, children=[lesson.choices[0]]).widget.click()
    answer = run(rc)
    right = next(choice for choice in lesson.choices if answer.startswith(f"Answer: {choice}."))
    assert ("You were right." in answer) == (right == lesson.choices[0])
