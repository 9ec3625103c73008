"""Robustness of the headline: in how many plausible worlds does "foundations first" win, and where not.

The course analysed is ``robustness.course`` of ``configs/validation/uncertainty.yaml``
(``foundations_first``, the course the seeds recommend); nothing here depends on its name.

A world is a Latin-hypercube point of the uncertain inputs
(:func:`experiments.validation.uncertainty.factors`: the parameters and the analysed
organisation's starting layers, here over a wider range, ``robustness.layer_width``,
so that the worlds reach organisations whose foundations are not weak) with its own run seed, the same for each
intervention run in it (common random numbers within a world, independent
worlds). In each world the interventions of ``configs/validation/uncertainty.yaml``
run for the default horizon.

* **Share of wins**: worlds where the course has the most cumulative value.
* **Crossover week**: the first week from which the course's cumulative
  value stays above every other's to the end (:func:`sim.stats.overtake_weeks`);
  ``inf`` where it never does within the horizon.
* **Scenario discovery**: a shallow decision tree (scikit-learn) predicting
  whether the course wins from the inputs; the leaves where it mostly
  loses, read as boxes of conditions, say where the slogan fails.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc
from sklearn.tree import DecisionTreeClassifier

from experiments.validation import parameters
from experiments.validation.uncertainty import (
    DIAGNOSIS,
    Factor,
    RobustnessSpec,
    UncertaintySpec,
    base_config,
    factors,
    world,
)
from experiments.validation.worlds import run_all
from sim.config import load_config
from sim.stats import overtake_weeks

# Name of the decision-horizon input (weeks), beside the parameters and layers.
HORIZON = "horizon_weeks"


@dataclass(frozen=True)
class Box:
    """A leaf of the scenario-discovery tree.

    Attributes:
        conditions: ``(factor, "<=" or ">", threshold)`` on the path from the root.
        worlds: Worlds in the leaf.
        wins: Share of them where the course analysed wins.
    """

    conditions: list[tuple[str, str, float]]
    worlds: int
    wins: float


@dataclass(frozen=True)
class Robustness:
    """The robustness analysis' results.

    Attributes:
        course: The intervention analysed (``robustness.course``).
        inputs: One row per world: the value of every factor.
        values: One row per world, one column per intervention: cumulative value at the world's horizon.
        winner: Per world, the intervention with the most cumulative value.
        crossover: Per world, the course's crossover week (``inf``: never).
        boxes: The tree's leaves, those where the course loses most first.
        tree_accuracy: Share of worlds the tree classifies right.
        horizon: Per world, its decision horizon in weeks.
        full_values: One row per world, one column per intervention: cumulative value over
            the whole run (three years), whatever the world's horizon.
        full_boxes: The leaves of a tree over the same inputs but the horizon, predicting
            whether the course has the most value over the whole run.
        full_tree_accuracy: Share of worlds that tree classifies right.
        curves: Cumulative value, ``(world, intervention, week)`` over the whole run.
        innovations: One row per world, one column per intervention: innovations over the whole run.
    """

    course: str
    inputs: pd.DataFrame
    values: pd.DataFrame
    winner: pd.Series
    crossover: pd.Series
    boxes: list[Box]
    tree_accuracy: float
    horizon: pd.Series
    full_values: pd.DataFrame
    full_boxes: list[Box]
    full_tree_accuracy: float
    curves: np.ndarray
    innovations: pd.DataFrame

    @property
    def share_wins(self) -> float:
        """Share of worlds where the course has the most value at the world's horizon."""
        return float((self.winner == self.course).mean())

    @property
    def full_winner(self) -> pd.Series:
        """Per world, the intervention with the most value over the whole run."""
        return self.full_values.idxmax(axis=1).rename("winner")

    @property
    def share_full_wins(self) -> float:
        """Share of worlds where the course has the most value over the whole run (3 years)."""
        return float((self.full_winner == self.course).mean())

    @property
    def full_lead(self) -> pd.Series:
        """Per world, the course's value over the whole run relative to the best other, minus 1."""
        return self.full_values[self.course] / self.full_values.drop(columns=self.course).max(axis=1) - 1

    @property
    def lead(self) -> pd.Series:
        """Per world, the course's value at the world's horizon relative to the best other, minus 1."""
        return self.values[self.course] / self.values.drop(columns=self.course).max(axis=1) - 1


def design(spec_: UncertaintySpec, chosen: list[Factor]) -> tuple[np.ndarray, np.ndarray]:
    """Latin-hypercube inputs (one row per world) and each world's run seed."""
    rs = spec_.robustness
    unit = qmc.LatinHypercube(len(chosen), rng=rs.seed).random(rs.worlds)
    lo = np.array([f.low for f in chosen])
    hi = np.array([f.high for f in chosen])
    seeds = np.random.SeedSequence(rs.seed).generate_state(rs.worlds)
    return lo + (hi - lo) * unit, seeds


def boxes(tree: DecisionTreeClassifier, names: list[str], hero_class: int) -> list[Box]:
    """Every leaf of a fitted tree as a box of conditions, where the hero wins least first."""
    t = tree.tree_
    out = []

    def walk(node: int, path: list[tuple[str, str, float]]) -> None:
        if t.children_left[node] == t.children_right[node]:
            counts = t.value[node][0]
            share = counts / counts.sum()
            wins = float(share[hero_class]) if hero_class >= 0 else 0.0
            out.append(Box(path, int(t.n_node_samples[node]), wins))
            return
        name, threshold = names[t.feature[node]], float(t.threshold[node])
        walk(t.children_left[node], [*path, (name, "<=", threshold)])
        walk(t.children_right[node], [*path, (name, ">", threshold)])

    walk(0, [])
    return sorted(out, key=lambda b: (b.wins, -b.worlds))


def analyse(spec_: UncertaintySpec, workers: int | None = None) -> Robustness:
    """Run every intervention in every world and analyse who wins, when and where not."""
    rs = spec_.robustness
    bases = {iv: base_config(spec_, iv) for iv in rs.interventions}
    chosen = factors(
        dataclasses.replace(spec_, layer_width=rs.layer_width), bases[rs.interventions[0]], rs.ranges
    )
    towards = None
    if rs.towards:
        towards = load_config([f"org={rs.towards}"]).org
        chosen.append(Factor(DIAGNOSIS, 0.0, 1.0, 0.0))
    weeks_run = bases[rs.interventions[0]].weeks
    lo_h, hi_h = min(rs.horizon[0], weeks_run), min(rs.horizon[1], weeks_run)
    # The decision horizon is one more input of the design (read off the cumulative curves,
    # so it costs no run); a fixed horizon is not an input.
    if lo_h < hi_h:
        chosen_design = [*chosen, Factor(HORIZON, lo_h, hi_h + 1, weeks_run)]
    else:
        chosen_design = chosen
    x, seeds = design(spec_, chosen_design)
    # Integer parameters run rounded (uncertainty.world), so the trees read the values run.
    known = parameters.numeric()
    for i, f in enumerate(chosen):
        if f.name in known and known[f.name].integer:
            x[:, i] = np.round(x[:, i])
    horizon = np.minimum(np.floor(x[:, -1]), hi_h).astype(int) if lo_h < hi_h else np.full(rs.worlds, hi_h)
    if lo_h < hi_h:
        x[:, -1] = horizon
        x_runs = x[:, :-1]
    else:
        x_runs = x
    configs = [
        world(bases[iv], chosen, row, seed, towards)
        for row, seed in zip(x_runs, seeds, strict=True)
        for iv in rs.interventions
    ]
    outcomes = run_all(configs, "robustness", workers)
    n_iv = len(rs.interventions)
    curves = np.array([o.cumulative_value for o in outcomes]).reshape(rs.worlds, n_iv, -1)
    # Each world's value is its cumulative value at its own horizon.
    values = pd.DataFrame(
        curves[np.arange(rs.worlds), :, horizon - 1].astype(float), columns=list(rs.interventions)
    )
    values.index.name = "world"
    hero = rs.interventions.index(rs.course)
    others = np.max(np.delete(curves, hero, axis=1), axis=1)
    weeks = np.arange(1, curves.shape[2] + 1)
    crossover = pd.Series(
        [overtake_weeks(curves[i, hero, :h], others[i, :h], weeks[:h])[0] for i, h in enumerate(horizon)],
        index=values.index,
        name="crossover",
    )
    winner = values.idxmax(axis=1).rename("winner")
    inputs = pd.DataFrame(x, columns=[f.name for f in chosen_design], index=values.index)
    wins = (winner == rs.course).to_numpy()
    tree, tree_boxes = _discover(inputs, wins, rs)
    full_values = pd.DataFrame(
        curves[:, :, -1].astype(float), columns=list(rs.interventions), index=values.index
    )
    full_inputs = inputs.drop(columns=[HORIZON], errors="ignore")
    full_wins = (full_values.idxmax(axis=1) == rs.course).to_numpy()
    full_tree, full_tree_boxes = _discover(full_inputs, full_wins, rs)
    innovations = pd.DataFrame(
        np.array([o.innovations for o in outcomes]).reshape(rs.worlds, n_iv),
        columns=list(rs.interventions),
        index=values.index,
    )
    return Robustness(
        rs.course,
        inputs,
        values,
        winner,
        crossover,
        tree_boxes,
        float(tree.score(inputs.to_numpy(), wins)),
        pd.Series(horizon, index=values.index, name=HORIZON),
        full_values,
        full_tree_boxes,
        float(full_tree.score(full_inputs.to_numpy(), full_wins)),
        curves,
        innovations,
    )


def _discover(
    inputs: pd.DataFrame, wins: np.ndarray, rs: RobustnessSpec
) -> tuple[DecisionTreeClassifier, list[Box]]:
    """Fit the scenario-discovery tree and return it with its leaves as boxes."""
    tree = DecisionTreeClassifier(max_depth=rs.tree_depth, min_samples_leaf=rs.tree_min_leaf, random_state=0)
    tree.fit(inputs.to_numpy(), wins)
    classes = list(tree.classes_)
    hero_class = classes.index(True) if True in classes else -1
    return tree, boxes(tree, list(inputs.columns), hero_class)
