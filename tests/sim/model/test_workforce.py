"""People: hiring lag, ramp-up and mentoring, coordination overhead, attrition; headcount conserved."""

import numpy as np
import pytest

from sim.model import workforce as wf
from sim.model.schema import ConfigError
from sim.model.workforce import WORKING_DAYS, WorkforceRules

R = WorkforceRules()


def team(experienced, ramp=R.ramp_weeks, lag=R.hiring_lag_weeks, worlds=1, teams=1):
    return (
        np.full((worlds, teams), float(experienced)),
        np.zeros((worlds, teams, ramp)),
        np.zeros((worlds, teams, lag)),
    )


def cap(experienced, cohorts, rules=R):
    return wf.capacity(
        experienced, cohorts, rules.novice_output, rules.mentoring_share, rules.coordination_per_peer
    )


def headcount(experienced, cohorts):
    return experienced.sum() + cohorts.sum()


def test_an_experienced_team_works_its_days_less_coordination():
    e, c, _ = team(8)
    days, onboarding, coordination = cap(e, c)
    assert coordination[0, 0] == pytest.approx(7 * R.coordination_per_peer)
    assert days[0, 0] == pytest.approx(WORKING_DAYS * 8 * (1 - 7 * R.coordination_per_peer))
    assert onboarding[0, 0] == pytest.approx(0.0)


def test_shares_of_time_sum_to_one_with_novices():
    e, c, _ = team(6)
    c[0, 0, :3] = [1.0, 2.0, 1.0]
    days, onboarding, coordination = cap(e, c)
    people = 10.0
    assert days[0, 0] / (WORKING_DAYS * people) + onboarding[0, 0] + coordination[0, 0] == pytest.approx(1.0)
    assert onboarding[0, 0] > 0


def test_a_team_of_fifteen_delivers_less_than_one_and_a_half_teams_of_ten():
    big = cap(*team(15)[:2])[0][0, 0]
    ten = cap(*team(10)[:2])[0][0, 0]
    assert big < 1.5 * ten


def test_a_hire_costs_mentor_time_before_adding_output():
    # The mechanism, not the defaults (which calibration fits): a novice who costs more mentoring than they add.
    rules = WorkforceRules(hiring_lag_weeks=0, novice_output=0.1, mentoring_share=0.4)
    e0, c0, p0 = team(6, rules.ramp_weeks, 0)
    e1, c1, p1 = team(6, rules.ramp_weeks, 0)
    without, with_hire = [], []
    for w in range(40):
        wf.advance(e0, c0, p0, np.zeros((1, 1)))
        wf.advance(e1, c1, p1, np.full((1, 1), 2.0 if w == 0 else 0.0))
        without.append(cap(e0, c0, rules)[0][0, 0])
        with_hire.append(cap(e1, c1, rules)[0][0, 0])
    gain = np.array(with_hire) - np.array(without)
    assert gain[0] < 0, "in their first week two new hires cost more than they add"
    assert gain[-1] > 0, "once ramped up they add output"
    assert np.all(np.diff(gain[: rules.ramp_weeks]) > 0), "the gain grows as they ramp up"


def test_an_offer_arrives_after_the_hiring_lag_and_ramps_for_ramp_weeks():
    rules = WorkforceRules(hiring_lag_weeks=5, ramp_weeks=4)
    e, c, p = team(3, rules.ramp_weeks, rules.hiring_lag_weeks)
    joined_at = []
    for w in range(12):
        joined = wf.advance(e, c, p, np.full((1, 1), 1.0 if w == 0 else 0.0))
        if joined[0, 0]:
            joined_at.append(w)
        if w == 5 + 4:
            assert e[0, 0] == 4.0, "experienced once ramped"
        assert headcount(e, c) + p.sum() == pytest.approx(4.0), "nobody is lost in the pipeline"
    assert joined_at == [5]


def test_leavers_come_from_every_cohort_and_headcount_is_conserved():
    e, c, _ = team(8, ramp=4, lag=0)
    c[0, 0] = [1.0, 1.0, 0.0, 2.0]
    before = headcount(e, c)
    left = wf.leave(e, c, np.full((1, 1), 3.0))
    assert headcount(e, c) == pytest.approx(before - 3.0)
    assert left[0, 0] == pytest.approx(3.0 * 8 / 12)
    wf.leave(e, c, np.full((1, 1), 100.0))
    assert headcount(e, c) == 0.0


def test_attrition_is_the_published_rate_at_normal_and_rises_with_pressure_and_low_morale():
    def p(morale, pressure):
        return wf.attrition_probability(
            np.array([morale]),
            np.array([pressure]),
            R.weekly_hazard,
            R.attrition_morale,
            R.attrition_pressure,
            R.normal_pressure,
        )[0]

    assert 1 - (1 - p(0.5, R.normal_pressure)) ** 52 == pytest.approx(R.attrition_annual)
    assert p(0.5, 0.9) > p(0.5, 0.5) > p(0.5, R.normal_pressure) == p(0.5, 0.0)
    assert p(0.2, 0.3) > p(0.5, 0.3) > p(0.9, 0.3)


def test_bad_rules_are_refused_by_name():
    with pytest.raises(ConfigError, match="ramp_weeks"):
        WorkforceRules(ramp_weeks=0)
    with pytest.raises(ConfigError, match="attrition_annual"):
        WorkforceRules(attrition_annual=1.0)
