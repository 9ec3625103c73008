"""``make validate``: calibration check, what must emerge, sensitivity and robustness, as docs/validation.md.

Runs, in order, with a progress bar for each:

1. the validation population (``configs/validation/population.yaml``) at
   baseline, its DORA clusters against the envelopes of
   ``configs/validation/calibration.yaml`` (fitted and held back), the published
   figures of ``configs/validation/published.yaml`` beside the simulated ones,
   and Ward's clustering as a cross-check (:mod:`experiments.validation.calibration`);
2. the six patterns the seeds expect to emerge, over seeds of the presets
   (:mod:`experiments.validation.emergence`), as findings: how often each
   holds, with an interval, and by how much;
3. Morris screening and Sobol indices (:mod:`experiments.validation.sensitivity`);
4. the robustness of the course the seeds recommend over sampled worlds
   (:mod:`experiments.validation.robustness`), and patterns (a) to (c) of step 2
   over the same worlds.

It writes ``validation.md`` with its figures under ``images/validation/`` and
``validation.json`` (every number of the report) into ``docs/`` or ``--out``, and
prints the findings. It never fails because a pattern does not hold or a measure
misses its envelope: those are results. ``--quick`` runs the reduced sizes the
tests use. Results are identical whatever ``--workers`` is: every run's seed is
fixed by its place in a design.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from joblib import cpu_count

from experiments.validation import calibration, emergence, population, robustness, sensitivity, uncertainty
from experiments.validation.worlds import run_all
from sim.analysis.document import Report, Table, colours, new_figure
from sim.config import CONFIG_DIR
from sim.model.metrics import CLUSTERS, DORA_KEYS
from sim.paths import repository
from sim.text import fmt

# The repository these tools write into; an installed package has none, so they write under the cwd.
ROOT = repository() or Path.cwd()
PUBLISHED_PATH = CONFIG_DIR / "validation" / "published.yaml"
IMAGES = "images/validation"
KEY_LABELS = {
    "deploys_per_week": "deploys per week",
    "lead_time_days": "lead time (days)",
    "time_to_restore_hours": "time to restore (hours)",
    "change_failure_rate": "change failure rate",
}
MEASURE_LABELS = {
    **{f"share_{c}": f"share of {c} performers" for c in CLUSTERS},
    "ratio_deploys": "deploy frequency, elite / low",
    "ratio_lead_time": "lead time, low / elite",
    "ratio_restore": "time to restore, low / elite",
    "ratio_change_failure": "change failure rate, low / elite",
    "change_failure_elite": "change failure rate of elite performers",
    "change_failure_low": "change failure rate of low performers",
    "speed_stability_rho": "Spearman ρ, deploy frequency vs 1 − change failure rate",
}


@dataclass(frozen=True)
class Sizes:
    """How much of each analysis to run; the full sizes come from the config files."""

    population: int | None = None
    morris_trajectories: int | None = None
    sobol_base_samples: int | None = None
    sobol_top: int | None = None
    worlds: int | None = None
    unbundled: int | None = None
    seeds: int | None = None


# The reduced run of the tests: a few minutes on 2 cores. Every analysis runs, each small:
# its numbers are checked for consistency, not for their values.
QUICK = Sizes(
    population=200,
    morris_trajectories=2,
    sobol_base_samples=16,
    sobol_top=4,
    worlds=48,
    unbundled=100,
    seeds=6,
)


def specs(
    sizes: Sizes,
) -> tuple[population.PopulationSpec, uncertainty.UncertaintySpec, emergence.EmergenceSpec]:
    """Return the population, uncertainty and emergence specs from ``configs/validation/``, resized."""
    pop = population.load_spec(**({"size": sizes.population} if sizes.population else {}))
    unc = uncertainty.load_spec()
    sens = {
        k: getattr(sizes, k)
        for k in ("morris_trajectories", "sobol_base_samples", "sobol_top")
        if getattr(sizes, k) is not None
    }
    rob = {"worlds": sizes.worlds} if sizes.worlds else {}
    unc = dataclasses.replace(
        unc,
        sensitivity=dataclasses.replace(unc.sensitivity, **sens),
        robustness=dataclasses.replace(unc.robustness, **rob),
    )
    emerge = emergence.load_spec(**({"seeds": sizes.seeds} if sizes.seeds else {}))
    return pop, unc, emerge


@dataclass(frozen=True)
class PopulationResult:
    """The validation population and how it meets the envelopes.

    Attributes:
        keys: The four DORA keys per organisation, with ``maturity``, ``cluster`` and ``ward``.
        measures: Every measure of :data:`experiments.validation.calibration.MEASURES`.
        ward_measures: The same measures with Ward's clusters.
        misses: Measures outside their envelopes (fitted and held back).
        unbundled_rho: The speed-stability correlation of a population of the same
            size whose attributes each draw their own maturity (no capability bundles).
    """

    keys: pd.DataFrame
    measures: dict[str, float]
    ward_measures: dict[str, float]
    misses: list[str]
    unbundled_rho: float


def check_population(
    pop: population.PopulationSpec,
    cal: calibration.CalibrationSpec,
    workers: int | None = None,
    unbundled_size: int | None = None,
) -> PopulationResult:
    """Run the population at baseline and measure it against every envelope.

    ``unbundled_size``: organisations of the population without bundles (default: as many).
    """
    orgs = population.draw(pop)
    outcomes = run_all(population.configs(pop), "population", workers, window=pop.window)
    keys = calibration.keys_frame(outcomes)
    labels, ward = calibration.clusters(keys), calibration.ward_clusters(keys)
    measures = calibration.measure(keys, labels)
    keys = keys.assign(maturity=[o.maturity for o in orgs], cluster=labels, ward=ward)
    # The same check without bundles: does speed go with stability when the generator does not tie them?
    unbundled = dataclasses.replace(pop, independent=True, size=unbundled_size or pop.size)
    loose = calibration.keys_frame(
        run_all(population.configs(unbundled), "unbundled", workers, window=pop.window)
    )
    return PopulationResult(
        keys,
        measures,
        calibration.measure(keys[list(DORA_KEYS)], ward),
        calibration.misses(measures, cal.envelopes),
        calibration.measure(loose)["speed_stability_rho"],
    )


def worlds_findings(
    spec_: emergence.EmergenceSpec, rob: robustness.Robustness, org: str, towards: str
) -> dict[str, list[emergence.Finding]]:
    """Return findings (a) to (c) over the robustness worlds: all, and with a diagnosis axis its weak half.

    Args:
        spec_: The emergence spec.
        rob: The robustness results.
        org: The organisation the worlds start from (diagnosis 0).
        towards: The organisation at the other end of the diagnosis axis (empty: none).
    """
    n = len(rob.winner)
    subsets = {f"{n} robustness worlds": np.ones(n, dtype=bool)}
    if uncertainty.DIAGNOSIS in rob.inputs:
        weak = (rob.inputs[uncertainty.DIAGNOSIS] < 0.5).to_numpy()
        subsets[f"{int(weak.sum())} robustness worlds nearer `{org}` than `{towards}` (diagnosis < 0.5)"] = (
            weak
        )
    return emergence.over_worlds(
        spec_, rob.curves, rob.innovations.to_numpy(), list(rob.innovations.columns), subsets
    )


# ----------------------------------------------------------------------------- figures


def _shares_figure(result: PopulationResult, published: dict) -> Any:
    fig = new_figure(8, 3.4)
    ax = fig.add_subplot()
    columns = {f"{year}": shares for year, shares in published["shares"].items()}
    columns["OrgStack (DORA rule)"] = {c: result.measures[f"share_{c}"] for c in CLUSTERS}
    columns["OrgStack (Ward)"] = {c: result.ward_measures[f"share_{c}"] for c in CLUSTERS}
    names = list(columns)
    palette = colours(list(CLUSTERS))
    bottom = np.zeros(len(names))
    for c in CLUSTERS:
        heights = np.array([columns[n].get(c, 0.0) for n in names])
        ax.bar(names, heights, bottom=bottom, color=palette[c], label=c)
        bottom += heights
    ax.set_ylabel("share of organisations")
    ax.set_title("Cluster shares: State of DevOps reports (by year) and the simulated population")
    ax.tick_params(axis="x", labelrotation=20)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _ratios_figure(result: PopulationResult, published: dict) -> Any:
    fig = new_figure(8, 3.2)
    ax = fig.add_subplot()
    keys = ("deploys", "lead_time", "restore", "change_failure")
    envelopes = calibration.load_spec().envelopes
    for i, key in enumerate(keys):
        lo, hi = envelopes[f"ratio_{key}"]
        ax.vlines(
            i, lo, min(hi, 1e4), color="#dddddd", linewidth=12, zorder=0, label="envelope" if i == 0 else None
        )
        years = published["ratios"]
        ax.scatter(
            [i] * len(years),
            [years[y][key] for y in years],
            color="grey",
            marker="o",
            label="published (2016-2021)" if i == 0 else None,
        )
        ax.scatter(
            [i],
            [result.measures[f"ratio_{key}"]],
            color="tab:red",
            marker="D",
            s=60,
            label="OrgStack" if i == 0 else None,
        )
    ax.set_xticks(
        range(len(keys)), ["deploy frequency", "lead time", "time to restore", "change failure rate"]
    )
    ax.set_yscale("log")
    ax.set_ylabel("elite-to-low ratio (times)")
    ax.set_title("Elite-to-low ratios: published and simulated")
    ax.legend(fontsize=8)
    return fig


def _speed_stability_figure(result: PopulationResult) -> Any:
    fig = new_figure(6.5, 4)
    ax = fig.add_subplot()
    palette = colours(list(CLUSTERS))
    for i, c in enumerate(CLUSTERS):
        part = result.keys[result.keys["cluster"] == i]
        ax.scatter(part["deploys_per_week"], part["change_failure_rate"], s=10, color=palette[c], label=c)
    ax.set_xscale("log")
    ax.set_xlabel("deploys per week (median team, year 3)")
    ax.set_ylabel("change failure rate")
    ax.set_title(f"Speed and stability (Spearman ρ = {result.measures['speed_stability_rho']:.2f})")
    ax.legend(fontsize=8)
    return fig


def _morris_figure(morris_frame: pd.DataFrame, top: int = 15) -> Any:
    fig = new_figure(11, 4.5)
    for i, (outcome, label) in enumerate(sensitivity.OUTCOMES.items()):
        ax = fig.add_subplot(1, len(sensitivity.OUTCOMES), i + 1)
        part = morris_frame[morris_frame["outcome"] == outcome].nlargest(top, "mu_star_norm")[::-1]
        ax.barh(part["factor"], part["mu_star_norm"], color="tab:blue")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("Morris μ* / largest")
        ax.tick_params(axis="y", labelsize=7)
    return fig


def _sobol_figure(sobol_frame: pd.DataFrame) -> Any:
    fig = new_figure(11, 4)
    for i, (outcome, label) in enumerate(sensitivity.OUTCOMES.items()):
        ax = fig.add_subplot(1, len(sensitivity.OUTCOMES), i + 1)
        part = sobol_frame[sobol_frame["outcome"] == outcome][::-1]
        y = np.arange(len(part))
        ax.barh(
            y + 0.2, part["ST"], height=0.4, xerr=part["ST_conf"], color="tab:orange", label="total order"
        )
        ax.barh(y - 0.2, part["S1"], height=0.4, xerr=part["S1_conf"], color="tab:blue", label="first order")
        ax.set_yticks(y, part["factor"], fontsize=7)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("Sobol index")
        if i == 0:
            ax.legend(fontsize=7)
    return fig


def _crossover_figure(rob: robustness.Robustness, weeks: int) -> Any:
    fig = new_figure(6.5, 3.4)
    ax = fig.add_subplot()
    finite = rob.crossover[np.isfinite(rob.crossover)]
    ax.hist(finite, bins=np.arange(0, weeks + 8, 8), color="tab:green")
    never = int((~np.isfinite(rob.crossover)).sum())
    ax.set_xlabel(f"crossover week ({rob.course} ahead of every other course for good)")
    ax.set_ylabel("worlds")
    ax.set_title(
        f"Crossover week over {len(rob.crossover)} worlds ({never} never cross within {weeks} weeks)",
        fontsize=9,
    )
    return fig


# ----------------------------------------------------------------------------- text


def _cell(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt(x)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _condition(name: str, op: str, threshold: float) -> str:
    return f"`{name}` {'≤' if op == '<=' else '>'} {fmt(threshold)}"


def _box(conditions: list[tuple[str, str, float]]) -> str:
    """Return a box's conditions in words, each input's bounds merged (``a ≤ 3 and a ≤ 2``: ``a ≤ 2``)."""
    bounds: dict[str, list[float | None]] = {}
    for name, op, threshold in conditions:
        low, high = bounds.setdefault(name, [None, None])
        if op == "<=":
            bounds[name][1] = threshold if high is None else min(high, threshold)
        else:
            bounds[name][0] = threshold if low is None else max(low, threshold)
    parts = []
    for name, (low, high) in bounds.items():
        if low is not None and high is not None:
            parts.append(f"{fmt(low)} < `{name}` ≤ {fmt(high)}")
        elif high is not None:
            parts.append(_condition(name, "<=", high))
        else:
            parts.append(_condition(name, ">", low))
    return " and ".join(parts) or "all worlds"


def failure_boxes(rob: robustness.Robustness, limit: float = 0.5, full: bool = False) -> list[robustness.Box]:
    """Return the tree's leaves where the course analysed wins in fewer than ``limit`` of the worlds.

    ``full``: the tree of the 3-year values instead of the values at each world's horizon.
    """
    return [b for b in (rob.full_boxes if full else rob.boxes) if b.wins < limit]


def _emergence_section(rep: Report, found: emergence.Emergence) -> None:
    """Write section 2: the six findings, their parts, their effects, and (a) to (c) over the worlds."""
    rep.heading("2. What the seeds expect to emerge: findings, not targets")
    rep.text(
        "The seed documents predict six patterns (`configs/validation/emergence.yaml` names the organisations "
        "and courses, `experiments/validation/emergence.py` the rules). Each is measured per seed, every course "
        "of a seed sharing its random numbers; the share of seeds where the whole pattern holds has a 95% Wilson "
        "interval, the effects behind it are means over seeds with 95% t-intervals. No test asserts these "
        "patterns and the calibration never reads them: whichever way they come out is the result."
    )
    rep.table(
        Table(
            ["pattern", "prediction", "basis", "holds", "its parts (units where each holds)"],
            [
                [
                    f"({f.key}) {f.name}",
                    f.prediction,
                    f.basis,
                    emergence.verdict(f.as_dict()),
                    emergence.parts_text(f.as_dict()),
                ]
                for f in found.seeds
            ],
            align="lllll",
        )
    )
    rep.table(
        Table(
            ["pattern", "effect", "mean [95% interval]"],
            [[f"({f.key})", label, emergence.effect(f, label)] for f in found.seeds for label in f.effects],
            caption="The effects behind the patterns (relative differences per seed, or the keys' levels)",
            align="llr",
        )
    )
    if found.worlds:
        rep.text(
            "Patterns (a) to (c) compare courses on one organisation, so they can be counted over the "
            "robustness worlds of section 4 as well, whose parameters, starting layers and diagnosis are "
            "uncertain (each world's values over its whole run, whatever its decision horizon)."
        )
        rep.table(
            Table(
                ["pattern", "basis", "holds", "its parts"],
                [
                    [
                        f"({f.key}) {f.name}",
                        basis,
                        emergence.verdict(f.as_dict()),
                        emergence.parts_text(f.as_dict()),
                    ]
                    for basis, findings in found.worlds.items()
                    for f in findings
                ],
                align="llll",
            )
        )


def build_report(
    pop_result: PopulationResult,
    found: emergence.Emergence,
    cal: calibration.CalibrationSpec,
    unc: uncertainty.UncertaintySpec,
    sens: sensitivity.Sensitivity,
    rob: robustness.Robustness,
    published: dict,
    meta: dict[str, Any],
) -> Report:
    """Build the validation report (Markdown with figures)."""
    m = pop_result.measures
    course = rob.course
    rep = Report("OrgStack validation: calibration, what must emerge, sensitivity and robustness")
    rep.text(
        "Generated by `make validate` (`python -m experiments.validation.validate`); do not edit by hand. "
        f"{meta['runs']:,} model runs in {meta['seconds'] / 60:.1f} minutes on {meta['workers']} worker(s). "
        "How the model was calibrated and what was held back: `docs/model.md`, section 7.15."
    )
    fails = failure_boxes(rob)
    rep.bullets(
        [
            f"**Calibration**: {pop_result.keys.shape[0]} random organisations at baseline land "
            + (
                "inside every envelope"
                if not pop_result.misses
                else f"outside {len(pop_result.misses)} envelope(s): {'; '.join(pop_result.misses)}"
            )
            + f" — elite {_pct(m['share_elite'])}, high {_pct(m['share_high'])}, medium {_pct(m['share_medium'])}, low {_pct(m['share_low'])}; "
            f"speed and stability rank-correlate at ρ = {m['speed_stability_rho']:.2f} (held back).",
            "**What must emerge** (share of seeds where each pattern holds): "
            + "; ".join(f"({f.key}) {f.name} {_pct(f.share)}" for f in found.seeds)
            + ".",
            f"**Sensitivity**: the inputs that drive the outcomes most are {', '.join(f'`{n}`' for n in sens.top[:5])}.",
            f"**Robustness**: over {len(rob.winner)} sampled worlds, `{course}` has the most 3-year value in "
            f"{_pct(rob.share_full_wins)} (smallest lead {rob.full_lead.min():+.0%}) and the most value at the world's own "
            f"decision horizon in {_pct(rob.share_wins)}"
            + (f"; it mostly loses where {_box(fails[0].conditions)}." if fails else "."),
        ]
    )

    rep.heading("1. Calibration to the DORA clusters")
    fitted = ", ".join(f"`{n}`" for n in cal.fit.parameters)
    rep.text(
        f"A population of {pop_result.keys.shape[0]} random organisations (`configs/validation/population.yaml`: "
        "a latent maturity drawn from a Beta distribution sets every layer, the load, the debt and the levers, "
        "each with its own noise; sizes independent) runs 156 weeks at baseline. An organisation's DORA keys are "
        "its means over the final year; its cluster is the model's own rule (`sim.model.metrics.dora_cluster`, the "
        "cut points of `docs/model.md` 4.11). The calibration fitted "
        f"{fitted} and the shape of the population's maturity distribution to the envelopes marked *fitted* "
        "on a population of its own (`make calibrate`, `python -m experiments.validation.calibration`); "
        "this population has another seed and the fit never runs it (`docs/model.md` 7.15). The fit reads "
        "nothing else: neither how a preset or an intervention comes out nor the patterns of section 2."
    )
    rows = []
    for name, (lo, hi) in cal.envelopes.items():
        ok = lo <= m[name] <= hi
        role = "fitted" if name in cal.targets else "held back"
        rows.append(
            [MEASURE_LABELS[name], _cell(m[name]), f"{fmt(lo)} – {fmt(hi)}", role, "yes" if ok else "**no**"]
        )
    rep.table(Table(["measure", "simulated", "envelope (published)", "role", "inside"], rows))
    rep.text(
        "Held back as well: with no capability bundles (every attribute of an organisation draws its own "
        f"maturity, {meta['sizes'].get('unbundled') or pop_result.keys.shape[0]} organisations) speed and stability still rank-correlate at "
        f"ρ = {pop_result.unbundled_rho:.2f}; what correlation survives there comes from the mechanisms, "
        "not from the way organisations are drawn."
    )
    rep.figure(
        _shares_figure(pop_result, published),
        f"{IMAGES}/shares.png",
        "Cluster shares, published and simulated.",
    )
    rep.figure(
        _ratios_figure(pop_result, published),
        f"{IMAGES}/ratios.png",
        "Elite-to-low ratios, published (State of DevOps 2016-2021) and simulated.",
    )

    rep.heading("Cluster profiles", 3)
    rep.text(
        "Median keys of each simulated cluster beside the 2024 report's profiles (ranges in the model's units; "
        '"on demand" read as at least five deploys a week). Not fitted.'
    )
    prof = calibration.profiles(pop_result.keys[list(DORA_KEYS)], pop_result.keys["cluster"].to_numpy())
    rows = []
    for c in reversed(CLUSTERS):
        pub = published["profiles_2024"][c]
        cells = [c]
        for key in DORA_KEYS:
            lo, hi = pub[key]
            pub_text = fmt(lo) if lo == hi else f"{fmt(lo)} – {fmt(hi)}"
            sim = fmt(prof.loc[c, key]) if c in prof.index else "–"
            cells.append(f"{sim} ({pub_text})")
        rows.append(cells)
    rep.table(Table(["cluster", *(f"{KEY_LABELS[k]}: simulated (2024)" for k in DORA_KEYS)], rows))
    rep.text(
        "Cross-check with the reports' method, Ward's hierarchical clustering of the standardised log keys: "
        + ", ".join(f"{c} {_pct(pop_result.ward_measures[f'share_{c}'])}" for c in reversed(CLUSTERS))
        + f"; elite-to-low ratios {fmt(pop_result.ward_measures['ratio_deploys'])}x (deploys), "
        f"{fmt(pop_result.ward_measures['ratio_lead_time'])}x (lead time), {fmt(pop_result.ward_measures['ratio_restore'])}x (restore), "
        f"{fmt(pop_result.ward_measures['ratio_change_failure'])}x (failure rate). Ward finds clusters of similar size and "
        "is not bound to the published cut points, so its shares are not a target."
    )
    rep.figure(
        _speed_stability_figure(pop_result),
        f"{IMAGES}/speed_stability.png",
        "Deploy frequency against change failure rate, one point per organisation.",
    )

    _emergence_section(rep, found)

    rep.heading("3. Sensitivity: which inputs drive the outcomes")
    n_factors = sens.morris["factor"].nunique()
    rep.text(
        f"Outcomes of the `{unc.org}` organisation under `{unc.sensitivity.intervention}` over 156 weeks "
        f"(at baseline it ships almost no innovations), every run with seed {unc.seed}. "
        f"Morris screening ({unc.sensitivity.morris_trajectories} trajectories, {unc.sensitivity.morris_levels} levels) over "
        f"all {n_factors} uncertain inputs: every numeric parameter of `sim.model.params.Params` except "
        + ", ".join(f"`{n}` ({why})" for n, why in unc.excluded.items())
        + f", each uniform on its default value ±{_pct(unc.width)} (narrower where data pin it down, "
        f"`configs/validation/uncertainty.yaml`), and the seven starting layer strengths ±{fmt(unc.layer_width)}. "
        f"Sobol indices (Saltelli, N = {unc.sensitivity.sobol_base_samples}, first and total order) over the "
        f"{len(sens.top)} inputs with the largest normalised Morris μ* across the three outcomes. {sens.runs:,} runs."
    )
    pivot = sens.morris.pivot(index="factor", columns="outcome", values="mu_star_norm")
    order = sensitivity.rank(sens.morris).index[:15]
    morris_rows = [[f"`{f}`", *(fmt(pivot.loc[f, o]) for o in sensitivity.OUTCOMES)] for f in order]
    sobol_rows = []
    for f in sens.top:
        cells = [f"`{f}`"]
        for o in sensitivity.OUTCOMES:
            r = sens.sobol[(sens.sobol["factor"] == f) & (sens.sobol["outcome"] == o)].iloc[0]
            cells.append(f"{r['S1']:.2f} ± {r['S1_conf']:.2f} / {r['ST']:.2f} ± {r['ST_conf']:.2f}")
        sobol_rows.append(cells)
    for label, rows, caption, fig, name, fig_caption in (
        (
            "μ*/max",
            morris_rows,
            "Morris screening, the 15 most influential inputs",
            _morris_figure(sens.morris),
            "morris",
            "Morris μ* (normalised per outcome), the 15 most influential inputs per outcome.",
        ),
        (
            "S1 / ST",
            sobol_rows,
            "Sobol indices (± 95% bootstrap half-width)",
            _sobol_figure(sens.sobol),
            "sobol",
            "First- and total-order Sobol indices of the top inputs.",
        ),
    ):
        rep.table(Table(["input", *(f"{label}: {o}" for o in sensitivity.OUTCOMES)], rows, caption=caption))
        rep.figure(fig, f"{IMAGES}/{name}.png", fig_caption)

    rep.heading(f"4. Robustness: where `{course}` wins and where it fails")
    rs = unc.robustness
    courses = ", ".join(f"`{iv}`" for iv in rs.interventions)
    full_counts = rob.full_winner.value_counts()
    counts = rob.winner.value_counts()
    ranged = ", ".join(f"`{n}` ×{fmt(lo)}–{fmt(hi)}" for n, (lo, hi) in rs.ranges.items())
    rep.text(
        f"{len(rob.winner)} worlds, a Latin hypercube over the uncertain inputs of section 3 widened to what a "
        f"sceptic of `{course}` would name: {ranged} of their default values"
        + (
            f"; the organisation anywhere between `{unc.org}` (0) and `{rs.towards}` (1) on a diagnosis axis "
            "(its load, debt, layers and baseline levers interpolated, input `diagnosis`)"
            if rs.towards
            else ""
        )
        + f", its starting layers then shifted within ±{fmt(rs.layer_width)}"
        + (
            f"; and a decision horizon of {rs.horizon[0]} to {rs.horizon[1]} weeks (input `{robustness.HORIZON}`)"
            if rs.horizon[0] < rs.horizon[1]
            else ""
        )
        + f". Each world runs {courses} for 156 weeks with its own seed (common to the courses)."
    )
    rep.table(
        Table(
            [
                "judged on",
                *[f"{iv} wins" for iv in rs.interventions],
                f"{course}'s lead: smallest / median",
            ],
            [
                [
                    "3-year value",
                    *[str(int(full_counts.get(iv, 0))) for iv in rs.interventions],
                    f"{rob.full_lead.min():+.0%} / {rob.full_lead.median():+.0%}",
                ],
                [
                    "value at the world's horizon",
                    *[str(int(counts.get(iv, 0))) for iv in rs.interventions],
                    f"{rob.lead.min():+.0%} / {rob.lead.median():+.0%}",
                ],
            ],
            caption="Which course has the most cumulative value (lead: over the best of the others, relative)",
        )
    )
    finite = rob.crossover[np.isfinite(rob.crossover)]
    quantiles = finite.quantile([0.1, 0.25, 0.5, 0.75, 0.9]) if len(finite) else pd.Series(dtype=float)
    rep.text(
        f"Crossover week (from which `{course}` stays ahead of every other course up to the world's horizon): "
        + (
            ", ".join(f"{int(q * 100)}th percentile {fmt(v)}" for q, v in quantiles.items())
            if len(finite)
            else "none"
        )
        + f" among the {len(finite)} worlds where it crosses; {len(rob.crossover) - len(finite)} never cross within their horizon."
    )
    rep.figure(
        _crossover_figure(rob, 156),
        f"{IMAGES}/crossover.png",
        "Distribution of the crossover week over the sampled worlds.",
    )
    for caption, tree_boxes, accuracy in (
        ("at the world's own horizon", rob.boxes, rob.tree_accuracy),
        ("over three years", rob.full_boxes, rob.full_tree_accuracy),
    ):
        rep.table(
            Table(
                ["box (conditions)", "worlds", f"{course} wins"],
                [
                    [
                        _box(b.conditions),
                        str(b.worlds),
                        _pct(b.wins),
                    ]
                    for b in tree_boxes
                ],
                caption=f"Scenario discovery {caption}: decision tree of depth {rs.tree_depth} "
                f"(accuracy {_pct(accuracy)}), the boxes where {course} wins least first",
            )
        )
    full_fails = failure_boxes(rob, full=True)
    lines = []
    for label, boxes_ in (
        ("Judged at the world's own horizon", fails),
        ("Judged on three years", full_fails),
    ):
        if boxes_:
            lines.append(
                f"{label}, it mostly loses "
                + "; ".join(
                    f"where {_box(b.conditions)} ({b.worlds} worlds, it wins {_pct(b.wins)})" for b in boxes_
                )
                + "."
            )
        else:
            worst = (rob.full_boxes if label.endswith("years") else rob.boxes)[0]
            lines.append(
                f"{label}, no box of the tree has it winning in fewer than half its worlds; it wins least "
                f"where {_box(worst.conditions)} ({worst.worlds} worlds, it wins {_pct(worst.wins)})."
            )
    used = {c[0] for b in (*rob.boxes, *rob.full_boxes) for c in b.conditions} & set(rs.ranges)
    at_horizon = {iv: int(n) for iv, n in (rob.winner[rob.winner != course]).value_counts().items()}
    winners = {iv: int(n) for iv, n in (rob.full_winner[rob.full_winner != course]).value_counts().items()}
    rep.text(
        "**Where the slogan fails.** "
        + " ".join(lines)
        + (
            " Over three years it loses in "
            + ", ".join(f"{n} world(s) to `{iv}`" for iv, n in winners.items())
            + "."
            if winners
            else f" Over three years it never loses in these worlds; its smallest lead is {rob.full_lead.min():+.0%}."
        )
        + (
            " Where it loses at the world's horizon, the winner is "
            + ", ".join(f"`{iv}` ({n} worlds)" for iv, n in at_horizon.items())
            + "."
            if at_horizon
            else ""
        )
        + " "
        + (
            "The sceptic's wider parameter ranges (slower foundations, more attrition, a hostile business, "
            "a cheaper push) enter the trees through " + ", ".join(f"`{n}`" for n in sorted(used)) + "."
            if used
            else "None of the sceptic's wider parameter ranges (slower foundations, more attrition, a hostile "
            "business, a cheaper push) enters the trees: within them, the horizon and the diagnosis decide."
        )
    )
    return rep


def to_json(
    pop_result: PopulationResult,
    found: emergence.Emergence,
    sens: sensitivity.Sensitivity,
    rob: robustness.Robustness,
    meta: dict[str, Any],
) -> dict[str, Any]:
    """Every number of the report, as plain data (``inf`` crossover weeks as null)."""
    crossover = [None if not np.isfinite(x) else float(x) for x in rob.crossover]
    return {
        "meta": meta,
        "calibration": {
            "organisations": int(pop_result.keys.shape[0]),
            "measures": pop_result.measures,
            "ward_measures": pop_result.ward_measures,
            "misses": pop_result.misses,
            "unbundled_speed_stability_rho": pop_result.unbundled_rho,
        },
        "emergence": found.as_dict(),
        "sensitivity": {
            "top": sens.top,
            "morris": sens.morris.to_dict(orient="records"),
            "sobol": sens.sobol.to_dict(orient="records"),
        },
        "robustness": {
            "worlds": len(rob.winner),
            "course": rob.course,
            "share_course_wins": rob.share_wins,
            "winners": rob.winner.value_counts().to_dict(),
            "crossover_weeks": crossover,
            "tree_accuracy": rob.tree_accuracy,
            "boxes": [dataclasses.asdict(b) for b in rob.boxes],
            "horizon_weeks": rob.horizon.tolist(),
            "share_course_wins_3y": rob.share_full_wins,
            "winners_3y": rob.full_winner.value_counts().to_dict(),
            "lead_3y_min": float(rob.full_lead.min()),
            "lead_3y_median": float(rob.full_lead.median()),
            "full_tree_accuracy": rob.full_tree_accuracy,
            "full_boxes": [dataclasses.asdict(b) for b in rob.full_boxes],
        },
    }


def validate(sizes: Sizes = Sizes(), workers: int | None = None, out: Path = ROOT / "docs") -> dict[str, Any]:
    """Run every analysis and write ``validation.md``, its figures and ``validation.json`` into ``out``.

    Returns:
        The JSON document written.
    """
    start = time.monotonic()
    pop, unc, emerge = specs(sizes)
    cal = calibration.load_spec()
    published = yaml.safe_load(PUBLISHED_PATH.read_text())
    pop_result = check_population(pop, cal, workers, sizes.unbundled)
    seeds, emergence_runs = emergence.analyse(emerge, workers)
    sens = sensitivity.analyse(unc, workers)
    rob = robustness.analyse(unc, workers)
    found = emergence.Emergence(
        seeds, worlds_findings(emerge, rob, unc.org, unc.robustness.towards), emergence_runs
    )
    meta = {
        "runs": pop.size
        + (sizes.unbundled or pop.size)
        + emergence_runs
        + sens.runs
        + len(rob.winner) * len(unc.robustness.interventions),
        "seconds": round(time.monotonic() - start, 1),
        "workers": workers or cpu_count(),
        "sizes": dataclasses.asdict(sizes),
    }
    report = build_report(pop_result, found, cal, unc, sens, rob, published, meta)
    report.write(out, name="validation", html=False)
    document = _finite(to_json(pop_result, found, sens, rob, meta))
    (Path(out) / "validation.json").write_text(json.dumps(document, indent=1, allow_nan=False) + "\n")
    return document


def summary(document: dict[str, Any]) -> list[str]:
    """Return the lines ``make validate`` prints: the calibration's misses and every finding, whatever they show."""
    cal = document["calibration"]
    misses = cal["misses"]
    lines = [
        f"calibration: {cal['organisations']} organisations at baseline, "
        + (f"outside {len(misses)} envelope(s): {'; '.join(misses)}" if misses else "inside every envelope"),
        "what must emerge (findings, not tests: in how many seeds or worlds each pattern holds, 95% Wilson interval):",
    ]
    found = document["emergence"]
    for finding in [*found["seeds"], *(f for group in found["worlds"].values() for f in group)]:
        lines.append("  " + emergence.line(finding))
    return lines


def _finite(x: Any) -> Any:
    """Return plain data with numpy scalars as Python numbers and NaN or infinite numbers as None (strict JSON)."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.validation.validate [--quick] [--workers N] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the reduced sizes of the tests")
    parser.add_argument("--workers", type=int, default=None, help="parallel processes (default: all CPUs)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="output directory (default: docs)")
    args = parser.parse_args(argv)
    document = validate(QUICK if args.quick else Sizes(), args.workers, args.out)
    print(
        f"validation: {document['meta']['runs']} runs in {document['meta']['seconds']} s; report in {args.out / 'validation.md'}"
    )
    # Misses and patterns that do not hold are results, written in the report: never a failure.
    print("\n".join(summary(document)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
