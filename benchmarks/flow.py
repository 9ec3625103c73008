"""Speed and memory of the flow engine (sim.model.flow) on the model's three budget shapes.

Each case runs in a fresh Python process, so that its peak memory
(``ru_maxrss``) is its own; each first loads the compiled engine with a
one-week run of one team (``load_s``), so that the times are the runs' own:

* ``default``: one world of 12 teams, 156 weeks (the default run's shape);
* ``batch_40``: 40 worlds of 12 teams, 156 weeks (the studio's what-if batch);
* ``teams_10000``: one world of 10,000 teams, 156 weeks.

The organisation is the same in every case: teams of 8 people (32 person-days
a week), features at about 80% of capacity plus improvements, experiments and
a few incidents; one team in six is a platform team that the others' features
need 20% of the time; deploys every 2 days that fail 15% of the time; waiting
features withdrawn at 2% a week. ``step`` times the engine with the drivers
built once; ``step+drivers`` builds and checks the drivers every week, as the
model will when it sets them from its state.

Budgets of the whole model (issue 16): default run <= 50 ms, 40-run batch <= 1 s,
10,000 teams x 156 weeks <= 20 s and <= 2 GB; the engine should be a clear fraction.

    python benchmarks/flow.py            # every case, about a minute
    python benchmarks/flow.py --quick    # without teams_10000

A script, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {"default": (1, 12, 5), "batch_40": (40, 12, 3), "teams_10000": (1, 10_000, 1)}
WEEKS = 156


def _drivers(worlds: int, teams: int, check: bool = True):
    import numpy as np

    from sim.model.flow import Dependencies, Drivers, FlowParams, Kind

    p = FlowParams()
    capacity = 32.0
    platform = np.arange(teams) % 6 == 5 if teams >= 6 else np.zeros(teams, bool)
    rates = np.zeros((teams, len(Kind)))
    # ~80% of capacity: features on stream teams, their own backlog on platform teams, on top of requests.
    rates[:, Kind.FEATURE] = np.where(platform, 1.0, 0.7 * capacity / p.mean_size(Kind.FEATURE))
    rates[:, Kind.IMPROVEMENT] = 0.5
    rates[:, Kind.EXPERIMENT] = 0.2
    rates[:, Kind.INCIDENT] = 0.1
    sources = np.flatnonzero(~platform)
    targets = np.flatnonzero(platform)
    if targets.size:
        deps = Dependencies.from_edges(sources, targets[sources % targets.size], None, worlds, teams)
    else:
        deps = Dependencies.none(worlds, teams)
    return Drivers.build(
        worlds,
        teams,
        capacity=capacity,
        wip_limit=4,
        arrival_rate=rates,
        dependency_prob=np.where(platform, 0.0, 0.2),
        dependencies=deps,
        deploy_interval=2.0,
        failure_prob=0.15,
        withdraw_rate=0.02,
        feature_value=10.0,
        check=check,
    )


def run_case(name: str) -> dict:
    """Run one case in this process and return its measurements."""
    t = time.perf_counter()
    from sim.model.flow import Drivers, FlowEngine, FlowParams, Out

    FlowEngine(FlowParams(), [0], 1).step(Drivers.build(1, 1, arrival_rate=1.0))
    load_s = time.perf_counter() - t
    worlds, teams, repeats = CASES[name]
    drivers = _drivers(worlds, teams)

    def once(rebuild: bool) -> tuple[float, float, int]:
        engine = FlowEngine(FlowParams(), range(worlds), teams)
        arrived = 0.0
        done = 0.0
        t0 = time.perf_counter()
        for _ in range(WEEKS):
            d = _drivers(worlds, teams) if rebuild else drivers
            out = engine.step(d, check=rebuild)
            arrived += out[Out.ARRIVED].sum()
            done += out[Out.FINISHED].sum()
        return time.perf_counter() - t0, arrived, engine.store.capacity

    step = min(once(False) for _ in range(repeats))
    with_drivers = min(once(True) for _ in range(repeats))[0]
    team_weeks = worlds * teams * WEEKS
    return {
        "case": name,
        "worlds": worlds,
        "teams": teams,
        "weeks": WEEKS,
        "load_s": load_s,
        "step_s": step[0],
        "step_drivers_s": with_drivers,
        "us_per_team_week": 1e6 * step[0] / team_weeks,
        "us_per_item": 1e6 * step[0] / step[1],
        "items": step[1],
        "store_slots": step[2],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip teams_10000")
    parser.add_argument("--case", choices=CASES, help="run one case in this process (JSON on stdout)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    results = []
    for name in CASES:
        if args.quick and name == "teams_10000":
            continue
        done = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, env=env, check=True
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    head = f"{'case':<12} {'worlds x teams':>14} {'step':>9} {'+drivers':>9} {'us/team-wk':>10} {'us/item':>8} {'items':>10} {'peak MB':>8} {'load s':>7}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r['case']:<12} {r['worlds']:>5} x {r['teams']:<6} {r['step_s'] * 1e3:>7.1f}ms"
            f" {r['step_drivers_s'] * 1e3:>7.1f}ms {r['us_per_team_week']:>10.2f} {r['us_per_item']:>8.2f}"
            f" {r['items']:>10,.0f} {r['peak_mb']:>8.0f} {r['load_s']:>7.2f}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
