"""Assess an organisation: a questionnaire in, a fitted organisation config out.

An answers file (YAML) answers every question of ``configs/assessment/questionnaire.yaml``
on its 1-5 scale, layer by layer, and gives the facts a leader knows (teams,
business units, the DORA keys, attrition, unplanned work)::

    organisation: Acme IT
    answers:
      partnership: {joint_planning: 2, trust: 3, shadow_it: 2, outcomes: 2}
      ...
    facts:
      teams: 16
      deploys_per_week: 0.5
      ...

:func:`assess` validates the answers (a missing, unknown, out-of-range or
contradictory answer is an :class:`AssessmentError` naming it), turns them into
Hydra overrides over a base preset (model v2's layer stocks and the levers that
hold them, and the coupling of the teams' code from the integration answer;
``configs/assessment/settings.yaml``), then fits the unknowns (load, debt,
pressure, delivery practice near its answer) with Optuna so that the simulated
baseline reproduces the facts. The runs of a fit share their seeds (common
random numbers), so the objective is deterministic. ``orgstack-assess`` is the
command line.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.api import run_over_seeds
from sim.config import CONFIG_DIR, compose_dict, load_config, read_input
from sim.consult.effort import Effort
from sim.model.metrics import CLUSTERS, DEPLOY_BOUNDS, DORA_KEYS, MATURITY_LEVELS, dora_cluster, maturity
from sim.model.params import LAYER_NAMES, Config
from sim.model.schema import ConfigError

ASSESSMENT_DIR = CONFIG_DIR / "assessment"
EXAMPLES_DIR = ASSESSMENT_DIR / "examples"
SHARE_FACTS = ("change_failure_rate", "attrition_rate", "unplanned_share")
# Weekly columns in thousands of currency units: a study sums them over its horizon and scales
# them to the organisation's real size when it simulates fewer teams.
MONEY = ("value", "value_innovation", "value_shadow_it", "cost", "net_value")


class AssessmentError(ConfigError):
    """An answers file that cannot be used: missing, unknown, out of range or contradictory."""


# ------------------------------------------------------------------ settings


@functools.cache
def questionnaire() -> dict[str, Any]:
    """Return the questionnaire: scale, layers and their questions, facts (``questionnaire.yaml``)."""
    return yaml.safe_load((ASSESSMENT_DIR / "questionnaire.yaml").read_text())


@functools.cache
def settings() -> dict[str, Any]:
    """Return the mapping, fit, diagnosis and recommendation settings (``settings.yaml``)."""
    return yaml.safe_load((ASSESSMENT_DIR / "settings.yaml").read_text())


def examples() -> dict[str, Path]:
    """Return the example answer files that ship with OrgStack, by name."""
    return {p.stem: p for p in sorted(EXAMPLES_DIR.glob("*.yaml"))}


# ------------------------------------------------------------------ answers


@dataclass(frozen=True)
class Answers:
    """A validated answers file.

    Attributes:
        organisation: The organisation's name, for the report.
        answers: Per layer, per question, the answer on the scale.
        facts: Each fact's value.
    """

    organisation: str
    answers: dict[str, dict[str, int]]
    facts: dict[str, float]

    def layer_scores(self) -> dict[str, float]:
        """Each layer's weighted mean answer, on the questionnaire's scale."""
        layers = questionnaire()["layers"]
        scores = {}
        for layer, questions in layers.items():
            total = sum(q["weight"] for q in questions.values())
            scores[layer] = sum(q["weight"] * self.answers[layer][k] for k, q in questions.items()) / total
        return scores

    def strengths(self) -> dict[str, float]:
        """Each layer's starting strength (0-1) in the model, from its score."""
        q = questionnaire()
        lo, hi = q["scale"]["min"], q["scale"]["max"]
        s0, s1 = q["strength_at_min"], q["strength_at_max"]
        return {k: s0 + (s1 - s0) * (v - lo) / (hi - lo) for k, v in self.layer_scores().items()}

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as in an answers file."""
        return {"organisation": self.organisation, "answers": self.answers, "facts": self.facts}


def load_answers(path: str | Path) -> Answers:
    """Read and validate an answers file.

    Raises:
        AssessmentError: The file cannot be read, or its content is not allowed.
    """
    return parse_answers(read_input(path, "answers", "answers file", AssessmentError))


def parse_answers(data: Any) -> Answers:
    """Validate plain data as answers: complete, on the scale, facts in range and consistent.

    Raises:
        AssessmentError: Naming the first problem found, and listing every
            missing answer of a layer at once.
    """
    q = questionnaire()
    if not isinstance(data, Mapping):
        raise AssessmentError(
            "answers", "an answers file is a mapping with keys organisation, answers, facts"
        )
    extra = set(data) - {"organisation", "answers", "facts"}
    if extra:
        key = sorted(map(str, extra))[0] or "''"  # YAML allows any key: None, a number, an empty string
        raise AssessmentError(key, "unknown key; allowed keys are organisation, answers, facts")
    for key in ("answers", "facts"):
        if not isinstance(data.get(key), Mapping):
            raise AssessmentError(key, f"missing or not a mapping; give the {key} as in the examples")
    answers = _parse_layers(data["answers"], q)
    facts = _parse_facts(data["facts"], q)
    result = Answers(str(data.get("organisation") or "The organisation"), answers, facts)
    check_consistency(result)
    return result


def _parse_layers(raw: Mapping[str, Any], q: dict[str, Any]) -> dict[str, dict[str, int]]:
    lo, hi = q["scale"]["min"], q["scale"]["max"]
    layers = q["layers"]
    unknown = [k for k in raw if k not in layers]
    if unknown:
        raise AssessmentError(f"answers.{unknown[0]}", f"unknown layer; layers are {', '.join(layers)}")
    missing_layers = [k for k in layers if k not in raw]
    if missing_layers:
        raise AssessmentError(
            "answers", f"incomplete: no answers for the layer(s) {', '.join(missing_layers)}"
        )
    out: dict[str, dict[str, int]] = {}
    for layer, questions in layers.items():
        given = raw[layer]
        if not isinstance(given, Mapping):
            raise AssessmentError(f"answers.{layer}", f"must map each of {', '.join(questions)} to {lo}-{hi}")
        unknown = [k for k in given if k not in questions]
        if unknown:
            raise AssessmentError(
                f"answers.{layer}.{unknown[0]}", f"unknown question; the questions are {', '.join(questions)}"
            )
        missing = [k for k in questions if given.get(k) is None]
        if missing:
            raise AssessmentError(
                f"answers.{layer}",
                f"incomplete: no answer to {', '.join(missing)}; every question needs a whole number from {lo} to {hi}",
            )
        out[layer] = {}
        for key in questions:
            value = given[key]
            whole = isinstance(value, int | float) and math.isfinite(value) and value == int(value)
            if isinstance(value, bool) or not whole:
                raise AssessmentError(
                    f"answers.{layer}.{key}", f"must be a whole number from {lo} to {hi}, got {value!r}"
                )
            if not lo <= value <= hi:
                raise AssessmentError(
                    f"answers.{layer}.{key}", f"must be a whole number from {lo} to {hi}, got {value!r}"
                )
            out[layer][key] = int(value)
    return out


def _parse_facts(raw: Mapping[str, Any], q: dict[str, Any]) -> dict[str, float]:
    specs = q["facts"]
    unknown = [k for k in raw if k not in specs]
    if unknown:
        raise AssessmentError(f"facts.{unknown[0]}", f"unknown fact; the facts are {', '.join(specs)}")
    missing = [k for k in specs if raw.get(k) is None]
    if missing:
        raise AssessmentError("facts", f"incomplete: missing {', '.join(missing)}")
    out: dict[str, float] = {}
    for key, spec in specs.items():
        value = raw[key]
        kind = "a whole number" if spec.get("integer") else "a number"
        allowed = f"{kind} from {spec['min']:g} to {spec['max']:g}"
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise AssessmentError(f"facts.{key}", f"must be {allowed}, got {value!r}")
        if spec.get("integer") and value != int(value):
            raise AssessmentError(f"facts.{key}", f"must be {allowed}, got {value!r}")
        if not spec["min"] <= value <= spec["max"]:
            raise AssessmentError(f"facts.{key}", f"must be {allowed}, got {value!r}")
        out[key] = int(value) if spec.get("integer") else float(value)
    return out


def contradictions(answers: Answers) -> list[tuple[str, str]]:
    """Facts that contradict each other or the answers, each as ``(field, explanation)``.

    The thresholds are in ``settings.yaml`` (``checks``).
    """
    c = settings()["checks"]
    f, scores = answers.facts, answers.layer_scores()
    found: list[tuple[str, str]] = []
    if f["business_units"] > f["teams"]:
        found.append(
            (
                "facts.business_units",
                f"{f['business_units']} business units but only {f['teams']} teams; every business unit "
                "is served by at least one team",
            )
        )
    # A change waits on average half the interval between deploys, so lead time cannot be far below it.
    wait = 0.5 * 7.0 / f["deploys_per_week"]
    if f["lead_time_days"] < c["lead_time_vs_deploys"] * wait:
        found.append(
            (
                "facts.lead_time_days",
                f"{f['lead_time_days']:g} days contradicts deploys_per_week={f['deploys_per_week']:g}: a "
                f"change waits on average {wait:.1f} days for the next deploy",
            )
        )
    elite = dora_cluster(
        f["deploys_per_week"], f["lead_time_days"], f["time_to_restore_hours"], f["change_failure_rate"]
    )
    weak = c["weak_score"]
    if f["deploys_per_week"] >= DEPLOY_BOUNDS[-1] and scores["execution"] <= weak:
        found.append(
            (
                "facts.deploys_per_week",
                f"elite deploy frequency ({f['deploys_per_week']:g}/week) contradicts the execution answers "
                f"(mean {scores['execution']:.1f} of 5: little CI/CD or automation)",
            )
        )
    if int(elite) == len(CLUSTERS) - 1 and np.mean(list(scores.values())) <= weak:
        found.append(
            (
                "facts",
                f"elite DORA keys contradict low scores on every layer (mean {np.mean(list(scores.values())):.1f} of 5)",
            )
        )
    if scores["execution"] >= c["strong_score"] and f["deploys_per_week"] < DEPLOY_BOUNDS[0]:
        found.append(
            (
                "facts.deploys_per_week",
                f"deploying less than monthly ({f['deploys_per_week']:g}/week) contradicts the execution "
                f"answers (mean {scores['execution']:.1f} of 5: automated pipelines, small batches)",
            )
        )
    if (
        f["unplanned_share"] > c["max_unplanned_with_few_failures"]
        and f["change_failure_rate"] < c["few_failures"]
        and f["time_to_restore_hours"] < c["quick_restore_hours"]
    ):
        found.append(
            (
                "facts.unplanned_share",
                f"{f['unplanned_share']:.0%} of time on incidents and rework contradicts few failures "
                f"(change_failure_rate={f['change_failure_rate']:g}) restored quickly "
                f"({f['time_to_restore_hours']:g} h)",
            )
        )
    return found


def check_consistency(answers: Answers) -> None:
    """Raise on the first contradiction, saying how many more there are.

    Raises:
        AssessmentError: Facts that contradict each other or the answers.
    """
    found = contradictions(answers)
    if found:
        field, message = found[0]
        more = f" (and {len(found) - 1} more contradiction(s))" if len(found) > 1 else ""
        raise AssessmentError(field, f"contradictory: {message}{more}")


# ------------------------------------------------------------------ mapping


def org_overrides(answers: Answers, strengths: Mapping[str, float] | None = None) -> list[str]:
    """Hydra overrides for the answered organisation over the base preset.

    Args:
        answers: The validated answers.
        strengths: Layer strengths to use instead of the answers' (the diagnosis
            strengthens one layer at a time); the fields read from single answers
            (``mapping.fields``) stay as answered.

    Returns:
        Overrides such as ``org=struggling``, ``org.teams=16``,
        ``org.layers.culture=0.5``, ``org.levers.governance=0.21``, ``org.coupling=0.7``.
    """
    m, scale = settings()["mapping"], questionnaire()["scale"]
    f = answers.facts
    strengths = dict(strengths or answers.strengths())
    out = [
        f"org={m['base_org']}",
        "org.name=assessed",
        f"org.description={_quote(answers.organisation)}",
        f"org.teams={int(f['teams'])}",
        f"org.teams_per_business_unit={f['teams'] / f['business_units']:.6g}",
        f"org.team_size={int(f['team_size'])}",
        # The base preset's revenue at stake is its own; the client's is sized by the rule.
        "org.revenue_at_stake=null",
    ]
    out += [f"org.layers.{k}={_clip(strengths[k]):.6g}" for k in LAYER_NAMES]
    for lever, rule in m["levers"].items():
        value = rule["at_0"] + (rule["at_1"] - rule["at_0"]) * _clip(strengths[rule["layer"]])
        out.append(f"org.levers.{lever}={value:.6g}")
    for field, rule in m["fields"].items():
        layer, question = rule["question"].split(".")
        x = (answers.answers[layer][question] - scale["min"]) / (scale["max"] - scale["min"])
        out.append(f"org.{field}={rule['at_0'] + (rule['at_1'] - rule['at_0']) * x:.6g}")
    return out


def _quote(text: str) -> str:
    """Quote a name for a Hydra override, keeping only characters that cannot start an interpolation."""
    safe = re.sub(r"[^\w .,&()/+-]", "", text).strip() or "assessed organisation"
    return f"'{safe}'"


def _clip(x: float) -> float:
    return min(max(float(x), 0.0), 1.0)


def set_value(config: Config, key: str, value: float) -> Config:
    """Return the config with one dotted field (``org.load``, ``org.levers.pressure``) replaced, validated."""
    head, _, rest = key.partition(".")
    current = getattr(config, head)
    new = set_value(current, rest, value) if rest else value
    return dataclasses.replace(config, **{head: new})


def sized(config: Config, max_teams: int) -> Config:
    """Return the config at no more than ``max_teams`` teams, with the same teams per business unit.

    Raises:
        ConfigError: The smaller organisation is not valid.
    """
    if config.org.teams <= max_teams:
        return config
    per_bu = min(config.org.teams_per_business_unit, float(max_teams))
    org = dataclasses.replace(config.org, teams=max_teams, teams_per_business_unit=per_bu)
    return dataclasses.replace(config, org=org)


# ------------------------------------------------------------------ fit


def measure(weekly: pd.DataFrame, weeks: int) -> dict[str, float]:
    """Measure the facts as the model shows them: means over the first ``weeks`` weeks of stacked runs.

    Args:
        weekly: Weekly frames, stacked (any outer index level is averaged over).
        weeks: Weeks at the start that stand for "now".
    """
    week = weekly.index.get_level_values("week")
    now = weekly[week <= weeks]
    attrition = now["attrition"].mean() * 52.0 / now["headcount"].mean()
    values = {k: float(now[k].mean()) for k in (*DORA_KEYS, "unplanned_share")}
    values["attrition_rate"] = float(attrition)
    return values


def fact_error(fact: str, simulated: float, given: float) -> float:
    """Log ratio of simulated to given; shares get a floor so that 0 compares with small values."""
    floor = settings()["fit"]["share_floor"] if fact in SHARE_FACTS else 0.0
    return math.log((max(simulated, 0.0) + floor + 1e-12) / (given + floor + 1e-12))


@dataclass(frozen=True)
class Fit:
    """The fitted organisation and how well it reproduces the facts.

    Attributes:
        config: The fitted configuration (at the organisation's real size).
        overrides: Hydra overrides that compose to ``config`` (seed aside).
        values: The fitted unknowns by dotted key.
        errors: Per fact: given, simulated, ratio, within tolerance.
        tolerance: The factor ``1 + tolerance`` a ratio must be within.
        trials: Optuna trials run.
        seconds: Time the fit took.
    """

    config: Config
    overrides: list[str]
    values: dict[str, float]
    errors: pd.DataFrame
    tolerance: float
    trials: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Whether every fact is within tolerance."""
        return bool(self.errors["within"].all())


def fit(answers: Answers, effort: Effort = Effort(), progress: Callable[[float], None] | None = None) -> Fit:
    """Fit the unknowns so that the simulated baseline reproduces the facts.

    Args:
        answers: The validated answers.
        effort: Its ``fit_trials`` and ``fit_seeds`` (defaults from ``settings.yaml``).
        progress: Called with the share of trials done.

    Returns:
        The fit.

    Raises:
        AssessmentError: The answers give an organisation the model refuses.
    """
    import optuna

    s = settings()["fit"]
    trials = int(effort.fit_trials or s["trials"])
    seeds = int(effort.fit_seeds or s["seeds"])
    started = time.perf_counter()
    overrides = org_overrides(answers)
    try:
        base = load_config([*overrides, f"weeks={s['weeks']}", "record.team_every=0"])
    except ConfigError as err:
        raise AssessmentError(err.field, err.message) from None
    small = sized(base, s["max_teams"])
    ranges = _ranges(s["parameters"], answers.strengths())
    targets = {k: float(w) for k, w in s["targets"].items()}

    def simulate(values: Mapping[str, float]) -> dict[str, float]:
        config = small
        for key, value in values.items():
            config = set_value(config, key, value)
        return measure(run_over_seeds([config], range(seeds))[0], s["weeks"])

    def objective(trial: optuna.Trial) -> float:
        values = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in ranges.items()}
        sim = simulate(values)
        return sum(w * fact_error(k, sim[k], answers.facts[k]) ** 2 for k, w in targets.items())

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=s["sampler_seed"], n_startup_trials=min(20, trials))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    # Start from the middle of every range, so that a few trials already give a sensible fit.
    study.enqueue_trial({k: (lo + hi) / 2 for k, (lo, hi) in ranges.items()})
    callbacks = [lambda st, tr: progress(len(st.trials) / trials)] if progress else None
    study.optimize(objective, n_trials=trials, callbacks=callbacks)
    best = dict(study.best_params)
    sim = simulate(best)
    tol = float(s["tolerance"])
    rows = []
    for k in targets:
        err = fact_error(k, sim[k], answers.facts[k])
        rows.append(
            {
                "fact": k,
                "given": answers.facts[k],
                "simulated": sim[k],
                "ratio": math.exp(err),
                "within": abs(err) <= math.log(1 + tol),
            }
        )
    fitted = [*overrides, *(f"{k}={v:.6g}" for k, v in best.items())]
    try:
        config = load_config(fitted)
    except ConfigError as err:
        raise AssessmentError(err.field, err.message) from None
    return Fit(
        config=config,
        overrides=fitted,
        values=best,
        errors=pd.DataFrame(rows).set_index("fact"),
        tolerance=tol,
        trials=len(study.trials),
        seconds=time.perf_counter() - started,
    )


def _ranges(parameters: Mapping[str, Any], strengths: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    out = {}
    for key, rule in parameters.items():
        if "around_answer" in rule:
            centre = strengths[key.rsplit(".", 1)[1]]
            out[key] = (_clip(centre - rule["around_answer"]), _clip(centre + rule["around_answer"]))
        else:
            out[key] = (float(rule["lo"]), float(rule["hi"]))
    return out


# ------------------------------------------------------------------ assessment


@dataclass(frozen=True)
class Assessment:
    """An assessed organisation: answers, layer picture, fit, maturity and DORA cluster.

    Attributes:
        answers: The validated answers.
        fit: The fitted organisation.
        baseline: Weekly frames of the fitted baseline over the fit's seeds and weeks.
    """

    answers: Answers
    fit: Fit
    baseline: pd.DataFrame

    @property
    def scores(self) -> dict[str, float]:
        """Layer scores on the questionnaire's scale."""
        return self.answers.layer_scores()

    @property
    def maturity(self) -> int:
        """Maturity level 1-5 the model records for the fitted baseline now (most common level)."""
        return int(self.baseline["maturity"].mode().iloc[0])

    @property
    def maturity_name(self) -> str:
        """Reactive ... Transformative."""
        return MATURITY_LEVELS[self.maturity - 1]

    @property
    def answered_maturity(self) -> int:
        """Maturity level of the answered layer strengths."""
        return int(maturity(list(self.answers.strengths().values())))

    @property
    def dora_cluster(self) -> str:
        """DORA cluster of the given facts (low ... elite)."""
        f = self.answers.facts
        return CLUSTERS[
            int(
                dora_cluster(
                    f["deploys_per_week"],
                    f["lead_time_days"],
                    f["time_to_restore_hours"],
                    f["change_failure_rate"],
                )
            )
        ]

    @property
    def simulated_cluster(self) -> str:
        """DORA cluster of the fitted baseline's mean keys."""
        e = self.fit.errors["simulated"]
        return CLUSTERS[
            int(
                dora_cluster(
                    e["deploys_per_week"],
                    e["lead_time_days"],
                    e["time_to_restore_hours"],
                    e["change_failure_rate"],
                )
            )
        ]

    def summary(self) -> str:
        """Write a plain-text summary: scores, maturity, cluster, fit errors, fitted unknowns."""
        f = self.fit
        lines = [f"{self.answers.organisation}: assessment", "", "layer           score (1-5)  strength"]
        strengths = self.answers.strengths()
        for k, v in self.scores.items():
            lines.append(f"  {k:<14}{v:>8.2f}{strengths[k]:>12.2f}")
        lines += [
            "",
            f"maturity: {self.maturity} {self.maturity_name} (simulated baseline; answers alone: "
            f"{self.answered_maturity} {MATURITY_LEVELS[self.answered_maturity - 1]})",
            f"DORA cluster: {self.dora_cluster} (facts); {self.simulated_cluster} (fitted baseline)",
            "",
            f"fit ({f.trials} Optuna trials, {f.seconds:.1f} s; tolerance: within x{1 + f.tolerance:.2f} either way)",
            "  fact                      given   simulated   ratio",
        ]
        for fact, row in f.errors.iterrows():
            mark = "ok" if row["within"] else "OUTSIDE TOLERANCE"
            lines.append(
                f"  {fact:<22}{row['given']:>10.3g}{row['simulated']:>12.3g}{row['ratio']:>8.2f}  {mark}"
            )
        lines += ["", "fitted unknowns: " + ", ".join(f"{k}={v:.3g}" for k, v in f.values.items())]
        return "\n".join(lines)


def assess(
    answers: Answers, effort: Effort = Effort(), progress: Callable[[float], None] | None = None
) -> Assessment:
    """Fit the answered organisation and record its baseline.

    Raises:
        AssessmentError: The answers give an organisation the model refuses.
    """
    result = fit(answers, effort, progress)
    s = settings()["fit"]
    n = int(effort.fit_seeds or s["seeds"])
    config = dataclasses.replace(
        sized(result.config, s["max_teams"]),
        weeks=s["weeks"],
        record=dataclasses.replace(result.config.record, team_every=0),
    )
    return Assessment(answers, result, run_over_seeds([config], range(n))[0])


def org_yaml(assessment: Assessment) -> str:
    """Write the fitted organisation as an ``org`` preset (for ``configs/org/NAME.yaml``)."""
    data = compose_dict(assessment.fit.overrides)["org"]
    header = (
        f"# Fitted by orgstack-assess from the answers for {assessment.answers.organisation}.\n"
        "# Copy to configs/org/NAME.yaml and run `orgstack org=NAME`.\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False)
