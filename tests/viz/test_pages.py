"""Component tests: the pages rendered with solara.render and driven through their widgets."""

import re
import time

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.widgets

from viz.learn import Learn
from viz.lessons import LESSONS
from viz.organisation import Organisation
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


def images(rc, count: int, before: frozenset[bytes] = frozenset(), new: int = 0) -> set[bytes]:
    """The ``count`` pictures on the page once drawn (in the background), ``new`` of them not in ``before``."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = {bytes(w.value) for w in rc.find(ipywidgets.Image).widgets if w.value}
        if len(found) == count and len(found - before) >= new:
            return found
        time.sleep(0.02)
    raise AssertionError(f"{count} pictures, {new} of them new, were not drawn within {TIMEOUT} s")


def run(rc, outcome: str = "success") -> str:
    """Press Run and return the text of the alert that ends this run (not one left from the last)."""
    before = {w.model_id for w in rc.find(v.Alert).widgets}
    rc.find(v.Btn, children=["Run"]).widget.click()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        fresh = [w for w in rc.find(v.Alert, type=outcome).widgets if w.model_id not in before]
        if fresh:
            return fresh[0].children[0]
        time.sleep(0.02)
    raise AssertionError(f"no new {outcome} alert within {TIMEOUT} s")


def html(rc) -> str:
    return "".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def cumulative(rc) -> dict[str, float]:
    """Mean cumulative value of plans A and B, read from the table of differences."""
    row = re.search(
        r"<td>Cumulative value</td>\s*<td[^>]*>([\d,.]+)</td>\s*<td[^>]*>([\d,.]+)</td>", html(rc)
    )
    return {"A": float(row.group(1).replace(",", "")), "B": float(row.group(2).replace(",", ""))}


def small(rc, weeks: int = 26, seeds: int = 2) -> None:
    slider(rc, "Horizon").v_model = weeks
    slider(rc, "Seeds per plan").v_model = seeds


def test_foundations_first_ends_ahead_of_the_execution_push_on_the_default_org():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=104, seeds=3)
    summary = run(rc)
    assert summary.startswith("After 104 weeks, plan B (foundations_first) has delivered")
    values = cumulative(rc)
    assert values["B"] > values["A"]
    assert "Plan B has been ahead since week" in summary


def test_raising_layer_strengths_raises_both_plans_value():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc)
    run(rc)
    before = cumulative(rc)
    set_slider(rc, "4 culture", 0.9)
    set_slider(rc, "5 talent", 0.9)
    run(rc)
    after = cumulative(rc)
    assert after["A"] > before["A"] and after["B"] > before["B"]


def test_choosing_a_preset_loads_its_layers_and_size():
    box, rc = solara.render(WhatIf(), handle_error=False)
    rc.find(v.Select, label="Preset").widget.v_model = "enterprise"
    assert slider(rc, "3 architecture").label == "3 architecture: 0.35"
    assert rc.find(v.TextField, label="Teams").widget.v_model == "200"


def test_a_one_week_horizon_gives_results():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=1, seeds=2)
    assert run(rc).startswith("After 1 weeks")
    assert slider(rc, "Week 1")


@pytest.mark.parametrize("level", [0.0, 1.0])
def test_every_layer_at_an_extreme_gives_results(level):
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=8, seeds=1)
    for name in LAYERS:
        slider(rc, name).v_model = level
    assert run(rc).startswith("After 8 weeks")


def test_too_many_teams_is_a_readable_message_and_run_is_disabled():
    box, rc = solara.render(WhatIf(), handle_error=False)
    rc.find(v.TextField, label="Teams").widget.v_model = 100_000
    assert rc.find(v.Alert, type="error").widget.children[0].startswith("Teams: choose from 1 to 5,000")
    assert rc.find(v.Btn, children=["Run"]).widget.disabled


def test_a_plan_without_intensity_delivers_what_no_intervention_delivers():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=30, seeds=2)
    rc.find(v.Select, label="Plan A interventions").widget.v_model = []
    slider(rc, "start week 1").v_model = 10
    sliders(rc, "intensity")[0].v_model = 0.0
    run(rc)
    values = cumulative(rc)
    assert values["B"] == pytest.approx(values["A"])
    assert "foundations_first (week 10, x0)" in rc.find(v.Alert, type="success").widget.children[0]


def test_scrubbing_the_week_redraws_the_layer_stack():
    box, rc = solara.render(WhatIf(), handle_error=False)
    small(rc, weeks=10, seeds=1)
    run(rc)
    at_horizon = images(rc, 2)
    set_slider(rc, "Week", 2, shows="Week 2")
    at_week_2 = images(rc, 2, before=frozenset(at_horizon), new=1)
    # The layer stack is redrawn; the charts over all weeks are not.
    assert len(at_horizon & at_week_2) == 1


def test_organisation_page_shows_the_chosen_team():
    box, rc = solara.render(Organisation(), handle_error=False)
    rc.find(v.TextField, label="Teams").widget.v_model = 6
    slider(rc, "Horizon").v_model = 20
    rc.find(v.Btn, children=["Run"]).widget.click()
    rc.find(v.Select, label="Colour by").wait_for(timeout=TIMEOUT)
    assert "<strong>Team 0</strong>" in html(rc)
    first = images(rc, 2)
    # Set again until the page takes it: a re-render from a thread that draws a chart can replace the field.
    deadline = time.monotonic() + 10
    while "<strong>Team 4</strong>" not in html(rc) and time.monotonic() < deadline:
        rc.find(v.TextField, label="Team").widget.v_model = 4
        time.sleep(0.05)
    assert "<strong>Team 4</strong> serves business unit 0" in html(rc)
    # The network marks the chosen team and the history is the new team's: both are redrawn.
    images(rc, 2, before=frozenset(first), new=2)


def test_organisation_steps_live_with_mesas_controller():
    box, rc = solara.render(Organisation(), handle_error=False)
    rc.find(v.TextField, label="Teams").widget.v_model = 5
    slider(rc, "Horizon").v_model = 3
    rc.find(v.Btn, children=["Step through it"]).widget.click()
    week_0 = "Week 0. Press Step for one week, or play; Reset starts again from week 0."
    rc.find(v.Alert, children=[week_0]).assert_single()
    step = rc.find(v.Btn, children=["Step"])
    step.widget.click()
    rc.find(v.Html, children=["Week 1"]).wait_for(timeout=TIMEOUT)
    first = images(rc, 2)
    step.widget.click()
    rc.find(v.Html, children=["Week 2"]).wait_for(timeout=TIMEOUT)
    images(rc, 2, before=frozenset(first), new=2)  # the network and the history follow the week
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
