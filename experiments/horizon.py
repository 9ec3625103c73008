"""Horizon: when does fixing the foundations overtake pushing execution, for good.

The sweep (``configs/experiment/horizon.yaml``) runs ``execution_push`` and
``foundations_first`` on three organisations over 30 seeds. For each
organisation :func:`analyse` finds the **crossover week**: the first week from
which the cumulative net value of ``foundations_first`` (``ahead``) stays strictly
above that of ``execution_push`` (``behind``) to the end of the horizon - it
overtakes for good, so a later dip below counts and an early lead that is lost
does not.

Two intervals are given, because they answer two questions:

* **Crossover of the mean curves, with a paired bootstrap interval** (the
  headline). The point is the crossover of the mean cumulative-value curves over
  seeds (``sim.stats.overtake_week``). The interval resamples seeds
  with replacement, the same seeds for both interventions (a seed is the same
  starting organisation under both), recomputes the crossover of the resampled
  mean curves 2,000 times and takes the 2.5th and 97.5th percentiles. A resample
  in which the overtaking never happens counts as "never", so the interval is
  honest when some seeds do not cross.
* **Per-seed crossover weeks with a Student-t interval.** Each seed's own
  crossover week, averaged, with ``sim.stats.t_interval``: the week an
  organisation like this one can expect, and the range it spread over. It is
  exact only when every seed crosses within the horizon; otherwise the mean is
  over the seeds that cross and the summary says how many did.

It also gives, at fixed horizons (checkpoints), the paired difference in
cumulative net value with its t-interval: which intervention a leader who judges
after 4, 13, 26, 52, 104 or 156 weeks would prefer. It writes
``horizon.csv``, ``checkpoints.csv``, ``difference.csv`` (mean difference per
week with its 95% band), ``per_seed.csv``, ``horizon.png`` and
``summary.md`` / ``summary.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.document import Report, Table, new_figure, wrote
from sim.analysis.results import arrange, curve_matrix, highest, lowest, org_sizes, prepare, require
from sim.stats import (
    BOOTSTRAP_SAMPLES,
    Interval,
    band,
    bootstrap,
    overtake_weeks,
    paired_matrices,
    t_interval,
)
from sim.text import (
    ci_phrase,
    fmt,
    fmt_interval,
    fmt_percent,
    fmt_signed_interval,
    fmt_week,
    fmt_week_interval,
    organisations,
    seed_span,
    seeds_text,
)

NAME = "horizon"
DEFAULTS: dict[str, Any] = {
    "ahead": "foundations_first",
    "behind": "execution_push",
    "checkpoints": [4, 13, 26, 52, 104, 156, 208, 260],
}


def compute(results: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any]:
    """Crossover weeks, their intervals, the checkpoint differences and the curves, per organisation."""
    results = require(results, ["intervention", "seed", "week", "net_value"], NAME)
    ahead, behind = settings["ahead"], settings["behind"]
    present = set(results["intervention"])
    for name in (ahead, behind):
        if name not in present:
            raise ValueError(f"{NAME}: no runs of intervention {name!r} in the results")
    orgs = list(dict.fromkeys(results["org"]))
    sizes = org_sizes(results, orgs)
    summary, checkpoints, difference, per_seed = [], [], [], []
    for org in orgs:
        rows = results[results["org"] == org]
        a = curve_matrix(rows[rows["intervention"] == ahead], "net_value", cumulative=True)
        b = curve_matrix(rows[rows["intervention"] == behind], "net_value", cumulative=True)
        seeds = a.index.intersection(b.index)
        A, B, weeks = paired_matrices(a, b)
        horizon = int(weeks[-1])

        def crossover(x: np.ndarray, y: np.ndarray, weeks: np.ndarray = weeks) -> np.ndarray:
            return overtake_weeks(x, y, weeks)

        boot, values = bootstrap(crossover, A, B)
        seed_weeks = overtake_weeks(A, B, weeks)
        crossed = np.isfinite(seed_weeks)
        seed_iv = t_interval(seed_weeks[crossed])
        D = A - B
        mean, low, high = band(D)
        end = t_interval(D[:, -1])
        base_end = B[:, -1].mean()
        summary.append(
            {
                "org": org,
                "teams": sizes[org],
                "n_seeds": len(seeds),
                "weeks": horizon,
                "crossover_week": boot.mean,
                "crossover_ci_low": boot.low,
                "crossover_ci_high": boot.high,
                "bootstrap_share_never": float(np.mean(np.isinf(values))),
                "seeds_crossing": int(crossed.sum()),
                "per_seed_mean": seed_iv.mean,
                "per_seed_ci_low": seed_iv.low,
                "per_seed_ci_high": seed_iv.high,
                "per_seed_min": float(seed_weeks[crossed].min()) if crossed.any() else np.nan,
                "per_seed_max": float(seed_weeks[crossed].max()) if crossed.any() else np.nan,
                "lead_at_end_mean": end.mean,
                "lead_at_end_ci_low": end.low,
                "lead_at_end_ci_high": end.high,
                "lead_at_end_share": end.mean / base_end if base_end else np.nan,
            }
        )
        for w in sorted({c for c in settings["checkpoints"] if c < horizon} | {horizon}):
            col = int(np.searchsorted(weeks, w))
            iv = t_interval(D[:, col])
            checkpoints.append(
                {
                    "org": org,
                    "week": int(weeks[col]),
                    "difference_mean": iv.mean,
                    "difference_ci_low": iv.low,
                    "difference_ci_high": iv.high,
                    "leader": ahead if iv.mean > 0 else behind if iv.mean < 0 else "tie",
                    "clear": iv.excludes(),
                }
            )
        difference.append(
            pd.DataFrame(
                {
                    "org": org,
                    "week": weeks,
                    "difference_mean": mean,
                    "difference_ci_low": low,
                    "difference_ci_high": high,
                    f"{ahead}_mean": A.mean(axis=0),
                    f"{behind}_mean": B.mean(axis=0),
                }
            )
        )
        per_seed.append(
            pd.DataFrame(
                {
                    "org": org,
                    "seed": seeds.to_numpy(),
                    "crossover_week": np.where(crossed, seed_weeks, np.nan),
                    "crossed": crossed,
                }
            )
        )
    return {
        "orgs": orgs,
        "summary": pd.DataFrame(summary),
        "checkpoints": pd.DataFrame(checkpoints),
        "difference": pd.concat(difference, ignore_index=True),
        "per_seed": pd.concat(per_seed, ignore_index=True),
        "seeds": sorted(results["seed"].unique()),
        "weeks": int(results["week"].max()),
    }


def _crossover_iv(row: pd.Series) -> Interval:
    return Interval(row["crossover_week"], row["crossover_ci_low"], row["crossover_ci_high"], row["n_seeds"])


def reading(result: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    """One paragraph per organisation, generated from the numbers."""
    ahead, behind = settings["ahead"], settings["behind"]
    paragraphs = []
    for _, row in result["summary"].iterrows():
        org, n, horizon = row["org"], int(row["n_seeds"]), int(row["weeks"])
        cp = result["checkpoints"][result["checkpoints"]["org"] == org]
        week = row["crossover_week"]
        iv = _crossover_iv(row)
        if np.isinf(week):
            text = (
                f"On `{org}`, `{ahead}` does not overtake `{behind}` for good within {horizon} weeks "
                f"(mean curves over {seeds_text(n)})"
            )
            if row["bootstrap_share_never"] < 1:
                text += (
                    f"; in {100 * (1 - row['bootstrap_share_never']):.0f}% of bootstrap resamples it does, "
                    f"at the earliest in week {fmt_week(row['crossover_ci_low'])}"
                )
            text += "."
        elif week <= 1:
            text = f"On `{org}`, `{ahead}` is ahead of `{behind}` in cumulative net value from the first week on."
        else:
            text = (
                f"On `{org}`, **`{ahead}` overtakes `{behind}` for good in week {fmt_week(week)}** "
                f"(bootstrap 95% CI {fmt_week(iv.low, 'never')} to "
                f"{fmt_week(iv.high, 'never within the horizon')})"
            )
            share = row["bootstrap_share_never"]
            if share > 0:
                text += f"; in {100 * share:.1f}% of resamples it never does"
            text += "."
        crossing, total = int(row["seeds_crossing"]), n
        if crossing:
            seed_iv = Interval(
                row["per_seed_mean"], row["per_seed_ci_low"], row["per_seed_ci_high"], crossing
            )
            scope = (
                f"all {total} seeds cross"
                if crossing == total
                else f"only {crossing} of {total} seeds cross within the horizon, so this mean is over those"
            )
            text += (
                f" Seed by seed the crossover comes in week {fmt(seed_iv.mean)} on average "
                f"({ci_phrase(seed_iv)}; range {fmt_week(row['per_seed_min'])}-"
                f"{fmt_week(row['per_seed_max'])}; {scope})."
            )
        else:
            text += f" No seed crosses within {horizon} weeks."
        # Which intervention a leader who judges at each checkpoint would choose.
        judged = []
        for _, c in cp.iterrows():
            diff = Interval(c["difference_mean"], c["difference_ci_low"], c["difference_ci_high"], n)
            certainty = "" if c["clear"] else ", not clear at 95%"
            judged.append(
                f"week {int(c['week'])}: {fmt_signed_interval(diff)} (`{c['leader']}` ahead{certainty})"
            )
        if judged:
            text += (
                f" Cumulative value of `{ahead}` minus `{behind}`, paired by seed, at fixed horizons - "
                + "; ".join(judged)
                + "."
            )
        if np.isfinite(week) and week > 1:
            text += (
                f" So a leader who judges before week {fmt_week(week)} cannot count on `{ahead}` being "
                f"ahead (in week {fmt_week(week - 1)} `{behind}` is ahead or level); from week "
                f"{fmt_week(week)} on it is, and it ends week {horizon} ahead by "
                f"{fmt_percent(row['lead_at_end_share'])} of `{behind}`'s cumulative net value."
            )
        paragraphs.append(text)
    summary = result["summary"]
    finite = summary[np.isfinite(summary["crossover_week"])]
    if len(summary) > 1 and len(finite) > 1:
        early = lowest(finite, "crossover_week")
        late = highest(finite, "crossover_week")
        if early["org"] != late["org"]:
            overlap = early["crossover_ci_high"] >= late["crossover_ci_low"]
            paragraphs.append(
                f"The payoff of fixing the foundations comes soonest on `{early['org']}` "
                f"(week {fmt_week(early['crossover_week'])}) and latest on `{late['org']}` "
                f"(week {fmt_week(late['crossover_week'])})"
                + ("; their intervals overlap." if overlap else "; their intervals do not overlap.")
            )
    return paragraphs


def plot(result: dict[str, Any], results: pd.DataFrame, settings: dict[str, Any]) -> Any:
    """Mean cumulative difference (ahead minus behind) with its band, per-seed lines and the crossover."""
    ahead, behind = settings["ahead"], settings["behind"]
    orgs = result["orgs"]
    fig = new_figure(5.0 * len(orgs), 4.4)
    axes = np.atleast_1d(fig.subplots(1, len(orgs), squeeze=False)[0])
    results = require(results, [], NAME)
    for ax, org in zip(axes, orgs, strict=True):
        rows = results[results["org"] == org]
        a = curve_matrix(rows[rows["intervention"] == ahead], "net_value", cumulative=True)
        b = curve_matrix(rows[rows["intervention"] == behind], "net_value", cumulative=True)
        A, B, weeks = paired_matrices(a, b)
        for line in A - B:
            ax.plot(weeks, line, color="0.6", linewidth=0.4, alpha=0.5)
        d = result["difference"][result["difference"]["org"] == org]
        ax.plot(d["week"], d["difference_mean"], color="tab:blue", linewidth=2, label="mean over seeds")
        ax.fill_between(
            d["week"],
            d["difference_ci_low"],
            d["difference_ci_high"],
            color="tab:blue",
            alpha=0.25,
            label="95% band",
        )
        ax.axhline(0, color="0.2", linewidth=0.8)
        row = result["summary"][result["summary"]["org"] == org].iloc[0]
        if np.isfinite(row["crossover_week"]):
            ax.axvline(row["crossover_week"], color="tab:red", linestyle="--", linewidth=1.2)
            hi = row["crossover_ci_high"] if np.isfinite(row["crossover_ci_high"]) else weeks[-1]
            ax.axvspan(row["crossover_ci_low"], hi, color="tab:red", alpha=0.12)
            title = f"org={org}: crossover week {fmt_week(row['crossover_week'])}"
        else:
            title = f"org={org}: no crossover in {int(weeks[-1])} weeks"
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"cumulative net value, {ahead} minus {behind}")
    axes[0].legend(loc="upper left", fontsize=8)
    return fig


def analyse(results: pd.DataFrame, out_dir: Path) -> None:
    """Find the crossover week per organisation and write the tables, figure and summaries."""
    out_dir, settings, result = prepare(results, out_dir, DEFAULTS, compute)
    ahead, behind = settings["ahead"], settings["behind"]

    seeds, weeks = result["seeds"], result["weeks"]
    doc = Report(f"Horizon: when `{ahead}` overtakes `{behind}`")
    doc.text(
        f"`{ahead}` against `{behind}` on {organisations(len(result['orgs']))}, "
        f"{seed_span(seeds)}, {weeks} weeks. The **crossover week** is the "
        f"first week from which `{ahead}`'s cumulative net value stays strictly above `{behind}`'s to the end "
        "of the horizon (it overtakes for good)."
    )
    doc.section("What the numbers say", reading(result, settings))
    rows = []
    for _, row in result["summary"].iterrows():
        seed_iv = Interval(
            row["per_seed_mean"], row["per_seed_ci_low"], row["per_seed_ci_high"], int(row["seeds_crossing"])
        )
        rows.append(
            [
                f"`{row['org']}`",
                str(row["teams"]),
                fmt_week_interval(_crossover_iv(row)),
                f"{100 * row['bootstrap_share_never']:.1f}%",
                f"{int(row['seeds_crossing'])} of {int(row['n_seeds'])}",
                fmt_interval(seed_iv) if row["seeds_crossing"] else "-",
                f"{fmt_week(row['per_seed_min'])}-{fmt_week(row['per_seed_max'])}"
                if row["seeds_crossing"]
                else "-",
                fmt_signed_interval(
                    Interval(
                        row["lead_at_end_mean"],
                        row["lead_at_end_ci_low"],
                        row["lead_at_end_ci_high"],
                        row["n_seeds"],
                    )
                ),
            ]
        )
    doc.table(
        Table(
            [
                "organisation",
                "teams",
                "crossover week [bootstrap 95% CI]",
                "resamples never crossing",
                "seeds crossing",
                "per-seed crossover [t 95% CI]",
                "per-seed range",
                f"lead in week {weeks}",
            ],
            rows,
        )
    )
    doc.heading("How the interval is computed")
    doc.text(
        "The crossover week is a statistic of the mean curves, not a mean, so its interval comes from a "
        f"paired bootstrap over seeds: {BOOTSTRAP_SAMPLES:,} resamples of the seeds with replacement, the "
        f"same seeds for both interventions (one seed is one starting organisation under both), the "
        "crossover of each resample's mean curves, and the 2.5th and 97.5th percentiles of those weeks "
        "(a resample that never crosses counts as later than every week). The per-seed columns answer a "
        "different question - when a single organisation like this one crosses - with each seed's own "
        "crossover week, their mean and its Student-t interval (exact when every seed crosses) and their range."
    )
    doc.heading("Checkpoints")
    cp_rows = []
    for _, c in result["checkpoints"].iterrows():
        n = int(result["summary"].set_index("org").loc[c["org"], "n_seeds"])
        iv = Interval(c["difference_mean"], c["difference_ci_low"], c["difference_ci_high"], n)
        cp_rows.append(
            [
                f"`{c['org']}`",
                str(int(c["week"])),
                fmt_signed_interval(iv),
                f"`{c['leader']}`",
                "yes" if c["clear"] else "no",
            ]
        )
    doc.table(
        Table(
            [
                "organisation",
                "week",
                f"cumulative net value, {ahead} minus {behind} [95% CI]",
                "ahead",
                "clear at 95%",
            ],
            cp_rows,
        )
    )
    doc.figure(
        plot(result, arrange(results, out_dir), settings),
        "horizon.png",
        f"Cumulative value of {ahead} minus {behind}: per seed (grey), mean with 95% band (blue); "
        "crossover week (dashed) with its bootstrap interval (shaded)",
    )
    doc.data(
        {
            "horizon.csv": result["summary"],
            "checkpoints.csv": result["checkpoints"],
            "difference.csv": result["difference"],
            "per_seed.csv": result["per_seed"],
        }
    )
    paths = doc.write(out_dir)
    print(f"{NAME}: {ahead} against {behind}, {seeds_text(len(seeds))}, {weeks} weeks.")
    for _, row in result["summary"].iterrows():
        if np.isfinite(row["crossover_week"]):
            print(f"  {row['org']}: overtakes for good in week {fmt_week_interval(_crossover_iv(row))}")
        else:
            print(f"  {row['org']}: does not overtake for good within {int(row['weeks'])} weeks")
    print(wrote(paths))
