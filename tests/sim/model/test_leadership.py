"""Leadership's decision rules: delayed perception, attribution, adjustment and patience."""

import math

import numpy as np
import pytest

from sim.model import leadership as lead
from sim.model.leadership import LeadershipRules
from sim.model.schema import ConfigError

R = LeadershipRules()


def week(perceived, pressure, improvement, attribution, policy=0.3, budget=0.1, rules=R):
    return lead.decide(
        np.array([perceived]),
        np.array([pressure]),
        np.array([improvement]),
        np.array([policy]),
        np.array([budget]),
        np.array([attribution]),
        rules.pressure_response,
        rules.improvement_cut,
        rules.improvement_response,
        rules.max_improvement,
        lead.smoothing(rules.adjustment_weeks),
    )


def test_gap_is_the_unmet_share_of_the_target():
    gap = lead.delivery_gap(np.array([7.0, 12.0, 3.0, 0.0]), np.array([10.0, 10.0, 0.0, 5.0]))
    assert gap.tolist() == pytest.approx([0.3, 0.0, 0.0, 1.0])


def test_perception_is_a_first_order_delay_with_its_mean_lag():
    # A step in the gap is perceived as 1 - exp(-t / tau): 63% after tau weeks.
    weight = lead.smoothing(R.perception_weeks)
    perceived = np.zeros(1)
    for _ in range(int(R.perception_weeks)):
        perceived = lead.perceive(perceived, np.ones(1), weight)
    assert perceived[0] == pytest.approx(1 - math.exp(-1), rel=1e-9)
    assert lead.smoothing(1.0) == 1.0


def test_no_gap_leaves_the_policy_as_it_is():
    pressure, improvement = week(0.0, 0.3, 0.1, 0.7)
    assert pressure[0] == pytest.approx(0.3) and improvement[0] == pytest.approx(0.1)


def test_a_gap_put_down_to_effort_raises_pressure_and_cuts_improvement():
    pressure, improvement = 0.3, 0.1
    for _ in range(52):
        p, i = week(0.3, pressure, improvement, attribution=1.0)
        pressure, improvement = p[0], i[0]
    assert pressure == pytest.approx(0.3 + R.pressure_response * 0.3, rel=1e-3)
    assert improvement == pytest.approx(0.1 * (1 - R.improvement_cut * 0.3), rel=1e-3)


def test_a_gap_put_down_to_the_system_adds_improvement_not_pressure():
    pressure, improvement = 0.3, 0.1
    for _ in range(52):
        p, i = week(0.3, pressure, improvement, attribution=0.0)
        pressure, improvement = p[0], i[0]
    assert pressure == pytest.approx(0.3)
    assert improvement == pytest.approx(0.1 + R.improvement_response * 0.3, rel=1e-3)


@pytest.mark.parametrize("attribution", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_attribution_moves_pressure_up_and_improvement_down_monotonically(attribution):
    lo_p, lo_i = week(0.4, 0.3, 0.1, attribution)
    hi_p, hi_i = week(0.4, 0.3, 0.1, min(attribution + 0.1, 1.0))
    assert hi_p[0] >= lo_p[0] and hi_i[0] <= lo_i[0]


def test_pressure_and_improvement_stay_within_their_ranges():
    p, i = week(1.0, 1.0, 0.5, 1.0, policy=0.9, budget=0.5)
    assert 0 <= p[0] <= 1 and 0 <= i[0] <= R.max_improvement
    p, i = week(1.0, 0.0, 0.5, 0.0, budget=0.5)
    assert i[0] <= R.max_improvement


def test_a_programme_without_payoff_is_abandoned_at_patience_and_a_paying_one_kept():
    active = np.ones((2, 2), dtype=np.bool_)
    at_start = np.array([[10.0, 10.0], [10.0, 10.0]])
    delivered = np.array([9.5, 11.0])  # world 0 worse than at the start, world 1 better
    patience = np.array([26.0, 26.0])
    young = lead.review_programmes(active, np.full((2, 2), 25), at_start, delivered, patience)
    assert young.tolist() == [0, 0] and active.all()
    n = lead.review_programmes(active, np.array([[26, 30], [26, 26]]), at_start, delivered, patience)
    assert n.tolist() == [1, 0]
    assert active.tolist() == [[False, True], [True, True]]  # judged once, at patience


def test_bad_rules_are_refused_by_name():
    with pytest.raises(ConfigError, match="perception_weeks"):
        LeadershipRules(perception_weeks=0.5)
    with pytest.raises(ConfigError, match="max_improvement"):
        LeadershipRules(max_improvement=1.5)
