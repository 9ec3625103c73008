"""The fuzzer: bad overrides, plan files, answers files and API arguments never end in a traceback.

Each property draws inputs (wrong types, ranges, grammar, encodings, sizes,
NaN and infinity, duplicates, unknown names) and checks what the standards ask
of bad input: a ``ConfigError`` (``TypeError`` for an API argument of the wrong
type) whose field is named in its one-line message; for the command line, exit
code 2, that one line on stderr and nothing written. Input that is accepted
must compose into a valid configuration. See ``conftest.py`` for the profiles.
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sim import api
from sim.cli import assess as assess_command
from sim.cli import run as run_command
from sim.config import MAX_INPUT_BYTES, load_config
from sim.consult.assess import AssessmentError, examples, load_answers
from sim.model.params import Config
from sim.model.schema import ConfigError

# ---- what the draws are made of -------------------------------------------------------------------

KEYS = [
    "seed", "weeks", "org", "intervention", "shock", "params", "plan", "record.team_every",
    "org.teams", "org.layers.culture", "org.levers.pressure", "org.load", "params.ramp_weeks",
    "intervention.execution_push.start", "intervention.execution_push.duration",
    "intervention.execution_push.intensity", "shock.demand_surge.start", "hydra.run.dir",
    "hydra.launcher.n_jobs", "sede", "org.layer.culture", "intervention.nope.start", "+experiment",
]  # fmt: skip
NAMES = ["none", "execution_push", "platform_team", "demand_surge", "elite", "startup", "nope", "default"]
ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=12)
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["nan", "inf", "-inf", ".nan", "1e308", "5e-1", "0x10", "1_000", "-0", "4.5", "true"]),
)
VALUES = st.one_of(
    NUMBERS.map(str),
    st.sampled_from(NAMES),
    st.lists(st.sampled_from(NAMES), min_size=0, max_size=3).map(lambda v: f"[{','.join(v)}]"),
    st.sampled_from(["${nope}", "${oc.env:ORGSTACK_FUZZ_UNSET}", "${seed}", "'quoted'", "a b", "[", "{a:1}"]),
    st.sampled_from(["/dev/zero", "/etc/passwd", "/", "f", "f/x", "", "null", "~"]),
    ODD_TEXT,
)
OVERRIDE = st.tuples(
    st.sampled_from(["", "+", "++", "~"]), st.one_of(st.sampled_from(KEYS), ODD_TEXT), VALUES
).map(lambda t: f"{t[0]}{t[1]}={t[2]}" if t[0] != "~" else f"~{t[1]}")


@contextlib.contextmanager
def scratch():
    """A fresh working directory holding one file ``f`` (where a directory may be asked for)."""
    with tempfile.TemporaryDirectory() as where, contextlib.chdir(where):
        Path("f").write_text("a file\n")
        yield Path(where)


def written(where: Path) -> list[str]:
    return sorted(str(p.relative_to(where)) for p in where.rglob("*") if p.name != "f")


def exit_and_stderr(main, args: list[str]) -> tuple[object, list[str]]:
    """Run a command's ``main``, which must exit; return its exit code and its stderr's lines."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code, stderr.getvalue().strip().splitlines()


def one_line_naming_its_field(err: ConfigError) -> None:
    text = str(err)
    assert "\n" not in text.strip(), text
    assert err.message, text
    assert text.startswith(f"{err.field}: ") if err.field else text == err.message


# ---- the command line ---------------------------------------------------------------------------


@given(overrides=st.lists(OVERRIDE, min_size=1, max_size=3), multirun=st.booleans())
def test_orgstack_refuses_bad_overrides_in_one_line_and_writes_nothing(overrides, multirun):
    args = [*(["--multirun"] if multirun else []), *overrides]
    with scratch() as where:
        try:
            run_command.check_args(args)
        except ConfigError as err:  # bad input: the command must say so in one line, exit 2
            one_line_naming_its_field(err)
            code, lines = exit_and_stderr(run_command.main, args)
            assert code == 2
            assert len(lines) == 1 and lines[0].startswith("orgstack: error: "), lines
        assert written(where) == []  # checking writes nothing, whatever the verdict


# ---- plan files -----------------------------------------------------------------------------------

PLAN_VALUES = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    ODD_TEXT,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
PLAN_ITEM = st.dictionaries(
    st.one_of(st.sampled_from(["name", "start", "duration", "intensity"]), ODD_TEXT, st.integers()),
    st.one_of(st.sampled_from(NAMES), PLAN_VALUES),
    max_size=5,
)
PLAN_DATA = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "interventions": st.one_of(st.lists(PLAN_ITEM, max_size=3), PLAN_VALUES),
            "shocks": st.one_of(st.lists(PLAN_ITEM, max_size=2), PLAN_VALUES),
            "extra": PLAN_VALUES,
        },
    ),
    PLAN_VALUES,
)
RAW = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"\xff\xfe\x00",
            b"interventions:\n  - {name: platform_team, start: 3, start: 4}\n",
            b"interventions:\n  - {name: platform_team, intensity: 5e-1}\n",
            b"interventions: &a [*a]\n",
            b"[" * 5000,
            b"interventions:\n  - {name: platform_team, intensity: .nan}\n",
            b"!!python/object:os.system {}\n",
            b"# " + b"x" * MAX_INPUT_BYTES,
        ]
    ),
)


@given(plan=st.one_of(PLAN_DATA.map(lambda d: yaml.safe_dump(d).encode()), RAW), weeks=st.integers(1, 60))
def test_a_plan_file_is_loaded_or_refused_naming_the_plan(plan, weeks):
    with scratch() as where:
        path = where / "plan.yaml"
        path.write_bytes(plan)
        try:
            config = load_config([f"plan={path}", f"weeks={weeks}"])
        except ConfigError as err:
            one_line_naming_its_field(err)
            assert err.field.split(".")[0].split("[")[0] in ("plan", "intervention", "shock"), err
        else:
            assert isinstance(config, Config)
            for item in [*config.intervention.values(), *config.shock.values()]:
                assert 1 <= item.start <= weeks and math.isfinite(item.intensity)


# ---- answers files --------------------------------------------------------------------------------

EXAMPLE = yaml.safe_load(examples()["weak_alignment"].read_text())
PATHS = [("answers", layer, q) for layer, qs in EXAMPLE["answers"].items() for q in qs] + [
    ("facts", fact) for fact in EXAMPLE["facts"]
]


def changed(data: dict, where: tuple, value: object) -> dict:
    data = yaml.safe_load(yaml.safe_dump(data))
    node = data
    for key in where[:-1]:
        node = node[key]
    if value is DROP:
        del node[where[-1]]
    else:
        node[where[-1]] = value
    return data


DROP = object()


@given(
    answers=st.one_of(
        st.tuples(st.sampled_from(PATHS), st.one_of(PLAN_VALUES, st.just(DROP))).map(
            lambda c: yaml.safe_dump(changed(EXAMPLE, *c)).encode()
        ),
        PLAN_DATA.map(lambda d: yaml.safe_dump(d).encode()),
        RAW,
    )
)
def test_an_answers_file_is_loaded_or_refused_naming_the_field(answers):
    with scratch() as where:
        path = where / "answers.yaml"
        path.write_bytes(answers)
        try:
            loaded = load_answers(path)
        except AssessmentError as err:
            one_line_naming_its_field(err)
            assert err.field, err
        else:
            assert all(math.isfinite(v) for v in loaded.facts.values())


@given(target=st.sampled_from(["", ".", "f/org.yaml", "no/such/dir/org.yaml", "/proc/org.yaml"]))
def test_orgstack_assess_refuses_where_it_cannot_write_before_it_fits(target):
    with (
        scratch() as where,
        mock.patch.object(assess_command, "assess", side_effect=AssertionError("fitted")),
    ):
        code, lines = exit_and_stderr(
            assess_command.main, [str(examples()["weak_alignment"]), "--write-org", target or "."]
        )
        assert code == 2
        assert len(lines) == 1 and lines[0].startswith("orgstack-assess: error: --write-org: "), lines
        assert written(where) == []


# ---- the Python API -------------------------------------------------------------------------------

ANYTHING = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), ODD_TEXT, st.sampled_from(["seed=1", "weeks=2"])
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.tuples(inner), st.dictionaries(ODD_TEXT, inner, max_size=2)
    ),
    max_leaves=6,
)


@pytest.mark.parametrize(("function", "argument"), [(api.simulate, "overrides"), (api.simulate_many, "runs")])
@given(value=ANYTHING)
def test_the_api_checks_its_argument_before_anything_runs(function, argument, value):
    fake = [api.RunResult(load_config(), pd.DataFrame({"x": [1]}), pd.DataFrame())]
    with mock.patch.object(api, "_run_checked", return_value=fake * 8) as runs:
        try:
            function(value)
        except TypeError as err:
            assert str(err).split(":")[0].startswith(argument), err
            runs.assert_not_called()
        except ConfigError as err:
            one_line_naming_its_field(err)
            runs.assert_not_called()
        else:
            (configs,) = runs.call_args.args
            assert all(isinstance(c, Config) for c in configs)
