"""The Diagnose page: a questionnaire in, the layer picture, the binding layer and a roadmap out.

Load an example or an answers file, or fill the questionnaire; **Diagnose**
fits the organisation to the facts, finds the binding layer and searches a
roadmap in a background task (a progress bar shows the stage), and the report
can be downloaded as one HTML file.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, replace
from typing import Any

import solara
import solara.util
import yaml
from solara.lab import use_task

from sim.consult.assess import AssessmentError, examples, parse_answers, questionnaire, settings
from sim.consult.effort import Effort
from sim.consult.report import Study, render, study
from sim.text import fmt
from viz.links import choice_param, float_param, format_query, int_param
from viz.scenario import LAYER_GROUPS
from viz.state import STALE, use_address, use_cancel_on_leave
from viz.study_plots import ab_spec, layer_spec, marginal_spec
from viz.vega import Vega
from viz.widgets import Markdown, Note, show_status

MAX_SEEDS = 50
MAX_TRIALS = 300
# The study's whole-number settings: field of Settings, label, range.
SETTING_SLIDERS = (
    ("seeds", "Seeds", 4, MAX_SEEDS),
    ("trials", "Roadmap search trials", 0, MAX_TRIALS),
    ("fit_trials", "Fit trials", 5, MAX_TRIALS),
)


def example_answers(name: str) -> dict[str, Any]:
    """Read the plain data of an example answers file."""
    return yaml.safe_load(examples()[name].read_text())


def check(data: dict[str, Any]) -> str | None:
    """Say what is wrong with the answers, in one line, or return None."""
    try:
        parse_answers(data)
    except AssessmentError as err:
        return str(err)
    return None


def fit_markdown(s: Study) -> str:
    """Tabulate the fit: each fact given and simulated."""
    lines = ["| fact | given | simulated | ratio | within |", "|---|--:|--:|--:|:-:|"]
    for fact, row in s.assessment.fit.errors.iterrows():
        lines.append(
            f"| {fact} | {fmt(row['given'])} | {fmt(row['simulated'])} | {row['ratio']:.2f} | "
            f"{'yes' if row['within'] else '**no**'} |"
        )
    return "\n".join(lines)


def roadmap_markdown(s: Study) -> str:
    """Tabulate the roadmap by phase, with the dip and the payback week."""
    r = s.recommendation
    share, week = r.dip
    lines = [f"**Recommended plan: {r.best.describe()}**", ""]
    lines.append(f"Expected dip: {share:.1%} of weekly value at week {week}. " if share < 0 else "No dip. ")
    lines[-1] += (
        f"Pays back from week {r.payback_week}." if r.payback_week else "Does not pay back in the horizon."
    )
    for phase in ("First 90 days", "First year", "Beyond the first year"):
        rows = r.roadmap[r.roadmap["phase"] == phase]
        lines += ["", f"*{phase}*", ""]
        if rows.empty:
            lines.append("No new intervention starts in this phase; what started earlier carries on.")
            continue
        lines += ["| weeks | intervention | what changes |", "|---|---|---|"]
        lines += [f"| {x['weeks']} | {x['intervention']} | {x['what']} |" for _, x in rows.iterrows()]
    lines += [
        "",
        f"| plan | value gained in {r.weeks} weeks (k) | interval | extra cost (k) |",
        "|---|--:|--:|--:|",
    ]
    for _, x in r.ranking.head(8).iterrows():
        lines.append(
            f"| {x['plan']} | {fmt(x['mean'])} | [{fmt(x['lo'])}, {fmt(x['hi'])}] | {fmt(x['extra_cost'])} |"
        )
    return "\n".join(lines)


@solara.component
def Questionnaire(data: solara.Reactive[dict[str, Any]], loaded: int = 0) -> None:
    """Every question as a 1-5 slider, layer by layer, and the facts as numbers.

    Args:
        data: The answers, as in an answers file.
        loaded: How many times answers were loaded; the fact fields are rebuilt when it changes.
    """
    q = questionnaire()
    lo, hi = q["scale"]["min"], q["scale"]["max"]

    def set_answer(layer: str, key: str, value: int) -> None:
        new = copy.deepcopy(data.value)
        new.setdefault("answers", {}).setdefault(layer, {})[key] = int(value)
        data.set(new)

    def set_fact(key: str, value: float | None) -> None:
        new = copy.deepcopy(data.value)
        new.setdefault("facts", {})[key] = value
        data.set(new)

    answers = data.value.get("answers") or {}
    number = {name: i + 1 for i, name in enumerate(n for _, names in LAYER_GROUPS for n in names)}
    with solara.Columns([1, 1, 1]):
        for group, names in LAYER_GROUPS:
            with solara.Card(group, margin=0):
                for layer in names:
                    given = answers.get(layer) or {}
                    values = [v for v in given.values() if isinstance(v, int | float)]
                    score = f"{sum(values) / len(values):.1f}" if values else "-"
                    with solara.Details(
                        summary=f"{number[layer]} {layer} (mean answer {score})", expand=False
                    ):
                        for key, question in q["layers"][layer].items():
                            value = given.get(key)
                            solara.Text(question["text"], style={"font-size": "0.85em"})
                            solara.SliderInt(
                                f"{layer}.{key}: {value if value is not None else '-'}",
                                value=int(value) if isinstance(value, int | float) else lo,
                                min=lo,
                                max=hi,
                                on_value=lambda v, la=layer, k=key: set_answer(la, k, v),
                            )
    facts = data.value.get("facts") or {}
    with solara.Card("Facts", margin=0):
        items = list(q["facts"].items())
        third = -(-len(items) // 3)
        with solara.Columns([1, 1, 1]):
            for part in range(3):
                with solara.Column():
                    for key, spec in items[part * third : (part + 1) * third]:
                        solara.InputFloat(
                            f"{key} - {spec['text']}",
                            value=facts.get(key),
                            optional=True,
                            continuous_update=True,
                            on_value=lambda v, k=key: set_fact(k, v),
                        ).key(f"fact-{key}-{loaded}")


@solara.component
def StudyView(s: Study, seconds: float) -> None:
    """Show the results: headline, layer picture, maturity and cluster, diagnosis, roadmap, A/B, download."""
    a, d, r = s.assessment, s.diagnosis, s.recommendation
    strengths = dict(a.answers.strengths())
    for key, value in a.fit.values.items():
        if key.startswith("org.layers."):
            strengths[key.rsplit(".", 1)[1]] = value
    solara.Success(
        f"Binding layer: {d.binding}. Maturity {a.maturity} {a.maturity_name}, DORA cluster {a.dora_cluster}. "
        f"Recommended: {r.best.describe()} (diagnosed in {seconds:.1f} s)."
    )
    safe = re.sub(r"[^A-Za-z0-9]+", "-", a.answers.organisation).strip("-").lower() or "organisation"
    solara.FileDownload(
        lambda: render(s).encode("utf-8"),
        filename=f"orgstack-report-{safe}.html",
        label="Download report (HTML)",
    )
    with solara.Columns([1, 1]):
        with solara.Column():
            Markdown("### Layer picture, maturity and DORA cluster")
            spec = layer_spec(strengths, d.binding)
            Vega(spec, spec["description"], filename="orgstack-layers")
            Markdown(
                f"Maturity **{a.maturity} {a.maturity_name}** (the model's record for the fitted baseline); "
                f"DORA cluster **{a.dora_cluster}** (facts), {a.simulated_cluster} (fitted baseline).\n\n"
                + fit_markdown(s)
            )
        with solara.Column():
            Markdown(f"### Diagnosis: marginal value of each layer over {d.weeks} weeks")
            spec = marginal_spec(d)
            Vega(spec, spec["description"], filename="orgstack-marginal-value")
            Markdown(d.explanation())
    Markdown("### Roadmap\n\n" + roadmap_markdown(s))
    Markdown("### Against the execution-only alternative")
    spec = ab_spec(r)
    Vega(spec, spec["description"], filename="orgstack-against-alternatives")


@dataclass(frozen=True)
class Settings:
    """The study's settings, named as ``orgstack-report``'s options (``--seeds``, ``--trials`` ...)."""

    seeds: int = 20
    trials: int = 48
    fit_trials: int = int(settings()["fit"]["trials"])
    budget: float = float(settings()["recommendation"]["budget_per_team_week"])

    def params(self, example: str) -> dict[str, str]:
        """Return the address's query parameters: the example and what differs from the defaults."""
        default = Settings()
        params = {"example": example}
        params |= {
            key: f"{getattr(self, f):g}"
            for f, key in (
                ("seeds", "seeds"),
                ("trials", "trials"),
                ("fit_trials", "fit-trials"),
                ("budget", "budget"),
            )
            if getattr(self, f) != getattr(default, f)
        }
        return params


def settings_from(params: dict[str, str], names: list[str]) -> tuple[str | None, Settings, list[str]]:
    """Read the example and the settings from an address's query parameters, and what could not be used."""
    problems: list[str] = []
    default = Settings()
    example = choice_param(params, "example", names, problems)
    seeds = int_param(params, "seeds", 4, MAX_SEEDS, problems)
    trials = int_param(params, "trials", 0, MAX_TRIALS, problems)
    fit_trials = int_param(params, "fit-trials", 5, MAX_TRIALS, problems)
    budget = float_param(params, "budget", 0.0, 10.0, problems)
    found = Settings(
        seeds=default.seeds if seeds is None else seeds,
        trials=default.trials if trials is None else trials,
        fit_trials=default.fit_trials if fit_trials is None else fit_trials,
        budget=default.budget if budget is None else budget,
    )
    return example, found, problems


# Kept per browser tab (Solara scopes module-level reactive values to the kernel): a diagnosis takes
# tens of seconds, and a switch to another page must not throw it away.
example = solara.reactive(next(iter(examples())))
data: solara.Reactive[dict[str, Any]] = solara.reactive(example_answers(example.value))
study_settings = solara.reactive(Settings())
loaded = solara.reactive(0)
load_error = solara.reactive("")
link_problems: solara.Reactive[list[str]] = solara.reactive([])
# The last diagnosis: the answers and settings it was made with, the study, and its time.
last: solara.Reactive[tuple[dict[str, Any], Settings, Study, float] | None] = solara.reactive(None)


def reset() -> None:
    """Put the page back to its defaults (a new tab's state)."""
    first = next(iter(examples()))
    example.set(first)
    data.set(example_answers(first))
    study_settings.set(Settings())
    loaded.set(loaded.value + 1)
    load_error.set("")
    link_problems.set([])
    last.set(None)


def restore(params: dict[str, str]) -> None:
    """Set the example and settings from an address's query parameters."""
    name, found, problems = settings_from(params, list(examples()))
    if name is not None and name != example.value:
        example.set(name)
        data.set(example_answers(name))
        loaded.set(loaded.value + 1)
    study_settings.set(found)
    link_problems.set(problems)


@solara.component
def Diagnose() -> None:
    """Show the Diagnose page: load or fill the questionnaire, diagnose, see and export the plan."""
    names = list(examples())
    chosen = study_settings.value
    stage = solara.use_reactive("")
    started = solara.use_ref(0.0)
    use_address("/diagnose", format_query(chosen.params(example.value)), restore)

    def change(**values: float) -> None:
        study_settings.set(replace(study_settings.value, **values))

    def pick(name: str) -> None:
        example.set(name)
        data.set(example_answers(name))
        loaded.set(loaded.value + 1)
        load_error.set("")

    def dropped(file: dict) -> None:
        try:
            content = yaml.safe_load(file["data"])
        except yaml.YAMLError as err:
            load_error.set(f"{file['name']}: not valid YAML: {str(err).splitlines()[0]}")
            return
        if not isinstance(content, dict):
            load_error.set(f"{file['name']}: an answers file is a mapping with organisation, answers, facts")
            return
        load_error.set("")
        data.set(content)
        loaded.set(loaded.value + 1)

    def compute() -> None:
        answers_data, run_settings = copy.deepcopy(data.value), study_settings.value
        answers = parse_answers(answers_data)

        def progress(share: float, name: str) -> None:
            if not task.is_current():
                raise solara.util.CancelledError()
            if share == 1 or 100 * share >= (task.progress or 0) + 10:
                task.progress = 100 * share
            if name != stage.value:
                stage.set(name)

        effort = Effort(
            seeds=run_settings.seeds, trials=run_settings.trials, fit_trials=run_settings.fit_trials
        )
        result = study(answers, run_settings.budget, effort, progress)
        last.set((answers_data, run_settings, result, time.perf_counter() - started.current))

    task = use_task(compute, dependencies=None, raise_error=False)
    use_cancel_on_leave(task)

    def run() -> None:
        started.current = time.perf_counter()
        task()

    problem = check(data.value)
    solara.Title("OrgStack - Diagnose")
    Markdown(
        "## Diagnose an organisation\n"
        "Answer the questionnaire (or load an example or an answers file), then **Diagnose**: the "
        "organisation is fitted to its facts, each layer is strengthened in turn to find the one that binds, "
        "and a roadmap is searched under the budget."
    )
    if link_problems.value:
        solara.Warning("Parts of this link could not be used: " + "; ".join(link_problems.value) + ".")
    with solara.Card("Answers", margin=0):
        with solara.ColumnsResponsive(12, medium=4):
            with solara.Column():
                solara.Select("Example", values=names, value=example.value, on_value=pick)
                solara.InputText(
                    "Organisation",
                    value=str(data.value.get("organisation", "")),
                    on_value=lambda t: data.set({**data.value, "organisation": t}),
                )
            with solara.Column():
                solara.FileDrop(label="Drop an answers file (YAML) here", on_file=dropped, lazy=False)
                solara.FileDownload(
                    lambda: yaml.safe_dump(data.value, sort_keys=False).encode("utf-8"),
                    filename="answers.yaml",
                    label="Save answers (YAML)",
                )
            with solara.Column():
                for name, label, lo, hi in SETTING_SLIDERS:
                    solara.SliderInt(
                        f"{label}: {getattr(chosen, name)}",
                        value=getattr(chosen, name),
                        min=lo,
                        max=hi,
                        on_value=lambda v, n=name: change(**{n: v}),
                    )
                solara.SliderFloat(
                    f"Budget: {chosen.budget:.2f} k per team-week",
                    value=chosen.budget,
                    min=0.0,
                    max=10.0,
                    step=0.25,
                    on_value=lambda v: change(budget=v),
                )
                Note("More seeds and trials give tighter answers and take longer.")
        if load_error.value:
            solara.Error(load_error.value)
        Questionnaire(data, loaded.value)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Diagnose", on_click=run, color="primary", disabled=task.pending or problem is not None)
        if task.pending:
            solara.Button("Cancel", on_click=task.cancel, text=True)
            solara.Text(stage.value)
    if problem:
        solara.Error(f"Cannot diagnose these answers: {problem}")
    shown = last.value
    if task.pending or task.error or shown is None:
        show_status(
            task, "Press Diagnose to fit the organisation, find its binding layer and plan a roadmap."
        )
    if shown is not None and not task.pending:
        answers_data, run_settings, result, seconds = shown
        if answers_data != data.value or run_settings != chosen:
            solara.Warning(
                f"This diagnosis is {STALE}: it was made from other answers or settings than those shown "
                "above. Press Diagnose to bring it up to date."
            )
        StudyView(result, seconds).key("study")
