"""Foundations versus execution: every intervention on three organisations, ranked.

The sweep (``configs/experiment/foundations_vs_execution.yaml``) runs every
intervention preset of the brief, ``none`` included as the baseline, on the
``struggling``, ``solid_but_slow`` and ``enterprise`` organisations over 30
seeds and three years. :func:`analyse` ranks the interventions per
organisation by cumulative net value and reports, as the mean over seeds with its
95% Student-t interval:

* cumulative net value over the horizon, and its gain over doing nothing, paired by
  seed (same seed = same starting organisation, so the difference removes the
  spread between starting points);
* innovations shipped (total);
* the four DORA keys averaged over the final year (weeks 105-156);
* attrition (people who left, total) and cost (total, k).

It writes ``ranking.csv`` (the table, long form), ``curves.csv`` (mean
cumulative net value per week with its 95% band), ``cumulative_net_value.png``,
``gain.png`` and ``summary.md`` / ``summary.html``, whose text is generated
from these numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.catalogue import METRICS, metric_label, window_label
from sim.analysis.document import Report, Table, colours, new_figure, wrote
from sim.analysis.results import curve_matrix, org_sizes, per_run, prepare, require, summarise
from sim.model.metrics import DORA_KEYS
from sim.stats import Interval, band, interval, paired_difference
from sim.text import (
    ci_phrase,
    fmt,
    fmt_interval,
    fmt_signed_interval,
    join,
    seed_span,
    seeds_text,
)

NAME = "foundations_vs_execution"
DEFAULTS: dict[str, Any] = {
    "baseline": "none",
    # drawn thicker in the curves and named in the text when present
    "highlight": ["none", "execution_push", "foundations_first"],
}
METRIC = {m.key: m for m in METRICS}


def compute(results: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any]:
    """Per-run metrics, the ranking per organisation and the mean curves.

    Returns:
        ``runs`` (one row per org, intervention and seed), ``ranking`` (one row
        per org and intervention, best first within each org, with ``rank``,
        means and 95% intervals and the paired gain over the baseline),
        ``curves`` (mean cumulative net value per org, intervention and week, with
        its 95% band), ``orgs``, ``weeks`` and ``seeds``.
    """
    results = require(results, ["intervention", "seed", "week", "net_value"], NAME)
    baseline = settings["baseline"]
    runs = per_run(results, ["org", "intervention"])
    summary = summarise(runs, ["org", "intervention"], [m.key for m in METRICS])
    parts = []
    for org, table in summary.groupby("org", sort=False):
        table = table.sort_values("cumulative_net_value_mean", ascending=False, kind="stable").copy()
        table.insert(1, "rank", np.arange(1, len(table) + 1))
        org_runs = runs[runs["org"] == org]
        gains = [
            paired_difference(org_runs, "intervention", "cumulative_net_value", iv, baseline)
            if baseline in set(org_runs["intervention"])
            else Interval(np.nan, np.nan, np.nan, 0)
            for iv in table["intervention"]
        ]
        table["gain_mean"] = [g.mean for g in gains]
        table["gain_ci_low"] = [g.low for g in gains]
        table["gain_ci_high"] = [g.high for g in gains]
        parts.append(table)
    ranking = pd.concat(parts, ignore_index=True)
    # Organisations in the order of the sweep, not alphabetical.
    orgs = list(dict.fromkeys(results["org"]))
    ranking = ranking.sort_values("org", key=lambda c: c.map(orgs.index), kind="stable").reset_index(
        drop=True
    )
    curves = []
    for (org, iv), part in results.groupby(["org", "intervention"], sort=False, observed=True):
        matrix = curve_matrix(part, "net_value", cumulative=True)
        mean, low, high = band(matrix.to_numpy())
        curves.append(
            pd.DataFrame(
                {
                    "org": org,
                    "intervention": iv,
                    "week": matrix.columns.to_numpy(),
                    "cumulative_net_value_mean": mean,
                    "cumulative_net_value_ci_low": low,
                    "cumulative_net_value_ci_high": high,
                }
            )
        )
    return {
        "runs": runs,
        "ranking": ranking,
        "curves": pd.concat(curves, ignore_index=True),
        "orgs": orgs,
        "weeks": int(results["week"].max()),
        "seeds": sorted(results["seed"].unique()),
        "sizes": org_sizes(results, ranking["org"].unique()),
    }


def ranking_table(ranking: pd.DataFrame, org: str, weeks: int, baseline: str) -> Table:
    """Return the ranking of one organisation as a table of text cells."""
    columns = [
        "rank",
        "intervention",
        f"cumulative net value ({weeks} wk)",
        f"gain over {baseline}",
        "innovations",
        *(metric_label(METRIC[k], weeks) for k in DORA_KEYS),
        "attrition",
        "cost (k)",
    ]
    rows = []
    for _, row in ranking[ranking["org"] == org].iterrows():
        gain = Interval(row["gain_mean"], row["gain_ci_low"], row["gain_ci_high"], int(row["n_seeds"]))
        rows.append(
            [
                str(row["rank"]),
                f"`{row['intervention']}`",
                fmt_interval(interval(row, "cumulative_net_value")),
                "-" if row["intervention"] == baseline else fmt_signed_interval(gain),
                fmt_interval(interval(row, "innovations")),
                *(fmt_interval(interval(row, k), METRIC[k].scale) for k in DORA_KEYS),
                fmt_interval(interval(row, "attrition")),
                fmt_interval(interval(row, "cost")),
            ]
        )
    return Table(columns, rows, align=["r", "l", *["r"] * (len(columns) - 2)])


def reading(result: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    """Paragraphs generated from the numbers: per organisation, then across them."""
    baseline = settings["baseline"]
    ranking, runs = result["ranking"], result["runs"]
    paragraphs = []
    winners = {}
    for org in result["orgs"]:
        table = ranking[ranking["org"] == org].reset_index(drop=True)
        org_runs = runs[runs["org"] == org]
        n = int(table["n_seeds"].min())
        top = table.iloc[0]
        winners[org] = top["intervention"]
        cum = interval(top, "cumulative_net_value")
        text = (
            f"On `{org}` ({result['sizes'][org]} teams), **{top['intervention']}** ranks first by "
            f"cumulative net value over {result['weeks']} weeks: {fmt(cum.mean)} ({ci_phrase(cum)})"
        )
        base_rows = table[table["intervention"] == baseline]
        if top["intervention"] != baseline and len(base_rows):
            base = float(base_rows.iloc[0]["cumulative_net_value_mean"])
            if base:
                text += f", {100 * (cum.mean / base - 1):+.0f}% against doing nothing (`{baseline}`)"
        if len(table) > 1:
            second = table.iloc[1]["intervention"]
            diff = paired_difference(
                org_runs, "intervention", "cumulative_net_value", top["intervention"], second
            )
            verdict = (
                "a clear gap at 95% confidence"
                if diff.excludes()
                else f"a gap that {seeds_text(n)} cannot tell from zero"
            )
            text += (
                f". It leads the runner-up, `{second}`, by {fmt(diff.mean)} ({ci_phrase(diff)}), {verdict}"
            )
        paragraphs.append(text + ".")
        if len(base_rows):
            better, worse, same = [], [], []
            for _, row in table.iterrows():
                if row["intervention"] == baseline:
                    continue
                gain = Interval(row["gain_mean"], row["gain_ci_low"], row["gain_ci_high"], n)
                name = f"`{row['intervention']}`"
                (better if gain.low > 0 else worse if gain.high < 0 else same).append(name)
            sentences = [
                f"Against doing nothing, paired by seed: {len(better)} of {len(table) - 1} interventions "
                f"deliver more cumulative net value at 95% confidence"
                + (f" ({join(better)})" if better else "")
            ]
            if worse:
                sentences.append(f"{len(worse)} deliver less ({join(worse)})")
            if same:
                sentences.append(f"{len(same)} cannot be told apart from it ({join(same)})")
            paragraphs.append("; ".join(sentences) + ".")
        named = [
            f"`{iv}` {int(table.loc[table['intervention'] == iv, 'rank'].iloc[0])}"
            for iv in settings["highlight"]
            if iv in set(table["intervention"]) and iv != top["intervention"]
        ]
        inn = table.sort_values("innovations_mean", ascending=False, kind="stable").iloc[0]
        lead = table.sort_values("lead_time_days_mean", kind="stable").iloc[0]
        text = f"Ranks of {len(table)}: {join(named)}. " if named else ""
        text += (
            f"The most innovations ship under `{inn['intervention']}` ({fmt(inn['innovations_mean'])}); "
            f"the shortest lead time over {window_label(result['weeks'])} is under "
            f"`{lead['intervention']}` ({fmt(lead['lead_time_days_mean'])} days)."
        )
        paragraphs.append(text)
    if len(winners) > 1:
        distinct = set(winners.values())
        if len(distinct) == 1:
            paragraphs.append(f"`{next(iter(distinct))}` ranks first on every organisation.")
        else:
            listed = join([f"`{iv}` on `{org}`" for org, iv in winners.items()])
            paragraphs.append(
                f"The best intervention depends on the organisation: {listed} - the right move "
                "depends on the diagnosis."
            )
    return paragraphs


def plot_curves(result: dict[str, Any], settings: dict[str, Any]) -> Any:
    """Mean cumulative net value with 95% band, one panel per organisation."""
    orgs = result["orgs"]
    curves = result["curves"]
    names = list(dict.fromkeys(result["ranking"]["intervention"]))
    colour = colours(names)
    colour[settings["baseline"]] = "black"
    fig = new_figure(5.2 * len(orgs) + 2.5, 5.0)
    axes = np.atleast_1d(fig.subplots(1, len(orgs), squeeze=False)[0])
    highlight = set(settings["highlight"])
    for ax, org in zip(axes, orgs, strict=True):
        for iv in names:
            part = curves[(curves["org"] == org) & (curves["intervention"] == iv)]
            if part.empty:
                continue
            wide = iv in highlight
            ax.plot(
                part["week"],
                part["cumulative_net_value_mean"],
                color=colour[iv],
                linewidth=2.2 if wide else 1.0,
                linestyle="-" if wide or names.index(iv) < 10 else "--",
                label=iv,
            )
            ax.fill_between(
                part["week"],
                part["cumulative_net_value_ci_low"],
                part["cumulative_net_value_ci_high"],
                color=colour[iv],
                alpha=0.15,
                linewidth=0,
            )
        ax.set_title(f"org={org} ({result['sizes'][org]} teams)")
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("cumulative net value (mean, 95% band)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=8)
    return fig


def plot_gains(result: dict[str, Any], settings: dict[str, Any]) -> Any:
    """Gain in cumulative net value over the baseline with its 95% interval, ranked, per organisation."""
    baseline = settings["baseline"]
    ranking = result["ranking"]
    orgs = result["orgs"]
    fig = new_figure(4.6 * len(orgs), 0.32 * ranking.groupby("org").size().max() + 1.6)
    axes = np.atleast_1d(fig.subplots(1, len(orgs), squeeze=False)[0])
    for ax, org in zip(axes, orgs, strict=True):
        table = ranking[(ranking["org"] == org) & (ranking["intervention"] != baseline)]
        table = table.iloc[::-1]
        y = np.arange(len(table))
        mean = table["gain_mean"].to_numpy()
        err = np.vstack([mean - table["gain_ci_low"].to_numpy(), table["gain_ci_high"].to_numpy() - mean])
        ax.barh(
            y, mean, xerr=np.nan_to_num(err), color=np.where(mean >= 0, "tab:green", "tab:red"), alpha=0.7
        )
        ax.set_yticks(y, table["intervention"], fontsize=8)
        ax.axvline(0, color="0.3", linewidth=0.8)
        ax.set_title(f"org={org}")
        ax.set_xlabel(f"cumulative net value minus {baseline} (paired, 95% CI)")
        ax.grid(axis="x", alpha=0.3)
    return fig


def analyse(results: pd.DataFrame, out_dir: Path) -> None:
    """Rank every intervention per organisation and write the tables, figures and summaries."""
    out_dir, settings, result = prepare(results, out_dir, DEFAULTS, compute)
    baseline, weeks, seeds = settings["baseline"], result["weeks"], result["seeds"]

    doc = Report("Foundations versus execution: every intervention on three organisations")
    sizes = ", ".join(f"`{org}` {result['sizes'][org]} teams" for org in result["orgs"])
    doc.text(
        f"{len(result['ranking']['intervention'].unique())} interventions x {len(result['orgs'])} "
        f"organisations x {seed_span(seeds)}, {weeks} weeks each. "
        f"Organisation sizes (stream-aligned teams): {sizes}. Each cell is the mean over seeds with its "
        f"95% Student-t interval in brackets; totals are over the whole horizon and the DORA keys are means "
        f"over {window_label(weeks)}. The gain over `{baseline}` is the per-seed difference (same seed, "
        "same starting organisation) averaged over seeds, with its own interval."
    )
    doc.section("What the numbers say", reading(result, settings))
    doc.tables(
        (f"Ranking on `{org}`", ranking_table(result["ranking"], org, weeks, baseline))
        for org in result["orgs"]
    )
    doc.heading("Curves")
    doc.figure(
        plot_curves(result, settings),
        "cumulative_net_value.png",
        "Cumulative value per intervention (mean over seeds, 95% band)",
    )
    doc.figure(
        plot_gains(result, settings),
        "gain.png",
        f"Gain in cumulative net value over {baseline} by week {weeks}, paired by seed, with 95% intervals",
    )
    doc.data({"ranking.csv": result["ranking"], "curves.csv": result["curves"]})
    paths = doc.write(out_dir)

    print(f"{NAME}: {len(results['run'].unique()) if 'run' in results else '?'} runs, {weeks} weeks.")
    for org in result["orgs"]:
        top = result["ranking"][result["ranking"]["org"] == org].iloc[0]
        print(
            f"  {org}: best is {top['intervention']} "
            f"(cumulative net value {fmt_interval(interval(top, 'cumulative_net_value'))})"
        )
    print(wrote(paths))
