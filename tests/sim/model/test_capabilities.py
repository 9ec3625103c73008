"""Capabilities: debt owned by code, stocks that grow with upkeep and decay without it, morale."""

import numpy as np
import pytest

from sim.model import capabilities as cap
from sim.model.capabilities import CapabilityRules
from sim.model.compiled import record
from sim.model.schema import ConfigError

R = CapabilityRules()
COMPILED = record(R)[0]  # the numeric fields, as the compiled rules read them


def test_a_stock_without_upkeep_halves_in_its_half_life():
    stock = np.array([0.8])
    for _ in range(int(R.practice_half_life)):
        stock = cap.grown(stock, np.zeros(1), R.practice_gain, cap.decay(R.practice_half_life))
    assert stock[0] == pytest.approx(0.4, rel=1e-9)


def test_a_programme_stopped_loses_its_gains():
    stock, kept = np.array([0.2]), cap.decay(R.practice_half_life)
    for _ in range(52):
        stock = cap.grown(stock, np.full(1, 0.05), R.practice_gain, kept)
    built = stock[0]
    for _ in range(104):
        stock = cap.grown(stock, np.zeros(1), R.practice_gain, kept)
    assert built > 0.4 and stock[0] < built / 3


def test_a_stock_stays_within_0_and_1():
    s = cap.grown(np.array([0.0, 0.99]), np.array([100.0, 100.0]), 10.0, 1.0)
    assert (s <= 1).all() and (s >= 0).all()


def test_debt_grows_with_feature_work_and_pressure_and_standards_prevent_it():
    zero = np.zeros(1)
    base = cap.debt_after(zero, np.full(1, 10.0), zero, zero, zero, COMPILED)
    pushed = cap.debt_after(zero, np.full(1, 10.0), zero, np.full(1, 0.5), zero, COMPILED)
    governed = cap.debt_after(zero, np.full(1, 10.0), zero, zero, np.ones(1), COMPILED)
    assert base[0] == pytest.approx(10 * R.debt_per_day)
    assert pushed[0] > base[0] > governed[0]
    assert cap.debt_after(np.full(1, 3.0), zero, np.full(1, 5.0), zero, zero, COMPILED)[0] == 0.0


def test_debt_drags_on_effort_whatever_the_headcount():
    # The multiplier has no people in it: hiring does not dilute the debt of the code a team owns.
    assert cap.effort(np.array([0.0, R.debt_doubling]), R.debt_doubling).tolist() == [1.0, 2.0]


def test_morale_follows_pressure_firefighting_and_safety():
    m = np.full(1, 0.6)

    def settle(excess, unplanned, safety):
        out = m
        for _ in range(200):
            out = cap.morale_after(
                out, np.full(1, excess), np.full(1, unplanned), np.full(1, safety), COMPILED
            )
        return out[0]

    assert settle(0.0, 0.0, 0.5) > settle(0.4, 0.0, 0.5)
    assert settle(0.0, 0.0, 0.5) > settle(0.0, 0.3, 0.5)
    assert settle(0.0, 0.0, 0.9) > settle(0.0, 0.0, 0.5)


def test_bad_rules_are_refused_by_name():
    with pytest.raises(ConfigError, match="practice_half_life"):
        CapabilityRules(practice_half_life=1)
