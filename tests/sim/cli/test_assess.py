"""``orgstack-assess``: its output, the fitted organisation it writes, and bad input."""

import pytest
import yaml

from sim.cli import assess as command
from sim.consult import assess
from sim.consult.assess import examples
from tests.sim.cli.exits import exited


def example(name: str) -> dict:
    return yaml.safe_load(examples()[name].read_text())


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    data = example("weak_alignment")
    data["facts"]["change_failure_rate"] = 1.5
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(data))
    out_org = tmp_path / "org.yaml"
    code, out, err = exited(capsys, command.main, [str(path), "--write-org", str(out_org)])
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [
        "orgstack-assess: error: facts.change_failure_rate: must be a number from 0 to 1, got 1.5"
    ]
    assert not out_org.exists()
    code, _, err = exited(capsys, command.main, [str(tmp_path / "missing.yaml")])
    assert code == 2 and "cannot read" in err and len(err.strip().splitlines()) == 1
    path.write_text("answers: [1, 2\n")
    code, _, err = exited(capsys, command.main, [str(path)])
    assert code == 2 and "not valid YAML" in err and len(err.strip().splitlines()) == 1


def test_cli_prints_the_assessment_and_writes_the_fitted_org(tmp_path, capsys):
    from sim.model.params import OrgConfig
    from sim.model.schema import build

    out_org = tmp_path / "acme.yaml"
    command.main(
        [str(examples()["weak_architecture"]), "--trials", "3", "--seeds", "2", "--write-org", str(out_org)]
    )
    out = capsys.readouterr().out
    for words in ("Northwind Insurance IT: assessment", "maturity:", "DORA cluster:", "fit (3 Optuna trials"):
        assert words in out
    for fact in assess.settings()["fit"]["targets"]:
        assert fact in out
    org = build(OrgConfig, yaml.safe_load(out_org.read_text()))  # a valid org preset
    assert org.teams == 16 and org.layers.architecture < org.layers.strategy


def with_value(value: float, *path: str) -> bytes:
    """The example weak_alignment with one answer or fact changed, as a file's bytes."""
    data = example("weak_alignment")
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return yaml.safe_dump(data).encode()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"organisation: \xff\n", "not UTF-8"),
        (with_value(float("nan"), "answers", "strategy", "clarity"), "got nan"),
        (with_value(float("inf"), "answers", "strategy", "clarity"), "got inf"),
        (b"facts: {}\nfacts: {}\n", "'facts' twice"),
        (with_value(float("inf"), "facts", "teams"), "facts.teams: must be a whole number"),
        (b"? ''\n", "'': unknown key"),
    ],
)
def test_cli_refuses_answers_that_are_not_finite_utf8_yaml(tmp_path, capsys, content, fragment):
    path = tmp_path / "answers.yaml"
    path.write_bytes(content)
    code, out, err = exited(capsys, command.main, [str(path)])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_cli_checks_where_it_writes_before_it_fits(tmp_path, capsys, monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("the fit started before the output path was checked")

    monkeypatch.setattr(command, "assess", fit)
    answers = str(examples()["weak_alignment"])
    (tmp_path / "f").write_text("")
    for target, fragment in ((tmp_path, "is a directory"), (tmp_path / "f" / "org.yaml", "not an existing")):
        code, _, err = exited(capsys, command.main, [answers, "--write-org", str(target)])
        assert code == 2 and err.startswith("orgstack-assess: error: --write-org: ") and fragment in err


def test_numbers_in_an_answers_file_are_read_as_yaml_1_2_reads_them(tmp_path):
    text = examples()["weak_alignment"].read_text()
    data = yaml.safe_load(text)
    path = tmp_path / "answers.yaml"
    rate = data["facts"]["change_failure_rate"]
    path.write_text(text.replace(f"change_failure_rate: {rate}", f"change_failure_rate: {rate * 10:g}e-1"))
    assert assess.load_answers(path).facts["change_failure_rate"] == pytest.approx(rate)
