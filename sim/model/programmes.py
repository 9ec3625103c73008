"""Interventions as programmes that leadership keeps or abandons, week by week.

In model v1 a plan was a fixed schedule of lever changes. In model v2 each
intervention is a programme that leadership judges once it has run for its
patience (the ``patience_weeks`` lever): if perceived delivery is no better
than when the programme started, leadership abandons it, and its lever changes
stop from the next week (Repenning & Sterman 2002: improvement programmes are
dropped before they pay). Shocks happen to the organisation and are never
abandoned. The levers of a week are the baseline plus the shocks plus the
programmes still running, clipped to the levers' ranges.

Each world of a batch has its own plan, and keeps or abandons each of its
programmes on what it has seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model import leadership as lead
from sim.model.compiled import cache_guard, jit
from sim.model.levers import LEVER_NAMES, Intervention, Levers, contribution, lever_bounds

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())


class Programmes:
    """The plans of a batch of worlds: a baseline, shocks, and interventions that may be abandoned.

    Args:
        baseline: The organisation's levers with no intervention.
        plans: Per world, its interventions (each a programme leadership judges) and its
            shocks (which act whatever leadership decides).
        weeks: Horizon in weeks.
        cost_per_week_unit: Turns a phase's per-team cost into the organisation's spend.
    """

    def __init__(
        self,
        baseline: Levers,
        plans: Sequence[tuple[Sequence[Intervention], Sequence[Intervention]]],
        weeks: int,
        cost_per_week_unit: float,
    ) -> None:
        worlds, n_levers = len(plans), len(LEVER_NAMES)
        base = np.array([getattr(baseline, n) for n in LEVER_NAMES], dtype=float)
        self.fixed = np.tile(base, (worlds, weeks, 1))
        self.fixed_spend = np.zeros((worlds, weeks))
        most = max((len(interventions) for interventions, _ in plans), default=0)
        self.deltas = np.zeros((worlds, most, weeks, n_levers))
        self.spend_of = np.zeros((worlds, most, weeks))
        # A world with fewer programmes than the most has empty ones, never started nor judged.
        self.start = np.full((worlds, most), -1, dtype=np.int64)  # 0-based
        self.active = np.zeros((worlds, most), dtype=np.bool_)
        for w, (interventions, shocks) in enumerate(plans):
            for shock in shocks:
                deltas, spend = contribution(shock, weeks, cost_per_week_unit)
                self.fixed[w] += deltas
                self.fixed_spend[w] += spend
            for j, item in enumerate(interventions):
                self.deltas[w, j], self.spend_of[w, j] = contribution(item, weeks, cost_per_week_unit)
                self.start[w, j] = item.start - 1
                self.active[w, j] = True
        # A programme is judged only while it runs: until the last week it moves a lever or costs.
        acting = (self.deltas != 0).any(axis=3) | (self.spend_of != 0)
        self.end = np.where(acting.any(axis=2), weeks - np.argmax(acting[:, :, ::-1], axis=2), 0)
        self.at_start = np.zeros((worlds, most))
        self.abandoned_week = np.full((worlds, most), -1, dtype=np.int64)
        self.lo, self.hi = lever_bounds()

    def planned(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the plan as if no programme were abandoned: levers ``(worlds, weeks, levers)``, spend ``(worlds, weeks)``."""
        every = self.start >= 0
        table = self.fixed + np.einsum("wp,wptl->wtl", every.astype(float), self.deltas)
        np.clip(table, self.lo, self.hi, out=table)
        return table, self.fixed_spend + np.einsum("wp,wpt->wt", every.astype(float), self.spend_of)

    def levers(self, week: int) -> np.ndarray:
        """Return the levers of ``week`` (0-based): ``(worlds, levers)`` in ``LEVER_NAMES`` order."""
        table = _running(self.fixed, self.deltas, self.active, week)
        np.clip(table, self.lo, self.hi, out=table)
        return table

    def spend(self, week: int) -> np.ndarray:
        """Return the spend of ``week`` (0-based) per world: the shocks' and the running programmes'."""
        return _running(self.fixed_spend, self.spend_of, self.active, week)

    def review(self, week: int, delivered: np.ndarray, patience: np.ndarray) -> np.ndarray:
        """Let leadership judge the programmes after ``week`` (0-based), on the delivery it perceives.

        A programme starting this week notes the delivery it starts from; one that has run
        for the patience, and still runs, is kept if delivery is above that, and abandoned
        otherwise.

        Args:
            week: The week just run.
            delivered: Perceived delivery per world.
            patience: The ``patience_weeks`` lever per world.

        Returns:
            Programmes abandoned this week, per world.
        """
        return _review(
            self.active, self.start, self.end, self.at_start, self.abandoned_week, week, delivered, patience
        )


@jit
def _running(fixed, per_programme, active, week):
    """Return the fixed part of ``week`` per world plus what each running programme adds to it."""
    total = fixed[:, week].copy()
    for w in range(active.shape[0]):
        for p in range(active.shape[1]):
            if active[w, p]:
                total[w] += per_programme[w, p, week]
    return total


@jit
def _review(active, start, end, at_start, abandoned_week, week, delivered, patience):
    """Note the delivery programmes start from, judge the running ones by leadership's rule, drop the failed."""
    worlds, programmes = active.shape
    age = np.full((worlds, programmes), -1, dtype=np.int64)
    judged = np.zeros((worlds, programmes), dtype=np.bool_)
    for w in range(worlds):
        for p in range(programmes):
            if start[w, p] == week:
                at_start[w, p] = delivered[w]
            if start[w, p] >= 0:
                age[w, p] = week - start[w, p]
            # A programme is judged only while it runs.
            judged[w, p] = active[w, p] and week < end[w, p]
    running = judged.copy()
    abandoned = lead.review_programmes(judged, age, at_start, delivered, patience)
    for w in range(worlds):
        for p in range(programmes):
            if running[w, p] and not judged[w, p]:
                active[w, p] = False
                abandoned_week[w, p] = week
    return abandoned
