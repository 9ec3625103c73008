"""Ranking of the Morris screening (the analyses themselves run in test_validate)."""

import pandas as pd

from experiments.validation import sensitivity


def test_rank_takes_each_factor_at_its_most_influential_outcome():
    frame = pd.DataFrame(
        {
            "factor": ["a", "b", "c", "d"] * 2,
            "outcome": ["value"] * 4 + ["attrition"] * 4,
            "mu_star_norm": [1.0, 0.2, 0.0, 0.0, 0.1, 0.9, 0.0, 0.0],
        }
    )
    ranked = sensitivity.rank(frame)
    assert list(ranked.index) == ["a", "b", "c", "d"], "ties keep the factors' order"
    assert ranked["b"] == 0.9
