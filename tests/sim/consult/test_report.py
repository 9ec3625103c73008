"""The report: one self-contained HTML file, written atomically, that renders in headless Chromium."""

import re

import pytest
import yaml

from sim.consult import report
from sim.consult.assess import examples
from sim.consult.diagnose import diagnose
from sim.consult.recommend import recommend


@pytest.fixture(scope="module")
def small_study(assessed):
    a = assessed["weak_architecture"]
    return report.Study(a, diagnose(a, seeds=6), recommend(a, seeds=4, trials=8))


@pytest.fixture(scope="module")
def html(small_study):
    return report.render(small_study, generated="test")


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


def test_caveats_use_the_sensitivity_analysis_when_it_exists(tmp_path):
    missing = report.sensitivity_caveats(tmp_path / "none.json")
    assert missing and "No sensitivity analysis" in missing[0]
    path = tmp_path / "validation.json"
    path.write_text(
        '{"sensitivity": {"sobol": [{"factor": "effort_base", "outcome": "value", "ST": 0.7},'
        ' {"factor": "x", "outcome": "lead_time", "ST": 0.9}]}, "robustness": {"worlds": 8, "share_foundations_first_wins": 0.75}}'
    )
    text = " ".join(report.sensitivity_caveats(path))
    assert "effort_base (70% of the variance)" in text and "x (" not in text
    assert "8 sampled parameter worlds" in text and "75%" in text


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


def run_cli(capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        report.main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err


def test_cli_bad_input_exit_2_and_nothing_written(tmp_path, capsys):
    data = yaml.safe_load(examples()["weak_alignment"].read_text())
    data["answers"]["culture"].pop("blameless")
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data))
    out = tmp_path / "report.html"
    code, stdout, err = run_cli(capsys, [str(answers), "-o", str(out)])
    assert code == 2 and stdout == ""
    assert err.strip().splitlines() == [
        "orgstack-report: error: answers.culture: incomplete: no answer to blameless; every question needs a "
        "whole number from 1 to 5"
    ]
    assert list(tmp_path.iterdir()) == [answers]
    code, _, err = run_cli(capsys, [str(examples()["weak_alignment"]), "--seeds", "1", "-o", str(out)])
    assert code == 2 and "--seeds: must be a whole number from 2 to 10000, got 1" in err
    code, _, err = run_cli(capsys, [str(examples()["weak_alignment"]), "-o", str(tmp_path / "no" / "r.html")])
    assert code == 2 and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [answers]


def test_cli_writes_atomically(tmp_path, capsys, monkeypatch, small_study):
    out = tmp_path / "report.html"
    out.write_text("old report")
    calls = []

    def fake_study(answers, **kwargs):  # the study itself is tested above; here only what the command does
        calls.append((answers.organisation, kwargs))
        return small_study

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(report, "study", fake_study)
    monkeypatch.setattr(report, "render", broken)
    args = [
        str(examples()["weak_alignment"]),
        "-o",
        str(out),
        "--seeds",
        "5",
        "--trials",
        "0",
        "--budget",
        "2",
    ]
    with pytest.raises(RuntimeError):
        report.main(args)
    assert out.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    monkeypatch.setattr(report, "render", lambda s: "<!DOCTYPE html><p>new</p>")
    report.main(args)
    assert out.read_text() == "<!DOCTYPE html><p>new</p>"
    assert "wrote" in capsys.readouterr().out
    assert calls[-1] == (
        "Contoso Retail IT",
        {"seeds": 5, "trials": 0, "fit_trials": None, "budget_per_team_week": 2.0, "weeks": None},
    )


def test_a_short_horizon_study_end_to_end(tmp_path, capsys):
    # the whole command, on the smallest settings: fit, diagnosis, ranking, report file
    out = tmp_path / "r.html"
    args = [str(examples()["weak_alignment"]), "-o", str(out), "--fit-trials", "3", "--seeds", "2"]
    report.main([*args, "--trials", "0", "--weeks", "26"])
    text = out.read_text()
    assert "value gained in 26 weeks" in text and "Binding layer" in text
    assert "binding layer" in capsys.readouterr().out
