"""Look down the stack: which layer binds, and why, from simulation.

For an assessed organisation, :func:`diagnose` strengthens each layer in turn
(its starting strength and the baseline levers that hold it, by
``diagnosis.delta`` of ``configs/assessment/settings.yaml``) and simulates the
baseline and the seven variants over the same seeds (common random numbers).
The marginal value of a layer is the mean per-seed difference in cumulative
net value (value delivered less cost, thousands of currency units) over the
horizon, with a t interval; the binding layer is the one whose strengthening is
worth most.

The causal chain is read from the runs, not written per layer: every recorded
quantity's per-seed difference between the binding layer's variant and the
baseline is tested, and a path is sought from the layer to net value through
the model's rules (:data:`MECHANISMS`, each an edge from one column of the
weekly frame to another through a rule of model v2: a function of
:mod:`sim.model` or a numbered step of
:meth:`sim.model.organisation.Organisation.step`) along which every quantity
moved, and moved in the direction the rule says. That path, told from the top
down, is the explanation.
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
from sim.consult.assess import MONEY, Assessment, org_overrides, settings, sized
from sim.consult.effort import Effort
from sim.model.metrics import DORA_KEYS
from sim.model.params import LAYER_NAMES, Config
from sim.stats import t_interval
from sim.text import fmt

# What strengthening a layer is worth: the weekly frame's net value (value delivered less cost).
TARGET = "net_value"
# Recorded quantities the chain can pass through, with how they read in a sentence.
LABELS: dict[str, str] = {
    **{f"layer_{name}": f"{name} strength" for name in LAYER_NAMES},
    "net_value": "net value (value delivered less cost, k)",
    "value": "business value delivered (k)",
    "cost": "cost of people, incidents and spend (k)",
    "throughput": "throughput (features done per week)",
    "deploys_per_week": "deploy frequency",
    "lead_time_days": "lead time for changes",
    "change_failure_rate": "change failure rate",
    "time_to_restore_hours": "time to restore",
    "incidents": "incidents",
    "unplanned_share": "time lost to unplanned work (incidents and rework)",
    "unplanned_backlog": "incidents and rework waiting",
    "share_improvement": "time spent on improvement and programmes",
    "share_overhead": "time lost to onboarding and coordination",
    "debt_ratio": "technical debt",
    "cognitive_load": "cognitive load on teams",
    "platform_maturity": "platform self-service",
    "flow_time_days": "flow time (request to done)",
    "utilisation": "utilisation",
    "pressure": "delivery pressure",
    "morale": "morale",
    "attrition": "attrition",
    "hires": "hires",
    "headcount": "headcount",
    "bu_trust": "business-unit trust",
    "shadow_it_share": "shadow IT",
    "value_innovation": "value from innovations (k)",
    "innovations": "innovations shipped",
    "experiments": "experiments run",
}
# The rule most links live in: one week of model v2, in numbered steps (its docstring names them).
WEEK = "sim.model.organisation.Organisation.step"


@dataclass(frozen=True)
class Mechanism:
    """One causal link of the model, from one recorded quantity to another.

    Attributes:
        cause: Recorded quantity (a column of the weekly frame).
        effect: Recorded quantity it acts on.
        sign: +1 if more cause gives more effect, -1 if less.
        rule: Dotted path of the model's function or method where the link is computed.
        how: The link in plain words.
        step: The numbered step of :data:`WEEK` where the link is computed, if ``rule`` is it.
        lever: For a layer's link that acts through a baseline lever the assessment ties to
            the layer (``mapping.levers`` of ``settings.yaml``), that lever: strengthening
            the layer moves it too.
    """

    cause: str
    effect: str
    sign: int
    rule: str
    how: str
    step: int | None = None
    lever: str | None = None

    @property
    def where(self) -> str:
        """Where the link is computed, for a reader: ``capabilities.debt_after``, ``organisation.Organisation.step, step 7``."""
        short = self.rule.removeprefix("sim.model.")
        return f"{short}, step {self.step}" if self.step is not None else short


def _week(cause: str, effect: str, sign: int, step: int, how: str, lever: str | None = None) -> Mechanism:
    return Mechanism(cause, effect, sign, WEEK, how, step=step, lever=lever)


M, W = Mechanism, _week
CAPABILITIES, LEADERSHIP, WORKFORCE = "sim.model.capabilities", "sim.model.leadership", "sim.model.workforce"
FLOW = "sim.model.flow.serve.run_week"
# Model v2's links between recorded quantities, read from sim/model/organisation.py and the rule
# modules it calls (docs/model.md). Layers are the stocks they stand for (sim/model/record.py):
# partnership, strategic clarity, architecture standards, safety, skill, practice, innovation.
MECHANISMS: tuple[Mechanism, ...] = (
    # Layers: what each stock does in the week.
    W("layer_partnership", "value", +1, 4, "partnership makes each feature fit what the business needs"),
    W("layer_strategy", "value", +1, 4, "clear strategy makes each feature fit the strategy, and worth more"),
    W(
        "layer_strategy",
        "innovations",
        +1,
        5,
        "experiments that fit the strategy become innovations more often",
    ),
    W(
        "layer_strategy",
        "cognitive_load",
        -1,
        3,
        "fewer priorities at once (the lever that holds strategy) cut context switching",
        lever="priorities",
    ),
    M(
        "layer_architecture",
        "debt_ratio",
        -1,
        f"{CAPABILITIES}.debt_after",
        "architecture standards prevent part of the debt every change adds",
    ),
    W(
        "layer_architecture",
        "share_improvement",
        +1,
        3,
        "the architecture programme that holds standards takes the teams' time",
        lever="architecture_investment",
    ),
    M("layer_culture", "morale", +1, f"{CAPABILITIES}.morale_after", "psychological safety lifts morale"),
    W(
        "layer_culture",
        "share_improvement",
        +1,
        3,
        "the culture programme that holds safety takes the teams' time",
        lever="culture_investment",
    ),
    W("layer_talent", "change_failure_rate", -1, 4, "skilled people make changes that fail less"),
    W(
        "layer_talent",
        "share_improvement",
        +1,
        3,
        "the training that holds skill takes the teams' time",
        lever="training",
    ),
    W(
        "layer_execution",
        "deploys_per_week",
        +1,
        4,
        "delivery practice shortens the interval between deploys",
    ),
    W("layer_execution", "change_failure_rate", -1, 4, "test and deploy automation makes changes fail less"),
    W(
        "layer_execution",
        "share_improvement",
        +1,
        3,
        "the practice programme that holds delivery practice takes the teams' time",
        lever="practice_investment",
    ),
    W("layer_innovation", "innovations", +1, 5, "innovation capability turns experiments into innovations"),
    # Leadership: a shortfall seen late, mostly put down to effort.
    M(
        "throughput",
        "pressure",
        -1,
        f"{LEADERSHIP}.decide",
        "a delivery shortfall, seen late and mostly put down to effort, raises pressure",
    ),
    M(
        "throughput",
        "share_improvement",
        +1,
        f"{LEADERSHIP}.decide",
        "a delivery shortfall put down to effort cuts the time budgeted for improvement (more than the part "
        "put down to the system adds)",
    ),
    # People.
    W("pressure", "throughput", +1, 2, "pressure adds hours: work harder"),
    M(
        "pressure",
        "attrition",
        +1,
        f"{WORKFORCE}.attrition_probability",
        "pressure above normal makes people leave",
    ),
    M("pressure", "morale", -1, f"{CAPABILITIES}.morale_after", "pressure wears morale down"),
    M(
        "pressure",
        "debt_ratio",
        +1,
        f"{CAPABILITIES}.debt_after",
        "changes made under pressure add more debt",
    ),
    W("pressure", "change_failure_rate", +1, 4, "rushed changes fail more often"),
    W(
        "bu_trust",
        "morale",
        +1,
        1,
        "a business unit that trusts IT presses its teams less, which spares their morale",
    ),
    W(
        "bu_trust",
        "attrition",
        -1,
        1,
        "a business unit that does not trust IT presses its teams, and people leave",
    ),
    M("morale", "attrition", -1, f"{WORKFORCE}.attrition_probability", "low morale makes people leave"),
    W("attrition", "layer_talent", -1, 6, "experienced leavers take what they knew of the system"),
    M("attrition", "headcount", -1, f"{WORKFORCE}.leave", "leavers leave the teams short"),
    W("attrition", "hires", +1, 6, "leadership hires to replace leavers, after the hiring lag"),
    W(
        "hires",
        "layer_talent",
        -1,
        2,
        "new people know the trade, not the system: they bring a novice's skill",
    ),
    M(
        "hires",
        "share_overhead",
        +1,
        f"{WORKFORCE}.capacity",
        "new hires ramp up slowly and take mentors' time",
    ),
    M("headcount", "throughput", +1, f"{WORKFORCE}.capacity", "more people can do more work"),
    M(
        "share_overhead",
        "throughput",
        -1,
        f"{WORKFORCE}.capacity",
        "onboarding and coordination take working time",
    ),
    W("headcount", "cost", +1, 8, "every person costs a week's pay"),
    # Time: improvement and firefighting.
    W("share_improvement", "throughput", -1, 3, "time set aside for improvement is not spent on features"),
    W("unplanned_backlog", "share_improvement", -1, 3, "firefighting takes improvement time back"),
    M("share_improvement", "debt_ratio", -1, f"{CAPABILITIES}.debt_after", "improvement time pays debt down"),
    M(
        "share_improvement",
        "layer_execution",
        +1,
        f"{CAPABILITIES}.grown",
        "automation work builds delivery practice",
    ),
    M("share_improvement", "layer_talent", +1, f"{CAPABILITIES}.grown", "learning time builds skill"),
    # Debt and cognitive load: every item takes longer, and fails or breaks more often.
    M("debt_ratio", "throughput", -1, f"{CAPABILITIES}.effort", "debt makes every change take more effort"),
    M(
        "debt_ratio",
        "time_to_restore_hours",
        +1,
        f"{CAPABILITIES}.effort",
        "debt makes every restore take longer",
    ),
    M("debt_ratio", "flow_time_days", +1, f"{CAPABILITIES}.effort", "debt makes every item take longer"),
    W("debt_ratio", "incidents", +1, 4, "debt breaks things without any deploy: background incidents"),
    W("debt_ratio", "change_failure_rate", +1, 4, "changes to code in debt fail more often"),
    W(
        "platform_maturity",
        "cognitive_load",
        -1,
        3,
        "platform self-service spares teams their own infrastructure work",
    ),
    W(
        "cognitive_load",
        "throughput",
        -1,
        3,
        "context switching and own infrastructure work slow every change",
    ),
    W("cognitive_load", "time_to_restore_hours", +1, 3, "an overloaded team restores service more slowly"),
    W("cognitive_load", "incidents", +1, 4, "overloaded teams break things more often"),
    W("cognitive_load", "change_failure_rate", +1, 4, "overloaded teams make riskier changes"),
    # Deploys, failures and the work they make.
    M("deploys_per_week", "lead_time_days", -1, FLOW, "a finished change waits for the next deploy"),
    M("deploys_per_week", "incidents", +1, FLOW, "every deploy may fail, and a failed deploy is an incident"),
    M("change_failure_rate", "incidents", +1, FLOW, "a failed deploy is an incident to restore"),
    M("change_failure_rate", "unplanned_share", +1, FLOW, "a failed change must be reworked"),
    M("incidents", "unplanned_share", +1, FLOW, "restoring service takes the team's time"),
    M("incidents", "unplanned_backlog", +1, FLOW, "incidents queue up when the team cannot keep up"),
    M(
        "unplanned_share",
        "throughput",
        -1,
        FLOW,
        "incidents and rework are served first and take feature time",
    ),
    M("unplanned_share", "morale", -1, f"{CAPABILITIES}.morale_after", "firefighting wears morale down"),
    M("utilisation", "flow_time_days", +1, FLOW, "queues grow as the teams' utilisation nears full"),
    W("incidents", "cost", +1, 8, "every incident has a business cost"),
    # The business: trust follows the waits and the failures it sees.
    W("flow_time_days", "bu_trust", -1, 7, "business units trust IT less the longer their requests wait"),
    W("change_failure_rate", "bu_trust", -1, 7, "failed changes lower the business units' trust"),
    W(
        "bu_trust",
        "shadow_it_share",
        -1,
        4,
        "business units that do not trust IT take waiting requests to shadow IT",
    ),
    # Innovation.
    W("experiments", "innovations", +1, 5, "experiments that succeed become innovations"),
    M(
        "experiments",
        "layer_innovation",
        +1,
        f"{CAPABILITIES}.grown",
        "running experiments builds innovation capability",
    ),
    W("innovations", "value_innovation", +1, 5, "an innovation brings value each week while it lasts"),
    # Value and cost.
    W("throughput", "value", +1, 8, "every feature delivered is worth value to its business unit"),
    W("value_innovation", "value", +1, 8, "innovation value is part of the value delivered"),
    W("value", "net_value", +1, 8, "net value is value delivered less cost"),
    W("cost", "net_value", -1, 8, "net value is value delivered less cost"),
)
del M, W, CAPABILITIES, LEADERSHIP, WORKFORCE, FLOW
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
        marginal: Per layer: ``mean``, ``lo``, ``hi`` of the net value gained over the
            horizon by strengthening it (k, at the organisation's real size), ``share`` of
            the baseline's value delivered, ``at_max`` (True if the layer was already at
            full strength).
        binding: The layer whose strengthening is worth most.
        runner_up: The next layer, and whether the two intervals overlap.
        overlap: Whether the binding layer's interval overlaps the runner-up's.
        chain: The steps from the binding layer up to net value, bottom-up.
        symptom: The chain from the binding layer to the DORA key that moved most
            clearly (lead time, change failure rate, deploys, restore), if any.
        also: Other links out of the chain's quantities whose effects moved as the
            model says (strongest first, at most three): the side paths.
        moved: Per recorded quantity: baseline mean, variant mean, z, relative change
            (money columns summed over the horizon, the others averaged).
        baseline_value: Mean cumulative value delivered by the baseline (k, real size).
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
                "net value moved clearly in these runs; the effect is spread over many small changes."
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
        return f"Looking down the stack from net value. {text}"

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
                f"{cause[:1].upper() + cause[1:]} drives {effect}: {m.how} (model: {m.where}). With the "
                f"layer stronger, {effect} {direction} by {abs(step.change):.1%} (from {fmt(step.base)} to "
                f"{fmt(step.variant)}), {_sureness(step.z)}."
            )
        return out

    def summary(self) -> str:
        """Plain text: marginal values with intervals, the binding layer, the chain."""
        lines = [
            f"Marginal net value (k) over {self.weeks} weeks of strengthening each layer by "
            f"{self.delta:g} ({self.seeds} seeds, {self.teams} teams simulated; "
            f"{round(100 * settings()['diagnosis']['interval'])}% intervals; share of the baseline's "
            "value delivered):",
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


def per_seed(frame: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """Per seed, horizon means of every numeric column, and horizon sums of money.

    Args:
        frame: Weekly frames indexed by seed and week.
        scale: Real teams over simulated teams: money is scaled by it to the organisation's
            real size (in proportion to its teams; the other columns stay as simulated).
    """
    numeric = frame.select_dtypes("number")
    out = numeric.groupby(level="seed").mean()
    money = [c for c in MONEY if c in numeric]
    out[money] = numeric[money].groupby(level="seed").sum() * scale
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
    scale = assessment.answers.facts["teams"] / configs[0].org.teams
    summaries = [per_seed(f, scale) for f in frames]
    base_net = summaries[0][TARGET].to_numpy()
    base_value = float(summaries[0]["value"].mean())
    rows = {}
    for layer, summary in zip(LAYER_NAMES, summaries[1:], strict=True):
        iv = t_interval(summary[TARGET].to_numpy() - base_net, s["interval"])
        rows[layer] = {
            "mean": iv.mean,
            "lo": iv.low,
            "hi": iv.high,
            "share": iv.mean / base_value if base_value else math.nan,
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
        baseline_value=base_value,
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
    layer: str, moved: pd.DataFrame, min_z: float, min_share: float, target: str = TARGET
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
