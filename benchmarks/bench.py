"""Speed and memory of OrgStack against its budgets (results: docs/performance.md).

Each case runs in a fresh Python process, so that peak memory is that of the
case alone (``ru_maxrss``; for sweeps, the peak of the summed resident memory
of the whole process tree, sampled every 50 ms from ``/proc``). Every case but
``boltzmann`` first loads the compiled mechanisms (a 1-week run of one team,
``load_compiled_s``), once a process like the imports, so that the times are
the runs' own:

* ``default``: one default run (``org=struggling``, 12 teams, 156 weeks): the
  model alone (``sim.api.run_config`` on a loaded configuration, best of N) and
  ``simulate()`` with Hydra composition;
* ``teams_50``, ``teams_1000``, ``teams_10000``: one run of that many
  stream-aligned teams, 156 weeks, weekly organisation metrics and per-team
  records every week (``record.team_every=1``), for the cost per team-week;
* ``boltzmann``: Mesa's own Boltzmann wealth example (shipped in
  ``mesa.examples``) with 1,000 agents on a 32 x 32 grid, 100 steps, for its
  cost per agent-step on the same machine in the same benchmark. It and
  ``teams_1000`` run one after the other in ``--repeat`` rounds, and the ratio
  is the median of the rounds' ratios, per simulated team-week (warm-up
  included);
* ``whatif``: the UI's default what-if, execution_push against
  foundations_first over 20 seeds each (40 runs of 156 weeks) through
  ``sim.simulate_many`` in one process, as the app calls it after a slider
  moved (so Hydra composes the two plans again), best of N;
* ``sweep_1`` / ``sweep_2``: ``orgstack --multirun`` of 200 runs (100 seeds x
  none, foundations_first) with 1 and 2 workers, and the same command with two
  runs (one per worker), whose time is the fixed cost (start-up of the command
  and its workers, collection). They run in rounds (``--sweep-repeat``, default
  5), each round every sweep once, so that both worker counts meet the same
  machine. A round's marginal throughput is ``198 / (t_200 - t_2)`` runs per
  second; the 2-worker gain is the median over rounds of the round's ratio;
* ``sweep_2000_1`` / ``sweep_2000``: a 2,000-run sweep on 1 and on 2
  workers, once each: the 2-worker sweep's peak memory, and the gain of 2
  workers end to end on a sweep large enough that starting the command counts
  little.

Prints two tables (measurements, budgets with PASS/FAIL) and writes JSON
(``--json``, default ``results/bench.json``)::

    python benchmarks/bench.py            # every case (~4 min on 2 cores)
    python benchmarks/bench.py --quick    # skip teams_10000 and the 2,000-run sweeps

A script, not a test: timings depend on the machine and its load. ``--strict``
makes a FAIL exit with status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

WEEKS = 156
TEAMS = {"teams_50": 50, "teams_1000": 1000, "teams_10000": 10_000}
BOLTZMANN_AGENTS, BOLTZMANN_SIDE, BOLTZMANN_STEPS = 1000, 32, 100
# Cases run in rounds, one after the other, for a ratio that the machine's drift does not decide.
RATIO_PAIR = ("teams_1000", "boltzmann")
WHATIF_PLANS, WHATIF_SEEDS = ("execution_push", "foundations_first"), 20
SWEEP_RUNS = {"sweep_1": 200, "sweep_2": 200, "sweep_2000_1": 2000, "sweep_2000": 2000}
SWEEP_WORKERS = {"sweep_1": 1, "sweep_2": 2, "sweep_2000_1": 1, "sweep_2000": 2}
CHILD_CASES = ("default", *TEAMS, "boltzmann", "whatif")
CASES = (*CHILD_CASES, *SWEEP_RUNS)
QUICK_SKIPS = ("teams_10000", "sweep_2000_1", "sweep_2000")
ORGSTACK = Path(sys.executable).parent / "orgstack"

# Budgets: (name, case, key, limit, unit, scale to the unit, whether the limit is a floor).
BUDGETS = (
    ("default run, model only (issue 2)", "default", "run_best_s", 50.0, "ms", 1000.0, False),
    ("simulated team-week at 1,000 teams / Boltzmann agent-step", "ratio", "ratio", 1.0, "x", 1.0, False),
    ("default what-if, 40 runs, one core", "whatif", "warm_best_s", 1.0, "s", 1.0, False),
    ("10,000 teams x 156 weeks, time", "teams_10000", "run_s", 10.0, "s", 1.0, False),
    ("10,000 teams x 156 weeks, peak RSS", "teams_10000", "peak_rss_mb", 1000.0, "MB", 1.0, False),
    ("2-worker / 1-worker sweep throughput", "speedup", "marginal", 1.7, "x", 1.0, True),
    ("2,000-run sweep, peak RSS of all processes", "sweep_2000", "peak_rss_mb", 2000.0, "MB", 1.0, False),
)


# ----------------------------------------------------------------------------- child side


def _peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (10^6 bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6  # bytes on macOS, KiB on Linux


def _best(fn, repeat: int) -> tuple[float, list[float]]:
    import gc

    times = []
    for i in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return min(times), times


def _whatif_runs(extra: list[str]) -> list[list[str]]:
    return [
        [*extra, f"intervention={plan}", f"seed={seed}"]
        for plan in WHATIF_PLANS
        for seed in range(WHATIF_SEEDS)
    ]


def child(case: str, repeat: int, extra: list[str]) -> dict:
    """Measure one case inside this (fresh) process and return the numbers."""
    if case == "boltzmann":
        return _boltzmann()
    start = time.perf_counter()
    import sim  # noqa: F401  (import time is part of what a user waits for)
    from sim.api import run_config, run_configs, simulate, simulate_many
    from sim.config import load_config

    out: dict = {"case": case, "import_s": time.perf_counter() - start, "extra_overrides": extra}
    # A process's first run loads the compiled mechanisms from numba's cache: a cost per
    # process, like the imports, measured on its own and kept out of the runs' times.
    start = time.perf_counter()
    run_config(load_config(["weeks=1", "org.teams=1"]))
    out["load_compiled_s"] = time.perf_counter() - start
    base = [f"weeks={WEEKS}", *extra]
    if case == "default":
        start = time.perf_counter()
        simulate(base)
        out["simulate_cold_s"] = time.perf_counter() - start
        config = load_config(base)
        out.update(teams=config.org.teams, weeks=config.weeks)
        out["run_best_s"], out["run_times_s"] = _best(lambda i: run_config(config), repeat)
        out["simulate_warm_best_s"], _ = _best(lambda i: simulate([*base, f"seed={20_000 + i}"]), repeat)
    elif case == "whatif":
        runs = _whatif_runs(base)
        start = time.perf_counter()
        frame = simulate_many(runs)
        out["cold_s"] = time.perf_counter() - start
        assert len(frame) == len(runs) * WEEKS
        configs = [load_config(r) for r in runs]
        out.update(teams=configs[0].org.teams, weeks=WEEKS, runs=len(runs))
        out["model_best_s"], _ = _best(lambda i: run_configs(configs), repeat)
        # A moved slider: new overrides, so the plans are composed again.
        out["warm_best_s"], out["warm_times_s"] = _best(
            lambda i: simulate_many(_whatif_runs([*base, f"org.layers.culture={0.3 + 0.01 * i:.2f}"])), repeat
        )
    else:
        config = load_config([f"org.teams={TEAMS[case]}", *base])
        out.update(
            teams=config.org.teams,
            weeks=config.weeks,
            warmup_weeks=config.params.warmup_weeks,
            record_team_every=config.record.team_every,
        )
        start = time.perf_counter()
        result = run_config(config)
        out["run_s"] = time.perf_counter() - start
        assert len(result.weekly) == WEEKS and len(result.teams) == config.org.teams * WEEKS
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _boltzmann() -> dict:
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    start = time.perf_counter()
    model = BoltzmannWealth(
        BoltzmannScenario(n=BOLTZMANN_AGENTS, width=BOLTZMANN_SIDE, height=BOLTZMANN_SIDE, rng=42)
    )
    for _ in range(BOLTZMANN_STEPS):
        model.step()
    seconds = time.perf_counter() - start
    return {
        "case": "boltzmann",
        "agents": BOLTZMANN_AGENTS,
        "steps": BOLTZMANN_STEPS,
        "run_s": seconds,
        "us_per_agent_step": seconds / (BOLTZMANN_AGENTS * BOLTZMANN_STEPS) * 1e6,
        "peak_rss_mb": _peak_rss_mb(),
    }


# ----------------------------------------------------------------------------- parent side


def run_case(case: str, repeat: int, extra: list[str], timeout: float) -> dict:
    """Run one child case in a fresh interpreter and return its numbers (or an ``error``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case, "--repeat", str(repeat)]
    for item in extra:
        cmd += ["--override", item]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": case, "error": f"timed out after {timeout:g} s"}
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return {"case": case, "error": lines[-1] if lines else f"exit status {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def paired_cases(cases: Sequence[str], rounds: int, extra: list[str], timeout: float) -> dict[str, dict]:
    """Run ``cases`` one after the other, ``rounds`` times, so that each round's cases meet the same machine.

    Each case's numbers are those of its median round, with every round's time in ``run_s_by_round``.
    """
    runs: dict[str, list[dict]] = {case: [] for case in cases}
    for _ in range(rounds):
        for case in cases:
            runs[case].append(run_case(case, 1, extra, timeout))
    out = {}
    for case, results in runs.items():
        errors = [r for r in results if "error" in r]
        if errors:
            out[case] = errors[0]
            continue
        ordered = sorted(results, key=lambda r: r["run_s"])
        out[case] = {**ordered[len(ordered) // 2], "run_s_by_round": [r["run_s"] for r in results]}
    return out


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux ``/proc``)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            for task in os.listdir(f"/proc/{p}/task"):
                stack += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except (OSError, ValueError):
            continue
        rss = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "0")
        total += int(rss) * 1024
    return total / 1e6


def timed_sweep(args: list[str], workdir: Path, timeout: float) -> dict:
    """Run ``orgstack --multirun ARGS`` and return its wall time and the peak memory of its process tree."""
    cmd = [str(ORGSTACK), "--multirun", *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"error": f"timed out after {timeout:g} s"}
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        lines = (stderr or stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit status {proc.returncode}"}
    return {"seconds": seconds, "peak_rss_mb": peak}


def _spin(n: int) -> None:
    total = 0
    for i in range(n):
        total += i


def machine_scaling(iterations: int = 10_000_000) -> float:
    """How much more one CPU-bound pure-Python task gets done in 2 processes than in 1, now.

    The ceiling of any 2-worker gain on this machine at this moment: a shared
    VM's second core is not always a whole core.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    _spin(iterations)
    one = time.perf_counter() - start
    procs = [context.Process(target=_spin, args=(iterations,)) for _ in range(2)]
    start = time.perf_counter()
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return 2 * one / (time.perf_counter() - start)


def sweep_cases(cases: Sequence[str], extra: list[str], timeout: float, repeat: int) -> dict[str, dict]:
    """Time sweeps of SWEEP_RUNS[case] runs and two-run sweeps with the same workers, ``repeat`` rounds.

    Each round runs every case once, its big sweep and its two-run sweep, in an
    order that turns from round to round: the machine's speed drifts (a shared
    2-core VM varies by a quarter from minute to minute), and cases measured in
    separate blocks would compare a fast minute with a slow one. A case's
    marginal throughput is taken in each round, from that round's two sweeps.
    """
    out: dict[str, dict] = {}
    rounds: dict[str, list[tuple[dict, dict]]] = {case: [] for case in cases}
    scaling = []
    for i in range(repeat):
        scaling.append(machine_scaling())
        for case in (*cases[i % len(cases) :], *cases[: i % len(cases)]):
            runs, workers = SWEEP_RUNS[case], SWEEP_WORKERS[case]
            common = [f"weeks={WEEKS}", f"hydra.launcher.n_jobs={workers}", *extra]
            with tempfile.TemporaryDirectory(prefix="orgstack-bench-") as tmp:
                big = timed_sweep(
                    [
                        f"seed=range(0,{runs // 2})",
                        "intervention=none,foundations_first",
                        "hydra.sweep.dir=big",
                    ]
                    + common,
                    Path(tmp),
                    timeout,
                )
                # Two runs: one per worker, so that the fixed cost includes starting every worker.
                small = timed_sweep(
                    ["seed=0", "intervention=none,foundations_first", "hydra.sweep.dir=small", *common],
                    Path(tmp),
                    timeout,
                )
            rounds[case].append((big, small))
    for case in cases:
        runs, workers = SWEEP_RUNS[case], SWEEP_WORKERS[case]
        out[case] = {
            "case": case,
            "runs": runs,
            "workers": workers,
            "teams": 12,
            "weeks": WEEKS,
            "repeat": repeat,
        }
        failed = [part for pair in rounds[case] for part in pair if "error" in part]
        if failed:
            out[case]["error"] = failed[0]["error"]
            continue
        bigs = [big["seconds"] for big, _ in rounds[case]]
        smalls = [small["seconds"] for _, small in rounds[case]]
        marginal = [(runs - 2) / max(b - s, 1e-9) for b, s in zip(bigs, smalls, strict=True)]
        out[case].update(
            seconds=min(bigs),
            times_s=bigs,
            fixed_times_s=smalls,
            peak_rss_mb=max(big["peak_rss_mb"] for big, _ in rounds[case]),
            fixed_s=min(smalls),
            runs_per_s=runs / min(bigs),
            marginal_by_round=marginal,
            marginal_runs_per_s=statistics.median(marginal),
            machine_scaling_by_round=scaling,
        )
    return out


def derived(cases: dict[str, dict]) -> dict[str, dict]:
    """Ratios between cases: team-week against Boltzmann agent-step, 2 against 1 worker."""
    out: dict[str, dict] = {}
    ours, theirs = cases.get("teams_1000", {}), cases.get("boltzmann", {})
    if "run_s_by_round" in ours and "run_s_by_round" in theirs:
        # Every week simulated costs the same, the warm-up's too; the recorded weeks alone would
        # charge the warm-up to them. Paired by round: both ran within seconds of each other.
        steps = theirs["agents"] * theirs["steps"]
        by_round = [
            (
                t / (ours["teams"] * (ours["weeks"] + ours["warmup_weeks"])),
                t / (ours["teams"] * ours["weeks"]),
                b / steps,
            )
            for t, b in zip(ours["run_s_by_round"], theirs["run_s_by_round"], strict=True)
        ]
        out["ratio"] = {
            "ratio": statistics.median(sim / step for sim, _, step in by_round),
            "ratio_by_round": [sim / step for sim, _, step in by_round],
            "us_per_simulated_team_week": statistics.median(sim for sim, _, _ in by_round) * 1e6,
            "ratio_per_recorded_week": statistics.median(rec / step for _, rec, step in by_round),
        }
    one, two = cases.get("sweep_1", {}), cases.get("sweep_2", {})
    if "seconds" in one and "seconds" in two:
        # Paired by round: both cases' sweeps of a round ran within a minute of each other.
        by_round = [b / a for a, b in zip(one["marginal_by_round"], two["marginal_by_round"], strict=True)]
        out["speedup"] = {
            "marginal": statistics.median(by_round),
            "marginal_by_round": by_round,
            "end_to_end": two["runs_per_s"] / one["runs_per_s"],
            # The same rounds' ceiling: pure Python in 2 processes against 1.
            "machine_scaling": statistics.median(two["machine_scaling_by_round"]),
        }
    one, two = cases.get("sweep_2000_1", {}), cases.get("sweep_2000", {})
    if "seconds" in one and "seconds" in two:
        out["speedup_2000"] = {"end_to_end": one["seconds"] / two["seconds"]}
    return out


def us_per_team_week(seconds: float, teams: int, weeks: int) -> float:
    """Cost of one team-week in microseconds."""
    return seconds / (teams * weeks) * 1e6


def measurements(cases: dict[str, dict]) -> list[dict]:
    """Rows of the measurement table."""
    rows = []

    def row(label: str, case: dict, seconds: float, runs: int = 1, **more: object) -> None:
        rows.append(
            {
                "case": label,
                "teams": case.get("teams"),
                "runs": runs,
                "seconds": seconds,
                "us_per_team_week": us_per_team_week(seconds, case["teams"], WEEKS * runs)
                if case.get("teams")
                else None,
                **more,
            }
        )

    d = cases.get("default", {})
    if "run_best_s" in d:
        n = len(d["run_times_s"])
        row(f"default run, model only (best of {n})", d, d["run_best_s"], peak_rss_mb=d["peak_rss_mb"])
        row(f"default run, simulate() with Hydra compose (best of {n})", d, d["simulate_warm_best_s"])
        rows.append(
            {
                "case": "loading the compiled mechanisms, once a process",
                "runs": 1,
                "seconds": d["load_compiled_s"],
            }
        )
    for case in TEAMS:
        c = cases.get(case, {})
        if "run_s" in c:
            row(f"{c['teams']:,} teams, one run", c, c["run_s"], peak_rss_mb=c["peak_rss_mb"])
    b = cases.get("boltzmann", {})
    if "run_s" in b:
        rows.append(
            {
                "case": f"Mesa Boltzmann wealth, {b['agents']:,} agents x {b['steps']} steps",
                "runs": 1,
                "seconds": b["run_s"],
                "us_per_agent_step": b["us_per_agent_step"],
                "peak_rss_mb": b["peak_rss_mb"],
            }
        )
    w = cases.get("whatif", {})
    if "warm_best_s" in w:
        row(
            "what-if 2 x 20 runs, simulate_many, sliders moved",
            w,
            w["warm_best_s"],
            w["runs"],
            peak_rss_mb=w["peak_rss_mb"],
        )
        row("what-if 2 x 20 runs, model only", w, w["model_best_s"], w["runs"])
        row("what-if 2 x 20 runs, first call (Hydra start-up)", w, w["cold_s"], w["runs"])
    for case in SWEEP_RUNS:
        s = cases.get(case, {})
        if "seconds" in s:
            row(
                f"sweep of {s['runs']:,} runs, {s['workers']} worker(s) (fixed cost {s['fixed_s']:.1f} s, "
                f"{s['marginal_runs_per_s']:.0f} runs/s marginal)",
                s,
                s["seconds"],
                s["runs"],
                peak_rss_mb=s["peak_rss_mb"],
            )
    return rows


def checks(cases: dict[str, dict], skipped: set[str]) -> list[dict]:
    """Each budget with the measured value and PASS / FAIL / SKIPPED."""
    out = []
    for name, case, key, limit, unit, scale, floor in BUDGETS:
        entry = {"budget": name, "limit": limit, "unit": unit, "floor": floor, "measured": None}
        data = cases.get(case)
        if case in skipped or data is None:
            entry["result"] = "SKIPPED"
        elif "error" in data or key not in data:
            entry.update(result="FAIL", note=data.get("error", "not measured"))
        else:
            value = data[key] * scale
            ok = value >= limit if floor else value <= limit
            entry.update(measured=value, result="PASS" if ok else "FAIL")
        out.append(entry)
    return out


def _fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def render(rows: list[dict], budget: list[dict], cases: dict[str, dict], ratios: dict[str, dict]) -> str:
    """Both tables as text."""
    head = ["case", "teams", "runs", "time", "us/team-week", "peak RSS"]
    body = [
        [
            r["case"],
            f"{r['teams']:,}" if r.get("teams") else "",
            f"{r['runs']:,}",
            _fmt_seconds(r["seconds"]),
            f"{r['us_per_team_week']:.2f}"
            if r.get("us_per_team_week") is not None
            else (f"{r['us_per_agent_step']:.2f} /agent-step" if "us_per_agent_step" in r else ""),
            f"{r['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in r else "",
        ]
        for r in rows
    ]
    lines = _table(head, body, right=(1, 2, 3, 4, 5))
    errors = [f"{c['case']}: ERROR {c['error']}" for c in cases.values() if "error" in c]
    lines += ["", *errors] if errors else []
    head = ["budget", "limit", "measured", "result"]
    body = [
        [
            b["budget"],
            f"{'>=' if b['floor'] else '<='} {b['limit']:g} {b['unit']}",
            f"{b['measured']:.2f} {b['unit']}" if b["measured"] is not None else "-",
            b["result"] + (f" ({b['note']})" if b.get("note") else ""),
        ]
        for b in budget
    ]
    lines += ["", *_table(head, body, right=(1, 2))]
    speedup = ratios.get("speedup")
    if speedup:
        lines.append(
            f"(2-worker gain by round: {', '.join(f'{x:.2f}' for x in speedup['marginal_by_round'])}; "
            f"the machine's own 2-process scaling in the same rounds: {speedup['machine_scaling']:.2f}x)"
        )
    if "ratio" in ratios:
        r = ratios["ratio"]
        lines.append(
            f"(1,000 teams against Boltzmann by round: {', '.join(f'{x:.2f}' for x in r['ratio_by_round'])}; "
            f"{r['us_per_simulated_team_week']:.2f} us a simulated team-week, warm-up included; per recorded "
            f"week, the warm-up charged to them, {r['ratio_per_recorded_week']:.2f}x)"
        )
    if "speedup_2000" in ratios:
        lines.append(
            f"(2,000-run sweep, 2 workers against 1, end to end: {ratios['speedup_2000']['end_to_end']:.2f}x)"
        )
    return "\n".join(lines)


def _table(head: list[str], body: list[list[str]], right: tuple[int, ...]) -> list[str]:
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    return [line(head), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


def environment() -> dict:
    """Where the numbers were measured."""
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    from importlib.metadata import PackageNotFoundError, version

    for name in ("mesa", "numpy", "pandas", "hydra-core", "joblib"):
        try:
            info[name] = version(name)
        except PackageNotFoundError:
            info[name] = None
    return info


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor()
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the 10,000-team run and the 2,000-run sweeps"
    )
    parser.add_argument(
        "--json", default="results/bench.json", help="where to write the results (default results/bench.json)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="repetitions of timed cases; the best counts (default 5)"
    )
    parser.add_argument(
        "--sweep-repeat",
        type=int,
        default=5,
        help="rounds of the 200-run sweeps, paired by round (default 5)",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per case (default 900)")
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Hydra override for every case (repeatable)",
    )
    parser.add_argument("--only", action="append", choices=CASES, help="run only this case (repeatable)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if a budget fails")
    parser.add_argument("--child", choices=CHILD_CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.sweep_repeat < 1:
        parser.error("--repeat and --sweep-repeat must be at least 1")

    if args.child:
        print(json.dumps(child(args.child, args.repeat, args.override)))
        return 0

    skipped = set(QUICK_SKIPS) if args.quick else set()
    wanted = [c for c in (args.only or CASES) if c not in skipped]
    skipped |= set(CASES) - set(wanted)
    cases: dict[str, dict] = {}
    ratio = [case for case in RATIO_PAIR if case in wanted]
    for case in wanted:
        if case in SWEEP_RUNS or (case in ratio and len(ratio) == len(RATIO_PAIR)):
            continue
        print(f"running {case} ...", file=sys.stderr, flush=True)
        cases[case] = run_case(case, args.repeat, args.override, args.timeout)
    if len(ratio) == len(RATIO_PAIR):
        print(f"running {' and '.join(ratio)}, {args.repeat} rounds ...", file=sys.stderr, flush=True)
        cases.update(paired_cases(ratio, args.repeat, args.override, args.timeout))
    paired = [case for case in ("sweep_1", "sweep_2") if case in wanted]
    if paired:
        print(f"running {' and '.join(paired)}, {args.sweep_repeat} rounds ...", file=sys.stderr, flush=True)
        cases.update(sweep_cases(paired, args.override, args.timeout, args.sweep_repeat))
    large = [case for case in ("sweep_2000_1", "sweep_2000") if case in wanted]
    if large:
        # For the peak memory, and the gain of 2 workers end to end on a sweep of
        # researcher's size, where starting the command matters little: one round.
        print(f"running {' and '.join(large)} ...", file=sys.stderr, flush=True)
        cases.update(sweep_cases(large, args.override, args.timeout, 1))
    ratios = derived(cases)
    rows = measurements(cases)
    budget = checks({**cases, **ratios}, skipped)
    print(render(rows, budget, cases, ratios))
    report = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "overrides": args.override,
        "cases": cases,
        "derived": ratios,
        "measurements": rows,
        "budget": budget,
        "all_pass": all(b["result"] == "PASS" for b in budget),
    }
    path = Path(args.json)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
    except OSError as err:
        print(f"bench: error: cannot write {path}: {err.strerror or err}", file=sys.stderr)
        return 1
    print(f"\nWrote {path}")
    failed = any(b["result"] == "FAIL" for b in budget)
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main())
