"""Model v2's week: teams that depend on each other, leadership that decides, people who come and go."""

import dataclasses

import numpy as np
import pytest

from sim.model.compiled import record
from sim.model.leadership import LeadershipRules
from sim.model.organisation import Organisation, Setup
from sim.model.params import Params
from sim.model.schema import ConfigError
from sim.model.week import coached

DEFAULT, NEUTRAL = Setup(), {}


def run(setup=DEFAULT, seeds=(1, 2, 3), weeks=52, policy=NEUTRAL, each=None, params=None):
    # Unless a test says otherwise, leadership keeps the platform teams at their starting size.
    policy = {"platform_capacity": setup.platform * setup.platform_size / setup.stream, **policy}
    org = Organisation(setup, list(seeds), params)
    weekly = []
    for week in range(weeks):
        if each:
            each(org, week)
        weekly.append(org.step(policy))
    return org, weekly


def stack(weekly, name):
    return np.stack([m[name] for m in weekly])


def test_items_are_conserved_in_every_team():
    org, weekly = run(weeks=30)
    totals = org.engine.totals()
    assert (totals["arrived"] == totals["finished"] + totals["in_system"] + totals["withdrawn"]).all()
    assert stack(weekly, "arrived").sum(axis=0) == pytest.approx(totals["arrived"])


def test_headcount_is_conserved_through_leavers_and_hires():
    org, weekly = run(weeks=52)
    start = Setup().stream * Setup().team_size + Setup().platform * Setup().platform_size
    left = stack(weekly, "leavers").sum(axis=(0, 2))
    pipeline = org.pipeline.sum(axis=(1, 2)) + org._offers.sum(axis=1)
    # Everyone who left was replaced by an offer: some are still in the pipeline (or just made).
    assert org.people().sum(axis=1) + pipeline == pytest.approx(np.full(3, start), abs=1e-9)
    assert (left > 0).all(), "a year of attrition at the published rate loses someone"


def test_littles_law_holds_for_the_organisation_in_steady_state():
    _, weekly = run(Setup(load=0.5, platform=2), seeds=(5, 6), weeks=120)
    steady = slice(40, 120)
    in_system = stack(weekly, "in_system_mean")[steady].sum(axis=2).mean()
    finished = stack(weekly, "finished")[steady]
    flow = stack(weekly, "flow_time")[steady]
    throughput = finished.sum(axis=2).mean() / 7.0  # items per day
    mean_flow = np.nansum(flow * finished) / finished.sum()
    assert in_system == pytest.approx(throughput * mean_flow, rel=0.10)


def test_an_understaffed_platform_is_the_bottleneck_and_staffing_it_relieves_the_teams():
    small = Setup(load=0.7, platform=1, platform_size=3)
    big = dataclasses.replace(small, platform_size=12)
    _, thin = run(small, weeks=60)
    _, staffed = run(big, weeks=60)
    late = slice(30, 60)
    assert stack(thin, "utilisation")[late][:, :, 12].mean() > 0.97
    assert (
        stack(thin, "blocked")[late].sum(axis=2).mean()
        > 3 * stack(staffed, "blocked")[late].sum(axis=2).mean()
    )
    assert np.nanmean(stack(thin, "flow_time")[late][:, :, :12]) > np.nanmean(
        stack(staffed, "flow_time")[late][:, :, :12]
    )


def test_debt_in_one_team_slows_the_teams_coupled_to_it_and_not_the_uncoupled():
    def shock(org, week):
        if week == 10:
            org.debt[:, 0] *= 10

    def dependent_flow(weekly, team):
        # Mean flow time of the team's items that needed another team's change, weeks 20-59.
        flow, n = stack(weekly, "flow_time_dep")[20:, :, team], stack(weekly, "finished_dep")[20:, :, team]
        return np.nansum(flow * n) / n.sum()

    # Leadership answers the whole organisation's gap, so it passes one team's trouble on to all:
    # here it holds still, to isolate what the teams' own coupling does.
    still = Params(leadership=LeadershipRules(pressure_response=0, improvement_cut=0, improvement_response=0))
    setup = Setup(coupling=0.6, platform=0, load=0.6)
    seeds = range(1, 7)
    _, calm = run(setup, seeds=seeds, weeks=60, params=still)
    _, hit = run(setup, seeds=seeds, weeks=60, each=shock, params=still)
    # Team 1's code is coupled to team 0's: its items that need team 0 wait on it.
    assert dependent_flow(hit, 1) > 1.15 * dependent_flow(calm, 1)
    # Without coupling, team 11 (of another business unit) shares nothing with team 0: its items,
    # draws and numbers are exactly the same. (Coupled, the trouble travels along the chain of
    # dependencies; and team 0's own unit feels its waits, as its trust falls.)
    apart = dataclasses.replace(setup, coupling=0.0)
    _, calm = run(apart, seeds=seeds, weeks=60, params=still)
    _, hit = run(apart, seeds=seeds, weeks=60, each=shock, params=still)
    for name in ("flow_time", "finished", "lead_time"):
        assert np.array_equal(stack(calm, name)[:, :, 11], stack(hit, name)[:, :, 11], equal_nan=True)


def test_leadership_raises_pressure_when_the_gap_opens():
    def surge(org, week):
        if week == 20:
            org.demand *= 1.8

    _, weekly = run(Setup(load=0.6), weeks=60, each=surge)
    pressure = stack(weekly, "pressure").mean(axis=1)
    gap = stack(weekly, "perceived_gap").mean(axis=1)
    assert gap[40:].mean() > gap[:20].mean() + 0.1
    assert pressure[40:].mean() > pressure[:20].mean() + 0.05
    assert pressure[21] < pressure[40], "with the delays of perception and adjustment"


def test_an_org_that_blames_the_system_improves_where_one_that_blames_effort_pushes():
    def surge(org, week):
        if week == 5:
            org.demand *= 1.8

    _, effort = run(Setup(load=0.6), weeks=40, each=surge, policy={"attribution": 1.0})
    _, system = run(Setup(load=0.6), weeks=40, each=surge, policy={"attribution": 0.0})
    late = slice(25, 40)
    assert stack(effort, "pressure")[late].mean() > stack(system, "pressure")[late].mean()
    assert stack(effort, "improvement")[late].mean() < stack(system, "improvement")[late].mean()


def test_a_world_alone_or_in_a_batch_gives_the_same_numbers():
    _, alone = run(seeds=(7,), weeks=20)
    _, batch = run(seeds=(3, 7, 9), weeks=20)
    for name in ("finished", "flow_time", "lead_time", "leavers", "value", "pressure"):
        assert np.array_equal(stack(alone, name)[:, 0], stack(batch, name)[:, 1], equal_nan=True), name


def test_value_and_cost_are_in_money_and_net_is_their_difference():
    _, weekly = run(weeks=10)
    value, cost, net = (stack(weekly, k) for k in ("value", "cost", "net_value"))
    assert (cost > 0).all() and (value >= 0).all()
    assert net == pytest.approx(value - cost)


def late_mean(weekly, name, weeks=slice(20, None)):
    return float(np.nanmean(stack(weekly, name)[weeks]))


@pytest.mark.parametrize(
    ("levers", "measure", "direction"),
    [
        ({"wip_accept": 2.0}, "in_progress", +1),
        ({"demand": 1.5}, "arrived", +1),
        ({"people_loss": 0.02}, "leavers", +1),
        ({"disruption": 0.3}, "available", -1),
        ({"security_exposure": 5.0}, "restored", +1),
        ({"strategy_churn": 0.2}, "withdrawn", +1),
        ({"practice_investment": 1.0}, "practice", +1),
        ({"tooling": 1.0}, "practice", +1),
        ({"training": 1.0}, "skill", +1),
        ({"enabling_capacity": 1.0}, "skill", +1),
        ({"architecture_investment": 1.0}, "standards", +1),
        ({"culture_investment": 1.0}, "safety", +1),
        ({"headcount": 1.3}, "headcount", +1),
        ({"priorities": 20.0}, "finished", -1),
        ({"budget": 0.5}, "improvement", -1),
    ],
)
def test_each_lever_acts_through_its_mechanism(levers, measure, direction):
    setup = Setup(load=0.7)
    _, base = run(setup, weeks=60)
    _, moved = run(setup, weeks=60, policy=levers)
    assert direction * (late_mean(moved, measure) - late_mean(base, measure)) > 0, (levers, measure)


def test_teams_cut_by_value_stream_wait_less_on_each_other():
    # No platform, whose queue would count among the waits: only the teams' coupling.
    setup = Setup(load=0.7, platform=0, coupling=0.6)
    _, base = run(setup, weeks=60)
    _, aligned = run(setup, weeks=60, policy={"stream_alignment": 1.0})
    assert late_mean(aligned, "blocked") < late_mean(base, "blocked")


def test_architecture_standards_cut_the_teams_waits_on_each_other():
    setup = Setup(load=0.7, platform=0, coupling=0.6)
    _, base = run(setup, weeks=80)
    _, built = run(setup, weeks=80, policy={"architecture_investment": 1.0})
    assert late_mean(built, "standards") > late_mean(base, "standards")
    assert late_mean(built, "blocked", slice(40, None)) < late_mean(base, "blocked", slice(40, None))


def test_hiring_adds_people_only_after_the_lag_and_output_only_after_the_ramp():
    setup = Setup(load=0.9, platform=0)
    _, base = run(setup, weeks=40)
    _, hired = run(setup, weeks=40, policy={"headcount": 1.5})
    extra = stack(hired, "headcount") - stack(base, "headcount")
    lag = Organisation(setup, [1]).params.workforce.hiring_lag_weeks
    assert (extra[:lag].max() < 1) and (extra[lag + 2 :].min() > 0.4 * setup.stream * setup.team_size)
    # Novices and their mentors: the first weeks with the new people deliver less per head.
    per_head = stack(hired, "available").sum(axis=2) / stack(hired, "headcount")
    base_per_head = stack(base, "available").sum(axis=2) / stack(base, "headcount")
    assert per_head[lag + 1].mean() < base_per_head[lag + 1].mean()


def test_a_platform_staffed_from_nothing_grows_by_hiring_not_at_once():
    setup = Setup(platform=1, platform_size=1, load=0.5)
    lag = Organisation(setup, [1]).params.workforce.hiring_lag_weeks
    wanted = {"platform_capacity": 1.0, "staff_from_streams": 0.0}  # 12 people for 12 teams, all hired
    before, _ = run(setup, weeks=lag, policy=wanted)
    after, _ = run(setup, weeks=lag + 2, policy=wanted)
    assert before.people()[:, 12].max() <= 1.0 + 1e-9, "nobody arrives before the hiring lag"
    assert after.people()[:, 12].min() >= 10, "the offers of the first week have arrived"


def test_platform_and_enabling_people_are_moved_from_the_streams_at_once_or_hired_after_the_lag():
    setup = Setup(platform=1, platform_size=0, load=0.5)
    start = setup.stream * setup.team_size
    lag = Organisation(setup, [1]).params.workforce.hiring_lag_weeks
    # 12 platform and 6 enabling people wanted; half of the 18 moved, half hired.
    wanted = {"platform_capacity": 1.0, "enabling_capacity": 0.5, "staff_from_streams": 0.5}
    first, weekly = run(setup, weeks=1, policy=wanted)
    left = stack(weekly, "leavers")[0].sum(axis=1)
    assert first.people()[:, 12] == pytest.approx(6.0) and first.enabling == pytest.approx(3.0)
    assert first.people()[:, :12].sum(axis=1) == pytest.approx(start - left - 9.0), "the streams gave 9"
    later, weekly = run(setup, weeks=lag + 2, policy=wanted)
    assert later.people()[:, 12].min() >= 11.0 and (later.enabling > 5.5).all(), "the hires have arrived"
    # The streams hire back their leavers, not the people they gave.
    streams = later.people()[:, :12].sum(axis=1) + later.pipeline[:, :12].sum(axis=(1, 2))
    assert streams + later._offers[:, :12].sum(axis=1) == pytest.approx(np.full(3, start - 9.0), abs=1.0)


def test_people_above_a_platform_target_go_back_to_the_stream_aligned_teams():
    setup = Setup(platform=1, platform_size=12, load=0.5)
    org, _ = run(setup, weeks=1, policy={"platform_capacity": 0.5})  # 6 wanted of 12
    assert org.people()[:, 12] == pytest.approx(6.0, abs=1.0)
    assert org.people().sum(axis=1) == pytest.approx(np.full(3, 12 * 8 + 12), abs=3.0), "nobody laid off"


def test_an_unknown_lever_is_refused_by_name():
    org = Organisation(Setup(), [1])
    with pytest.raises(ConfigError, match="presure"):
        org.step({"presure": 0.5})


def test_a_business_unit_judges_by_its_own_experience_and_presses_its_own_teams():
    def trouble(org, week):
        if week == 5:
            org.debt[:, :3] *= 8  # unit 0's three teams

    org, weekly = run(Setup(load=0.7, platform=0), weeks=60, each=trouble)
    assert (org.trust[:, 0] < org.trust[:, 1:].min(axis=1)).all(), "unit 0 trusts IT least"
    withdrawn = stack(weekly, "withdrawn")[30:]
    assert withdrawn[:, :, :3].sum() > withdrawn[:, :, 3:6].sum(), "and takes more of its requests elsewhere"
    assert (org.morale[:, :3].mean(axis=1) < org.morale[:, 3:12].mean(axis=1)).all(), (
        "its teams feel its pressure"
    )


def test_enabling_people_facilitate_a_few_teams_for_an_engagement_then_move_on():
    params = Params()
    o, c = record(params.operating)[0], record(params.capability)[0]
    enabling = np.full(1, 4.0)  # two teams at a time at half a team per person
    engagement = int(params.operating.engagement_weeks)
    people = np.full((1, 12), 8.0)
    seen = [
        tuple(np.flatnonzero(coached(enabling, people, now, 12, o, c)[0]))
        for now in (0, engagement - 1, engagement, 2 * engagement)
    ]
    assert seen[0] == seen[1] and len(seen[0]) == 2, "the same teams for the whole engagement"
    assert seen[2] != seen[0] and seen[3] != seen[2], "then the next ones"


def test_leavers_take_knowledge_and_new_hires_bring_less_of_it():
    _, calm = run(Setup(load=0.6), weeks=40)
    _, exodus = run(Setup(load=0.6), weeks=40, policy={"people_loss": 0.05})
    assert stack(exodus, "skill")[-1].mean() < stack(calm, "skill")[-1].mean() - 0.05
