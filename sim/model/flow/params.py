"""The flow engine's parameters: item sizes, value spread and the service weights.

Everything the later model sets week by week from people, pressure,
architecture and practice (capacity, WIP limits, arrival rates, dependency
probabilities, deploy intervals, failure rates) is a *driver* of the week
(:class:`sim.model.flow.engine.Drivers`), not a parameter. What stays here is
what describes the work itself.

Sizes are in person-days of work and right-skewed: lognormal with a median and
a log-standard deviation per kind. That sizes are lognormal is an
*assumption*: the evidence we know of is on the spread of actual against
estimated effort, not on size itself, for example the SiP effort data set
(Jones & Cullum 2019, about 10,000 tasks of one company), whose
actual/estimate ratio is close to lognormal with a log-sd near 1 (analysed in
Bernhardsson 2019, "Why software projects take longer than you think"); and
Kanban practitioners report right-skewed, lognormal- or Weibull-like cycle
times (Vacanti 2015, *Actionable Agile Metrics for Predictability*), which
mixes size with waiting. The medians are round numbers for a team that slices
work to a few days (assumption, to be calibrated). ``size_distribution =
"exponential"`` replaces every lognormal by an exponential with the same
median (mean = median / ln 2), so that queueing theory's M/M/1 results can be
checked exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from sim.model.flow.items import N_KINDS, Kind
from sim.model.schema import ConfigError, spec, validate_fields

SIZE_DISTRIBUTIONS = ("lognormal", "exponential")


def _size(median: float, doc: str) -> float:
    return spec(0.01, 1000, unit="person-days", default=median, doc=doc)


def _sigma(sigma: float, doc: str) -> float:
    return spec(0, 3, unit="log-sd", default=sigma, doc=doc)


@dataclass(frozen=True)
class FlowParams:
    """Parameters of the work items and of the service discipline (defaults, units, sources in the fields)."""

    feature_size_median: float = _size(
        3.0, "Median size of a requested change (assumption: work sliced to a few days)."
    )
    feature_size_sigma: float = _sigma(
        1.0, "Log-sd of feature sizes (actual/estimate spread of the SiP data, Bernhardsson 2019)."
    )
    rework_size_median: float = _size(1.0, "Median size of rework after a failed change (assumption).")
    rework_size_sigma: float = _sigma(1.0, "Log-sd of rework sizes (assumption, as features).")
    incident_size_median: float = _size(
        0.5, "Median restore work of an incident (assumption: half a person-day)."
    )
    incident_size_sigma: float = _sigma(
        1.2, "Log-sd of restore work; restore times are long-tailed (assumption)."
    )
    improvement_size_median: float = _size(2.0, "Median size of an improvement item (assumption).")
    improvement_size_sigma: float = _sigma(0.8, "Log-sd of improvement sizes (assumption).")
    experiment_size_median: float = _size(3.0, "Median size of an experiment (assumption).")
    experiment_size_sigma: float = _sigma(0.8, "Log-sd of experiment sizes (assumption).")
    dependency_size_median: float = _size(
        1.5, "Median size of a change one team needs from another (assumption: smaller than a feature)."
    )
    dependency_size_sigma: float = _sigma(0.8, "Log-sd of dependency-request sizes (assumption).")
    size_distribution: str = spec(
        default="lognormal",
        choices=SIZE_DISTRIBUTIONS,
        doc="'lognormal', or 'exponential' with the same medians (for checks against M/M/1).",
    )
    value_sigma: float = _sigma(
        1.0,
        "Log-sd of a requested item's value around its team's median (assumption: a few items carry most value).",
    )
    incident_weight: float = spec(
        0.01,
        100,
        unit="x",
        default=1.0,
        doc="Capacity an incident in progress gets relative to another item (1: equal sharing; >1: swarming).",
    )

    def __post_init__(self) -> None:
        validate_fields(self)
        for f in fields(self):
            choices = f.metadata.get("choices")
            value = getattr(self, f.name)
            if choices and value not in choices:
                raise ConfigError(f.name, f"must be one of {', '.join(choices)}; got {value!r}")

    def size_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Medians and log-sds of the sizes, indexed by :class:`Kind`."""
        median = np.empty(N_KINDS)
        sigma = np.empty(N_KINDS)
        for kind in Kind:
            median[kind] = getattr(self, f"{kind.name.lower()}_size_median")
            sigma[kind] = getattr(self, f"{kind.name.lower()}_size_sigma")
        return median, sigma

    def mean_size(self, kind: Kind) -> float:
        """Mean size of an item of ``kind`` in person-days: ``median * exp(sigma^2 / 2)``, or ``median / ln 2``."""
        median = getattr(self, f"{kind.name.lower()}_size_median")
        if self.size_distribution == "exponential":
            return median / math.log(2.0)
        sigma = getattr(self, f"{kind.name.lower()}_size_sigma")
        return median * math.exp(sigma**2 / 2.0)
