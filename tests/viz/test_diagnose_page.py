"""The Diagnose page rendered with solara.render: answers in, diagnosis, roadmap and report out."""

import json
import time

import ipyvuetify as v
import solara

from viz.diagnose import Diagnose
from viz.vega import VegaChart

TIMEOUT = 120


def slider(rc, label: str):
    (found,) = [w for w in rc.find(v.Slider).widgets if w.label.startswith(label)]
    return found


def alerts(rc, kind: str) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Alert, type=kind).widgets]


def quick(rc) -> None:
    slider(rc, "Seeds").v_model = 4
    slider(rc, "Roadmap search trials").v_model = 0
    slider(rc, "Fit trials").v_model = 10


def test_diagnose_runs_in_the_background_and_offers_the_report():
    box, rc = solara.render(Diagnose(), handle_error=False)
    assert any("Press Diagnose" in a for a in alerts(rc, "info"))
    quick(rc)
    rc.find(v.Btn, children=["Diagnose"]).widget.click()
    # the page answers while the work runs: the button is disabled and a progress bar shows
    deadline = time.monotonic() + TIMEOUT
    saw_pending = False
    while time.monotonic() < deadline and not alerts(rc, "success"):
        saw_pending |= bool(rc.find(v.ProgressLinear).widgets)
        assert not alerts(rc, "error"), alerts(rc, "error")
        time.sleep(0.05)
    (done,) = alerts(rc, "success")
    assert saw_pending
    assert done.startswith("Binding layer: ") and "Maturity" in done and "DORA cluster" in done
    download = [w for w in rc.find(v.Btn).widgets if "Download report (HTML)" in str(w.children)]
    assert len(download) == 1
    # Three charts drawn in the browser, each with its data inline and alternative text that quotes it.
    charts = rc.find(VegaChart).widgets
    titles = sorted(c.spec["title"]["text"][:12] for c in charts)
    assert titles == ["Against the ", "Layer pictur", "Net value ga"]
    for chart in charts:
        assert chart.spec["data"]["values"] and any(ch.isdigit() for ch in chart.description)
        assert "NaN" not in json.dumps(chart.spec)


def test_bad_answers_name_the_field_and_disable_diagnose():
    box, rc = solara.render(Diagnose(), handle_error=False)
    (fact,) = [w for w in rc.find(v.TextField).widgets if (w.label or "").startswith("change_failure_rate")]
    fact.v_model = "1.5"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not alerts(rc, "error"):
        time.sleep(0.05)
    (error,) = alerts(rc, "error")
    assert "facts.change_failure_rate: must be a number from 0 to 1, got 1.5" in error
    assert rc.find(v.Btn, children=["Diagnose"]).widget.disabled


def test_an_answer_slider_changes_the_answers_and_an_example_reloads_them():
    box, rc = solara.render(Diagnose(), handle_error=False)
    rc.find(v.Select, label="Example").widget.v_model = "weak_architecture"
    assert slider(rc, "architecture.standards").label == "architecture.standards: 1"
    slider(rc, "architecture.standards").v_model = 4
    assert slider(rc, "architecture.standards").label == "architecture.standards: 4"
    rc.find(v.Select, label="Example").widget.v_model = "weak_alignment"
    rc.find(v.Select, label="Example").widget.v_model = "weak_architecture"
    assert slider(rc, "architecture.standards").label == "architecture.standards: 1"
    # the facts follow the example loaded
    (teams,) = [w for w in rc.find(v.TextField).widgets if (w.label or "").startswith("teams")]
    assert float(teams.v_model) == 16
