"""Model v2's weekly frame: the API's columns, measured from items and people, consistent with each other."""

import pytest

from sim.model.metrics import COLUMNS
from sim.model.organisation import Organisation, Setup
from sim.model.record import WeeklyRecord


def frames(setup=None, seeds=(1, 2), weeks=80, levers=None):
    setup = setup or Setup(load=0.5, platform=2)
    org = Organisation(setup, list(seeds))
    record = WeeklyRecord(len(seeds), weeks, setup.stream, org.units)
    policy = {"platform_capacity": setup.platform * setup.platform_size / setup.stream, **(levers or {})}
    for _ in range(weeks):
        record.add(org.step(policy))
    return [record.frame(i) for i in range(len(seeds))]


@pytest.fixture(scope="module")
def weekly():
    return frames()


def test_every_column_of_the_api_and_the_new_ones(weekly):
    f = weekly[0]
    assert tuple(f.columns) == COLUMNS
    assert f.index.name == "week" and f.index[0] == 1 and len(f) == 80


def test_where_the_time_went_sums_to_one(weekly):
    for f in weekly:
        shares = f[[c for c in COLUMNS if c.startswith("share_")]]
        assert shares.shape[1] == 6
        assert shares.sum(axis=1).to_numpy() == pytest.approx(1.0)
        assert (shares.to_numpy() >= -1e-12).all()


def test_utilisation_is_a_share(weekly):
    for f in weekly:
        assert f["utilisation"].between(0, 1).all()


def test_littles_law_holds_in_the_frame(weekly):
    for f in weekly:
        steady = f.loc[30:]
        throughput = steady["items_done"].sum() / (7.0 * len(steady))
        mean_flow = (steady["flow_time_days"] * steady["items_done"]).sum() / steady["items_done"].sum()
        assert steady["items_in_system"].mean() == pytest.approx(throughput * mean_flow, rel=0.10)


def test_dora_keys_are_in_their_units_and_the_cluster_follows_them(weekly):
    f = weekly[0]
    assert f["change_failure_rate"].dropna().between(0, 1).all()
    assert (f["lead_time_p85_days"].dropna() >= f["lead_time_days"].dropna() - 1e-9).all()
    assert (f["time_to_restore_hours"].dropna() > 0).all()
    assert set(f["dora_cluster"].dropna().unique()) <= {"low", "medium", "high", "elite"}


def test_net_value_is_value_less_cost(weekly):
    f = weekly[1]
    assert f["net_value"].to_numpy() == pytest.approx((f["value"] - f["cost"]).to_numpy())


def test_an_overloaded_organisation_builds_a_queue_that_the_frame_shows():
    calm = frames(Setup(load=0.4, platform=2), seeds=(3,), weeks=60)[0]
    loaded = frames(Setup(load=1.2, platform=2), seeds=(3,), weeks=60)[0]
    assert loaded["items_in_system"].iloc[-10:].mean() > 5 * calm["items_in_system"].iloc[-10:].mean()
    assert loaded["flow_time_days"].iloc[-10:].mean() > 3 * calm["flow_time_days"].iloc[-10:].mean()
    # The stream-aligned teams are busy all the time; a platform team works what they ask of it.
    assert loaded["utilisation"].iloc[-10:].mean() > max(0.9, calm["utilisation"].iloc[-10:].mean())
