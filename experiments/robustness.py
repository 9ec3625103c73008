"""Robustness of the headline: in how many plausible worlds does "foundations first" win, and where not.

A world is a Latin-hypercube point of the uncertain inputs
(:func:`experiments.uncertainty.factors`: the parameters and the analysed
organisation's starting layers, here over a wider range, ``robustness.layer_width``,
so that the worlds reach organisations whose foundations are not weak) with its own run seed, the same for each
intervention run in it (common random numbers within a world, independent
worlds). In each world the interventions of ``configs/validation/uncertainty.yaml``
(none, execution_push, foundations_first) run for the default horizon.

* **Share of wins**: worlds where foundations_first has the most cumulative value.
* **Crossover week**: the first week from which foundations_first's cumulative
  value stays above both others' to the end (:func:`experiments.report.overtake_weeks`);
  ``inf`` where it never does within the horizon.
* **Scenario discovery**: a shallow decision tree (scikit-learn) predicting
  whether foundations_first wins from the inputs; the leaves where it mostly
  loses, read as boxes of conditions, say where the slogan fails.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc
from sklearn.tree import DecisionTreeClassifier

from experiments.report import overtake_weeks
from experiments.uncertainty import Factor, UncertaintySpec, base_config, factors, world
from experiments.worlds import run_all

HERO = "foundations_first"


@dataclass(frozen=True)
class Box:
    """A leaf of the scenario-discovery tree.

    Attributes:
        conditions: ``(factor, "<=" or ">", threshold)`` on the path from the root.
        worlds: Worlds in the leaf.
        wins: Share of them where foundations_first wins.
    """

    conditions: list[tuple[str, str, float]]
    worlds: int
    wins: float


@dataclass(frozen=True)
class Robustness:
    """The robustness analysis' results.

    Attributes:
        inputs: One row per world: the value of every factor.
        values: One row per world, one column per intervention: 3-year cumulative value.
        winner: Per world, the intervention with the most cumulative value.
        crossover: Per world, foundations_first's crossover week (``inf``: never).
        boxes: The tree's leaves, those where foundations_first loses most first.
        tree_accuracy: Share of worlds the tree classifies right.
    """

    inputs: pd.DataFrame
    values: pd.DataFrame
    winner: pd.Series
    crossover: pd.Series
    boxes: list[Box]
    tree_accuracy: float

    @property
    def share_wins(self) -> float:
        """Share of worlds where foundations_first has the most 3-year value."""
        return float((self.winner == HERO).mean())


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
    chosen = factors(dataclasses.replace(spec_, layer_width=rs.layer_width), bases[rs.interventions[0]])
    x, seeds = design(spec_, chosen)
    configs = [
        world(bases[iv], chosen, row, seed)
        for row, seed in zip(x, seeds, strict=True)
        for iv in rs.interventions
    ]
    outcomes = run_all(configs, "robustness", workers)
    n_iv = len(rs.interventions)
    values = pd.DataFrame(
        np.array([o.value for o in outcomes]).reshape(rs.worlds, n_iv), columns=list(rs.interventions)
    )
    values.index.name = "world"
    curves = np.array([o.cumulative_value for o in outcomes]).reshape(rs.worlds, n_iv, -1)
    hero = rs.interventions.index(HERO)
    others = np.max(np.delete(curves, hero, axis=1), axis=1)
    weeks = np.arange(1, curves.shape[2] + 1)
    crossover = pd.Series(
        overtake_weeks(curves[:, hero], others, weeks), index=values.index, name="crossover"
    )
    winner = values.idxmax(axis=1).rename("winner")
    inputs = pd.DataFrame(x, columns=[f.name for f in chosen], index=values.index)
    wins = (winner == HERO).to_numpy()
    tree = DecisionTreeClassifier(max_depth=rs.tree_depth, min_samples_leaf=rs.tree_min_leaf, random_state=0)
    tree.fit(inputs.to_numpy(), wins)
    classes = list(tree.classes_)
    hero_class = classes.index(True) if True in classes else -1
    return Robustness(
        inputs,
        values,
        winner,
        crossover,
        boxes(tree, list(inputs.columns), hero_class),
        float(tree.score(inputs.to_numpy(), wins)),
    )
