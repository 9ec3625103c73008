"""The report: one self-contained HTML file, written atomically, that renders in headless Chromium."""

import re

import pytest

from sim.consult import report


@pytest.fixture(scope="module")
def html(small_study):
    return report.render(small_study, generated="test")


@pytest.mark.slow
def test_report_has_every_section_and_no_external_address(html):
    for heading in (
        "1. Assessment",
        "2. Layer picture, maturity and DORA cluster",
        "3. Diagnosis: looking down the stack",
        "4. Recommended roadmap",
        "First 90 days",
        "5. Against the execution-only alternative",
        "6. Caveats",
    ):
        assert heading in html
    assert "Northwind Insurance IT" in html
    # self-contained: no script, no link to a stylesheet, every image inline
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert not re.search(r"(?:src|href)\s*=\s*[\"'](?!data:)", html, re.I)
    assert not re.search(r"https?://", html)
    assert "url(" not in html
    assert len(re.findall(r'<img alt="chart" src="data:image/png;base64,', html)) == 3
    assert "@media print" in html
    # money in thousands of currency units: value, cost and net value
    for words in ("net value gained (k)", "value delivered (k)", "net value (k)", "extra cost (k)"):
        assert words in html


def test_caveats_use_the_sensitivity_analysis_when_it_exists(tmp_path):
    missing = report.sensitivity_caveats(tmp_path / "none.json")
    assert missing and "No sensitivity analysis" in missing[0]
    installed = report.sensitivity_caveats(None)
    assert installed and "not part of this installation" in installed[0]
    path = tmp_path / "validation.json"
    path.write_text(
        '{"sensitivity": {"sobol": [{"factor": "operating.overtime", "outcome": "value", "ST": 0.7},'
        ' {"factor": "debt_doubling", "outcome": "lead_time", "ST": 0.9}]},'
        ' "robustness": {"worlds": 8, "course": "foundations_first", "share_course_wins": 0.75,'
        ' "winners": {"foundations_first": 6, "execution_push": 2}}}'
    )
    text = " ".join(report.sensitivity_caveats(path))
    assert "operating.overtime (70% of the variance)" in text and "debt_doubling (" not in text
    assert "8 sampled parameter worlds" in text and "75%" in text and "against execution_push" in text


def test_an_analysis_of_another_model_version_is_not_shown(tmp_path):
    path = tmp_path / "validation.json"
    # effort_base was a parameter of model v1: v2 has none of that name
    path.write_text(
        '{"sensitivity": {"sobol": [{"factor": "effort_base", "outcome": "value", "ST": 0.7}]},'
        ' "robustness": {"worlds": 8, "course": "foundations_first", "share_course_wins": 0.75,'
        ' "winners": {"foundations_first": 6, "execution_push": 2}}}'
    )
    (text,) = report.sensitivity_caveats(path)
    assert "earlier model version" in text and "effort_base" in text and "75%" not in text
    assert {"overtime", "operating.overtime", "warmup_weeks"} <= report.model_parameters()


@pytest.mark.slow
def test_report_renders_in_headless_chromium(html, tmp_path, page, screenshots):
    path = tmp_path / "report.html"
    path.write_text(html)
    outside = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.goto(path.as_uri())
    page.get_by_role("heading", name="4. Recommended roadmap").wait_for()
    images = page.locator("img")
    assert images.count() == 3
    # every chart decoded and laid out
    assert all(w > 100 for w in images.evaluate_all("els => els.map(e => e.naturalWidth)"))
    page.screenshot(path=screenshots / "report.png", full_page=True)
    pdf = page.pdf()
    assert outside == []
    assert pdf.startswith(b"%PDF")
    assert (screenshots / "report.png").stat().st_size > 50_000
