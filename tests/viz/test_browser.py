"""The app in a real browser (Chromium via Playwright): each page loads, takes input and answers.

Screenshots go to results/screenshots/. The times from pressing Run to the
default what-if's numbers and to its pictures (drawn after the numbers) are
written to results/screenshots/timings.json (measured, not asserted: they depend
on the machine's load).
"""

import contextlib
import json
import re
import time

import pytest

pytest.importorskip("playwright")

pytestmark = pytest.mark.browser

WAIT_MS = 120_000


def numbers(page, metric: str) -> tuple[float, float]:
    """Plans A and B's values of a metric, read from the table of differences."""
    cells = page.locator("tr", has_text=metric).first.locator("td").all_inner_texts()
    return float(cells[1].replace(",", "")), float(cells[2].replace(",", ""))


def press(page, slider_label: str, key: str) -> None:
    slider = page.locator(".v-input__slider", has_text=slider_label).get_by_role("slider")
    slider.focus()
    slider.press(key)


def run_and_wait(page, marker: str) -> float:
    page.get_by_role("button", name="Run", exact=True).click()
    started = time.perf_counter()
    page.get_by_text(marker).first.wait_for(timeout=WAIT_MS)
    return time.perf_counter() - started


def wait_for_pictures(page, count: int) -> None:
    """Wait until ``count`` charts are shown: they are drawn in the background after the numbers."""
    page.wait_for_function(
        "n => document.querySelectorAll('img[src^=\"blob:\"]').length >= n", arg=count, timeout=WAIT_MS
    )


def assert_offline(page) -> None:
    assert page.outside == [], "the page asked for something off this machine"
    assert page.failed == [], "an asset failed to load"


@contextlib.contextmanager
def opened(solara_app, solara_server, page, path: str, ready: str):
    """Serve the studio, open ``path`` and wait for ``ready``; after the test's steps, check it stayed offline."""
    with solara_app("viz.app"):
        page.goto(solara_server.base_url + path)
        page.get_by_text(ready).wait_for(timeout=WAIT_MS)
        yield page
        assert_offline(page)


def test_what_if_page_compares_plans_and_follows_the_layers(
    solara_app, solara_server, offline_page, screenshots
):
    page = offline_page
    with opened(solara_app, solara_server, page, "/", "Press Run to simulate both plans"):
        clicked = time.perf_counter()
        seconds = run_and_wait(page, "After 156 weeks")
        wait_for_pictures(page, 2)  # layer stacks, metric panels
        pictures = time.perf_counter() - clicked
        computed = page.get_by_text("Simulated 40 runs in").first.inner_text()
        a, b = numbers(page, "Cumulative value")
        assert b > a, "foundations_first should beat execution_push at 156 weeks on the default org"
        assert page.get_by_text("Plan B has been ahead since week").is_visible()
        page.screenshot(path=screenshots / "what-if.png", full_page=True)
        (screenshots / "timings.json").write_text(
            json.dumps(
                {
                    "default_what_if_run_to_results_s": round(seconds, 2),
                    "default_what_if_run_to_pictures_s": round(pictures, 2),
                    "app_says": computed,
                }
            )
        )

        # Play animates the layer stacks: from week 1 the scrubber moves on by itself.
        press(page, "Week 156", "Home")
        page.get_by_text("Week 1", exact=True).wait_for()
        stacks = page.locator('img[src^="blob:"]').first.get_attribute("src")
        page.locator(".widget-play button").first.click()
        page.get_by_text(re.compile(r"^Week ([2-9]|[1-9]\d+)$")).first.wait_for(timeout=WAIT_MS)
        page.wait_for_function(
            "src => document.querySelector('img[src^=\"blob:\"]').src !== src", arg=stacks, timeout=WAIT_MS
        )
        page.locator(".widget-play button").nth(1).click()  # pause

        press(page, "Seeds per plan", "Home")
        page.get_by_text("Seeds per plan: 1").wait_for()
        run_and_wait(page, "ahead in 1 of 1 seeds")
        before = numbers(page, "Cumulative value")
        for layer in ("3 architecture", "4 culture", "5 talent"):
            press(page, layer, "End")
            page.get_by_text(f"{layer}: 1.00").wait_for()
        page.get_by_text("Simulated 2 runs").wait_for()
        run_and_wait(page, "Simulating...")
        page.get_by_text("Simulated 2 runs").wait_for(timeout=WAIT_MS)
        after = numbers(page, "Cumulative value")
        assert after[0] > before[0] and after[1] > before[1]


def test_organisation_page_shows_the_network_and_a_team(solara_app, solara_server, offline_page, screenshots):
    page = offline_page
    with opened(solara_app, solara_server, page, "/organisation", "Press Run to simulate the organisation"):
        run_and_wait(page, "serves business unit")
        assert page.get_by_text("Team 0 serves business unit 0").is_visible()
        team = page.get_by_label("Team", exact=True)
        team.fill("5")
        page.get_by_text("Team 5 serves business unit 1").wait_for()
        page.screenshot(path=screenshots / "organisation.png", full_page=True)

        # Live, with Mesa's controller: Step simulates one week; play runs on until paused.
        page.get_by_role("button", name="Step through it").click()
        page.get_by_text("Week 0. Press Step").wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="Step", exact=True).click()
        page.get_by_text("Week 1", exact=True).wait_for(timeout=WAIT_MS)
        wait_for_pictures(page, 2)
        page.get_by_role("button", name="\u25b6").click()  # play
        # Week 4 or later: a week shows for only 0.3 s while playing, too short to be sure to catch.
        page.get_by_text(re.compile(r"^Week ([4-9]|\d\d+)$")).wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="\u275a\u275a").click()  # pause
        page.screenshot(path=screenshots / "organisation-live.png", full_page=True)


def test_learn_page_reveals_the_answer_after_the_run(solara_app, solara_server, offline_page, screenshots):
    page = offline_page
    with opened(solara_app, solara_server, page, "/learn", "Question."):
        assert page.get_by_text("Answer:").count() == 0
        page.get_by_role("button", name="Doing nothing").click()
        run_and_wait(page, "Answer:")
        answer = page.get_by_text("Answer:").inner_text()
        assert (
            answer.startswith("Answer: Doing nothing. You were right.")
            or "You answered: Doing nothing" in answer
        )
        page.screenshot(path=screenshots / "learn.png", full_page=True)


def test_diagnose_page_diagnoses_an_example_and_offers_the_report(
    solara_app, solara_server, offline_page, screenshots
):
    page = offline_page
    with opened(solara_app, solara_server, page, "/diagnose", "Press Diagnose to fit the organisation"):
        for label in ("Seeds", "Roadmap search trials", "Fit trials"):
            press(page, label, "Home")  # the smallest settings keep the test quick
        page.get_by_text("Roadmap search trials: 0").wait_for()
        page.get_by_role("button", name="Diagnose", exact=True).click()
        page.get_by_text("Binding layer: ").first.wait_for(timeout=WAIT_MS)
        wait_for_pictures(page, 3)  # layer picture, marginal values, A/B
        page.screenshot(path=screenshots / "diagnose.png", full_page=True)
        assert page.get_by_role("button", name="Download report (HTML)").is_visible()
        assert page.get_by_text("Diagnosis: marginal value of each layer over 156 weeks").is_visible()
        assert page.get_by_text("Recommended plan: ").is_visible()
