"""Shocks: each organisation's resilience to each shock - the dip, the recovery, what is lost for good.

The sweep (``configs/experiment/shocks.yaml``) runs every shock preset and
``none`` on three organisations over 30 seeds, with no intervention. A run with
a shock and the run without it on the same seed are identical until the shock
acts (same starting organisation, same random draws), so every measure is
**paired by seed** against the no-shock run. For each organisation and shock
:func:`analyse` reports:

* **onset**: the first week in which any seed's shocked run differs from its
  no-shock run (read from the data; the preset's start week is shown beside it);
* **dip depth**: the largest relative weekly value loss from the onset on,
  ``max_w (1 - mean value(w) / mean value_none(w))`` over the mean curves, and the
  **trough week** where it happens (``sim.stats.dip``);
* **weeks to recover**: weeks from the onset until the value is back within
  ``tolerance`` (5%) of the no-shock run, both as ``recovery_window``-week (4)
  trailing means of the mean curves - counted from the first week it falls
  outside that band (0 if it never does; "never" if it does not come back within
  the horizon); whether it falls out again later is reported too, and so is
  **recovered for good after**: the weeks until the week after the *last* one
  below the band;
* **what is lost for good**: the cumulative value lost by the horizon,
  ``Σ_{w ≥ onset} (value_none - value)`` per seed (and as a share of the no-shock
  value over the same weeks); the weekly value over the last ``end_weeks`` (13)
  weeks relative to the no-shock run; and the lasting change in headcount, skill
  (``layer_talent``) and business-unit trust (``bu_trust``) over those weeks.

Means of per-seed quantities (value lost, lasting changes) have Student-t 95%
intervals (``sim.stats.t_interval``), and so has the dip depth, over the
per-seed losses at the trough week; weeks to recover is a statistic of the mean
curves, with a 95% interval from a paired bootstrap over seeds
(``sim.stats.bootstrap``). It writes ``shocks.csv``,
``curves.csv``, ``shocks.png`` and ``summary.md`` / ``summary.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.document import Report, Table, colours, difference_panels, new_figure, wrote
from sim.analysis.results import curve_matrix, highest, org_sizes, prepare, require, swept_columns
from sim.stats import (
    BOOTSTRAP_SAMPLES,
    band,
    bootstrap,
    dip,
    interval,
    interval_columns,
    paired_matrices,
    rolling_mean,
    t_interval,
)
from sim.text import (
    fmt_interval,
    fmt_percent,
    fmt_signed_interval,
    fmt_week,
    fmt_week_interval,
    join,
    plural,
    seed_span,
    seeds_text,
)

NAME = "shocks"
DEFAULTS: dict[str, Any] = {
    "baseline": "none",
    "tolerance": 0.05,
    "recovery_window": 4,
    "end_weeks": 13,
    # lasting changes at the end: weekly column -> name in the tables
    "lasting": {"headcount": "headcount", "layer_talent": "skill", "bu_trust": "trust"},
}
ONSET_COLUMNS = ("value", "cost", "headcount", "throughput", "incidents", "layer_strategy", "bu_trust")


def onset_week(shocked: pd.DataFrame, calm: pd.DataFrame) -> float:
    """First week in which any seed's shocked run differs from its no-shock run (NaN if never)."""
    first = np.inf
    for column in ONSET_COLUMNS:
        if column not in shocked.columns:
            continue
        S, C, weeks = paired_matrices(curve_matrix(shocked, column), curve_matrix(calm, column))
        differs = (S != C).any(axis=0)
        if differs.any():
            first = min(first, float(weeks[np.argmax(differs)]))
    return first if np.isfinite(first) else np.nan


def preset_start(shock: str) -> float:
    """Return the start week of a shock preset (NaN if the name is not a single preset)."""
    from sim.config import load_config, options

    if shock not in options("shock"):
        return np.nan
    return float(load_config([f"shock={shock}"]).shock[shock].start)


def recovery(
    treat: np.ndarray, base: np.ndarray, weeks: np.ndarray, start: int, tolerance: float, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weeks to recover per row and whether it falls out of the band again afterwards.

    ``g = rolling(treat) / rolling(base) - 1`` (trailing ``window``-week means);
    the value has left the band when ``g < -tolerance`` and is back when
    ``g >= -tolerance``. Weeks to recover is the week it is first back after
    first leaving, minus the onset week; 0 if it never leaves; ``inf`` if it
    never comes back.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        g = rolling_mean(np.atleast_2d(treat), window) / rolling_mean(np.atleast_2d(base), window) - 1.0
    n_weeks = g.shape[1]
    index = np.arange(n_weeks)
    out = (g < -tolerance) & (index >= start)
    left = out.any(axis=1)
    exit_at = np.argmax(out, axis=1)
    back = (g >= -tolerance) & (index[None, :] > exit_at[:, None])
    came_back = back.any(axis=1)
    back_at = np.argmax(back, axis=1)
    weeks = np.asarray(weeks, dtype=float)
    result = np.where(~left, 0.0, np.where(came_back, weeks[back_at] - weeks[start], np.inf))
    relapse = ((g < -tolerance) & (index[None, :] > back_at[:, None])).any(axis=1) & came_back & left
    return result, relapse


def recovery_for_good(
    treat: np.ndarray, base: np.ndarray, weeks: np.ndarray, start: int, tolerance: float, window: int
) -> np.ndarray:
    """Return the weeks from the onset until the value is back within the band for good, per row.

    Like :func:`recovery`, but the week counted is the one after the *last* week
    below the band (so it stays within to the end of the horizon): 0 if it never
    leaves the band, ``inf`` if it is still below in the last week.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        g = rolling_mean(np.atleast_2d(treat), window) / rolling_mean(np.atleast_2d(base), window) - 1.0
    n_weeks = g.shape[1]
    below = (g < -tolerance) & (np.arange(n_weeks) >= start)
    left = below.any(axis=1)
    last = n_weeks - 1 - np.argmax(below[:, ::-1], axis=1)
    weeks = np.asarray(weeks, dtype=float)
    after = weeks[np.minimum(last + 1, n_weeks - 1)] - weeks[start]
    return np.where(~left, 0.0, np.where(last == n_weeks - 1, np.inf, after))


def compute(results: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any]:
    """Every measure per organisation (context) and shock, and the curves for the figure."""
    results = require(results, ["shock", "seed", "week", "value"], NAME)
    baseline = settings["baseline"]
    if baseline not in set(results["shock"]):
        raise ValueError(f"{NAME}: no runs without a shock (shock={baseline}) in the results")
    # The scenario a shock hits: the organisation, and any other key the sweep varies
    # (constant columns such as ``experiment`` or ``weeks`` say nothing).
    varied = [
        c
        for c in swept_columns(results)
        if c not in ("org", "shock", "seed") and results[c].nunique(dropna=False) > 1
    ]
    context = ["org", *varied]
    tol, window, end_weeks = (
        float(settings["tolerance"]),
        int(settings["recovery_window"]),
        int(settings["end_weeks"]),
    )
    lasting = dict(settings["lasting"])
    rows, curves = [], []
    for key, part in results.groupby(context, sort=False, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        label = " / ".join(str(k) for k in key)
        calm = part[part["shock"] == baseline]
        for shock in [s for s in dict.fromkeys(part["shock"]) if s != baseline]:
            shocked = part[part["shock"] == shock]
            onset = onset_week(shocked, calm)
            T, B, weeks = paired_matrices(curve_matrix(shocked, "value"), curve_matrix(calm, "value"))
            start = int(np.searchsorted(weeks, onset)) if np.isfinite(onset) else len(weeks)
            row: dict[str, Any] = dict(zip(context, key, strict=True))
            row.update({"context": label, "shock": shock, "n_seeds": T.shape[0]})
            row["preset_start"] = preset_start(shock)
            row["onset_week"] = onset
            if start >= len(weeks):
                # The shock changes nothing within the horizon.
                row.update({"effect": False})
                rows.append(row)
                continue
            row["effect"] = True
            depth, trough = dip(T, B, weeks, start, 1)
            row.update(interval_columns("dip_depth", depth))
            row["trough_week"] = trough
            rec, rec_values = bootstrap(
                lambda x, y, s=start, w=weeks: recovery(x, y, w, s, tol, window)[0], T, B
            )
            row.update(interval_columns("weeks_to_recover", rec))
            row["recover_never_share"] = float(np.mean(np.isinf(rec_values)))
            lasting_rec, _ = bootstrap(
                lambda x, y, s=start, w=weeks: recovery_for_good(x, y, w, s, tol, window), T, B
            )
            row.update(interval_columns("weeks_to_recover_for_good", lasting_rec))
            row["falls_out_again"] = bool(recovery(T.mean(0), B.mean(0), weeks, start, tol, window)[1][0])
            # The same measure seed by seed (each shocked run against its own no-shock run): noisier,
            # since a single run's weekly value moves by several percent from week to week.
            own, _ = recovery(T, B, weeks, start, tol, window)
            row["seeds_recovered_share"] = float(np.mean(np.isfinite(own)))
            row["seeds_median_weeks_to_recover"] = float(np.median(own))
            lost = (B[:, start:] - T[:, start:]).sum(axis=1)
            row.update(interval_columns("value_lost", t_interval(lost)))
            row.update(interval_columns("value_lost_share", t_interval(lost / B[:, start:].sum(axis=1))))
            end = min(end_weeks, len(weeks) - start)
            row.update(
                interval_columns(
                    "end_rate", t_interval(T[:, -end:].mean(axis=1) / B[:, -end:].mean(axis=1) - 1.0)
                )
            )
            for column in lasting:
                if column not in part.columns:
                    continue
                S, C, _ = paired_matrices(curve_matrix(shocked, column), curve_matrix(calm, column))
                row.update(
                    interval_columns(
                        f"end_{column}", t_interval(S[:, -end:].mean(axis=1) - C[:, -end:].mean(axis=1))
                    )
                )
            rows.append(row)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = rolling_mean(T.mean(0), window) / rolling_mean(B.mean(0), window) - 1.0
            cum_lost = np.cumsum(np.where(np.arange(len(weeks)) >= start, B - T, 0.0), axis=1)
            mean, low, high = band(cum_lost)
            curves.append(
                pd.DataFrame(
                    {
                        "context": label,
                        "shock": shock,
                        "week": weeks,
                        "relative_value": rel,
                        "value_lost_mean": mean,
                        "value_lost_ci_low": low,
                        "value_lost_ci_high": high,
                    }
                )
            )
    table = pd.DataFrame(rows)
    return {
        "context": context,
        "contexts": list(dict.fromkeys(table["context"])),
        "table": table,
        "curves": pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(),
        "weeks": int(results["week"].max()),
        "seeds": sorted(results["seed"].unique()),
        "sizes": org_sizes(results, list(dict.fromkeys(results["org"]))),
    }


def reading(result: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    """One paragraph per organisation and one across them, generated from the numbers."""
    lasting = dict(settings["lasting"])
    weeks = result["weeks"]
    paragraphs = []
    table = result["table"]
    for label in result["contexts"]:
        t = table[(table["context"] == label) & table["effect"].astype(bool)]
        none = table[(table["context"] == label) & ~table["effect"].astype(bool)]
        if t.empty:
            paragraphs.append(f"On `{label}` no shock changes anything within {weeks} weeks.")
            continue
        deep = highest(t, "dip_depth_mean")
        rec = t.copy()
        slow = rec.loc[rec["weeks_to_recover_mean"].replace(np.inf, 1e9).idxmax()]
        worst = highest(t, "value_lost_mean")
        text = (
            f"On `{label}`, the deepest dip follows **{deep['shock']}**: "
            f"{fmt_percent(deep['dip_depth_mean'])} of the no-shock weekly value "
            f"(95% CI {fmt_percent(deep['dip_depth_ci_low'])} to "
            f"{fmt_percent(deep['dip_depth_ci_high'])}) in week {fmt_week(deep['trough_week'])}. "
        )
        if np.isinf(slow["weeks_to_recover_mean"]):
            text += (
                f"After **{slow['shock']}** the value does not come back within {100 * settings['tolerance']:.0f}% "
                f"of the no-shock run by week {weeks}. "
            )
        elif slow["weeks_to_recover_mean"] > 0:
            text += (
                f"The slowest recovery follows **{slow['shock']}**: back within "
                f"{100 * settings['tolerance']:.0f}% after {fmt_week_interval(interval(slow, 'weeks_to_recover'))} "
                "weeks (bootstrap 95% CI). "
            )
        else:
            text += f"No shock pushes the value more than {100 * settings['tolerance']:.0f}% below the no-shock run. "
        good = t["weeks_to_recover_for_good_mean"].replace(np.inf, 1e9)
        lasting_slow = t.loc[good.idxmax()]
        if lasting_slow["shock"] != slow["shock"] and lasting_slow["weeks_to_recover_for_good_mean"] > 0:
            text += (
                f"Counting only a recovery that lasts to week {weeks}, **{lasting_slow['shock']}** is the slowest: "
                f"{fmt_week_interval(interval(lasting_slow, 'weeks_to_recover_for_good'), 'never')} weeks. "
            )
        never = t[np.isinf(t["weeks_to_recover_mean"])]["shock"].tolist()
        if len(never) > 1:
            text += f"Not recovered by week {weeks}: {join([f'`{s}`' for s in never])}. "
        text += (
            f"The most value is lost to **{worst['shock']}**: {fmt_interval(interval(worst, 'value_lost'))} by "
            f"week {weeks} ({fmt_percent(worst['value_lost_share_mean'])} of the no-shock value after the onset)"
        )
        gained = t[t["value_lost_ci_high"] < 0]["shock"].tolist()
        if gained:
            text += (
                f"; {join([f'`{s}`' for s in gained])} {plural(len(gained), 'ends', 'end')} with more "
                "cumulative value than no shock"
            )
        text += "."
        scars = []
        for column, name in lasting.items():
            if f"end_{column}_mean" not in t.columns:
                continue
            lower = [r["shock"] for _, r in t.iterrows() if r[f"end_{column}_ci_high"] < 0]
            higher = [r["shock"] for _, r in t.iterrows() if r[f"end_{column}_ci_low"] > 0]
            if lower:
                scars.append(f"{name} is lower after {join([f'`{s}`' for s in lower])}")
            if higher:
                scars.append(f"{name} is higher after {join([f'`{s}`' for s in higher])}")
        run_rate = [r["shock"] for _, r in t.iterrows() if r["end_rate_ci_high"] < 0]
        if run_rate:
            scars.append(f"weekly value is still lower after {join([f'`{s}`' for s in run_rate])}")
        end = settings["end_weeks"]
        if scars:
            text += (
                f" Lasting changes in the last {end} weeks (95% CI excluding zero): " + "; ".join(scars) + "."
            )
        else:
            text += (
                f" No lasting change in value, headcount, skill or trust is clear in the last {end} weeks."
            )
        if len(none):
            text += f" No effect within the horizon: {join([f'`{s}`' for s in none['shock']])}."
        paragraphs.append(text)
    effective = table[table["effect"].astype(bool)]
    if len(result["contexts"]) > 1 and len(effective):
        mean_loss = effective.groupby("context", sort=False)["value_lost_share_mean"].mean()
        best, worst = mean_loss.idxmin(), mean_loss.idxmax()
        paragraphs.append(
            f"Across the shocks, `{best}` is the most resilient organisation (it loses "
            f"{fmt_percent(mean_loss[best])} of its post-onset value on average per shock) and `{worst}` the "
            f"least ({fmt_percent(mean_loss[worst])})."
        )
    return paragraphs


def shock_table(result: dict[str, Any], label: str, settings: dict[str, Any]) -> Table:
    """Return the resilience table of one organisation."""
    weeks, end = result["weeks"], settings["end_weeks"]
    lasting = {
        c: n for c, n in dict(settings["lasting"]).items() if f"end_{c}_mean" in result["table"].columns
    }
    rows = []
    for _, r in result["table"][result["table"]["context"] == label].iterrows():
        if not r["effect"]:
            rows.append(
                [f"`{r['shock']}`", fmt_week(r["preset_start"]), "no effect"] + ["-"] * (8 + len(lasting))
            )
            continue
        rec = fmt_week_interval(interval(r, "weeks_to_recover"))
        if r["falls_out_again"]:
            rec += " (falls out again)"
        own = (
            f"{100 * r['seeds_recovered_share']:.0f}% (median {fmt_week(r['seeds_median_weeks_to_recover'])})"
        )
        rows.append(
            [
                f"`{r['shock']}`",
                fmt_week(r["preset_start"]),
                fmt_week(r["onset_week"]),
                fmt_interval(interval(r, "dip_depth"), 100.0, "%"),
                fmt_week(r["trough_week"]),
                rec,
                fmt_week_interval(interval(r, "weeks_to_recover_for_good")),
                own,
                fmt_interval(interval(r, "value_lost")),
                fmt_interval(interval(r, "value_lost_share"), 100.0, "%"),
                fmt_signed_interval(interval(r, "end_rate"), 100.0, "%"),
                *(fmt_signed_interval(interval(r, f"end_{c}")) for c in lasting),
            ]
        )
    return Table(
        [
            "shock",
            "preset start",
            "onset week",
            "dip depth [95% CI]",
            "trough week",
            "weeks to recover [bootstrap CI]",
            "recovered for good after [bootstrap CI]",
            "seeds recovered (median weeks)",
            f"value lost by week {weeks}",
            "share of no-shock value",
            f"weekly value, last {end} wk",
            *(f"{n}, last {end} wk" for n in lasting.values()),
        ],
        rows,
    )


def plot(result: dict[str, Any], settings: dict[str, Any]) -> Any:
    """Relative weekly value (top) and cumulative value lost (bottom) per shock, one column per organisation."""
    contexts, curves = result["contexts"], result["curves"]
    shocks = list(dict.fromkeys(result["table"]["shock"]))
    colour = colours(shocks)
    tol = float(settings["tolerance"])
    fig = new_figure(5.0 * len(contexts), 7.0)
    axes = fig.subplots(2, len(contexts), squeeze=False, sharex=True)
    for j, label in enumerate(contexts):
        top, bottom = axes[0, j], axes[1, j]
        top.axhspan(-100 * tol, 100 * tol, color="0.9", zorder=0)
        for shock in shocks:
            c = curves[(curves["context"] == label) & (curves["shock"] == shock)] if len(curves) else curves
            if c.empty:
                continue
            top.plot(c["week"], 100 * c["relative_value"], color=colour[shock], label=shock, linewidth=1.4)
            bottom.plot(c["week"], c["value_lost_mean"], color=colour[shock], linewidth=1.4)
            bottom.fill_between(
                c["week"], c["value_lost_ci_low"], c["value_lost_ci_high"], color=colour[shock], alpha=0.15
            )
        difference_panels(top, bottom, label)
    axes[0, 0].set_ylabel(f"weekly value vs no shock, % ({settings['recovery_window']}-week mean)")
    axes[1, 0].set_ylabel("cumulative value lost (mean, 95% band)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize=8)
    return fig


def analyse(results: pd.DataFrame, out_dir: Path) -> None:
    """Measure every organisation's resilience to every shock and write the tables, figure and summaries."""
    out_dir, settings, result = prepare(results, out_dir, DEFAULTS, compute)
    seeds, weeks = result["seeds"], result["weeks"]
    tol = float(settings["tolerance"])
    doc = Report("Shocks: resilience of each organisation")
    sizes = ", ".join(f"`{org}` {n} teams" for org, n in result["sizes"].items())
    doc.text(
        f"{len(result['table']['shock'].unique())} shocks against no shock on {len(result['contexts'])} "
        f"{plural(len(result['contexts']), 'organisation', 'organisations')} ({sizes}), {seed_span(seeds)}, {weeks} weeks, no "
        "intervention. Every measure is paired by seed with the no-shock run of the same seed, which is the "
        "same run until the shock acts."
    )
    doc.section("What the numbers say", reading(result, settings))
    doc.tables((f"`{label}`", shock_table(result, label, settings)) for label in result["contexts"])
    doc.heading("Definitions")
    doc.bullets(
        [
            "**onset week**: the first week any seed's shocked run differs from its no-shock run.",
            "**dip depth**: the largest relative weekly value loss from the onset on, max over weeks of "
            "1 - mean value / mean no-shock value (mean over seeds); **trough week** is where it happens.",
            f"**weeks to recover**: from the onset until the {settings['recovery_window']}-week trailing mean of "
            f"the value is back within {100 * tol:.0f}% of the no-shock run's, counted once it has fallen out of "
            "that band (0 if it never does; 'never' if not back within the horizon); '(falls out again)' marks "
            "a later fall below the band; **recovered for good after** counts to the week after the last one "
            "below the band instead. Both are measured on the mean over seeds of the paired runs, because a "
            "single run's weekly value moves by several percent from week to week and would cross a 5% band by "
            "chance; **seeds recovered** applies the same rule to each seed against its own no-shock run (share "
            "of seeds back within the horizon, and the median weeks).",
            "**value lost**: Σ over weeks from the onset of (no-shock value - value), per seed, averaged; its "
            "share of the no-shock value over the same weeks. Negative means the shocked run ends ahead.",
            f"**last {settings['end_weeks']} wk**: mean over the last {settings['end_weeks']} weeks of the "
            "shocked minus the no-shock run (weekly value as a relative change; skill is `layer_talent` and "
            "trust `bu_trust`, both 0-1).",
            "Intervals: Student-t over seeds for the per-seed quantities and for the dip depth (over the "
            "per-seed losses at the trough week, which is chosen on the mean curves); paired bootstrap over "
            f"seeds ({BOOTSTRAP_SAMPLES:,} resamples, percentiles 2.5 and 97.5) for weeks to recover, a "
            "statistic of the mean curves.",
        ]
    )
    doc.figure(
        plot(result, settings),
        "shocks.png",
        f"Weekly value relative to no shock (top; grey band: ±{100 * tol:.0f}%) and cumulative value lost since "
        "the onset (bottom, mean with 95% band)",
    )
    doc.data({"shocks.csv": result["table"], "curves.csv": result["curves"]})
    paths = doc.write(out_dir)
    print(f"{NAME}: {seeds_text(len(seeds))}, {weeks} weeks.")
    for label in result["contexts"]:
        t = result["table"][(result["table"]["context"] == label) & result["table"]["effect"].astype(bool)]
        if len(t):
            worst = highest(t, "value_lost_mean")
            print(
                f"  {label}: most value lost to {worst['shock']} ({fmt_interval(interval(worst, 'value_lost'))})"
            )
    print(wrote(paths))
