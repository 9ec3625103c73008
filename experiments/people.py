"""People: hire more, train the people you have, or build a platform team - for the same money.

**The options** are intervention presets written as data by
``python -m experiments.people --calibrate --write`` (``configs/generated/intervention/people_*.yaml``):

* ``people_hire_more``: ``hire_more`` at intensity 5/12, i.e. a headcount target
  12.5% higher - **one more person per stream-aligned team** (the model hires
  whole people per team: ``round(team_size x 0.125) = 1`` for teams of 4 to 11
  people; a smaller intensity rounds to nobody on a full team). Its extra cost
  sets the budget.
* ``people_platform_team``: ``platform_team`` at the intensity that costs the same.
* ``people_talent_program``: ``talent_program`` at the intensity that costs the
  same. The ``training`` lever saturates at 1 (``talent_program`` at intensity 1
  on an organisation with no training), so most of this money buys nothing;
  it is kept to show that, as the literal "train them for the same money".
* ``people_talent_coaching``: "train them" done so that the money can be used:
  ``talent_program`` at full strength (intensity 1) plus enabling teams
  (``enabling_team``'s lever and cost, scaled) for the rest of the budget -
  training and coaching, the two ways the model grows skill.

**Same money.** What leadership pays for an option is the extra *investment
cost* over doing nothing: the model's weekly ``cost`` minus its incident part
(``cost - incidents x cost_per_incident``, i.e. people x ``cost_per_person_week``
plus programme spend), summed over the horizon, paired by seed. Incident costs
are left out because they are a consequence of what an option does (more
deploys, more incidents), not a choice. The calibration (:func:`calibrate`)
runs the reference option and each other option on the three organisations
with seeds 1000-1009 - not the sweep's seeds 0-29 - over the sweep's horizon,
and finds by the secant method the intensity (for the coaching option: the
enabling-team scale) at which the extra investment per stream-aligned team per
week, averaged over the three organisations, equals the reference's, within
0.5%. The result is written into the presets with the numbers it found.
:func:`analyse` checks the money again on the sweep's own runs, per
organisation, and says how equal it is.

**The comparison** (:func:`analyse`), per organisation, as means over seeds
with 95% Student-t intervals: the extra investment and total cost over
``none``; the gain in cumulative net value over ``none`` (paired by seed) and per
1,000 k of extra investment; the DORA keys over the final year; attrition and
innovations.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.catalogue import METRICS, Metric, metric_label, window_label
from sim.analysis.document import Report, Table, colours, new_figure, wrote
from sim.analysis.results import curve_matrix, highest, lowest, org_sizes, per_run, prepare, require
from sim.config import GENERATED, GENERATED_DIR, load_config
from sim.model.metrics import DORA_KEYS
from sim.stats import (
    band,
    interval,
    interval_columns,
    paired_difference,
    paired_matrices,
    paired_values,
    t_interval,
)
from sim.text import (
    ci_phrase,
    compared,
    fmt,
    fmt_interval,
    fmt_signed_interval,
    join,
    plural,
    seeds_text,
)

NAME = "people"
HIRE_INTENSITY = (
    0.4167  # hire_more raises the headcount target by 0.3 x intensity: +12.5%, one person per team
)
CALIBRATION_ORGS: tuple[str, ...] = ("struggling", "solid_but_slow", "enterprise")
CALIBRATION_SEEDS: tuple[int, ...] = tuple(range(1000, 1010))
CALIBRATION_WEEKS = 156
TOLERANCE = 0.005
MAX_INTENSITY = 3.0  # sim.model.levers.Intervention.intensity's range
PRESET_DIR = GENERATED_DIR / "intervention"
OPTIONS: tuple[str, ...] = (
    "people_hire_more",
    "people_platform_team",
    "people_talent_program",
    "people_talent_coaching",
)
DEFAULTS: dict[str, Any] = {
    "baseline": "none",
    "equal_tolerance": 0.05,  # extra investment within 5% counts as the same money
}
METRIC = {m.key: m for m in METRICS}


# ----------------------------------------------------------------------------- the options


def _preset(name: str):

    return load_config([GENERATED, f"intervention={name}"]).intervention[name]


def option(name: str, x: float):
    """Return the intervention of an option at scale ``x`` (intensity, or the coaching scale)."""
    from sim.model.levers import Intervention, Phase

    if name == "people_hire_more":
        return dataclasses.replace(_preset("hire_more"), intensity=float(x))
    if name == "people_platform_team":
        return dataclasses.replace(_preset("platform_team"), intensity=float(x))
    if name == "people_talent_program":
        return dataclasses.replace(_preset("talent_program"), intensity=float(x))
    if name == "people_talent_coaching":
        training = _preset("talent_program")
        coaching = _preset("enabling_team")
        phases = [*training.phases]
        for phase in coaching.phases:
            phases.append(
                Phase(
                    offset=phase.offset,
                    duration=phase.duration,
                    cost=round(phase.cost * x, 4),
                    levers={k: round(v * x, 4) for k, v in phase.levers.items()},
                )
            )
        return Intervention(
            description="People, same money - train them with talent_program at full strength plus enabling teams "
            "for the rest of the budget.",
            phases=tuple(phases),
        )
    raise ValueError(f"unknown option {name!r}; choose from {', '.join(OPTIONS)}")


def investment(weekly: pd.DataFrame, cost_per_incident: float) -> float:
    """Total investment cost of a run: ``cost`` minus the incident part, summed over the weeks."""
    return float((weekly["cost"] - weekly["incidents"] * cost_per_incident).sum())


def extra_investment(
    item: Any,
    orgs: Sequence[str] = CALIBRATION_ORGS,
    seeds: Sequence[int] = CALIBRATION_SEEDS,
    weeks: int = CALIBRATION_WEEKS,
    overrides: Sequence[str] = (),
    _cache: dict | None = None,
) -> dict[str, float]:
    """Mean extra investment per stream-aligned team per week over ``none``, per organisation (paired by seed)."""
    from sim.api import run_config

    cache = {} if _cache is None else _cache
    out = {}
    for org in orgs:
        base = load_config([GENERATED, f"org={org}", f"weeks={weeks}", "record.team_every=0", *overrides])
        cpi = base.params.operating.cost_per_incident
        extras = []
        for seed in seeds:
            key = (org, seed, weeks, tuple(overrides))
            if key not in cache:
                cache[key] = investment(run_config(dataclasses.replace(base, seed=seed)).weekly, cpi)
            config = dataclasses.replace(base, seed=seed, intervention={"option": item})
            extras.append(investment(run_config(config).weekly, cpi) - cache[key])
        out[org] = float(np.mean(extras)) / (base.org.teams * weeks)
    return out


def solve(f: Callable[[float], float], target: float, x0: float, x1: float, lo: float, hi: float) -> float:
    """Search ``[lo, hi]`` for ``f(x) = target``, to within :data:`TOLERANCE` of the target.

    Secant steps while they help; once two points bracket the target, bisection
    (money rises in steps where people are hired whole, on which secant steps
    stall). Returns the point closest to the target if none is within tolerance.
    """
    seen = {x0: f(x0), x1: f(x1)}
    for _ in range(24):
        best = min(seen, key=lambda x: abs(seen[x] - target))
        if abs(seen[best] - target) <= TOLERANCE * abs(target):
            return best
        below = [x for x, y in seen.items() if y < target]
        above = [x for x, y in seen.items() if y > target]
        if below and above:  # bracketed: halve the tightest bracket (money rises with the scale)
            a, b = max(below), min(above)
            x2 = (a + b) / 2
        else:
            (xa, ya), (xb, yb) = sorted(seen.items(), key=lambda p: abs(p[1] - target))[:2]
            if ya == yb:
                break
            x2 = float(np.clip(xa + (target - ya) * (xa - xb) / (ya - yb), lo, hi))
        if x2 in seen:
            break
        seen[x2] = f(x2)
    return min(seen, key=lambda x: abs(seen[x] - target))


def calibrate(
    orgs: Sequence[str] = CALIBRATION_ORGS,
    seeds: Sequence[int] = CALIBRATION_SEEDS,
    weeks: int = CALIBRATION_WEEKS,
    overrides: Sequence[str] = (),
    verbose: bool = False,
) -> dict[str, dict[str, Any]]:
    """Find each option's scale so that its extra investment equals the reference's (hiring one person per team).

    Returns:
        Per option: ``scale`` (intensity, or the coaching scale), the extra
        investment per team-week per organisation at that scale (``extra``),
        their mean (``mean``) and the ``target``.
    """
    cache: dict = {}

    def measure(name: str, x: float) -> dict[str, float]:
        found = extra_investment(option(name, x), orgs, seeds, weeks, overrides, cache)
        if verbose:
            print(f"  {name} at {x:.4f}: {np.mean(list(found.values())):.4f} k per team-week {found}")
        return found

    reference = measure("people_hire_more", HIRE_INTENSITY)
    target = float(np.mean(list(reference.values())))
    out = {
        "people_hire_more": {"scale": HIRE_INTENSITY, "extra": reference, "mean": target, "target": target}
    }
    for name in OPTIONS[1:]:
        seen: dict[float, dict[str, float]] = {}

        def f(x: float, name: str = name, seen: dict = seen) -> float:
            x = round(float(x), 4)
            if x not in seen:
                seen[x] = measure(name, x)
            return float(np.mean(list(seen[x].values())))

        first = f(1.0)
        guess = float(np.clip(target / first if first > 0 else 1.0, 0.05, MAX_INTENSITY))
        x = round(solve(f, target, 1.0, guess, 0.0, MAX_INTENSITY), 4)
        mean = f(x)
        out[name] = {"scale": x, "extra": seen[x], "mean": mean, "target": target}
    return out


def preset_text(name: str, scale: float, calibration: dict[str, Any] | None = None) -> str:
    """Return the YAML of one option preset, with how it was calibrated in comments."""
    item = option(name, scale)
    source = {
        "people_hire_more": "hire_more",
        "people_platform_team": "platform_team",
        "people_talent_program": "talent_program",
        "people_talent_coaching": "talent_program (intensity 1) + enabling_team (scaled)",
    }[name]
    what = {
        "people_hire_more": "Hire more people - one more person per stream-aligned team (hire_more at intensity 5/12); "
        "its cost sets the budget of the people experiment.",
        "people_platform_team": "People, same money - a platform team (platform_team scaled to the cost of one more "
        "person per team).",
        "people_talent_program": "People, same money - train them with talent_program alone, scaled to the cost of one "
        "more person per team (the training lever saturates).",
        "people_talent_coaching": "People, same money - train them with talent_program at full strength plus enabling "
        "teams for the rest of the cost of one more person per team.",
    }[name]
    lines = [
        f"# @package intervention.{name}",
        "# Generated by `python -m experiments.people --calibrate --write`; do not edit by hand.",
        f"# An option of the people experiment (experiments/people.py), from {source}.",
    ]
    if calibration:
        per_org = ", ".join(f"{org} {v:.3f}" for org, v in calibration["extra"].items())
        lines += [
            "# Same money: extra investment cost over `none` (cost minus incident cost) per stream-aligned",
            f"# team per week, seeds {CALIBRATION_SEEDS[0]}-{CALIBRATION_SEEDS[-1]}, {CALIBRATION_WEEKS} weeks: "
            f"{calibration['mean']:.3f} k (target {calibration['target']:.3f} k,",
            f"# the cost of one more person per team); per organisation: {per_org}.",
        ]
    lines += [f"description: {what}", f"start: {item.start}", f"intensity: {item.intensity:g}", "phases:"]
    for phase in item.phases:
        lines += [
            f"  - offset: {phase.offset}",
            f"    duration: {phase.duration}",
            f"    cost: {phase.cost:g}",
        ]
        if phase.levers:
            lines.append("    levers:")
            lines += [f"      {k}: {v:g}" for k, v in phase.levers.items()]
        else:
            lines.append("    levers: {}")
    return "\n".join(lines) + "\n"


def read_scale(name: str) -> float:
    """Return the scale an option preset was written with (intensity, or the coaching scale)."""
    item = _preset(name)
    if name == "people_talent_coaching":
        enabling = _preset("enabling_team").phases[0].levers["enabling_capacity"]
        return item.phases[-1].levers["enabling_capacity"] / enabling
    return item.intensity


# ----------------------------------------------------------------------------- analysis


def clipped_share(name: str, org: str, weeks: int) -> dict[str, float]:
    """Return, per lever an intervention moves, the share of its change lost to the lever's range.

    The intended change is ``intensity x delta x weeks`` summed over the phases
    (as ``sim.model.levers.schedule`` adds it); the realised one is the clipped lever
    table minus the baseline. A share of 0.6 means 60% of the change paid for
    does not reach the model (the money is spent all the same).
    """
    from sim.model.levers import LEVER_INDEX, schedule

    config = load_config([GENERATED, f"org={org}", f"intervention={name}", f"weeks={weeks}"])
    item = config.intervention[name]
    base, _ = schedule(config.org.levers, [], weeks, 1.0)
    table, _ = schedule(config.org.levers, [item], weeks, 1.0)
    end_all = item.start - 1 + item.duration if item.duration else weeks
    intended: dict[str, float] = {}
    for phase in item.phases:
        first = item.start - 1 + phase.offset
        last = min(first + phase.duration if phase.duration else weeks, end_all, weeks)
        for lever, delta in phase.levers.items():
            intended[lever] = intended.get(lever, 0.0) + item.intensity * delta * max(last - first, 0)
    out = {}
    for lever, change in intended.items():
        realised = float((table - base)[:, LEVER_INDEX[lever]].sum())
        out[lever] = 1.0 - realised / change if change else 0.0
    return out


def compute(results: pd.DataFrame, settings: dict[str, Any]) -> dict[str, Any]:
    """Per organisation and option: money, value, DORA keys, people; and the equal-money check."""
    results = require(
        results, ["intervention", "seed", "week", "value", "net_value", "cost", "incidents"], NAME
    )
    baseline = settings["baseline"]
    if baseline not in set(results["intervention"]):
        raise ValueError(f"{NAME}: no runs of the baseline {baseline!r} in the results")
    results = results.copy()
    cpi = load_config([]).params.operating.cost_per_incident
    results["investment"] = results["cost"] - results["incidents"] * cpi
    orgs = list(dict.fromkeys(results["org"]))
    names = [iv for iv in dict.fromkeys(results["intervention"]) if iv != baseline]
    metrics = [
        *METRICS,
        Metric("investment", "investment", "total", "investment cost (total)", False),
        Metric("headcount_end", "headcount", "final", "headcount ({window})", True),
    ]
    runs = per_run(results, ["org", "intervention"], metrics)
    rows = []
    for org in orgs:
        org_runs = runs[runs["org"] == org]
        for name in [baseline, *names]:
            part = org_runs[org_runs["intervention"] == name]
            if part.empty:
                continue
            row: dict[str, Any] = {"org": org, "intervention": name, "n_seeds": len(part)}
            for m in metrics:
                row.update(interval_columns(m.key, t_interval(part[m.key].to_numpy(float))))
            if name != baseline:
                gain = paired_values(org_runs, "intervention", "cumulative_net_value", name, baseline)
                invest = paired_values(org_runs, "intervention", "investment", name, baseline)
                cost = paired_values(org_runs, "intervention", "cost", name, baseline)
                row.update(interval_columns("gain", t_interval(gain.to_numpy())))
                row.update(interval_columns("extra_investment", t_interval(invest.to_numpy())))
                row.update(interval_columns("extra_cost", t_interval(cost.to_numpy())))
                with np.errstate(divide="ignore", invalid="ignore"):
                    per_k = (gain / invest * 1000.0).replace([np.inf, -np.inf], np.nan)
                row.update(interval_columns("gain_per_1000k", t_interval(per_k.to_numpy())))
            rows.append(row)
    table = pd.DataFrame(rows)
    options = table[table["intervention"] != baseline].copy()
    options["rank"] = options.groupby("org")["gain_mean"].rank(ascending=False, method="first").astype(int)
    table = table.merge(options[["org", "intervention", "rank"]], on=["org", "intervention"], how="left")
    money = []
    for org, part in options.groupby("org", sort=False):
        extra = part["extra_investment_mean"]
        spread = float((extra.max() - extra.min()) / extra.mean()) if extra.mean() else np.nan
        money.append(
            {
                "org": org,
                "mean_extra_investment": float(extra.mean()),
                "lowest": part.loc[extra.idxmin(), "intervention"],
                "highest": part.loc[extra.idxmax(), "intervention"],
                "relative_spread": spread,
                "equal": bool(spread <= settings["equal_tolerance"]),
            }
        )
    curves = []
    for org in orgs:
        rows_org = results[results["org"] == org]
        base = curve_matrix(rows_org[rows_org["intervention"] == baseline], "net_value", cumulative=True)
        for name in names:
            treat = curve_matrix(rows_org[rows_org["intervention"] == name], "net_value", cumulative=True)
            T, B, weeks = paired_matrices(treat, base)
            mean, low, high = band(T - B)
            curves.append(
                pd.DataFrame(
                    {
                        "org": org,
                        "intervention": name,
                        "week": weeks,
                        "gain_mean": mean,
                        "gain_ci_low": low,
                        "gain_ci_high": high,
                    }
                )
            )
    return {
        "orgs": orgs,
        "names": names,
        "table": table,
        "money": pd.DataFrame(money),
        "curves": pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(),
        "runs": runs,
        "weeks": int(results["week"].max()),
        "seeds": sorted(results["seed"].unique()),
        "sizes": org_sizes(results, orgs),
        "cost_per_incident": cpi,
        "clipped": pd.DataFrame(
            [
                {"org": org, "intervention": name, "lever": lever, "share": share}
                for org in orgs
                for name in names
                for lever, share in clipped_share(name, org, int(results["week"].max())).items()
            ]
        ),
    }


def reading(result: dict[str, Any], settings: dict[str, Any]) -> list[str]:
    """Paragraphs generated from the numbers."""
    baseline = settings["baseline"]
    paragraphs = []
    money = result["money"].set_index("org")
    for org in result["orgs"]:
        t = result["table"][(result["table"]["org"] == org) & (result["table"]["intervention"] != baseline)]
        t = t.sort_values("rank")
        if t.empty:
            continue
        runs = result["runs"][result["runs"]["org"] == org]
        m = money.loc[org]
        n = int(t["n_seeds"].min())
        if m["equal"]:
            text = (
                f"On `{org}` ({result['sizes'][org]} teams) the options cost the same within "
                f"{100 * m['relative_spread']:.1f}%: about {fmt(m['mean_extra_investment'])} k of extra "
                f"investment each over {result['weeks']} weeks."
            )
        else:
            text = (
                f"On `{org}` ({result['sizes'][org]} teams) the money is NOT equal: extra investment ranges from "
                f"`{m['lowest']}` to `{m['highest']}`, a spread of {100 * m['relative_spread']:.0f}% of the mean "
                f"({fmt(m['mean_extra_investment'])} k); compare them by value per 1,000 k, or recalibrate "
                "(`python -m experiments.people --calibrate`)."
            )
        clipped = result["clipped"]
        lost = clipped[(clipped["org"] == org) & (clipped["share"] > 0.01)]
        if len(lost):
            text += (
                " The levers' ranges cut part of what is paid for: "
                + "; ".join(
                    f"{100 * r['share']:.0f}% of `{r['intervention']}`'s `{r['lever']}` change"
                    for _, r in lost.iterrows()
                )
                + " (the money is spent all the same)."
            )
        best = t.iloc[0]
        text += (
            f" **{best['intervention']}** adds the most cumulative net value: "
            f"{fmt_signed_interval(interval(best, 'gain'))} over `{baseline}`"
        )
        base = result["table"][
            (result["table"]["org"] == org) & (result["table"]["intervention"] == baseline)
        ]
        if len(base) and base.iloc[0]["cumulative_net_value_mean"]:
            text += f" ({100 * best['gain_mean'] / base.iloc[0]['cumulative_net_value_mean']:+.1f}%)"
        if len(t) > 1:
            second = t.iloc[1]["intervention"]
            diff = paired_difference(
                runs, "intervention", "cumulative_net_value", best["intervention"], second
            )
            text += f", ahead of `{second}` by {fmt(diff.mean)} ({ci_phrase(diff)}; " + (
                "clear at 95%)" if diff.excludes() else f"not clear with {seeds_text(n)})"
            )
        text += "."
        losers = [f"`{r['intervention']}`" for _, r in t.iterrows() if r["gain_ci_high"] < 0]
        if losers:
            text += f" {join(losers)} {plural(len(losers), 'delivers', 'deliver')} less than doing nothing."
        per_k = highest(t, "gain_per_1000k_mean")
        text += (
            f" Per 1,000 k of extra investment the most value comes from `{per_k['intervention']}` "
            f"({fmt_interval(interval(per_k, 'gain_per_1000k'))})."
        )
        lead = lowest(t, "lead_time_days_mean")
        cfr = lowest(t, "change_failure_rate_mean")
        att = lowest(t, "attrition_mean")
        text += (
            f" Over {window_label(result['weeks'])} lead time is shortest under `{lead['intervention']}` "
            f"({fmt(lead['lead_time_days_mean'])} days) and the change failure rate lowest under "
            f"`{cfr['intervention']}` ({fmt(100 * cfr['change_failure_rate_mean'])}%); fewest people leave "
            f"under `{att['intervention']}` ({fmt(att['attrition_mean'])} over the horizon)."
        )
        paragraphs.append(text)
    winners = {}
    for org in result["orgs"]:
        t = result["table"][(result["table"]["org"] == org) & (result["table"]["rank"] == 1)]
        if len(t):
            winners[org] = t.iloc[0]["intervention"]
    if len(set(winners.values())) > 1:
        paragraphs.append(
            "The best use of the money depends on the organisation: "
            + join([f"`{iv}` on `{org}`" for org, iv in winners.items()])
            + "."
        )
    elif len(winners) > 1:
        paragraphs.append(
            f"`{next(iter(winners.values()))}` is the best use of the money on every organisation."
        )
    return paragraphs


def option_table(result: dict[str, Any], org: str, baseline: str) -> Table:
    """Return the comparison table of one organisation."""
    weeks = result["weeks"]
    t = result["table"][result["table"]["org"] == org].sort_values("rank", na_position="last")
    rows = []
    for _, r in t.iterrows():
        is_base = r["intervention"] == baseline
        rows.append(
            [
                "-" if is_base else str(int(r["rank"])),
                f"`{r['intervention']}`",
                "-" if is_base else fmt_signed_interval(interval(r, "extra_investment")),
                "-" if is_base else fmt_signed_interval(interval(r, "extra_cost")),
                fmt_interval(interval(r, "cumulative_net_value")),
                "-" if is_base else fmt_signed_interval(interval(r, "gain")),
                "-" if is_base else fmt_interval(interval(r, "gain_per_1000k")),
                *(fmt_interval(interval(r, k), METRIC[k].scale) for k in DORA_KEYS),
                fmt_interval(interval(r, "attrition")),
                fmt_interval(interval(r, "headcount_end")),
                fmt_interval(interval(r, "innovations")),
            ]
        )
    return Table(
        [
            "rank",
            "option",
            f"extra investment over {baseline} (k)",
            "extra total cost (k)",
            f"cumulative net value ({weeks} wk)",
            f"gain over {baseline}",
            "gain per 1,000 k invested",
            *(metric_label(METRIC[k], weeks) for k in DORA_KEYS),
            "attrition",
            f"headcount ({window_label(weeks)})",
            "innovations",
        ],
        rows,
        align=["r", "l", *["r"] * 12],
    )


def plot(result: dict[str, Any], settings: dict[str, Any]) -> Any:
    """Cumulative value gain over the baseline (top) and the extra investment of each option (bottom)."""
    orgs, names, curves = result["orgs"], result["names"], result["curves"]
    colour = colours(names)
    fig = new_figure(5.0 * len(orgs), 7.5)
    axes = fig.subplots(2, len(orgs), squeeze=False)
    for j, org in enumerate(orgs):
        top, bottom = axes[0, j], axes[1, j]
        for name in names:
            c = curves[(curves["org"] == org) & (curves["intervention"] == name)]
            if c.empty:
                continue
            top.plot(c["week"], c["gain_mean"], color=colour[name], label=name, linewidth=1.6)
            top.fill_between(c["week"], c["gain_ci_low"], c["gain_ci_high"], color=colour[name], alpha=0.15)
        top.axhline(0, color="0.2", linewidth=0.8)
        top.set_title(f"org={org}")
        top.set_xlabel("week")
        top.grid(alpha=0.3)
        t = result["table"][
            (result["table"]["org"] == org) & (result["table"]["intervention"] != settings["baseline"])
        ]
        y = np.arange(len(t))
        mean = t["extra_investment_mean"].to_numpy()
        err = np.vstack(
            [mean - t["extra_investment_ci_low"].to_numpy(), t["extra_investment_ci_high"].to_numpy() - mean]
        )
        bottom.barh(y, mean, xerr=np.nan_to_num(err), color=[colour[n] for n in t["intervention"]], alpha=0.8)
        bottom.set_yticks(y, t["intervention"], fontsize=8)
        bottom.set_xlabel(f"extra investment over {settings['baseline']} (k, 95% CI)")
        bottom.grid(axis="x", alpha=0.3)
    axes[0, 0].set_ylabel(f"cumulative net value minus {settings['baseline']}")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    return fig


def analyse(results: pd.DataFrame, out_dir: Path) -> None:
    """Compare the same-money options per organisation and write the tables, figure and summaries."""
    out_dir, settings, result = prepare(results, out_dir, DEFAULTS, compute)
    baseline = settings["baseline"]
    doc = Report("People: hire, train or build a platform team - for the same money")
    doc.text(
        compared("options", result, baseline) + " Cells are means over seeds with "
        "95% Student-t intervals; differences from the baseline are paired by seed. **Extra investment** is "
        "the model's `cost` minus its incident part (people x cost per person + programme spend), summed over "
        "the horizon, minus the baseline's; the options were calibrated so that it is the same for all - the "
        "cost of one more person per stream-aligned team (see the method below)."
    )
    doc.section("What the numbers say", reading(result, settings))
    doc.tables((f"Options on `{org}`", option_table(result, org, baseline)) for org in result["orgs"])
    doc.heading("Same money: the method and the check")
    doc.bullets(
        [
            "`people_hire_more`: `hire_more` at intensity 5/12, one more person per team (hiring is in whole "
            "people per team); its extra investment is the budget.",
            "`people_platform_team` and `people_talent_program`: `platform_team` and `talent_program` with the "
            "intensity at which their extra investment equals the budget.",
            "`people_talent_coaching`: `talent_program` at intensity 1 (its training lever at full strength) "
            "plus `enabling_team` scaled until the extra investment equals the budget; the share of each "
            "option's lever change lost to the levers' ranges is in the text above and in `clipped.csv`.",
            f"Calibration: `python -m experiments.people --calibrate --write` on {join(list(CALIBRATION_ORGS))}, "
            f"seeds {CALIBRATION_SEEDS[0]}-{CALIBRATION_SEEDS[-1]} (not the sweep's), {CALIBRATION_WEEKS} weeks, "
            "secant search on the mean extra investment per team-week over the organisations, to within "
            f"{100 * TOLERANCE:g}%; the presets record what it found. Incident costs "
            f"({fmt(result['cost_per_incident'])} k per incident) are left out: they follow from what an "
            "option does, and the table shows the total cost beside the investment.",
        ]
    )
    money = result["money"]
    doc.table(
        Table(
            ["organisation", "mean extra investment (k)", "lowest", "highest", "spread", "same money?"],
            [
                [
                    f"`{r['org']}`",
                    fmt(r["mean_extra_investment"]),
                    f"`{r['lowest']}`",
                    f"`{r['highest']}`",
                    f"{100 * r['relative_spread']:.1f}%",
                    "yes" if r["equal"] else f"no (> {100 * settings['equal_tolerance']:g}%)",
                ]
                for _, r in money.iterrows()
            ],
            caption="Check on this sweep's runs: spread = (highest - lowest) / mean of the options' mean extra investment.",
        )
    )
    doc.figure(
        plot(result, settings),
        "people.png",
        f"Cumulative value gain over {baseline} (top, mean with 95% band) and extra investment of each option "
        "(bottom, 95% CI): the same-money check",
    )
    doc.data(
        {
            "people.csv": result["table"],
            "money.csv": result["money"],
            "curves.csv": result["curves"],
            "clipped.csv": result["clipped"],
        }
    )
    paths = doc.write(out_dir)
    print(
        f"{NAME}: {len(result['names'])} options, {seeds_text(len(result['seeds']))}, {result['weeks']} weeks."
    )
    for org in result["orgs"]:
        t = result["table"][(result["table"]["org"] == org) & (result["table"]["rank"] == 1)]
        m = money.set_index("org").loc[org]
        if len(t):
            print(
                f"  {org}: best {t.iloc[0]['intervention']} (gain {fmt_signed_interval(interval(t.iloc[0], 'gain'))}); "
                f"money {'equal' if m['equal'] else 'NOT equal'} within {100 * m['relative_spread']:.1f}%"
            )
    print(wrote(paths))


# ----------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.people --calibrate [--write]``: calibrate the same-money presets."""
    parser = argparse.ArgumentParser(prog="python -m experiments.people")
    parser.add_argument("--calibrate", action="store_true", help="find the same-money scale of every option")
    parser.add_argument(
        "--write", action="store_true", help="write configs/generated/intervention/people_*.yaml"
    )
    parser.add_argument(
        "--seeds", type=int, default=len(CALIBRATION_SEEDS), help="calibration seeds (from 1000)"
    )
    parser.add_argument("--weeks", type=int, default=CALIBRATION_WEEKS, help="horizon")
    args = parser.parse_args(argv)
    if not args.calibrate:
        parser.print_help()
        return 2
    seeds = tuple(range(CALIBRATION_SEEDS[0], CALIBRATION_SEEDS[0] + args.seeds))
    found = calibrate(seeds=seeds, weeks=args.weeks, verbose=True)
    for name, entry in found.items():
        print(
            f"{name}: scale {entry['scale']:.4f}, extra {entry['mean']:.4f} k per team-week (target {entry['target']:.4f})"
        )
    if args.write:
        for name, entry in found.items():
            path = PRESET_DIR / f"{name}.yaml"
            path.write_text(preset_text(name, entry["scale"], entry))
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
