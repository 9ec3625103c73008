"""The headline what-if: push execution, fix the foundations first, or do nothing.

Runs ``none``, ``execution_push`` and ``foundations_first`` on the default
organisation (``org=struggling``) over many seeds and reports, per intervention,
the mean and 95% t-interval across seeds of:

* cumulative net value over the whole horizon and innovations shipped (total);
* the DORA keys in the final year (weeks 105-156 of the default 156): deploys
  per week, lead time, change failure rate and time to restore (means);
* attrition (people who left, total) and cost (total).

It prints the table and a plain-language reading generated from the numbers,
and writes ``summary.csv``, ``summary.md``, ``weekly.csv`` (the chart's data)
and ``headline.png`` to ``results/headline/``::

    python -m experiments.headline                # 20 seeds, 156 weeks
    python -m experiments.headline --seeds 5 --weeks 52 --workers 2 --out /tmp/h

Every run is determined by its configuration and seed, and results are sorted
by (intervention, seed), so the output is the same whatever ``--workers`` is.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.catalogue import FINAL_WEEKS, METRICS, Metric, final_window, window_label
from sim.api import run_configs
from sim.config import load_config
from sim.model.params import Config
from sim.model.schema import ConfigError
from sim.stats import CONFIDENCE, Interval, interval, overtake_week, t_band, t_interval
from sim.text import capital, fmt, join, seeds_text

DEFAULT_INTERVENTIONS: tuple[str, ...] = ("none", "execution_push", "foundations_first")
BASELINE = "none"

EARLY_WEEKS = 12  # "the first weeks": the short-term window of the reading

# Weekly columns of sim.simulate that the experiment keeps from each run.
RUN_COLUMNS: tuple[str, ...] = (
    "value",
    "net_value",
    "innovations",
    "deploys_per_week",
    "lead_time_days",
    "change_failure_rate",
    "time_to_restore_hours",
    "attrition",
    "cost",
)


@dataclass(frozen=True)
class HeadlineResult:
    """Everything the headline experiment computed.

    Attributes:
        org: Organisation preset.
        weeks: Horizon in weeks.
        seeds: Seeds run for every intervention.
        interventions: Interventions compared, in display order.
        weekly: Long frame, one row per (intervention, seed, week), sorted so.
        per_run: One row per (intervention, seed) with the metrics of ``METRICS``.
        summary: One row per intervention: ``n_seeds`` and, per metric, mean and
            95% interval (``<key>_mean``, ``<key>_ci_low``, ``<key>_ci_high``).
        bands: One row per (intervention, week): mean and 95% band of weekly and
            cumulative net value.
        reading: Plain-language reading of the numbers.
    """

    org: str
    weeks: int
    seeds: tuple[int, ...]
    interventions: tuple[str, ...]
    weekly: pd.DataFrame
    per_run: pd.DataFrame
    summary: pd.DataFrame
    bands: pd.DataFrame
    reading: str

    @property
    def final_window(self) -> tuple[int, int]:
        """First and last week of the final-year window."""
        return final_window(self.weeks)

    @property
    def early_window(self) -> tuple[int, int]:
        """First and last week of the short-term window."""
        return 1, min(EARLY_WEEKS, self.weeks)


# ----------------------------------------------------------------------------- running


def scenario_configs(
    org: str, interventions: Sequence[str], seeds: Sequence[int], weeks: int
) -> list[tuple[str, Config]]:
    """Compose and validate the configuration of every (intervention, seed), in that order.

    Raises:
        ConfigError: The organisation, an intervention, the horizon or a seed is not allowed.
    """
    return [
        (
            intervention,
            load_config(
                [
                    f"org={org}",
                    f"intervention={intervention}",
                    f"weeks={weeks}",
                    f"seed={seed}",
                    "record.team_every=0",
                ]
            ),
        )
        for intervention in interventions
        for seed in seeds
    ]


def run_experiment(
    seeds: int | Sequence[int] = 20,
    weeks: int = 156,
    org: str = "struggling",
    interventions: Sequence[str] = DEFAULT_INTERVENTIONS,
    workers: int = 1,
) -> HeadlineResult:
    """Run every intervention over every seed and summarise.

    Args:
        seeds: Number of seeds (``0 .. n-1``) or the seeds themselves.
        weeks: Horizon in weeks.
        org: Organisation preset.
        interventions: Interventions to compare (display order).
        workers: Worker processes; 1 runs every run in this process, in batches
            of worlds (fastest below a few hundred runs).

    Returns:
        The runs, the per-run metrics, the summary table, the chart bands and
        the reading. Identical whatever ``workers`` is.

    Raises:
        ConfigError: A configuration value is not allowed.
        ValueError: No seed, no intervention, a repeated one, or ``workers`` < 1.
    """
    seed_list = tuple(range(seeds)) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
    interventions = tuple(interventions)
    if not seed_list:
        raise ValueError("at least one seed is needed")
    if not interventions or len(set(interventions)) != len(interventions):
        raise ValueError("give at least one intervention, each once")
    if len(set(seed_list)) != len(seed_list):
        raise ValueError("seeds must be distinct")
    tasks = scenario_configs(org, interventions, seed_list, weeks)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    results = run_configs([config for _, config in tasks], n_jobs=min(workers, len(tasks)))
    outputs = [
        (intervention, config.seed, result.weekly.loc[:, list(RUN_COLUMNS)])
        for (intervention, config), result in zip(tasks, results, strict=True)
    ]
    weekly = _long_frame(outputs, interventions)
    per_run = _per_run(weekly, weeks)
    summary = _summary(per_run, interventions)
    bands = _bands(weekly, interventions)
    result = HeadlineResult(org, weeks, seed_list, interventions, weekly, per_run, summary, bands, "")
    return dataclasses.replace(result, reading=reading(result))


def _long_frame(outputs: list[tuple[str, int, pd.DataFrame]], interventions: tuple[str, ...]) -> pd.DataFrame:
    parts = []
    for intervention, seed, frame in outputs:
        part = frame.reset_index()
        part.insert(0, "seed", seed)
        part.insert(0, "intervention", intervention)
        parts.append(part)
    weekly = pd.concat(parts, ignore_index=True)
    weekly["intervention"] = pd.Categorical(
        weekly["intervention"], categories=list(interventions), ordered=True
    )
    weekly = weekly.sort_values(["intervention", "seed", "week"], kind="stable").reset_index(drop=True)
    weekly["cumulative_net_value"] = weekly.groupby(["intervention", "seed"], observed=True)[
        "net_value"
    ].cumsum()
    return weekly


def _per_run(weekly: pd.DataFrame, weeks: int) -> pd.DataFrame:
    first, last = final_window(weeks)
    groups = weekly.groupby(["intervention", "seed"], observed=True, sort=True)
    final = weekly[weekly["week"].between(first, last)].groupby(
        ["intervention", "seed"], observed=True, sort=True
    )
    columns = {}
    for m in METRICS:
        columns[m.key] = groups[m.column].sum() if m.how == "total" else final[m.column].mean()
    return pd.DataFrame(columns).reset_index()


def _summary(per_run: pd.DataFrame, interventions: tuple[str, ...]) -> pd.DataFrame:
    rows = []
    for intervention in interventions:
        runs = per_run[per_run["intervention"] == intervention]
        row: dict[str, object] = {"intervention": intervention, "n_seeds": len(runs)}
        for m in METRICS:
            iv = t_interval(runs[m.key].to_numpy(), CONFIDENCE)
            row[f"{m.key}_mean"], row[f"{m.key}_ci_low"], row[f"{m.key}_ci_high"] = iv.mean, iv.low, iv.high
        rows.append(row)
    return pd.DataFrame(rows)


def _bands(weekly: pd.DataFrame, interventions: tuple[str, ...]) -> pd.DataFrame:
    parts = []
    for intervention in interventions:
        runs = weekly[weekly["intervention"] == intervention]
        part = {"intervention": intervention}
        for column in ("net_value", "cumulative_net_value"):
            matrix = runs.pivot(index="seed", columns="week", values=column)
            mean, low, high, _ = t_band(matrix.to_numpy(), CONFIDENCE, axis=0)
            part["week"] = matrix.columns.to_numpy()
            part[f"{column}_mean"], part[f"{column}_ci_low"], part[f"{column}_ci_high"] = mean, low, high
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------- reading


def overtakes(result: HeadlineResult) -> list[tuple[int, str, str]]:
    """Every ``(week, a, b)`` where ``a``'s mean cumulative net value rises above ``b``'s for good.

    Only pairs where ``a`` starts behind or level and ends ahead are listed,
    sorted by week; ``week`` is given by :func:`overtake_week`.
    """
    cum = result.bands.set_index(["intervention", "week"])["cumulative_net_value_mean"]
    found = []
    for a in result.interventions:
        for b in result.interventions:
            if a == b:
                continue
            w = overtake_week(cum.loc[a].to_numpy(), cum.loc[b].to_numpy(), cum.loc[a].index.to_numpy())
            if w is not None and w > int(cum.loc[a].index[0]):
                found.append((w, a, b))
    return sorted(found, key=lambda item: (item[0], result.interventions.index(item[1])))


def _name(intervention: str) -> str:
    return "doing nothing (none)" if intervention == BASELINE else intervention


def _interval(summary: pd.DataFrame, intervention: str, key: str) -> Interval:
    return interval(summary.set_index("intervention").loc[intervention], key)


def _ranked(result: HeadlineResult, metric: Metric) -> list[tuple[str, float]]:
    """Interventions with their display value, best first (stable for ties)."""
    means = [
        (iv, _interval(result.summary, iv, metric.key).mean * metric.scale) for iv in result.interventions
    ]
    sign = -1.0 if metric.higher_is_better else 1.0
    return sorted(means, key=lambda item: sign * item[1] if np.isfinite(item[1]) else np.inf)


def _best_phrase(result: HeadlineResult, metric: Metric, verb: str, noun: str) -> str:
    """E.g. ``lead time is shortest under X (4.1 days, against Y 9.0, Z 12.3)``.

    A tie reads ``<noun> is the same under X and Y (...)``; a best value whose
    paired gap to the runner-up has a 95% interval containing zero says so.
    """
    ranked = _ranked(result, metric)
    best_value = ranked[0][1]
    tied = [iv for iv, v in ranked if v == best_value]
    others = ", ".join(f"{iv} {fmt(v)}" for iv, v in ranked if iv not in tied)
    against = f", against {others}" if others else ""
    if len(tied) > 1:
        return f"{noun} is the same under {join(tied)} ({fmt(best_value)}{metric.unit}{against})"
    noise = ""
    if len(ranked) > 1:
        second = ranked[1][0]
        diff = _paired_difference(result, tied[0], second, metric.key)
        if _noisy(diff):
            noise = f"; the gap to {second} is within the noise of {diff.n} seeds"
    return f"{verb} under {tied[0]} ({fmt(best_value)}{metric.unit}{against}{noise})"


def _noisy(difference: Interval) -> bool:
    """Whether a paired difference over at least two seeds has a 95% interval containing zero."""
    return difference.n >= 2 and not difference.excludes(0.0)


def _ci_text(interval: Interval) -> str:
    if np.isfinite(interval.low) and np.isfinite(interval.high):
        return f"95% CI {fmt(interval.low)} to {fmt(interval.high)}"
    return "no interval from a single seed"


def reading(result: HeadlineResult) -> str:
    """Write a plain-language paragraph from the numbers of ``result``."""
    metric = {m.key: m for m in METRICS}
    ivs = result.interventions
    n = len(result.seeds)
    sentences = []

    # Who wins on cumulative net value, by how much, and is it clear?
    ranked = _ranked(result, metric["cumulative_net_value"])
    win = ranked[0][0]
    win_iv = _interval(result.summary, win, "cumulative_net_value")
    text = (
        f"On the '{result.org}' organisation over {result.weeks} weeks ({seeds_text(n)}), "
        f"{_name(win)} delivers the most cumulative net value: {fmt(win_iv.mean)} "
        f"({_ci_text(win_iv)})"
    )
    if BASELINE in ivs and win != BASELINE:
        base = _interval(result.summary, BASELINE, "cumulative_net_value").mean
        if base:
            text += f", {100.0 * (win_iv.mean / base - 1.0):+.0f}% against doing nothing"
    if len(ranked) > 1:
        second = ranked[1][0]
        diff = _paired_difference(result, win, second, "cumulative_net_value")
        text += f"; it leads the runner-up, {_name(second)}, by {fmt(diff.mean)}"
        if diff.n < 2:
            text += " (a single seed gives no interval)"
        elif diff.excludes(0.0):
            text += f" ({_ci_text(diff)}), a gap that is clear at 95% confidence"
        else:
            text += f" ({_ci_text(diff)}), a gap that {seeds_text(n)} cannot tell from zero"
    sentences.append(text + ".")

    # The short term, then who overtakes whom for good.
    first, last = result.early_window
    early = result.weekly[result.weekly["week"].between(first, last)]
    early_means = early.groupby("intervention", observed=True)["net_value"].mean()
    order = sorted(ivs, key=lambda iv: -early_means[iv])
    if len(ivs) > 1:
        listed = ", ".join(f"{iv} {fmt(early_means[iv])}" for iv in order)
        per_seed = early.groupby(["intervention", "seed"], observed=True)["net_value"].mean()
        gap = t_interval((per_seed.loc[order[0]] - per_seed.loc[order[1]]).to_numpy(), CONFIDENCE)
        noise = f"; the gap to {order[1]} is within the noise of {gap.n} seeds" if _noisy(gap) else ""
        sentences.append(
            f"In weeks {first}-{last} the mean weekly net value is highest under {order[0]} ({listed}{noise})."
        )
        crossings = []
        for w, a, b in overtakes(result):
            if a == BASELINE:
                crossings.append(f"{b} falls behind doing nothing for good in week {w}")
            else:
                crossings.append(f"{a} overtakes {_name(b)} for good in week {w}")
        if crossings:
            described = "; ".join(crossings)
            sentences.append(f"In cumulative net value (mean over seeds), {described}.")
        else:
            sentences.append("The order of cumulative net value set in the first week holds to the end.")

    # Innovation.
    innov = _ranked(result, metric["innovations"])
    if all(v == 0 for _, v in innov):
        sentences.append("No intervention ships an innovation.")
    else:
        sentences.append(
            capital(
                _best_phrase(
                    result, metric["innovations"], "most innovations are shipped", "the number of innovations"
                )
            )
            + "."
        )

    # The DORA keys in the final year.
    phrases = [
        _best_phrase(result, metric["deploys_per_week"], "deploys are most frequent", "deploy frequency"),
        _best_phrase(result, metric["lead_time_days"], "lead time is shortest", "lead time"),
        _best_phrase(
            result,
            metric["change_failure_rate"],
            "the change failure rate is lowest",
            "the change failure rate",
        ),
        _best_phrase(result, metric["time_to_restore_hours"], "restore is fastest", "time to restore"),
    ]
    first, last = final_window(result.weeks)
    when = (
        f"In the final year ({window_label(result.weeks)})"
        if last - first + 1 == FINAL_WEEKS
        else f"Over weeks {first}-{last}"
    )
    sentences.append(f"{when}, " + "; ".join(phrases) + ".")

    # People and money.
    sentences.append(
        capital(_best_phrase(result, metric["attrition"], "fewest people leave", "attrition"))
        + ", and "
        + _best_phrase(result, metric["cost"], "total cost is lowest", "total cost")
        + "."
    )
    return " ".join(sentences)


def _paired_difference(result: HeadlineResult, a: str, b: str, key: str) -> Interval:
    """Mean difference a - b over seeds with its t-interval (paired by seed)."""
    runs = result.per_run.set_index(["intervention", "seed"])[key]
    diff = runs.loc[a].sort_index() - runs.loc[b].sort_index()
    return t_interval(diff.to_numpy(), CONFIDENCE)


# ----------------------------------------------------------------------------- outputs


def metric_label(metric: Metric, weeks: int) -> str:
    """Row label of a metric for a horizon."""
    return metric.label.format(weeks=weeks, window=window_label(weeks))


def table_rows(result: HeadlineResult) -> list[list[str]]:
    """Lay out the headline table as text cells: a header row, then one row per metric."""
    rows = [["metric (mean [95% CI])", *result.interventions]]
    for m in METRICS:
        cells = [metric_label(m, result.weeks)]
        for iv in result.interventions:
            it = _interval(result.summary, iv, m.key)
            cells.append(f"{fmt(it.mean * m.scale)} [{fmt(it.low * m.scale)}, {fmt(it.high * m.scale)}]")
        rows.append(cells)
    return rows


def render_text(result: HeadlineResult) -> str:
    """Render the table and the reading as plain text for a terminal."""
    rows = table_rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(widths[0]) if j == 0 else cell.rjust(widths[j]) for j, cell in enumerate(row)
            )
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    title = (
        f"Headline: {', '.join(result.interventions)} on org={result.org}, "
        f"{seeds_text(len(result.seeds))} x {result.weeks} weeks"
    )
    wrapped = textwrap.fill(result.reading, width=min(110, max(70, sum(widths) + 2 * len(widths))))
    return "\n".join([title, "", *lines, "", wrapped])


def render_markdown(result: HeadlineResult, image: str = "headline.png") -> str:
    """Render the table, the setup and the reading as Markdown."""
    rows = table_rows(result)
    seeds = result.seeds
    seed_text = (
        f"{seeds[0]}-{seeds[-1]}"
        if seeds == tuple(range(seeds[0], seeds[-1] + 1))
        else ", ".join(map(str, seeds))
    )
    lines = [
        "# Headline: execution push versus foundations first",
        "",
        f"Organisation `{result.org}`, {result.weeks} weeks, {seeds_text(len(seeds))} ({seed_text}) "
        "per intervention. "
        f"Each cell is the mean over seeds with its 95% t-interval. Totals are over the whole horizon; "
        f"the DORA keys are means over {window_label(result.weeks)}.",
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    lines += ["", result.reading, "", f"![Cumulative and weekly net value]({image})", ""]
    return "\n".join(lines)


def plot(result: HeadlineResult, path: Path) -> None:
    """Chart cumulative and weekly net value (mean with 95% band) per intervention as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True)
    for iv in result.interventions:
        band = result.bands[result.bands["intervention"] == iv]
        for ax, column in ((top, "cumulative_net_value"), (bottom, "net_value")):
            (line,) = ax.plot(band["week"], band[f"{column}_mean"], label=iv, linewidth=1.6)
            ax.fill_between(
                band["week"],
                band[f"{column}_ci_low"],
                band[f"{column}_ci_high"],
                color=line.get_color(),
                alpha=0.2,
            )
    colours = {line.get_label(): line.get_color() for line in top.get_lines()}
    crossings = overtakes(result)
    for w, a, _ in crossings:
        top.axvline(w, color=colours[a], linestyle=":", linewidth=1)
    if crossings:
        lines = [f"week {w}: {a} > {b}" for w, a, b in crossings]
        top.text(
            0.01,
            0.72,
            "overtakes for good (dotted):\n" + "\n".join(lines),
            transform=top.transAxes,
            fontsize=8,
            va="top",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.8, "edgecolor": "0.8"},
        )
    first, last = final_window(result.weeks)
    for ax in (top, bottom):
        ax.axvspan(first, last, color="0.9", zorder=0)
        ax.grid(alpha=0.3)
    top.set_ylabel("cumulative net value (k)")
    top.set_title(
        f"org={result.org}: mean over {seeds_text(len(result.seeds))} with 95% band "
        f"(shaded grey: {window_label(result.weeks)})"
    )
    top.legend(loc="upper left")
    bottom.set_ylabel("net value per week (k)")
    bottom.set_xlabel("week")
    bottom.set_xlim(1, result.weeks)
    fig.savefig(path, dpi=120)


def write_outputs(result: HeadlineResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``summary.csv``, ``summary.md``, ``weekly.csv`` and ``headline.png`` into ``out_dir``.

    Returns:
        The written paths by kind (``csv``, ``md``, ``weekly``, ``png``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "csv": out / "summary.csv",
        "md": out / "summary.md",
        "weekly": out / "weekly.csv",
        "png": out / "headline.png",
    }
    result.summary.to_csv(paths["csv"], index=False)
    result.bands.to_csv(paths["weekly"], index=False)
    paths["md"].write_text(render_markdown(result, paths["png"].name))
    plot(result, paths["png"])
    return paths


# ----------------------------------------------------------------------------- command line


def _int_at_least(lowest: int) -> Callable[[str], int]:
    """Return an argparse type that accepts whole numbers of at least ``lowest``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
        return value

    return parse


def _names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("give at least one intervention name")
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"an intervention is named twice in {text!r}")
    return names


def build_parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="python -m experiments.headline",
        description="Compare none, execution_push and foundations_first over many seeds.",
    )
    parser.add_argument(
        "--seeds", type=_int_at_least(1), default=20, help="seeds per intervention (default 20)"
    )
    parser.add_argument("--first-seed", type=_int_at_least(0), default=0, help="first seed (default 0)")
    parser.add_argument("--weeks", type=int, default=156, help="horizon in weeks (default 156)")
    parser.add_argument("--org", default="struggling", help="organisation preset (default struggling)")
    parser.add_argument(
        "--interventions",
        type=_names,
        default=DEFAULT_INTERVENTIONS,
        help=f"comma-separated interventions (default {','.join(DEFAULT_INTERVENTIONS)})",
    )
    parser.add_argument(
        "--out", default="results/headline", help="output directory (default results/headline)"
    )
    parser.add_argument(
        "--workers",
        type=_int_at_least(1),
        default=1,
        help="worker processes (default 1: the runs are simulated in batches in this process)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the headline experiment from the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    workers = args.workers
    started = time.perf_counter()
    try:
        result = run_experiment(
            seeds=range(args.first_seed, args.first_seed + args.seeds),
            weeks=args.weeks,
            org=args.org,
            interventions=args.interventions,
            workers=workers,
        )
    except ConfigError as err:
        print(f"headline: error: {err}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(render_text(result))
    try:
        paths = write_outputs(result, args.out)
    except OSError as err:
        print(f"headline: error: cannot write to {args.out}: {err.strerror or err}", file=sys.stderr)
        return 1
    runs = len(result.seeds) * len(result.interventions)
    print(f"\n{runs} runs in {elapsed:.1f} s on {min(workers, runs)} worker(s). Wrote:")
    for path in paths.values():
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
