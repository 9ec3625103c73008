"""Scenario-discovery boxes and the design of the worlds."""

import numpy as np
from sklearn.tree import DecisionTreeClassifier

from experiments.validation import robustness, uncertainty


def test_boxes_recover_a_known_rule_and_partition_the_worlds():
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(400, 3))
    wins = ~((x[:, 1] > 0.7) & (x[:, 2] < 0.5))  # the hero loses only in this corner
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, wins)
    boxes = robustness.boxes(tree, ["a", "b", "c"], list(tree.classes_).index(True))
    assert sum(b.worlds for b in boxes) == 400
    worst = boxes[0]
    assert worst.wins == 0.0
    assert {name for name, _, _ in worst.conditions} == {"b", "c"}
    ops = dict((name, (op, t)) for name, op, t in worst.conditions)
    assert ops["b"][0] == ">" and abs(ops["b"][1] - 0.7) < 0.05
    assert ops["c"][0] == "<=" and abs(ops["c"][1] - 0.5) < 0.05
    assert sum(b.wins * b.worlds for b in boxes) == wins.sum()


def test_the_design_is_reproducible_and_inside_the_ranges():
    spec = uncertainty.load_spec()
    chosen = uncertainty.factors(spec, uncertainty.base_config(spec))
    x, seeds = robustness.design(spec, chosen)
    again, seeds_again = robustness.design(spec, chosen)
    assert np.array_equal(x, again) and np.array_equal(seeds, seeds_again)
    assert x.shape == (spec.robustness.worlds, len(chosen))
    assert (x >= [f.low for f in chosen]).all() and (x <= [f.high for f in chosen]).all()
    assert len(set(seeds.tolist())) == len(seeds)
