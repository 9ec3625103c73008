import json
from collections import Counter

import numpy as np
import pytest

from sim import OrgModel
from viz.network import (
    ALL_COUPLING_UP_TO,
    COACHING,
    COUPLED,
    DELIVERS,
    PLATFORM,
    coaching_edges,
    network_data,
    org_config,
    org_run,
    organisation_summary,
    simulate_org,
    team_label,
    team_summary,
)
from viz.plots import history_spec, network_spec


@pytest.fixture(scope="module")
def model():
    """A small organisation with platform and enabling teams, run for 30 weeks."""
    model = OrgModel(org_config(["org.teams=12", "weeks=30", "intervention=[foundations_first]"]))
    model.run_for(30)
    return model


def test_graph_is_the_models_structure(model):
    run = org_run(model)
    structure = model.organisation.structure
    kinds = dict(run.graph.nodes(data="kind"))
    assert Counter(kinds.values()) == {"team": 12, "business_unit": 4, "platform": 2, "enabling": 1}
    by_kind = Counter(kind for _, _, kind in run.graph.edges(data="kind"))
    assert by_kind[DELIVERS] == by_kind[PLATFORM] == 12
    for team in range(12):
        node = ("team", team)
        assert run.graph.nodes[node]["team"] == team
        (unit,) = (b for b in run.graph.successors(node) if kinds[b] == "business_unit")
        assert unit == ("bu", structure.unit_of[team])
        (platform,) = (p for p in run.graph.predecessors(node) if kinds[p] == "platform")
        assert run.graph.nodes[platform]["team"] == structure.platform_of[team]
    sources, targets, shares = structure.edges
    coupled = {(a[1], b[1]): d["share"] for a, b, d in run.graph.edges(data=True) if d["kind"] == COUPLED}
    # From the team needed to the one that needs it, as every edge goes from who serves to who is served.
    assert coupled == {
        (int(t), int(s)): pytest.approx(w) for s, t, w in zip(sources, targets, shares, strict=True)
    }
    assert team_label(run, 3) == "Team 3" and team_label(run, 13) == "Platform team 1"


def test_an_organisation_without_platform_or_enabling_people_has_only_units_and_teams():
    run = simulate_org(["org=startup", "org.teams=6", "weeks=2", "intervention=[none]"])
    kinds = Counter(kind for _, kind in run.graph.nodes(data="kind"))
    assert kinds["team"] == 6 and not {"platform", "enabling"} & set(kinds)
    nodes, edges, arcs, _ = network_data(run, "skill", week=2, selected=0)
    assert {e["kind"] for e in edges} == {DELIVERS} and arcs


def test_coached_teams_are_linked_to_the_enabling_team(model):
    graph = org_run(model).graph
    edges = coaching_edges(graph, np.array([0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
    assert edges == [
        (("enabling", 0), ("team", 1)),
        (("enabling", 0), ("team", 2)),
        (("enabling", 0), ("team", 4)),
    ]


def test_the_network_highlights_the_chosen_teams_links_and_has_no_nan(model):
    run = org_run(model)
    nodes, edges, arcs, limits = network_data(run, "change_failure_rate", week=30, selected=4)
    teams = [n for n in nodes if n["team"] is not None]
    assert len(teams) == 14 and [n["team"] for n in teams if n["selected"]] == [4]
    frame = run.teams[run.teams["week"] == 30].set_index("team")["change_failure_rate"]
    assert [n["team"] for n in teams if n["value"] is None] == [int(t) for t in frame.index[frame.isna()]]
    chosen = {e["kind"] for e in edges if e["chosen"]}
    assert {DELIVERS, PLATFORM} <= chosen
    assert {r["pair"] for r in arcs if r["chosen"] and "pair" in r} == {"teams 3 and 4", "teams 4 and 5"}
    assert all(len([r for r in arcs if r["edge"] == e]) == 3 for e in {r["edge"] for r in arcs})
    spec = network_spec(nodes, edges, arcs, "change_failure_rate", 30, limits)
    json.dumps(spec, allow_nan=False)  # the browser's JSON has no NaN
    coaching = [e for e in edges if e["kind"] == COACHING]
    assert len(coaching) == int((run.teams.query("week == 30")["coached"] > 0).sum())


def test_every_team_of_a_large_organisation_has_its_own_place_under_its_unit():
    run = simulate_org(["org.teams=300", "weeks=1"])
    nodes, edges, arcs, limits = network_data(run, "skill", week=1, selected=7)
    teams = [n for n in nodes if n["kind"] == "stream-aligned team"]
    assert len(teams) == 300 and len({(n["x"], n["y"]) for n in teams}) == 300
    assert [n["team"] for n in teams if n["selected"]] == [7]
    units = {n["name"]: n["x"] for n in nodes if n["kind"] == "business unit"}
    per_unit = Counter(n["unit"] for n in teams)
    for team in teams:
        # a team sits within its unit's share of the width, which is centred on the unit
        assert abs(team["x"] - units[team["unit"]]) <= per_unit[team["unit"]] / 300 / 2 + 1e-4
    platforms = [n for n in nodes if n["kind"] == "platform team"]
    x = {n["team"]: n["x"] for n in teams}
    for platform in platforms:
        first, last = (int(t) for t in platform["unit"].removeprefix("teams ").split("-"))
        assert x[first] <= platform["x"] <= x[last], "a platform team sits under the teams it serves"
    assert limits[0] < limits[1]
    assert len({r["edge"] for r in arcs}) > 300, "at this size every coupling is drawn"


def test_a_very_large_organisation_draws_only_the_chosen_teams_coupling():
    run = simulate_org([f"org.teams={ALL_COUPLING_UP_TO + 20}", "weeks=1"])
    _, _, arcs, _ = network_data(run, "skill", week=1, selected=50)
    assert arcs and all(r["chosen"] for r in arcs)


def test_team_history_charts_the_chosen_team_against_the_teams_of_its_kind(model):
    run = org_run(model)
    spec = history_spec(run.teams, team=2, metric="flow_time_days", week=5)
    rows = spec["data"]["values"]
    expected = run.teams[run.teams["team"] == 2]["flow_time_days"].to_numpy()
    assert [r["week"] for r in rows] == list(range(1, 31))
    assert np.allclose(
        [np.nan if r["team"] is None else r["team"] for r in rows], expected, rtol=1e-3, equal_nan=True
    )
    stream = run.teams[run.teams["business_unit"] >= 0]
    assert rows[-1]["median"] == pytest.approx(
        stream.query("week == 30")["flow_time_days"].median(), rel=1e-3
    )
    assert spec["layer"][-1]["data"]["values"] == [{"week": 5}]
    platform = history_spec(run.teams, team=12, metric="people", week=5, label="Platform team 0")
    assert (
        "platform teams" in platform["description"] and platform["title"]["text"] == "Platform team 0: people"
    )


def test_summaries_say_whom_a_team_serves_and_needs_and_the_value_in_thousands(model):
    run = org_run(model)
    text = team_summary(run, 4, 30)
    assert text.startswith("**Team 4** serves business unit 1, and platform team 0 serves it")
    assert "coupled to team 3" in text and "flow time" in text and "utilisation" in text
    assert team_summary(run, 13, 30).startswith("**Platform team 1** serves stream-aligned teams 6 to 11")
    week = run.weekly.loc[30]
    assert f"net value {week['net_value']:,.0f} k" in organisation_summary(run, 30)


def test_colour_and_chosen_team_go_into_the_address_and_come_back():
    from viz.organisation import DEFAULT_VIEW, view_from, view_params

    assert view_params(DEFAULT_VIEW) == {}
    shown = ("flow_time_days", 7)
    problems: list[str] = []
    assert view_from(view_params(shown), problems) == shown and not problems
    assert view_from({"color": "nonsense", "team": "x"}, problems) == DEFAULT_VIEW
    assert len(problems) == 2 and "color=nonsense" in problems[0]
