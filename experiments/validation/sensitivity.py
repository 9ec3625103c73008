"""Global sensitivity analysis with SALib: Morris screening, then Sobol indices of the top factors.

The outcomes are the analysed organisation's (``configs/validation/uncertainty.yaml``:
the default ``struggling`` under ``foundations_first``, the course the headline
recommends; at baseline it ships almost no innovations, so their indices would
measure noise) 3-year cumulative value, innovations shipped and attrition
(people who left per starting person). Every run uses
the same seed (common random numbers), so that a change of outcome between two
points of a design comes from the inputs, not from a different random stream.

1. **Morris** (elementary effects) over every uncertain input
   (:func:`experiments.validation.uncertainty.factors`): ``r`` trajectories of ``k + 1``
   runs. ``μ*`` (mean absolute effect) ranks influence, ``σ`` flags
   non-linearity and interactions.
2. **Sobol** (Saltelli's scheme, first and total order) over the ``sobol_top``
   factors with the largest Morris ``μ*``, each ``μ*`` first divided by its
   outcome's largest so that the three outcomes count alike; the other inputs
   stay at their default values. ``N · (k + 2)`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from experiments.validation.uncertainty import UncertaintySpec, base_config, factors, problem, world
from experiments.validation.worlds import run_all

OUTCOMES: dict[str, str] = {
    "value": "3-year cumulative value",
    "innovations": "innovations shipped in 3 years",
    "attrition": "attrition in 3 years (leavers per starting person)",
}


@dataclass(frozen=True)
class Sensitivity:
    """Both analyses' results.

    Attributes:
        morris: One row per factor and outcome: ``mu``, ``mu_star``, ``sigma``,
            ``mu_star_conf`` and ``mu_star_norm`` (``μ*`` over the outcome's largest).
        top: The factors the Sobol analysis took, most influential first.
        sobol: One row per top factor and outcome: ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
        runs: Model runs made (Morris + Sobol).
    """

    morris: pd.DataFrame
    top: list[str]
    sobol: pd.DataFrame
    runs: int


def _outcome_matrix(outcomes: list) -> dict[str, np.ndarray]:
    return {name: np.array([getattr(o, name) for o in outcomes], dtype=float) for name in OUTCOMES}


def morris(spec_: UncertaintySpec, workers: int | None = None) -> tuple[pd.DataFrame, int]:
    """Morris screening of every uncertain input.

    Returns:
        The elementary-effect statistics (see :class:`Sensitivity`) and the number of runs.
    """
    design = spec_.sensitivity
    base = base_config(spec_, design.intervention)
    chosen = factors(spec_, base)
    prob = problem(chosen)
    x = morris_sample.sample(
        prob, N=design.morris_trajectories, num_levels=design.morris_levels, seed=design.seed
    )
    outcomes = run_all([world(base, chosen, row, spec_.seed) for row in x], "morris", workers)
    parts = []
    for name, y in _outcome_matrix(outcomes).items():
        res = morris_analysis.analyze(prob, x, y, num_levels=design.morris_levels, seed=design.seed)
        part = pd.DataFrame(
            {
                "factor": res["names"],
                "outcome": name,
                **{
                    key: np.asarray(res[key], dtype=float)
                    for key in ("mu", "mu_star", "sigma", "mu_star_conf")
                },
            }
        )
        top = part["mu_star"].max()
        part["mu_star_norm"] = part["mu_star"] / top if top > 0 else 0.0
        parts.append(part)
    return pd.concat(parts, ignore_index=True), len(x)


def rank(morris_frame: pd.DataFrame) -> pd.Series:
    """Influence of each factor: its largest normalised ``μ*`` over the outcomes, largest first."""
    influence = morris_frame.groupby("factor")["mu_star_norm"].max()
    # Ties (e.g. factors with no effect at all) keep the factors' order, so the ranking is reproducible.
    order = {name: i for i, name in enumerate(morris_frame["factor"].drop_duplicates())}
    return influence.sort_index(key=lambda idx: idx.map(order)).sort_values(ascending=False, kind="stable")


def sobol(spec_: UncertaintySpec, names: list[str], workers: int | None = None) -> tuple[pd.DataFrame, int]:
    """First- and total-order Sobol indices of the named factors (the others at their default values).

    Returns:
        The indices with their 95% bootstrap half-widths (see :class:`Sensitivity`) and the number of runs.
    """
    design = spec_.sensitivity
    base = base_config(spec_, design.intervention)
    by_name = {f.name: f for f in factors(spec_, base)}
    chosen = [by_name[name] for name in names]
    prob = problem(chosen)
    x = sobol_sample.sample(prob, design.sobol_base_samples, calc_second_order=False, seed=design.seed)
    outcomes = run_all([world(base, chosen, row, spec_.seed) for row in x], "sobol", workers)
    parts = []
    for name, y in _outcome_matrix(outcomes).items():
        res = sobol_analysis.analyze(prob, y, calc_second_order=False, seed=design.seed)
        parts.append(
            pd.DataFrame(
                {
                    "factor": names,
                    "outcome": name,
                    **{key: np.asarray(res[key], dtype=float) for key in ("S1", "S1_conf", "ST", "ST_conf")},
                }
            )
        )
    return pd.concat(parts, ignore_index=True), len(x)


def analyse(spec_: UncertaintySpec, workers: int | None = None) -> Sensitivity:
    """Morris over every uncertain input, then Sobol over the most influential ones."""
    morris_frame, n_morris = morris(spec_, workers)
    top = list(rank(morris_frame).index[: spec_.sensitivity.sobol_top])
    sobol_frame, n_sobol = sobol(spec_, top, workers)
    return Sensitivity(morris_frame, top, sobol_frame, n_morris + n_sobol)
