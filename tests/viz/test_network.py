from collections import Counter

import numpy as np

from viz.network import coaching_edges, network_data, simulate_org
from viz.plots import history_spec


def test_graph_links_teams_to_their_business_units_and_platform_teams():
    run = simulate_org(["org.teams=9", "weeks=30", "intervention=[platform_team]"])
    kinds = dict(run.graph.nodes(data="kind"))
    teams = [n for n, k in kinds.items() if k == "team"]
    assert len(teams) == 9 and sum(k == "business_unit" for k in kinds.values()) == 3
    for team in teams:
        served = {kinds[s] for s in run.graph.successors(team)}
        assert served == {"business_unit"}
        assert any(kinds[p] == "platform" for p in run.graph.predecessors(team))
    assert set(run.teams["week"]) == set(range(1, 31))


def test_coached_teams_are_dealt_out_to_enabling_teams():
    run = simulate_org(["org.teams=6", "weeks=2"])
    run.graph.add_node(("enabling", 0), kind="enabling")
    run.graph.add_node(("enabling", 1), kind="enabling")
    edges = coaching_edges(run.graph, np.array([0, 1, 1, 0, 1, 0]))
    assert edges == [
        (("enabling", 0), ("team", 1)),
        (("enabling", 1), ("team", 2)),
        (("enabling", 0), ("team", 4)),
    ]


def test_every_team_of_a_large_organisation_has_its_own_place_under_its_unit():
    run = simulate_org(["org.teams=300", "weeks=1"])
    nodes, edges, limits = network_data(run, "skill", week=1, selected=7)
    teams = [n for n in nodes if n["kind"] == "stream-aligned team"]
    assert len(teams) == 300 and len({(n["x"], n["y"]) for n in teams}) == 300
    assert [n["team"] for n in teams if n["selected"]] == [7]
    units = {n["name"]: n["x"] for n in nodes if n["kind"] == "business unit"}
    per_unit = Counter(n["unit"] for n in teams)
    for team in teams:
        # a team sits within its unit's share of the width, which is centred on the unit
        assert abs(team["x"] - units[team["unit"]]) <= per_unit[team["unit"]] / 300 / 2
    assert limits[0] < limits[1]
    assert all(e["kind"] in {"stream-aligned team", "platform team", "enabling team"} for e in edges)


def test_team_history_charts_the_chosen_team_against_all_teams():
    run = simulate_org(["org.teams=4", "weeks=10"])
    spec = history_spec(run.teams, team=2, metric="morale", week=5)
    rows = spec["data"]["values"]
    expected = run.teams[run.teams["team"] == 2]["morale"].to_numpy()
    assert [r["week"] for r in rows] == list(range(1, 11))
    assert np.allclose([r["team"] for r in rows], expected, rtol=1e-3)
    assert all(r["p10"] <= r["median"] <= r["p90"] for r in rows)
    assert spec["layer"][-1]["data"]["values"] == [{"week": 5}]
