"""Interventions as programmes: judged at leadership's patience, kept if they pay, dropped if not."""

import numpy as np
import pytest

from sim.model.levers import LEVER_INDEX, Intervention, Levers, Phase, schedule
from sim.model.programmes import Programmes

WEEKS = 60
PUSH = Intervention(start=5, phases=(Phase(levers={"pressure": 0.3}),))
TRAIN = Intervention(start=3, phases=(Phase(levers={"training": 0.8}, cost=1.0),))
SURGE = Intervention(start=10, duration=20, phases=(Phase(levers={"demand": 0.5}),))


def plan(worlds=2):
    return Programmes(Levers(), [([PUSH, TRAIN], [SURGE])] * worlds, WEEKS, 12)


def test_with_every_programme_running_the_levers_are_the_schedule():
    p = plan()
    table, spend = schedule(Levers(), [SURGE, PUSH, TRAIN], WEEKS, 12)
    for week in (0, 4, 12, 40):
        levers = p.levers(week)
        assert levers[:, LEVER_INDEX["pressure"]] == pytest.approx(np.full(2, table[week, 0]))
        assert p.spend(week) == pytest.approx(np.full(2, spend[week]))


def test_a_programme_without_payoff_at_patience_is_dropped_in_that_world_only():
    p = plan()
    patience = np.full(2, 10.0)
    for week in range(WEEKS):
        # World 0's delivery falls after the programmes start; world 1's rises.
        delivered = np.array([100.0 - week, 100.0 + week])
        p.review(week, delivered, patience)
    assert p.active.tolist() == [[False, False], [True, True]]
    assert p.abandoned_week[0].tolist() == [4 + 10, 2 + 10]
    late = p.levers(40)
    assert late[:, LEVER_INDEX["pressure"]].tolist() == pytest.approx(
        [Levers().pressure, Levers().pressure + 0.3]
    )
    assert late[:, LEVER_INDEX["training"]].tolist() == pytest.approx([0.0, 0.8])
    assert p.spend(40)[0] == pytest.approx(0.0) and p.spend(40)[1] == pytest.approx(12.0)


def test_shocks_act_whatever_leadership_decides():
    p = plan()
    p.active[:] = False
    assert p.levers(15)[:, LEVER_INDEX["demand"]] == pytest.approx(np.full(2, 1.5))
    assert p.levers(35)[:, LEVER_INDEX["demand"]] == pytest.approx(np.full(2, 1.0))


def test_more_patience_keeps_a_programme_through_its_dip():
    kept = {}
    for patience in (8.0, 30.0):
        p = plan(1)
        for week in range(WEEKS):
            # A dip for 20 weeks after the start, then better than at the start.
            delivered = np.array([100.0 - 5 * min(week, 20) + 8 * max(week - 20, 0)])
            p.review(week, delivered, np.array([patience]))
        kept[patience] = p.active[0].tolist()
    assert kept == {8.0: [False, False], 30.0: [True, True]}


def test_a_programme_that_has_ended_is_not_judged():
    short = Intervention(start=3, duration=5, phases=(Phase(levers={"training": 0.8}, cost=1.0),))
    p = Programmes(Levers(), [([short], [])], WEEKS, 12)
    for week in range(WEEKS):
        p.review(week, np.array([100.0 - week]), np.array([10.0]))  # delivery only falls
    assert p.active.tolist() == [[True]] and p.abandoned_week.tolist() == [[-1]]
