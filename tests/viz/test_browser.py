"""The app in a real browser (Chromium via Playwright): each page loads, takes input, answers, and keeps its state.

Screenshots go to results/screenshots/. How long Run takes to the numbers and
to the charts is measured by ``benchmarks/studio.py``, not asserted here.
"""

import contextlib
import re
from urllib.parse import parse_qs, urlparse

import pytest

from sim.plans import Plan
from viz.scenario import METRICS, Action
from viz.scenario_file import read_scenario

pytest.importorskip("playwright")

pytestmark = pytest.mark.browser

WAIT_MS = 120_000
WIDE = {"width": 1440, "height": 2200}
CHART = ".orgstack-chart"


def numbers(page, metric: str) -> tuple[float, float]:
    """Plans A and B's values of a metric, read from the table at the horizon."""
    cells = page.locator("tr", has_text=metric).first.locator("td").all_inner_texts()
    return float(cells[1].replace(",", "")), float(cells[2].replace(",", ""))


def slider(page, label: str):
    return page.locator(".v-input__slider", has_text=label).first.get_by_role("slider")


def press(page, slider_label: str, key: str) -> None:
    knob = slider(page, slider_label)
    knob.focus()
    knob.press(key)


def run_and_wait(page, marker: str, button: str = "Run") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_text(marker).first.wait_for(timeout=WAIT_MS)


def wait_for_charts(page, count: int) -> None:
    """Wait until ``count`` Vega-Lite charts are drawn (each says so in its ``data-drawn``)."""
    page.wait_for_function(
        "n => document.querySelectorAll('.orgstack-chart:not([data-drawn=\"\"]) svg').length >= n",
        arg=count,
        timeout=WAIT_MS,
    )


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def assert_offline(page) -> None:
    assert page.outside == [], "the page asked for something off this machine"
    assert page.failed == [], "an asset failed to load"


@contextlib.contextmanager
def opened(solara_app, solara_server, page, path: str, ready: str, viewport: dict | None = None):
    """Serve the studio, open ``path`` and wait for ``ready``; after the test's steps, check it stayed offline."""
    page.set_viewport_size(viewport or WIDE)
    with solara_app("viz.app"):
        page.goto(solara_server.base_url + path)
        page.get_by_text(ready).first.wait_for(timeout=WAIT_MS)
        yield page
        assert_offline(page)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_what_if_compares_plans_shows_values_on_hover_and_keeps_its_state(
    solara_app, solara_server, offline_page, screenshots
):
    page = offline_page
    with opened(solara_app, solara_server, page, "/", "Press Run to simulate the plans"):
        run_and_wait(page, "After 156 weeks")
        wait_for_charts(page, len(METRICS) + 1)  # every metric and the layer stacks
        a, b = numbers(page, "Cumulative net value")
        # Which plan wins is a finding (make validate); the page must say the one its table shows.
        ahead = "B" if b > a else "A"
        assert page.get_by_text(f"Plan {ahead} has been ahead since week").is_visible()
        assert page.locator("html").get_attribute("lang") == "en"
        labels = page.locator(CHART).evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
        assert all(label and "week" in label for label in labels), "every chart has alternative text"

        # Hover: the tooltip names the week and every plan's value there.
        chart = page.locator(CHART).first
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.45)
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(timeout=WAIT_MS)
        text = tooltip.inner_text()
        assert "week" in text and "A: execution_push" in text and re.search(r"\d", text)
        page.screenshot(path=screenshots / "what-if.png", full_page=True)

        # The inputs go into the address; the results go out of date, then Run brings them back.
        press(page, "Seeds per plan", "Home")
        page.get_by_text("Seeds per plan: 1").wait_for()
        page.wait_for_function("() => location.search.includes('seeds=1')", timeout=WAIT_MS)
        page.get_by_text("These results are out of date").wait_for(timeout=WAIT_MS)
        run_and_wait(page, "ahead in 1 of 1 seeds")
        page.get_by_text("These results are out of date").wait_for(state="detached", timeout=WAIT_MS)
        one_seed = numbers(page, "Cumulative net value")

        # Another page and back: inputs and results are as they were.
        tab(page, "Organisation")
        page.get_by_text("Press Run to simulate the organisation").wait_for(timeout=WAIT_MS)
        tab(page, "What-if")
        page.get_by_text("Seeds per plan: 1").wait_for(timeout=WAIT_MS)
        assert numbers(page, "Cumulative net value") == one_seed
        assert query(page)["seeds"] == "1"

        # A reload restores the inputs from the address; Run gives the same numbers.
        page.reload()
        page.get_by_text("Seeds per plan: 1").wait_for(timeout=WAIT_MS)
        run_and_wait(page, "ahead in 1 of 1 seeds")
        assert numbers(page, "Cumulative net value") == one_seed


def test_a_link_opens_the_scenario_it_names(solara_app, solara_server, offline_page):
    page = offline_page
    link = "/?org=elite&weeks=104&a=platform_team&a.platform_team.start=13&org.layers.culture=0.5"
    with opened(solara_app, solara_server, page, link, "Press Run to simulate the plans"):
        assert page.get_by_text("Horizon: 104 weeks").is_visible()
        assert page.get_by_text("4 culture: 0.50").is_visible()
        assert page.get_by_text("platform_team start week: 13").is_visible()
        assert page.locator(".v-select", has_text="Preset").first.inner_text().find("elite") >= 0
        run_and_wait(page, "After 104 weeks")
        assert page.get_by_text("A: platform_team (week 13)").first.is_visible()

        # Saved as a file, the scenario is the one the link named.
        page.get_by_text("Scenario files: save, load").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Save scenario (YAML)").click()
        saved, plans = read_scenario(download.value.path().read_text())
        assert (saved.org, saved.weeks, saved.layers) == ("elite", 104, {"culture": 0.5})
        assert plans[0] == Plan((Action("platform_team", start=13),))


@pytest.mark.parametrize("width", [800, 390])
def test_the_what_if_page_is_usable_in_a_narrow_window_and_on_a_phone(
    solara_app, solara_server, offline_page, screenshots, width
):
    page = offline_page
    narrow = {"width": width, "height": 2400}
    with opened(solara_app, solara_server, page, "/?weeks=20&seeds=2", "Press Run", viewport=narrow):
        run_and_wait(page, "After 20 weeks")
        wait_for_charts(page, len(METRICS) + 1)
        for label in ("execution_push start week", "foundations_first intensity", "5 talent", "Week 20"):
            knob = slider(page, label).locator("xpath=..").bounding_box()["width"]
            assert knob >= 150, f"the {label!r} slider is {knob:.0f} px wide"
        # Columns stack: nothing wider than the window, so nothing needs a sideways scroll.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
        chart = page.locator(CHART).first.bounding_box()
        assert chart["width"] >= width - 80, "a chart takes the width of the window"
        page.screenshot(path=screenshots / f"what-if-{width}.png", full_page=True)


def test_organisation_page_shows_every_team_and_keeps_its_run(
    solara_app, solara_server, offline_page, screenshots
):
    page = offline_page
    with opened(solara_app, solara_server, page, "/organisation?org.teams=200&weeks=8", "Press Run"):
        run_and_wait(page, "serves business unit")
        wait_for_charts(page, 1)
        circles = page.locator(f"{CHART} svg path[aria-roledescription='circle']")
        assert circles.count() == 200, "every one of the 200 teams is drawn"
        page.screenshot(path=screenshots / "organisation.png", full_page=True)
        tab(page, "Learn")
        page.get_by_text("Question.").wait_for(timeout=WAIT_MS)
        tab(page, "Organisation")
        page.get_by_text("serves business unit").first.wait_for(timeout=WAIT_MS)
        assert query(page) == {"org.teams": "200", "weeks": "8"}

        # Live, with Mesa's controller: Step simulates one week; play runs on until paused.
        page.get_by_role("button", name="Step through it").click()
        page.get_by_text("Week 0. Press Step").wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text("Week 1", exact=True).wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="\u25b6").click()  # play
        page.get_by_text(re.compile(r"^Week ([3-9]|\d\d+)$")).wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="\u275a\u275a").click()  # pause


@pytest.mark.parametrize("teams", [12, 120])
def test_organisation_page_draws_who_serves_and_needs_whom_and_picks_a_team_on_click(
    solara_app, solara_server, offline_page, screenshots, teams
):
    page = offline_page
    path = "/organisation" if teams == 12 else f"/organisation?org.teams={teams}"  # 12: the default org
    with opened(solara_app, solara_server, page, path, "Press Run", viewport={"width": 1440, "height": 900}):
        run_and_wait(page, "serves business unit")
        wait_for_charts(page, 4)  # the network and the chosen team's flow time, items and utilisation
        circles = page.locator(f"{CHART} svg path[aria-roledescription='circle']")
        assert circles.count() == teams
        network = page.locator(CHART).first
        described = network.get_attribute("aria-label")
        assert "platform teams below the teams they serve" in described and "code is coupled" in described
        circles.nth(5).click()
        page.get_by_text("Team 5 serves business unit").wait_for(timeout=WAIT_MS)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.orgstack-chart')].some("
            "e => (e.getAttribute('aria-label') || '').startsWith(\"Team 5's flow_time_days\"))",
            timeout=WAIT_MS,
        )
        network.scroll_into_view_if_needed()
        page.screenshot(path=screenshots / f"organisation-{teams}-teams.png")
        # The page scrolls inside the app's layout, so a full-page screenshot would not show the team.
        page.get_by_text("Team 5 serves business unit").scroll_into_view_if_needed()
        page.screenshot(path=screenshots / f"organisation-{teams}-teams-team-5.png")


def test_learn_page_reveals_the_answer_after_the_run(solara_app, solara_server, offline_page, screenshots):
    page = offline_page
    with opened(solara_app, solara_server, page, "/learn", "Question."):
        assert page.get_by_text("Answer:").count() == 0
        page.get_by_role("button", name="Doing nothing").click()
        run_and_wait(page, "Answer:")
        answer = page.get_by_text("Answer:").inner_text()
        assert "You were right." in answer or "You answered: Doing nothing" in answer
        wait_for_charts(page, 3)
        page.screenshot(path=screenshots / "learn.png", full_page=True)


def test_diagnose_result_survives_a_page_switch(solara_app, solara_server, offline_page, screenshots):
    page = offline_page
    quick = "/diagnose?example=weak_architecture&seeds=4&trials=0&fit-trials=5"
    with opened(solara_app, solara_server, page, quick, "Press Diagnose to fit the organisation"):
        assert page.get_by_text("Roadmap search trials: 0").is_visible()
        run_and_wait(page, "Binding layer: ", button="Diagnose")
        binding = page.get_by_text("Binding layer: ").first.inner_text()
        wait_for_charts(page, 3)  # the layer picture, the marginal values, the comparison's panels
        page.screenshot(path=screenshots / "diagnose.png", full_page=True)
        assert page.get_by_role("button", name="Download report (HTML)").is_visible()
        tab(page, "What-if")
        page.get_by_text("What if...").wait_for(timeout=WAIT_MS)
        tab(page, "Diagnose")
        page.get_by_text("Binding layer: ").first.wait_for(timeout=WAIT_MS)
        assert page.get_by_text("Binding layer: ").first.inner_text() == binding
        assert query(page)["example"] == "weak_architecture"


def test_two_tabs_keep_their_own_inputs(solara_app, solara_server, offline_page, browser):
    page = offline_page
    with opened(solara_app, solara_server, page, "/", "Press Run to simulate the plans"):
        press(page, "Seeds per plan", "Home")
        page.get_by_text("Seeds per plan: 1").wait_for()
        other = browser.new_page()
        try:
            other.goto(solara_server.base_url + "/")
            other.get_by_text("Press Run to simulate the plans").wait_for(timeout=WAIT_MS)
            assert other.get_by_text("Seeds per plan: 20").is_visible(), (
                "another tab starts from the defaults"
            )
        finally:
            other.close()
        assert page.get_by_text("Seeds per plan: 1").is_visible()
