"""The client report: one self-contained HTML file from an answers file.

``orgstack-report answers.yaml -o report.html`` assesses and fits the
organisation (:mod:`sim.consult.assess`), diagnoses its binding layer
(:mod:`sim.consult.diagnose`), ranks plans and searches a schedule
(:mod:`sim.consult.recommend`), and writes one HTML file: inline CSS, charts as inline
PNG images, no script and no external address, so that it opens offline and
prints cleanly to PDF. The file is written atomically: on any error nothing is
written. Bad input ends the command with one line on stderr and exit code 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.consult.assess import Answers, Assessment, assess, questionnaire, settings
from sim.consult.diagnose import Diagnosis, diagnose, fitted_strengths
from sim.consult.effort import Effort
from sim.consult.recommend import Recommendation, recommend
from sim.figures import img_tag, png
from sim.model.metrics import END_WEEKS, MATURITY_LEVELS
from sim.model.params import Params
from sim.paths import repository_file
from sim.text import fmt

# make validate writes it into the repository; a wheel does not carry docs/ (None there).
VALIDATION = repository_file("docs/validation.json")
GROUPS = (
    ("Alignment", ("partnership", "strategy")),
    ("Foundation", ("architecture", "culture", "talent")),
    ("Performance", ("execution", "innovation")),
)
COLOURS = {"baseline": "#7f7f7f", "alternative": "#d95f02", "best": "#1b9e77"}
MATURITY_TEXT = {
    "Reactive": "Basic IT support: technology follows business decisions, limited strategic planning, siloed operations.",
    "Proactive": "Aligned IT services: technology aligned with business strategy, service-oriented, some integration.",
    "Integrated": "Strategic partnership: IT as business enabler, integrated planning, cross-functional collaboration.",
    "Optimized": "Business driver: technology drives innovation, data-driven decisions, continuous optimisation.",
    "Transformative": "Market leader: technology creates competitive advantage and orchestrates an ecosystem.",
}


@dataclass(frozen=True)
class Study:
    """Everything the report shows: the assessment, the diagnosis and the recommendation."""

    assessment: Assessment
    diagnosis: Diagnosis
    recommendation: Recommendation


def study(
    answers: Answers,
    budget_per_team_week: float | None = None,
    effort: Effort = Effort(),
    progress: Callable[[float, str], None] | None = None,
) -> Study:
    """Assess, diagnose and recommend, reporting progress by stage.

    Args:
        answers: The validated answers.
        budget_per_team_week: Budget for the plan's extra cost, k per team per week.
        effort: Seeds, trials and horizon of the stages (defaults in ``settings.yaml``).
        progress: Called with the share done (0-1) and the stage's name.

    Raises:
        AssessmentError: The answers give an organisation the model refuses.
    """

    def stage(lo: float, hi: float, name: str) -> Callable[[float], None] | None:
        if progress is None:
            return None
        return lambda share: progress(lo + (hi - lo) * share, name)

    assessment = assess(answers, effort, stage(0.0, 0.25, "Fitting the organisation"))
    diagnosis = diagnose(assessment, effort, stage(0.25, 0.45, "Diagnosing the layers"))
    recommendation = recommend(
        assessment, budget_per_team_week, effort, stage(0.45, 1.0, "Searching the roadmap")
    )
    if progress is not None:
        progress(1.0, "Done")
    return Study(assessment, diagnosis, recommendation)


# ------------------------------------------------------------------ charts


def chart(fig: Figure) -> str:
    """Return the figure as an ``<img>`` embedded in the page."""
    return img_tag(png(fig, tight=True), "chart")


def layer_figure(strengths: dict[str, float], binding: str) -> Figure:
    """Layer strengths as a stack, bottom (partnership) to top (innovation), the binding layer marked."""
    fig = Figure(figsize=(6.2, 3.4))
    ax = fig.subplots()
    names = [n for _, group in GROUPS for n in group]
    colours = ["#c0392b" if n == binding else "#4a78a8" for n in names]
    ax.barh(range(len(names)), [strengths[n] for n in names], color=colours)
    ax.set_yticks(range(len(names)), [f"{i + 1} {n}" for i, n in enumerate(names)])
    ax.set_xlim(0, 1)
    ax.set_xlabel("strength (0-1), fitted organisation")
    for i, n in enumerate(names):
        ax.text(strengths[n] + 0.01, i, f"{strengths[n]:.2f}", va="center", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(f"Layer picture (red: binding layer, {binding})", fontsize=10)
    fig.subplots_adjust(left=0.22, bottom=0.16)
    return fig


def marginal_figure(diagnosis: Diagnosis) -> Figure:
    """Marginal value over the horizon of strengthening each layer, with intervals."""
    m = diagnosis.marginal.sort_values("mean")
    fig = Figure(figsize=(6.2, 3.2))
    ax = fig.subplots()
    colours = ["#c0392b" if n == diagnosis.binding else "#4a78a8" for n in m.index]
    ax.barh(m.index, m["mean"], xerr=[m["mean"] - m["lo"], m["hi"] - m["mean"]], color=colours, capsize=3)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(
        f"net value gained (k) over {diagnosis.weeks} weeks by +{diagnosis.delta:g} strength (mean, interval)"
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.subplots_adjust(left=0.22, bottom=0.17)
    return fig


# The panels of the comparison with the alternatives: column, title, cumulative (else a 4-week mean).
AB_PANELS = (
    ("value", "weekly value delivered, k (4-week mean)", False),
    ("net_value", "cumulative net value, k", True),
    ("lead_time_days", "lead time (days)", False),
    ("change_failure_rate", "change failure rate", False),
    ("unplanned_share", "share of time on unplanned work", False),
    ("bu_trust", "business-unit trust", False),
)


def ab_labels(recommendation: Recommendation) -> dict[str, str]:
    """Names of the three courses compared, by their key in ``recommendation.frames``."""
    return {
        "baseline": "do nothing",
        "alternative": f"execution only ({recommendation.alternative.label()})",
        "best": "recommended",
    }


def ab_figure(recommendation: Recommendation) -> Figure:
    """Recommended plan against the execution-only alternative and doing nothing, over time."""
    frames = recommendation.frames
    labels = ab_labels(recommendation)
    fig = Figure(figsize=(9.5, 5.6))
    axes = fig.subplots(2, 3).ravel()
    for ax, (column, title, cum) in zip(axes, AB_PANELS, strict=True):
        for key, frame in frames.items():
            series = frame[column].unstack("seed")
            # Cumulative, or a 4-week rolling mean so that week-to-week noise does not hide the trend.
            series = series.cumsum() if cum else series.rolling(4, min_periods=1).mean()
            weeks = series.index.to_numpy()
            ax.fill_between(
                weeks,
                series.quantile(0.1, axis=1),
                series.quantile(0.9, axis=1),
                color=COLOURS[key],
                alpha=0.15,
            )
            ax.plot(weeks, series.mean(axis=1), color=COLOURS[key], lw=1.5, label=labels[key])
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("week", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, fontsize=8, frameon=False)
    fig.subplots_adjust(hspace=0.45, wspace=0.3, bottom=0.14)
    return fig


# ------------------------------------------------------------------ html

CSS = """
body{font-family:Georgia,'Times New Roman',serif;color:#222;max-width:980px;margin:2em auto;padding:0 1.2em;line-height:1.45}
h1{font-size:1.7em;margin-bottom:0.1em} h2{font-size:1.3em;border-bottom:2px solid #4a78a8;padding-bottom:0.15em;margin-top:1.8em}
h3{font-size:1.05em;margin-bottom:0.3em} .sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.88em;width:100%}
th,td{border-bottom:1px solid #ddd;padding:0.25em 0.5em;text-align:left;vertical-align:top} td.n,th.n{text-align:right;white-space:nowrap}
.cards{display:flex;gap:1em;flex-wrap:wrap} .card{flex:1;min-width:200px;border:1px solid #ccc;border-radius:6px;padding:0.6em 0.9em}
.card .big{font-size:1.5em;font-weight:bold;overflow-wrap:anywhere} .ok{color:#1b7e4e} .bad{color:#b03a2e;font-weight:bold}
.binding{background:#fbeaea} .note{font-size:0.88em;color:#555} img{max-width:100%}
ol.chain li{margin-bottom:0.3em} .phase{break-inside:avoid}
@media print{body{margin:0;max-width:none;font-size:10.5pt} h2{break-after:avoid} img,table,.card,.phase{break-inside:avoid} a{color:inherit;text-decoration:none}}
"""


def esc(value: Any) -> str:
    """HTML-escape anything."""
    return html.escape(str(value))


def table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool] = (), classes=()
) -> str:
    """Build an HTML table; ``numeric`` right-aligns columns, ``classes`` gives a class per row."""
    numeric = list(numeric) + [False] * (len(header) - len(numeric))
    head = "".join(
        f'<th class="{"n" if n else ""}">{esc(h)}</th>' for h, n in zip(header, numeric, strict=True)
    )
    body = []
    for i, row in enumerate(rows):
        cls = classes[i] if i < len(classes) else ""
        cells = "".join(f'<td class="{"n" if n else ""}">{c}</td>' for c, n in zip(row, numeric, strict=True))
        body.append(f'<tr class="{cls}">{cells}</tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def caveats(s: Study) -> list[str]:
    """Caveats: the fit, the closeness of the diagnosis, simulated size, and the sensitivity analysis."""
    a, d = s.assessment, s.diagnosis
    out = []
    bad = a.fit.errors[~a.fit.errors["within"]]
    if len(bad):
        out.append(
            f"The fit misses {', '.join(bad.index)} by more than a factor {1 + a.fit.tolerance:g}: the facts and "
            "the answers do not quite agree in the model; treat the numbers that depend on them with care."
        )
    else:
        out.append(
            f"Every fact is reproduced within a factor {1 + a.fit.tolerance:g} by the fitted baseline."
        )
    if d.overlap:
        out.append(
            f"The intervals of {d.binding} and {d.runner_up} overlap: the diagnosis between the two is close, and "
            "both deserve attention."
        )
    for layer, row in d.marginal.iterrows():
        if row["hi"] < 0:
            out.append(
                f"Strengthening {layer} alone lowered net value in these runs ({fmt(row['mean'])} k, interval "
                f"[{fmt(row['lo'])}, {fmt(row['hi'])}] k): on its own it is not the place to start in this "
                "organisation, whatever its value alongside other changes."
            )
    if a.answers.facts["teams"] > d.teams:
        out.append(
            f"The organisation has {a.answers.facts['teams']} teams; runs simulate {d.teams} teams with the same "
            "mix, and value, cost and net value are scaled to the real size in proportion to the teams (flows "
            "such as throughput are shown as simulated)."
        )
    out.append(
        "Value, cost and net value are in thousands of currency units, from an agent-based simulation "
        "(model v2) whose parameters are stated assumptions, not yet calibrated to published evidence nor "
        "to this organisation; the ranking and the timing matter more than the absolute numbers."
    )
    out += sensitivity_caveats()
    return out


def sensitivity_caveats(path: Path | None = VALIDATION) -> list[str]:
    """Say what the project's sensitivity and robustness analysis (``make validate``) says, if it has run.

    Args:
        path: The analysis' results (``docs/validation.json``); None where OrgStack is
            installed from a wheel, which does not carry them.
    """
    if path is None:
        return [
            "The sensitivity analysis is not part of this installation (it is docs/validation.md in OrgStack's "
            "repository); the model's parameter uncertainty is not shown."
        ]
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return [
            "No sensitivity analysis has been run (make validate); the model's parameter uncertainty is not shown."
        ]
    factors = {row.get("factor") for row in data.get("sensitivity", {}).get("sobol", [])}
    unknown = sorted(str(f) for f in factors - model_parameters())
    if unknown:
        # An analysis of another model version would speak for parameters the model no longer has.
        return [
            "The sensitivity analysis on file (docs/validation.json) is of an earlier model version: it varies "
            f"parameters the current model does not have ({', '.join(unknown[:3])}), so it is not shown; the "
            "model's parameter uncertainty is not shown until make validate is run again."
        ]
    out = []
    sobol = [row for row in data.get("sensitivity", {}).get("sobol", []) if row.get("outcome") == "value"]
    if sobol:
        top = sorted(sobol, key=lambda row: -row.get("ST", 0))[:3]
        text = ", ".join(f"{row['factor']} ({row['ST']:.0%} of the variance)" for row in top)
        out.append(
            "Sensitivity analysis (Sobol, docs/validation.md): cumulative value depends most on the model "
            f"parameters {text}; they are set from the literature, not measured here."
        )
    robust = data.get("robustness", {})
    if "share_course_wins" in robust and "course" in robust:
        others = ", ".join(sorted(set(robust.get("winners", {})) - {robust["course"]})) or "the other courses"
        out.append(
            f"Robustness: over {robust.get('worlds', '?')} sampled parameter worlds, {robust['course']} had the "
            f"most value, against {others}, in {robust['share_course_wins']:.0%} of them."
        )
    return out


def model_parameters() -> set[str]:
    """Names of the current model's parameters, each bare (``overtime``) and with its group (``operating.overtime``)."""
    names = set()
    for group in dataclasses.fields(Params):
        default = group.default
        if dataclasses.is_dataclass(default):
            for f in dataclasses.fields(default):
                names |= {f.name, f"{group.name}.{f.name}"}
        else:
            names.add(group.name)
    return names


def render(s: Study, *, generated: str | None = None) -> str:
    """Render the whole report as one HTML document."""
    a, d, r = s.assessment, s.diagnosis, s.recommendation
    strengths = fitted_strengths(a)
    q = questionnaire()
    generated = generated or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>OrgStack diagnosis - {esc(a.answers.organisation)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{esc(a.answers.organisation)}: diagnosis and roadmap</h1>",
        f'<p class="sub">OrgStack assessment report, {esc(generated)}</p>',
        "<h2>Summary</h2>",
        '<div class="cards">',
        f'<div class="card">Maturity<div class="big">{a.maturity} {esc(a.maturity_name)}</div>'
        f'<span class="note">{esc(MATURITY_TEXT[a.maturity_name])}</span></div>',
        f'<div class="card">DORA cluster<div class="big">{esc(a.dora_cluster)}</div>'
        f'<span class="note">from the facts; fitted baseline: {esc(a.simulated_cluster)}</span></div>',
        f'<div class="card">Binding layer<div class="big">{esc(d.binding)}</div>'
        f'<span class="note">strengthening it is worth {fmt(d.marginal.loc[d.binding, "mean"])} k net value '
        f"over {d.weeks} weeks ({d.marginal.loc[d.binding, 'share']:+.1%} of the value delivered)</span></div>",
        f'<div class="card">Recommended plan<div class="big" style="font-size:1em">{esc(r.best.describe())}</div>'
        f'<span class="note">{_plan_gain(r)}</span></div>',
        "</div>",
    ]
    # Assessment
    rows, classes = [], []
    for layer, score in a.scores.items():
        answers = ", ".join(f"{k} {v}" for k, v in a.answers.answers[layer].items())
        rows.append([esc(layer), f"{score:.2f}", f"{strengths[layer]:.2f}", esc(answers)])
        classes.append("binding" if layer == d.binding else "")
    facts = [[esc(k), esc(f"{v:g}"), esc(q["facts"][k]["text"])] for k, v in a.answers.facts.items()]
    parts += [
        "<h2>1. Assessment</h2>",
        "<h3>Layer scores</h3>",
        table(
            ["layer", "score (1-5)", "strength (0-1)", "answers"], rows, [False, True, True, False], classes
        ),
        "<h3>Facts</h3>",
        table(["fact", "value", "meaning"], facts, [False, True, False]),
        "<h2>2. Layer picture, maturity and DORA cluster</h2>",
        chart(layer_figure(strengths, d.binding)),
        f"<p>The model records maturity level <b>{a.maturity} {esc(a.maturity_name)}</b> for the fitted baseline "
        f"(from the answers alone: {a.answered_maturity} {esc(MATURITY_LEVELS[a.answered_maturity - 1])}). "
        f"The facts put delivery in the <b>{esc(a.dora_cluster)}</b> DORA cluster.</p>",
        "<h3>Fit: the simulated baseline against the facts</h3>",
        table(
            ["fact", "given", "simulated", "ratio", "within tolerance"],
            [
                [
                    esc(k),
                    fmt(row["given"]),
                    fmt(row["simulated"]),
                    f"{row['ratio']:.2f}",
                    '<span class="ok">yes</span>' if row["within"] else '<span class="bad">no</span>',
                ]
                for k, row in a.fit.errors.iterrows()
            ],
            [False, True, True, True, False],
        ),
        f'<p class="note">Fitted with {a.fit.trials} Optuna trials over '
        + esc(", ".join(f"{k} = {v:.3g}" for k, v in a.fit.values.items()))
        + f"; tolerance: within a factor {1 + a.fit.tolerance:g} either way.</p>",
    ]
    # Diagnosis
    marg_rows, marg_classes = [], []
    for layer, row in d.marginal.sort_values("mean", ascending=False).iterrows():
        marg_rows.append(
            [esc(layer), fmt(row["mean"]), f"[{fmt(row['lo'])}, {fmt(row['hi'])}]", f"{row['share']:+.1%}"]
        )
        marg_classes.append("binding" if layer == d.binding else "")
    level = round(100 * settings()["diagnosis"]["interval"])
    parts += [
        "<h2>3. Diagnosis: looking down the stack</h2>",
        f"<p>Each layer was strengthened by {d.delta:g} in turn (its starting strength and the baseline "
        f"effort that holds it) and simulated for {d.weeks} weeks over the same {d.seeds} seeds as the "
        f"baseline. The binding layer is the one whose strengthening is worth most: the most net value "
        f"(value delivered less the cost of people and incidents, thousands of currency units).</p>",
        chart(marginal_figure(d)),
        table(
            ["layer", f"net value gained in {d.weeks} weeks (k)", f"{level}% interval", "of baseline value"],
            marg_rows,
            [False, True, True, True],
            marg_classes,
        ),
        f"<p><b>Binding layer: {esc(d.binding)}</b>"
        + (
            f" (close to {esc(d.runner_up)}: the intervals overlap)."
            if d.overlap
            else f" (clearly ahead of {esc(d.runner_up)})."
        )
        + "</p>",
        "<h3>Why: the causal chain in the runs</h3>",
        f"<p>{esc(d.explanation())}</p>",
        '<ol class="chain">' + "".join(f"<li>{esc(t)}</li>" for t in d.steps_text()) + "</ol>",
    ]
    # Roadmap
    share, week = r.dip
    dip = (
        f"Expected dip: weekly net value falls below doing nothing by {-share:.1%} of the weekly value "
        f"delivered at its deepest (week {week})."
        if share < 0
        else "No dip: weekly net value does not fall below doing nothing."
    )
    payback = (
        f"It pays back from week {r.payback_week}: from then on its cumulative net value stays ahead of doing "
        "nothing."
        if r.payback_week
        else "It does not pay back within the horizon."
    )
    parts += [
        "<h2>4. Recommended roadmap</h2>",
        f"<p><b>{esc(r.best.describe())}</b>. {esc(dip)} {esc(payback)}</p>",
    ]
    phases = ["First 90 days", "First year", "Beyond the first year"]
    for phase in phases:
        rows = r.roadmap[r.roadmap["phase"] == phase]
        parts.append(f'<div class="phase"><h3>{phase}</h3>')
        if rows.empty:
            parts.append('<p class="note">Nothing new starts; what started earlier carries on.</p>')
        else:
            parts.append(
                table(
                    ["weeks", "intervention", "what changes", "cost per week (k)"],
                    [
                        [
                            esc(x["weeks"]),
                            f"{esc(x['intervention'])}<br><span class='note'>{esc(x['description'])}</span>",
                            esc(x["what"]),
                            fmt(x["cost_per_week"]),
                        ]
                        for _, x in rows.iterrows()
                    ],
                    [False, False, False, True],
                )
            )
        parts.append("</div>")
    rank_rows = [
        [
            esc(x["plan"]),
            esc(x["source"]),
            fmt(x["value"]),
            fmt(x["extra_cost"]),
            fmt(x["mean"]),
            f"[{fmt(x['lo'])}, {fmt(x['hi'])}]",
            "yes" if x["within_budget"] else '<span class="bad">no</span>',
        ]
        for _, x in r.ranking.iterrows()
    ]
    parts += [
        "<h3>Plans compared</h3>",
        f"<p>Budget: {fmt(r.budget)} k of extra cost over {r.weeks} weeks (spend, people added, incidents "
        f"saved). {r.trials} Optuna trials searched schedules; every plan below was then simulated over "
        f"{r.seeds} seeds, the same for all, and is ranked by the net value it adds: the value it adds less "
        "its extra cost, in thousands of currency units. Leadership may abandon a programme that has not "
        "paid within its patience; the runs include that.</p>",
        table(
            [
                "plan",
                "found by",
                f"value gained in {r.weeks} weeks (k)",
                "extra cost (k)",
                "net value gained (k)",
                f"{level}% interval",
                "within budget",
            ],
            rank_rows,
            [False, False, True, True, True, True, False],
        ),
    ]
    if r.over_budget:
        parts.append(
            '<p class="note">Over budget at full intensity: '
            + esc(", ".join(f"{k} ({fmt(v)} k)" for k, v in r.over_budget.items()))
            + "</p>"
        )
    # A/B
    parts += [
        "<h2>5. Against the execution-only alternative</h2>",
        f"<p>The recommended plan against pushing execution alone ({esc(r.alternative.label())}) and doing "
        "nothing: means over seeds with 10-90% bands.</p>",
        chart(ab_figure(r)),
        _ab_table(r),
        "<h2>6. Caveats</h2>",
        "<ul>" + "".join(f"<li>{esc(c)}</li>" for c in caveats(s)) + "</ul>",
        '<p class="note">Generated by OrgStack (orgstack-report). Settings: configs/assessment/settings.yaml; '
        "method: docs/diagnose.md.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _plan_gain(r: Recommendation) -> str:
    row = r.ranking[r.ranking["plan"] == r.best.label()]
    if row.empty:
        return "no plan within the budget beats doing nothing"
    x = row.iloc[0]
    return f"{fmt(x['mean'])} k net value over {r.weeks} weeks against doing nothing ({x['share']:+.1%} of the value delivered)"


def _ab_table(r: Recommendation) -> str:
    rows = []
    frames = r.frames
    end = r.weeks - END_WEEKS + 1
    for column, label, how in (
        ("value", "value delivered (k)", "sum"),
        ("cost", "cost: people, incidents, spend (k)", "sum"),
        ("net_value", "net value (k)", "sum"),
        ("lead_time_days", f"lead time, last {END_WEEKS} weeks (days)", "end"),
        ("change_failure_rate", "change failure rate, last 12 weeks", "end"),
        ("innovations", "innovations shipped", "sum"),
        ("attrition", "people who left", "sum"),
    ):
        values = []
        for key in ("baseline", "alternative", "best"):
            f = frames[key]
            week = f.index.get_level_values("week")
            if how == "sum":
                values.append(float(f[column].groupby(level="seed").sum().mean()))
            else:
                values.append(float(f.loc[week >= end, column].mean()))
        rows.append([esc(label), *(fmt(v) for v in values)])
    return table(
        ["at the horizon", "do nothing", "execution only", "recommended"], rows, [False, True, True, True]
    )
