"""``orgstack-report``: the file it writes, atomically, and bad input."""

import pytest
import yaml

from sim.cli import report as command
from sim.consult.assess import examples
from sim.consult.effort import Effort
from tests.sim.cli.exits import exited


def test_cli_bad_input_exit_2_and_nothing_written(tmp_path, capsys):
    data = yaml.safe_load(examples()["weak_alignment"].read_text())
    data["answers"]["culture"].pop("blameless")
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data))
    out = tmp_path / "report.html"
    code, stdout, err = exited(capsys, command.main, [str(answers), "-o", str(out)])
    assert code == 2 and stdout == ""
    assert err.strip().splitlines() == [
        "orgstack-report: error: answers.culture: incomplete: no answer to blameless; every question needs a "
        "whole number from 1 to 5"
    ]
    assert list(tmp_path.iterdir()) == [answers]
    code, _, err = exited(
        capsys, command.main, [str(examples()["weak_alignment"]), "--seeds", "1", "-o", str(out)]
    )
    assert code == 2 and "--seeds: must be a whole number from 2 to 10000, got 1" in err
    code, _, err = exited(
        capsys, command.main, [str(examples()["weak_alignment"]), "-o", str(tmp_path / "no" / "r.html")]
    )
    assert code == 2 and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [answers]


def test_cli_writes_atomically(tmp_path, capsys, monkeypatch, small_study):
    out = tmp_path / "report.html"
    out.write_text("old report")
    calls = []

    def fake_study(
        answers, budget, effort
    ):  # the study itself is tested above; here only what the command does
        calls.append((answers.organisation, budget, effort))
        return small_study

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(command, "study", fake_study)
    monkeypatch.setattr(command, "render", broken)
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
        command.main(args)
    assert out.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    monkeypatch.setattr(command, "render", lambda s: "<!DOCTYPE html><p>new</p>")
    command.main(args)
    assert out.read_text() == "<!DOCTYPE html><p>new</p>"
    assert "wrote" in capsys.readouterr().out
    assert calls[-1] == ("Contoso Retail IT", 2.0, Effort(seeds=5, trials=0))


def test_a_short_horizon_study_end_to_end(tmp_path, capsys):
    # the whole command, on the smallest settings: fit, diagnosis, ranking, report file
    out = tmp_path / "r.html"
    args = [str(examples()["weak_alignment"]), "-o", str(out), "--fit-trials", "3", "--seeds", "2"]
    command.main([*args, "--trials", "0", "--weeks", "26"])
    text = out.read_text()
    assert "value gained in 26 weeks" in text and "Binding layer" in text
    assert "binding layer" in capsys.readouterr().out
