"""Look down the stack: which layer binds, and why, from simulation.

For an assessed organisation, :func:`diagnose` strengthens each layer in turn
(its starting strength and the baseline levers that hold it, by
``diagnosis.delta`` of ``configs/assessment/settings.yaml``) and simulates the
baseline and the seven variants over the same seeds (common random numbers).
The marginal value of a layer is the mean per-seed difference in cumulative
business value over the horizon, with a t interval; the binding layer is the
one whose strengthening is worth most.

The causal chain is read from the runs, not written per layer: every recorded
quantity's per-seed difference between the binding layer's variant and the
baseline is tested, and a path is sought from the layer to business value
through the model's mechanisms (:data:`MECHANISMS`, each an edge from one
recorded quantity to another through a function of :mod:`sim.model.mechanisms`)
along which every quantity moved, and moved in the direction the mechanism
says. That path, told from the top down, is the explanation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.api import run_over_seeds
from sim.config import load_config
from sim.consult.assess import Assessment, org_overrides, settings, sized
from sim.consult.effort import Effort
from sim.model.metrics import DORA_KEYS
from sim.model.params import LAYER_NAMES, Config
from sim.stats import t_interval
from sim.text import fmt

# Recorded quantities the chain can pass through, with how they read in a sentence.
LABELS: dict[str, str] = {
    **{f"layer_{name}": f"{name} strength" for name in LAYER_NAMES},
    "value": "business value delivered",
    "throughput": "throughput (changes done per week)",
    "deploys_per_week": "deploy frequency",
    "lead_time_days": "lead time",
    "change_failure_rate": "change failure rate",
    "time_to_restore_hours": "time to restore",
    "incidents": "incidents",
    "unplanned_share": "time lost to unplanned work (incidents and rework)",
    "debt_ratio": "technical debt",
    "cognitive_load": "cognitive load on teams",
    "morale": "morale",
    "attrition": "attrition",
    "utilisation": "utilisation",
    "bu_trust": "business-unit trust",
    "shadow_it_share": "shadow IT",
    "value_innovation": "value from innovations",
    "innovations": "innovations shipped",
    "experiments": "experiments run",
}


@dataclass(frozen=True)
class Mechanism:
    """One causal link of the model, from one recorded quantity to another.

    Attributes:
        cause: Recorded quantity (a column of the weekly frame).
        effect: Recorded quantity it acts on.
        sign: +1 if more cause gives more effect, -1 if less.
        function: The function of ``sim.model.mechanisms`` where the link is computed.
        how: The link in plain words.
    """

    cause: str
    effect: str
    sign: int
    function: str
    how: str


M = Mechanism
# The model's links between recorded quantities (see docs/model.md and sim/model/model.py).
MECHANISMS: tuple[Mechanism, ...] = (
    M(
        "layer_architecture",
        "change_failure_rate",
        -1,
        "quality",
        "architecture quality is part of change quality",
    ),
    M(
        "layer_architecture",
        "layer_execution",
        +1,
        "week_context",
        "architecture caps the payoff of delivery practice",
    ),
    M("layer_architecture", "debt_ratio", -1, "debt", "standards avoid debt with every change"),
    M("layer_architecture", "time_to_restore_hours", -1, "quality", "decoupled systems restore faster"),
    M("debt_ratio", "layer_architecture", -1, "week_context", "debt lowers architecture quality"),
    M("debt_ratio", "cognitive_load", +1, "capacity", "debt makes systems hard to reason about"),
    M("debt_ratio", "incidents", +1, "quality", "debt raises background incidents"),
    M("debt_ratio", "throughput", -1, "week_context", "debt drags on the effort of every change"),
    M(
        "layer_execution",
        "deploys_per_week",
        +1,
        "quality",
        "practice shrinks batches, so deploys are more frequent",
    ),
    M(
        "layer_execution",
        "change_failure_rate",
        -1,
        "quality",
        "test automation and small batches fail less",
    ),
    M("layer_execution", "throughput", +1, "week_context", "automation speeds up each change"),
    M("layer_execution", "lead_time_days", -1, "quality", "small batches wait less for a deploy"),
    M(
        "layer_execution",
        "time_to_restore_hours",
        -1,
        "quality",
        "monitoring and SRE practice restore faster",
    ),
    M(
        "deploys_per_week",
        "lead_time_days",
        -1,
        "quality",
        "a change waits half the interval between deploys",
    ),
    M("layer_talent", "throughput", +1, "week_context", "skill lowers the effort of a change"),
    M("layer_talent", "change_failure_rate", -1, "quality", "skill is part of change quality"),
    M("layer_talent", "time_to_restore_hours", -1, "quality", "skilled people restore faster"),
    M("layer_talent", "layer_execution", +1, "learning", "practice adoption needs skill"),
    M("layer_talent", "debt_ratio", -1, "debt", "unskilled changes add more debt"),
    M("layer_culture", "layer_talent", +1, "learning", "safety speeds learning"),
    M("layer_culture", "layer_execution", +1, "learning", "safety speeds the adoption of practice"),
    M("layer_culture", "morale", +1, "people", "safety lifts morale"),
    M("layer_culture", "time_to_restore_hours", -1, "quality", "people raise problems early"),
    M(
        "layer_culture",
        "change_failure_rate",
        -1,
        "learning",
        "blameless post-mortems leave lessons that prevent repeats",
    ),
    M("layer_culture", "experiments", +1, "allocate", "experiments need safety"),
    M("change_failure_rate", "incidents", +1, "quality", "failed changes become incidents"),
    M("change_failure_rate", "unplanned_share", +1, "quality", "failed changes must be reworked"),
    M("incidents", "unplanned_share", +1, "quality", "incidents take people to restore"),
    M("time_to_restore_hours", "unplanned_share", +1, "quality", "longer outages take more people-hours"),
    M(
        "unplanned_share",
        "throughput",
        -1,
        "allocate",
        "unplanned work is served first and eats feature capacity",
    ),
    M("unplanned_share", "morale", -1, "people", "firefighting wears morale down"),
    M("unplanned_share", "debt_ratio", +1, "debt", "firefighting takes shortcuts that add debt"),
    M("unplanned_share", "layer_culture", -1, "culture", "firefighting in a blame culture erodes safety"),
    M("cognitive_load", "throughput", -1, "capacity", "overload lowers productivity"),
    M("cognitive_load", "morale", -1, "people", "overload wears morale down"),
    M("cognitive_load", "change_failure_rate", +1, "quality", "overloaded teams make riskier changes"),
    M("morale", "attrition", -1, "arrival_rates", "low morale makes people leave"),
    M("morale", "throughput", +1, "capacity", "morale sets productivity"),
    M(
        "attrition",
        "layer_talent",
        -1,
        "people",
        "leavers take skill and knowledge; new hires ramp up slowly",
    ),
    M("throughput", "value", +1, "business", "each change delivered is worth value to the business"),
    M("throughput", "bu_trust", +1, "business", "demand served builds satisfaction and trust"),
    M("lead_time_days", "bu_trust", -1, "business", "slow delivery disappoints the business"),
    M("utilisation", "lead_time_days", +1, "quality", "queues at handoffs grow as u/(1-u)"),
    M("bu_trust", "shadow_it_share", -1, "business", "business units with low trust route around IT"),
    M("bu_trust", "layer_partnership", +1, "business", "trust makes joint planning work"),
    M("shadow_it_share", "debt_ratio", +1, "debt", "shadow IT adds integration debt"),
    M(
        "layer_partnership",
        "value",
        +1,
        "business",
        "partnership makes each change fit what the business needs",
    ),
    M("layer_partnership", "bu_trust", +1, "business", "partnership raises the trust target"),
    M("layer_partnership", "layer_strategy", +1, "business", "partnership feeds strategic clarity"),
    M("layer_partnership", "throughput", +1, "flow", "stable demand: less work in flight abandoned"),
    M("layer_strategy", "throughput", +1, "efficiency", "focus cuts context switching and fragmented work"),
    M("layer_strategy", "value", +1, "business", "focused work fits the strategy and is worth more"),
    M("layer_strategy", "lead_time_days", -1, "wip_limit", "focus keeps less work in progress"),
    M(
        "layer_innovation",
        "innovations",
        +1,
        "experiment_success",
        "innovation capability makes experiments ship",
    ),
    M("experiments", "innovations", +1, "quality", "experiments that succeed ship as innovations"),
    M("innovations", "value_innovation", +1, "innovation", "shipped innovations add a lasting value stream"),
    M("value_innovation", "value", +1, "innovation", "innovation value is part of business value"),
)
del M
MAX_CHAIN = 6


@dataclass(frozen=True)
class Link:
    """One link of the chain as the runs show it.

    Attributes:
        mechanism: The model's link.
        base: The effect's mean in the baseline.
        variant: Its mean with the layer strengthened.
        z: Mean per-seed difference over its standard error.
    """

    mechanism: Mechanism
    base: float
    variant: float
    z: float

    @property
    def change(self) -> float:
        """Relative change from baseline to variant."""
        return (self.variant - self.base) / abs(self.base) if self.base else math.inf


@dataclass(frozen=True)
class Diagnosis:
    """Which layer binds, with intervals, and the causal chain behind it.

    Attributes:
        marginal: Per layer: ``mean``, ``lo``, ``hi`` of the value gained over the horizon
            by strengthening it, ``share`` of the baseline's value, ``at_max``
            (True if the layer was already at full strength).
        binding: The layer whose strengthening is worth most.
        runner_up: The next layer, and whether the two intervals overlap.
        overlap: Whether the binding layer's interval overlaps the runner-up's.
        chain: The steps from the binding layer up to value, bottom-up.
        symptom: The chain from the binding layer to the DORA key that moved most
            clearly (lead time, change failure rate, deploys, restore), if any.
        also: Other links out of the chain's quantities whose effects moved as the
            model says (strongest first, at most three): the side paths.
        moved: Per recorded quantity: baseline mean, variant mean, z, relative change.
        baseline_value: Mean cumulative value of the baseline.
        weeks: Horizon.
        seeds: Seeds per variant.
        delta: How much each layer was strengthened.
        teams: Teams simulated.
        baseline: Weekly frames of the baseline, indexed by seed and week.
    """

    marginal: pd.DataFrame
    binding: str
    runner_up: str
    overlap: bool
    chain: tuple[Link, ...]
    also: tuple[Link, ...]
    symptom: tuple[Link, ...]
    moved: pd.DataFrame
    baseline_value: float
    weeks: int
    seeds: int
    delta: float
    teams: int
    baseline: pd.DataFrame

    def explanation(self) -> str:
        """Tell the causal chain in plain words, from the visible symptom down to the binding layer."""
        layer = self.binding
        if not self.chain:
            return (
                f"Strengthening {layer} is worth most, but no chain of the model's mechanisms from it to "
                "value moved clearly in these runs; the effect is spread over many small changes."
            )
        text = self._tell(self.chain)
        side = [
            f"{LABELS.get(s.mechanism.cause, s.mechanism.cause).capitalize()} also moves "
            f"{LABELS.get(s.mechanism.effect, s.mechanism.effect)} ({fmt(s.base)} against {fmt(s.variant)}): "
            f"{s.mechanism.how}."
            for s in self.also
        ]
        if side:
            text += " Alongside this chain: " + " ".join(side)
        if self.symptom:
            text += " The symptom in delivery: " + self._tell(self.symptom)
        return f"Looking down the stack from value. {text}"

    def _tell(self, chain: Sequence[Link]) -> str:
        """Tell a chain top-down: each effect as it is now, because of its cause, through a mechanism."""
        layer = self.binding
        with_more = f"with {layer} +{self.delta:g}"
        sentences = []
        for step in reversed(chain):
            m = step.mechanism
            # The baseline against the stronger variant: the symptom as it is now.
            effect = f"{LABELS.get(m.effect, m.effect)} is {_worse(step.base, step.variant)}"
            cause_base, cause_variant = self.moved.loc[m.cause, ["base", "variant"]]
            cause = f"{LABELS.get(m.cause, m.cause)} is {_worse(cause_base, cause_variant)}"
            if m.cause == f"layer_{layer}":
                cause = f"{layer} is weak ({fmt(cause_base)})"
            sentences.append(
                f"{effect} ({fmt(step.base)} against {fmt(step.variant)} {with_more}) because {cause}: {m.how}."
            )
        return " ".join(s[0].upper() + s[1:] for s in sentences)

    def steps_text(self) -> list[str]:
        """Each link bottom-up in plain words: what drives what, how much it moved, and how surely."""
        out = []
        for step in self.chain:
            m = step.mechanism
            cause, effect = LABELS.get(m.cause, m.cause), LABELS.get(m.effect, m.effect)
            direction = "rose" if step.variant > step.base else "fell"
            out.append(
                f"{cause[:1].upper() + cause[1:]} drives {effect}: {m.how}. With the layer stronger, "
                f"{effect} {direction} by {abs(step.change):.1%} (from {fmt(step.base)} to "
                f"{fmt(step.variant)}), {_sureness(step.z)}."
            )
        return out

    def summary(self) -> str:
        """Plain text: marginal values with intervals, the binding layer, the chain."""
        lines = [
            f"Marginal value over {self.weeks} weeks of strengthening each layer by {self.delta:g} "
            f"({self.seeds} seeds, {self.weeks} weeks, {self.teams} teams simulated; "
            f"{round(100 * settings()['diagnosis']['interval'])}% intervals):",
        ]
        for layer, row in self.marginal.sort_values("mean", ascending=False).iterrows():
            note = "  (already at full strength)" if row["at_max"] else ""
            lines.append(
                f"  {layer:<14}{row['mean']:>10,.0f}  [{row['lo']:>9,.0f}, {row['hi']:>9,.0f}]  "
                f"{row['share']:+.1%}{note}"
            )
        sure = (
            f" (its interval overlaps {self.runner_up}'s: the two are close)"
            if self.overlap
            else f" (clearly ahead of {self.runner_up})"
        )
        lines += [
            "",
            f"Binding layer: {self.binding}{sure}",
            "",
            self.explanation(),
            "",
            "Chain (bottom-up):",
        ]
        lines += [f"  {s}" for s in self.steps_text()]
        return "\n".join(lines)


def _worse(base: float, variant: float) -> str:
    return "lower" if variant > base else "higher"


def fitted_strengths(assessment: Assessment) -> dict[str, float]:
    """Layer strengths of the fitted organisation (answers, with fitted layers replaced)."""
    strengths = assessment.answers.strengths()
    for key, value in assessment.fit.values.items():
        if key.startswith("org.layers."):
            strengths[key.rsplit(".", 1)[1]] = value
    return strengths


def variant_config(
    assessment: Assessment, strengths: Mapping[str, float], weeks: int, max_teams: int
) -> Config:
    """Return the fitted organisation with the given layer strengths (and their holding levers)."""
    others = [f"{k}={v:.6g}" for k, v in assessment.fit.values.items() if not k.startswith("org.layers.")]
    config = load_config([*org_overrides(assessment.answers, strengths), *others, f"weeks={weeks}"])
    config = dataclasses.replace(config, record=dataclasses.replace(config.record, team_every=0))
    return sized(config, max_teams)


def per_seed(frame: pd.DataFrame) -> pd.DataFrame:
    """Per seed, horizon means of every numeric column, and cumulative value."""
    numeric = frame.select_dtypes("number")
    out = numeric.groupby(level="seed").mean()
    out["value"] = numeric["value"].groupby(level="seed").sum()
    return out


def _sureness(z: float) -> str:
    """Say how far a change stands out from the seeds' run-to-run noise (``z``: the change in standard errors)."""
    size = abs(z)
    if size >= 3:
        return "far beyond the run-to-run noise"
    if size >= 2:
        return "clearly beyond the run-to-run noise"
    return "within the run-to-run noise"


def diagnose(
    assessment: Assessment, effort: Effort = Effort(), progress: Callable[[float], None] | None = None
) -> Diagnosis:
    """Find the binding layer and the causal chain behind it.

    Args:
        assessment: The assessed, fitted organisation.
        effort: Its ``seeds`` per variant and ``weeks`` (defaults from ``settings.yaml``).
        progress: Called with the share of runs done.
    """
    s = dict(settings()["diagnosis"])
    seeds = int(effort.seeds or s["seeds"])
    s["weeks"] = int(effort.weeks or s["weeks"])
    base = fitted_strengths(assessment)
    configs = [variant_config(assessment, base, s["weeks"], s["max_teams"])]
    at_max = {}
    for layer in LAYER_NAMES:
        stronger = dict(base)
        stronger[layer] = min(base[layer] + s["delta"], 1.0)
        at_max[layer] = base[layer] >= 1.0
        configs.append(variant_config(assessment, stronger, s["weeks"], s["max_teams"]))
    frames = run_over_seeds(configs, range(seeds), progress=progress)
    summaries = [per_seed(f) for f in frames]
    base_values = summaries[0]["value"].to_numpy()
    rows = {}
    for layer, summary in zip(LAYER_NAMES, summaries[1:], strict=True):
        iv = t_interval(summary["value"].to_numpy() - base_values, s["interval"])
        rows[layer] = {
            "mean": iv.mean,
            "lo": iv.low,
            "hi": iv.high,
            "share": iv.mean / float(base_values.mean()),
            "at_max": at_max[layer],
        }
    marginal = pd.DataFrame.from_dict(rows, orient="index")
    order = marginal["mean"].sort_values(ascending=False).index
    binding, runner_up = order[0], order[1]
    overlap = bool(marginal.loc[binding, "lo"] <= marginal.loc[runner_up, "hi"])
    moved = movement(summaries[0], summaries[1 + LAYER_NAMES.index(binding)])
    chain = causal_chain(binding, moved, s["moved_z"], s["moved_share"])
    symptom = symptom_chain(binding, moved, s["moved_z"], s["moved_share"])
    told = {step.mechanism for step in symptom}
    also = tuple(
        step
        for step in side_links(binding, chain, moved, s["moved_z"], s["moved_share"], most=6)
        if step.mechanism not in told
    )[:3]
    return Diagnosis(
        marginal=marginal,
        binding=binding,
        runner_up=runner_up,
        overlap=overlap,
        chain=chain,
        also=also,
        symptom=symptom,
        moved=moved,
        baseline_value=float(base_values.mean()),
        weeks=s["weeks"],
        seeds=seeds,
        delta=s["delta"],
        teams=configs[0].org.teams,
        baseline=frames[0],
    )


def movement(base: pd.DataFrame, variant: pd.DataFrame) -> pd.DataFrame:
    """Per recorded quantity: baseline and variant means, and the paired difference's z score."""
    rows = {}
    for column in LABELS:
        if column not in base:
            continue
        diff = variant[column].to_numpy() - base[column].to_numpy()
        se = np.std(diff, ddof=1) / math.sqrt(len(diff)) if len(diff) > 1 else 0.0
        mean = float(diff.mean())
        z = mean / se if se > 0 else (0.0 if mean == 0 else math.copysign(math.inf, mean))
        b = float(base[column].mean())
        rows[column] = {
            "base": b,
            "variant": float(variant[column].mean()),
            "z": z,
            "change": mean / abs(b) if b else 0.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def symptom_chain(layer: str, moved: pd.DataFrame, min_z: float, min_share: float) -> tuple[Link, ...]:
    """Find the chain from a layer to the DORA key that moved most clearly, if one did.

    Returns:
        The steps, bottom-up, or an empty tuple.
    """
    keys = [k for k in DORA_KEYS if k in moved.index]
    for key in sorted(keys, key=lambda k: -abs(moved.loc[k, "z"])):
        chain = causal_chain(layer, moved, min_z, min_share, target=key)
        if chain:
            return chain
    return ()


def causal_chain(
    layer: str, moved: pd.DataFrame, min_z: float, min_share: float, target: str = "value"
) -> tuple[Link, ...]:
    """Find the strongest path of mechanisms from a layer to a target along which the runs moved as the model says.

    A link counts when its effect moved (``|z| >= min_z`` and a relative change
    of at least ``min_share``) in the direction its sign gives from the
    cause's movement. Among such paths from ``layer_<layer>`` to ``target`` (at
    most ``MAX_CHAIN`` links, no quantity twice), the one with the largest sum
    of ``log(1 + |z|)`` is returned.
    """

    def direction(node: str) -> int:
        return (
            int(np.sign(moved.loc[node, "variant"] - moved.loc[node, "base"])) if node in moved.index else 0
        )

    def clear(node: str) -> bool:
        if node not in moved.index:
            return False
        row = moved.loc[node]
        return abs(row["z"]) >= min_z and abs(row["change"]) >= min_share

    start = f"layer_{layer}"
    best: tuple[float, list[Mechanism]] = (-1.0, [])

    def walk(node: str, path: list[Mechanism], seen: set[str], score: float) -> None:
        nonlocal best
        if node == target:
            if score > best[0] or (score == best[0] and len(path) < len(best[1])):
                best = (score, list(path))
            return
        if len(path) >= MAX_CHAIN:
            return
        for m in MECHANISMS:
            if m.cause != node or m.effect in seen or not clear(m.effect):
                continue
            if direction(m.effect) != m.sign * direction(node):
                continue
            path.append(m)
            seen.add(m.effect)
            walk(m.effect, path, seen, score + math.log1p(min(abs(moved.loc[m.effect, "z"]), 1e6)))
            seen.discard(m.effect)
            path.pop()

    if direction(start) != 0:
        walk(start, [], {start}, 0.0)
    return tuple(
        Link(
            m,
            float(moved.loc[m.effect, "base"]),
            float(moved.loc[m.effect, "variant"]),
            float(moved.loc[m.effect, "z"]),
        )
        for m in best[1]
    )


def _consistent(m: Mechanism, moved: pd.DataFrame, min_z: float, min_share: float) -> bool:
    """Whether a link's effect moved clearly, in the direction its sign gives from its cause's movement."""
    if m.cause not in moved.index or m.effect not in moved.index:
        return False
    cause, effect = moved.loc[m.cause], moved.loc[m.effect]
    if abs(effect["z"]) < min_z or abs(effect["change"]) < min_share:
        return False
    return (
        np.sign(effect["variant"] - effect["base"]) == m.sign * np.sign(cause["variant"] - cause["base"]) != 0
    )


def side_links(
    layer: str, chain: Sequence[Link], moved: pd.DataFrame, min_z: float, min_share: float, most: int = 3
) -> tuple[Link, ...]:
    """Find the links out of the layer and the chain's quantities, off the chain, that moved as the model says.

    Returns:
        At most ``most`` steps, the largest ``|z|`` first.
    """
    on_chain = {step.mechanism for step in chain}
    nodes = {f"layer_{layer}", *(step.mechanism.effect for step in chain)}
    found = [
        m
        for m in MECHANISMS
        if m.cause in nodes
        and m.effect not in nodes
        and m not in on_chain
        and _consistent(m, moved, min_z, min_share)
    ]
    found.sort(key=lambda m: -abs(moved.loc[m.effect, "z"]))
    return tuple(
        Link(
            m,
            float(moved.loc[m.effect, "base"]),
            float(moved.loc[m.effect, "variant"]),
            float(moved.loc[m.effect, "z"]),
        )
        for m in found[:most]
    )
