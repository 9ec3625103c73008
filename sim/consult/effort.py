"""How much computing an assessment, diagnosis and recommendation spend.

One object carries it through the study's stages, so that the command line,
the studio and the API give it in one form and it is checked once. A field
left ``None`` takes the value of the stage that uses it in
``configs/assessment/settings.yaml``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sim.model.schema import ConfigError, spec


@dataclass(frozen=True)
class Effort:
    """Seeds, trials and horizon of a study (more: tighter answers, longer waits).

    Attributes:
        fit_trials: Optuna trials of the fit (settings ``fit.trials``).
        fit_seeds: Seeds per fit candidate (``fit.seeds``).
        seeds: Seeds per run compared in the diagnosis and the ranking
            (``diagnosis.seeds``, ``recommendation.seeds``); at least two, for an interval.
        trials: Optuna trials of the schedule search, 0 for none (``recommendation.search.trials``).
        weeks: Horizon of the diagnosis and the recommendation (``diagnosis.weeks``,
            ``recommendation.weeks``).
    """

    fit_trials: int | None = spec(1, 10_000, default=None, doc="Optuna trials of the fit.")
    fit_seeds: int | None = spec(1, 10_000, default=None, doc="Seeds per fit candidate.")
    seeds: int | None = spec(2, 10_000, default=None, doc="Seeds of the diagnosis and the ranking.")
    trials: int | None = spec(0, 10_000, default=None, doc="Optuna trials of the schedule search.")
    weeks: int | None = spec(1, 520, unit="weeks", default=None, doc="Horizon of diagnosis and ranking.")

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata["lo"], f.metadata["hi"]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi
            ):
                raise ConfigError(f.name, f"must be a whole number from {lo} to {hi}, got {value!r}")
