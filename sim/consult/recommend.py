"""Recommend a plan: interventions and schedules ranked under a budget, and a phased roadmap.

For an assessed organisation, :func:`recommend` evaluates every candidate
intervention of ``configs/assessment/settings.yaml`` (``recommendation``) on
its own, then searches schedules - which interventions, their start weeks and
intensities - with Optuna's TPE sampler (seeded, so the search repeats), and
ranks singles and the best schedules by the expected cumulative net value over
the horizon (value delivered less every cost, the weekly ``net_value`` column,
in thousands of currency units at the organisation's real size), with t
intervals of the paired difference to doing nothing over the same seeds. The
budget bounds a plan's extra cost over doing nothing - its spend, the people it
adds and the incidents it saves - over the horizon: a schedule whose spend
alone exceeds it has its intensities scaled down until it fits, and one whose
measured extra cost exceeds it is penalised in the search and not recommended.
In model v2 leadership may abandon a programme that has not paid within its
patience; the runs include that, so a plan's value is what survives it.

Interventions are data (lever schedules with a cost, ``configs/intervention``):
nothing here looks at an intervention's name except to find its preset.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.api import run_over_seeds
from sim.config import load_config
from sim.consult.assess import MONEY, Assessment, settings, sized
from sim.consult.effort import Effort
from sim.model.levers import LEVER_INDEX, Intervention, Levers, lever_bounds, schedule
from sim.plans import Plan, Step
from sim.stats import overtake_week, t_interval
from sim.text import fmt

NOTHING = "-"  # an empty slot of a searched schedule


@dataclass(frozen=True)
class Recommendation:
    """Ranked plans, the recommended one, its roadmap and its curves.

    Attributes:
        ranking: One row per plan: ``plan``, ``source``, ``spend`` (intervention
            spend, k), ``value`` (value delivered over doing nothing, k),
            ``extra_cost`` (all costs over doing nothing: people, spend, incidents;
            k), ``within_budget``, ``mean``, ``lo``, ``hi`` (net value over doing
            nothing: ``value`` less ``extra_cost``, k, with its interval),
            ``share`` (``mean`` as a share of the baseline's value delivered),
            sorted best first; money over the horizon at the organisation's real
            size. The alternative is always listed.
        over_budget: Candidates whose extra cost at intensity 1 exceeds the budget, with that cost.
        best: The recommended plan.
        alternative: The execution-only alternative.
        budget: Total budget over the horizon (k).
        weeks: Horizon.
        seeds: Seeds of the ranking.
        trials: Optuna trials of the search.
        frames: Weekly frames (seed, week) of ``baseline``, ``alternative`` and ``best``, money
            scaled to the organisation's real size.
        roadmap: The best plan's phases: ``phase``, ``weeks``, ``intervention``, ``what``, ``cost_per_week``.
        dip: Deepest weekly net value shortfall against doing nothing (a share of the
            baseline's weekly value delivered) and its week.
        payback_week: Week from which the best plan's cumulative net value stays ahead of doing nothing.
        teams: Teams simulated.
    """

    ranking: pd.DataFrame
    over_budget: dict[str, float]
    best: Plan
    alternative: Plan
    budget: float
    weeks: int
    seeds: int
    trials: int
    frames: dict[str, pd.DataFrame]
    roadmap: pd.DataFrame
    dip: tuple[float, int]
    payback_week: int | None
    teams: int

    def summary(self) -> str:
        """Plain text: ranking with intervals, the recommended plan, dip, payback and roadmap."""
        lines = [
            f"Plans ranked by net value over doing nothing, k ({self.seeds} seeds, {self.weeks} weeks, "
            f"budget {self.budget:,.0f} k; {self.trials} Optuna trials searched schedules):",
            f"  {'net value':>10}  {'interval':^21}  {'share':>6}  {'value':>8}  {'cost':>8}  plan",
        ]
        for _, row in self.ranking.iterrows():
            lines.append(
                f"  {row['mean']:>10,.0f}  [{row['lo']:>9,.0f}, {row['hi']:>9,.0f}]  {row['share']:+6.1%}  "
                f"{row['value']:>8,.0f}  {row['extra_cost']:>8,.0f}  {row['plan']} ({row['source']})"
                + ("" if row["within_budget"] else "  OVER BUDGET")
            )
        if self.over_budget:
            lines.append(
                "  over budget at intensity 1 (extra cost): "
                + ", ".join(f"{k} ({v:,.0f} k)" for k, v in self.over_budget.items())
            )
        share, week = self.dip
        lines += ["", f"Recommended: {self.best.label()}"]
        if share < 0:
            lines.append(
                f"  expected dip: weekly net value {-share:.1%} of the weekly value delivered below doing "
                f"nothing at its deepest (week {week})"
            )
        else:
            lines.append("  no dip: weekly net value never falls below doing nothing")
        lines.append(
            f"  pays back (cumulative net value ahead of doing nothing for good) from week {self.payback_week}"
            if self.payback_week
            else "  does not pay back within the horizon"
        )
        lines += ["", "Roadmap:"]
        for phase, rows in self.roadmap.groupby("phase", sort=False):
            lines.append(f"  {phase}")
            for _, r in rows.iterrows():
                lines.append(f"    weeks {r['weeks']}: {r['intervention']} - {r['what']}")
        return "\n".join(lines)


class Evaluator:
    """Simulates plans for one organisation over common seeds, batched into one model per chunk.

    An organisation larger than ``max_teams`` is simulated at that size with the same team
    mix; its money (value, cost, net value) is then scaled to the real size in proportion
    to the teams, so that it compares with the budget and the spend, which are at the real
    size.

    Args:
        assessment: The assessed organisation.
        names: The interventions the plans may use.
        weeks: Horizon.
        max_teams: Simulate at most this many teams (the fit's team mix).
    """

    def __init__(self, assessment: Assessment, names: Sequence[str], weeks: int, max_teams: int) -> None:
        fitted = load_config(
            [*assessment.fit.overrides, f"weeks={weeks}", f"intervention=[{','.join(sorted(set(names)))}]"]
        )
        self.presets: dict[str, Intervention] = dict(fitted.intervention)
        self.config = sized(
            dataclasses.replace(
                fitted, intervention={}, record=dataclasses.replace(fitted.record, team_every=0)
            ),
            max_teams,
        )
        self.real_teams = fitted.org.teams
        self.scale = fitted.org.teams / self.config.org.teams
        self.weeks = weeks
        self.baseline_levers: Levers = fitted.org.levers

    def interventions(self, plan: Plan) -> dict[str, Intervention]:
        """Return the plan's interventions, each preset with its start and intensity."""
        return {
            i.name: dataclasses.replace(self.presets[i.name], start=i.start, intensity=i.intensity)
            for i in plan.steps
        }

    def spend(self, plan: Plan) -> float:
        """Total spend of the plan over the horizon, at the organisation's real size (k)."""
        _, spend = schedule(
            self.baseline_levers,
            self.interventions(plan).values(),
            self.weeks,
            cost_per_week_unit=self.real_teams,
        )
        return float(spend.sum())

    def fit_budget(self, plan: Plan, budget: float) -> Plan:
        """Return the plan with its intensities scaled down (spend is linear in them) so that it fits the budget."""
        spend = self.spend(plan)
        if spend <= budget or spend == 0:
            return plan
        scale = budget / spend
        return Plan(
            tuple(
                dataclasses.replace(i, intensity=math.floor(100 * i.intensity * scale) / 100)
                for i in plan.steps
            ),
            plan.source,
        )

    def run(
        self, plans: Sequence[Plan], seeds: Sequence[int], progress: Callable[[float], None] | None = None
    ) -> list[pd.DataFrame]:
        """Simulate every plan over the same seeds; weekly frames indexed by seed and week, per plan.

        Money columns are scaled to the organisation's real size.
        """
        configs = [dataclasses.replace(self.config, intervention=self.interventions(p)) for p in plans]
        frames = run_over_seeds(configs, seeds, progress=progress)
        for frame in frames:
            frame[list(MONEY)] *= self.scale
        return frames


def extra_cost(frame: pd.DataFrame, baseline: pd.DataFrame) -> float:
    """Mean extra cost over the horizon against the baseline (people, spend, incidents), in k.

    Args:
        frame: The plan's weekly frames (seed, week).
        baseline: The baseline's, over the same seeds.
    """
    return (
        float(frame["cost"].sum() - baseline["cost"].sum()) / frame.index.get_level_values("seed").nunique()
    )


def cumulative(frame: pd.DataFrame, column: str = "net_value") -> np.ndarray:
    """Cumulative ``column`` over the horizon, per seed (net value by default, k)."""
    return frame[column].groupby(level="seed").sum().to_numpy()


def search(
    evaluator: Evaluator,
    candidates: Sequence[str],
    budget: float,
    *,
    trials: int,
    seeds: Sequence[int],
    warm_start: Sequence[Plan] = (),
    progress: Callable[[float], None] | None = None,
) -> list[tuple[float, Plan]]:
    """Search schedules with Optuna: which interventions, when, how strongly.

    Trials are asked in batches and each batch is simulated as one batch of
    worlds. Every schedule is fitted to the budget before it is simulated.

    Returns:
        ``(mean cumulative net value, plan)`` of every distinct schedule within budget tried, best first.
    """
    import optuna

    s = settings()["recommendation"]["search"]
    slots, step = int(s["slots"]), int(s["start_step"])
    start_hi = 1 + step * ((min(int(s["start_max"]), evaluator.weeks) - 1) // step)
    lo, hi, istep = s["intensity"]["lo"], s["intensity"]["hi"], s["intensity"]["step"]
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(
        seed=s["sampler_seed"], multivariate=True, constant_liar=True, n_startup_trials=min(16, trials)
    )
    study = optuna.create_study(direction="maximize", sampler=sampler)
    for plan in warm_start:
        params = {}
        for k in range(slots):
            item = plan.steps[k] if k < len(plan.steps) else None
            params[f"slot{k}"] = item.name if item else NOTHING
            params[f"start{k}"] = 1 + step * ((item.start - 1) // step) if item else 1
            params[f"intensity{k}"] = min(max(round(item.intensity / istep) * istep, lo), hi) if item else 1.0
        study.enqueue_trial(params)
    (base_frame,) = evaluator.run([Plan((), "single")], seeds)
    # The penalty's scale: the baseline's value delivered (net value may be near zero or negative).
    base_value = abs(float(cumulative(base_frame, "value").mean()))
    tried: dict[tuple[Step, ...], float] = {}
    done = 0
    while done < trials:
        batch = [study.ask() for _ in range(min(int(s["batch"]), trials - done))]
        plans = []
        for trial in batch:
            items: dict[str, Step] = {}
            for k in range(slots):
                name = trial.suggest_categorical(f"slot{k}", [NOTHING, *candidates])
                start = trial.suggest_int(f"start{k}", 1, start_hi, step=step)
                intensity = trial.suggest_float(f"intensity{k}", lo, hi, step=istep)
                if name != NOTHING and name not in items:
                    items[name] = Step(name, start, intensity)
            plan = Plan(tuple(sorted(items.values(), key=lambda i: (i.start, i.name))), "search")
            plans.append(evaluator.fit_budget(plan, budget))
        frames = evaluator.run(plans, seeds)
        for trial, plan, frame in zip(batch, plans, frames, strict=True):
            value = float(cumulative(frame).mean())
            # Over budget once people and incidents are counted: penalised in proportion, and not kept.
            over = extra_cost(frame, base_frame) - budget
            trial.set_user_attr("plan", plan.label())
            study.tell(trial, value - max(over, 0.0) / max(budget, 1e-9) * base_value)
            if over <= 0:
                tried[plan.steps] = value
        done += len(batch)
        if progress is not None:
            progress(done / trials)
    ranked = sorted(tried.items(), key=lambda kv: -kv[1])
    return [(value, Plan(items, "search")) for items, value in ranked]


def recommend(
    assessment: Assessment,
    budget_per_team_week: float | None = None,
    effort: Effort = Effort(),
    progress: Callable[[float], None] | None = None,
) -> Recommendation:
    """Rank interventions and searched schedules under a budget, and lay out the best as a roadmap.

    Args:
        assessment: The assessed organisation.
        budget_per_team_week: Budget in k per stream-aligned team per week, averaged over the horizon.
        effort: Its ``weeks``, ``seeds`` of the ranking and the final comparison and ``trials`` of
            the schedule search (defaults from ``settings.yaml``).
        progress: Called with the share of the work done.
    """
    r = settings()["recommendation"]
    weeks = int(effort.weeks or r["weeks"])
    seeds = int(effort.seeds or r["seeds"])
    trials = int(effort.trials if effort.trials is not None else r["search"]["trials"])
    per_team_week = float(r["budget_per_team_week"] if budget_per_team_week is None else budget_per_team_week)
    candidates = list(r["candidates"])
    alternative_name = r["alternative"]
    max_teams = settings()["diagnosis"]["max_teams"]
    evaluator = Evaluator(assessment, [*candidates, alternative_name], weeks, max_teams)
    budget = per_team_week * evaluator.real_teams * weeks
    final_seeds = list(range(seeds))
    report = _stages(progress, (0.25, 0.55, 0.2))

    singles = [Plan((Step(name),), "single") for name in candidates]
    baseline = Plan((), "baseline")
    alternative = Plan((Step(alternative_name),), "alternative")
    same = [p for p in singles if p.steps == alternative.steps]
    if same:
        alternative = same[0]
    else:
        singles.append(alternative)
    frames = evaluator.run([baseline, *singles], final_seeds, report(0))
    base_frame, base_net = frames[0], cumulative(frames[0])
    by_plan: dict[Plan, pd.DataFrame] = dict(zip(singles, frames[1:], strict=True))
    costs = {p: extra_cost(f, base_frame) for p, f in by_plan.items()}
    within = [p for p in singles if costs[p] <= budget and p.steps[0].name in candidates]
    over = {p.steps[0].name: costs[p] for p in singles if costs[p] > budget}
    gains = {p: float((cumulative(by_plan[p]) - base_net).mean()) for p in within}
    top = sorted(gains, key=gains.get, reverse=True)[: int(r["search"]["slots"])]

    searched = []
    if trials > 0 and within:
        search_seeds = [1000 + i for i in range(int(r["search"]["seeds"]))]
        found = search(
            evaluator,
            [p.steps[0].name for p in within],
            budget,
            trials=trials,
            seeds=search_seeds,
            warm_start=[Plan(tuple(p.steps[0] for p in top), "single"), *top[:1]] if top else (),
            progress=report(1),
        )
        known = {p.steps for p in singles}
        searched = [p for _, p in found if p.steps and p.steps not in known][:3]
    if searched:
        for plan, frame in zip(searched, evaluator.run(searched, final_seeds, report(2)), strict=True):
            costs[plan] = extra_cost(frame, base_frame)
            if costs[plan] <= budget:
                by_plan[plan] = frame
    ranked = [p for p in by_plan if p in within or p.source == "search" or p == alternative]
    level = settings()["diagnosis"]["interval"]
    base_value = float(cumulative(base_frame, "value").mean())
    rows = []
    for plan in ranked:
        iv = t_interval(cumulative(by_plan[plan]) - base_net, level)
        rows.append(
            {
                "plan": plan.label(),
                "source": plan.source,
                "spend": evaluator.spend(plan),
                "value": float(cumulative(by_plan[plan], "value").mean()) - base_value,
                "extra_cost": costs[plan],
                "within_budget": costs[plan] <= budget,
                "mean": iv.mean,
                "lo": iv.low,
                "hi": iv.high,
                "share": iv.mean / base_value if base_value else math.nan,
                "key": plan,
            }
        )
    ranking = pd.DataFrame(rows).sort_values("mean", ascending=False).reset_index(drop=True)
    affordable = ranking[ranking["within_budget"]]
    best: Plan = affordable.iloc[0]["key"] if len(affordable) else baseline
    best_frame = by_plan.get(best, base_frame)
    dip, payback = dip_and_payback(base_frame, best_frame)
    return Recommendation(
        ranking=ranking.drop(columns="key"),
        over_budget=over,
        best=best,
        alternative=alternative,
        budget=budget,
        weeks=weeks,
        seeds=seeds,
        trials=trials,
        frames={"baseline": base_frame, "alternative": by_plan[alternative], "best": best_frame},
        roadmap=roadmap(evaluator, best),
        dip=dip,
        payback_week=payback,
        teams=evaluator.config.org.teams,
    )


def _stages(progress: Callable[[float], None] | None, weights: Sequence[float]):
    """Split one progress callback into consecutive stages of the given weights."""

    def stage(k: int) -> Callable[[float], None] | None:
        if progress is None:
            return None
        before = sum(weights[:k])
        return lambda share: progress(before + weights[k] * share)

    return stage


def dip_and_payback(baseline: pd.DataFrame, plan: pd.DataFrame) -> tuple[tuple[float, int], int | None]:
    """Find the plan's deepest weekly net value shortfall against the baseline, and the week it pays back.

    Returns:
        ``((shortfall, week), payback week)``: the shortfall is the plan's weekly net value
        less the baseline's, as a share of the baseline's weekly value delivered (net value
        itself may be near zero), at its deepest, and 0 when the plan never falls behind;
        the payback week is the first week from which its cumulative net value stays at or
        above the baseline's (None if it never does within the horizon).
    """
    base = baseline["value"].groupby(level="week").mean()
    ahead = (
        plan["net_value"].groupby(level="week").mean() - baseline["net_value"].groupby(level="week").mean()
    )
    share = ahead / base.abs().clip(lower=1e-9)
    week = int(share.idxmin())
    dip = (min(float(share.min()), 0.0), week)
    cum = ahead.cumsum().to_numpy()
    return dip, overtake_week(cum, np.zeros_like(cum), ahead.index.to_numpy(), level_counts=True)


def _change(lever: str, delta: float, baseline: float, lo: np.ndarray, hi: np.ndarray) -> str:
    """Put a lever change in words, saying where the lever's range caps it (from the baseline alone)."""
    i = LEVER_INDEX[lever]
    effective = min(max(baseline + delta, lo[i]), hi[i]) - baseline
    text = f"{lever} {delta:+.2g}"
    if abs(effective - delta) > 1e-9:
        limit = "its most" if baseline + delta > hi[i] else "its least"
        text += f" (only {effective:+.2g} takes effect: the organisation is already near {limit}, {fmt(hi[i] if limit == 'its most' else lo[i])})"
    return text


def phase_of(week: int) -> str:
    """Roadmap phase of a start week: ``First 90 days``, ``First year`` or ``Beyond``."""
    bounds = settings()["recommendation"]["phases"]
    if week <= bounds["first_90_days"]:
        return "First 90 days"
    if week <= bounds["first_year"]:
        return "First year"
    return "Beyond the first year"


def roadmap(evaluator: Evaluator, plan: Plan) -> pd.DataFrame:
    """Lay out the plan's phases in order of start week, each with its lever changes in words and its cost."""
    docs = {f.name: f.metadata["doc"] for f in dataclasses.fields(Levers)}
    lo, hi = lever_bounds()
    rows = []
    for name, item in evaluator.interventions(plan).items():
        for phase in item.phases:
            first = item.start + phase.offset
            if first > evaluator.weeks:
                continue
            last = first + phase.duration - 1 if phase.duration else evaluator.weeks
            if item.duration:
                last = min(last, item.start + item.duration - 1)
            changes = "; ".join(
                _change(lever, item.intensity * delta, getattr(evaluator.baseline_levers, lever), lo, hi)
                + f" ({docs[lever].rstrip('.').lower()})"
                for lever, delta in phase.levers.items()
                if lever in LEVER_INDEX
            )
            rows.append(
                {
                    "start": first,
                    "phase": phase_of(first),
                    "weeks": f"{first}-{min(last, evaluator.weeks)}",
                    "intervention": f"{name} (intensity {item.intensity:g})",
                    "description": item.description,
                    "what": changes or "spend only",
                    "cost_per_week": item.intensity * phase.cost * evaluator.real_teams,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["start", "phase", "weeks", "intervention", "description", "what", "cost_per_week"]
    )
    return frame.sort_values("start", kind="stable").reset_index(drop=True)
