"""Speed and memory of OrgStack against the budget of issue 2 (item 11).

Times, each case in a fresh Python process so that peak memory is the honest
peak resident set size (``ru_maxrss``) of that process alone:

* ``default``: one default run (``org=struggling``, 156 weeks). The model alone
  (``sim.api.run_config`` on a pre-loaded configuration, best of N) and
  ``sim.simulate()`` including Hydra composition (the first call in a process,
  which also initialises Hydra, and the best of N later calls with fresh
  overrides, so that the composition cache does not help);
* ``teams_1000`` and ``teams_10000``: one run with ``org.teams=1000`` / ``10000``,
  156 weeks.

Budget: default run <= 50 ms; 10,000 teams x 156 weeks <= 20 s and <= 2 GB
(2,000 MB of peak RSS). Prints a table with PASS/FAIL against each budget and
writes JSON (``--json``, default ``results/bench.json``)::

    python benchmarks/bench.py            # all cases
    python benchmarks/bench.py --quick    # skip the 10,000-team case

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
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_MS_BUDGET = 50.0
LARGE_S_BUDGET = 20.0
LARGE_MB_BUDGET = 2000.0
WEEKS = 156
CASES = ("default", "teams_1000", "teams_10000")
TEAMS = {"teams_1000": 1000, "teams_10000": 10000}


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


def child(case: str, repeat: int, extra: list[str]) -> dict:
    """Measure one case inside this (fresh) process and return the numbers."""
    start = time.perf_counter()
    import sim  # noqa: F401  (import time is part of what a user waits for)
    from sim.api import run_config, simulate
    from sim.config import load_config

    out: dict = {"case": case, "import_s": time.perf_counter() - start, "extra_overrides": extra}
    if case == "default":
        base = [f"weeks={WEEKS}", *extra]
        start = time.perf_counter()
        frame = simulate(base)
        out["simulate_cold_s"] = time.perf_counter() - start
        assert len(frame) == WEEKS
        config = load_config(base)
        out["teams"] = config.org.teams
        out["weeks"] = config.weeks
        out["rss_before_run_mb"] = _peak_rss_mb()
        out["run_best_s"], out["run_times_s"] = _best(lambda i: run_config(config), repeat)
        quiet = load_config([*base, "record.team_every=0"])
        out["run_no_team_record_best_s"], _ = _best(lambda i: run_config(quiet), repeat)
        out["compose_best_s"], _ = _best(lambda i: load_config([*base, f"seed={10_000 + i}"]), repeat)
        out["simulate_warm_best_s"], out["simulate_warm_times_s"] = _best(
            lambda i: simulate([*base, f"seed={20_000 + i}"]), repeat
        )
    else:
        config = load_config([f"org.teams={TEAMS[case]}", f"weeks={WEEKS}", *extra])
        out["teams"] = config.org.teams
        out["weeks"] = config.weeks
        out["record_team_every"] = config.record.team_every
        out["rss_before_run_mb"] = _peak_rss_mb()
        start = time.perf_counter()
        result = run_config(config)
        out["run_s"] = time.perf_counter() - start
        out["team_rows"] = len(result.teams)
        assert len(result.weekly) == WEEKS
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


# ----------------------------------------------------------------------------- parent side


def run_case(case: str, repeat: int, extra: list[str], timeout: float) -> dict:
    """Run one case in a fresh interpreter and return its numbers (or an ``error``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case, "--repeat", str(repeat)]
    for item in extra:
        cmd += ["--override", item]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": case, "error": f"timed out after {timeout:g} s"}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return {"case": case, "error": lines[-1] if lines else f"exit status {proc.returncode}"}
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["process_wall_s"] = wall
    return data


def us_per_team_week(seconds: float, teams: int, weeks: int) -> float:
    """Cost of one team-week in microseconds."""
    return seconds / (teams * weeks) * 1e6


def measurements(cases: dict[str, dict]) -> list[dict]:
    """Rows of the measurement table."""
    rows = []
    d = cases.get("default")
    if d and "error" not in d:
        n = len(d["run_times_s"])
        for label, key in (
            (f"default run, model only (run_config, best of {n})", "run_best_s"),
            (f"default run, model only, no per-team recording (best of {n})", "run_no_team_record_best_s"),
            (f"default run, simulate() incl. Hydra compose (best of {n})", "simulate_warm_best_s"),
            ("default run, simulate() first call (Hydra init + compose)", "simulate_cold_s"),
            (f"Hydra compose + validate alone (best of {n})", "compose_best_s"),
        ):
            row = {"case": label, "teams": d["teams"], "weeks": d["weeks"], "seconds": d[key]}
            if key != "compose_best_s":
                row["us_per_team_week"] = us_per_team_week(d[key], d["teams"], d["weeks"])
            rows.append(row)
        rows[0]["peak_rss_mb"] = d["peak_rss_mb"]
    for case in ("teams_1000", "teams_10000"):
        c = cases.get(case)
        if c and "error" not in c:
            rows.append(
                {
                    "case": f"{c['teams']:,} teams, one run (record.team_every={c['record_team_every']})",
                    "teams": c["teams"],
                    "weeks": c["weeks"],
                    "seconds": c["run_s"],
                    "us_per_team_week": us_per_team_week(c["run_s"], c["teams"], c["weeks"]),
                    "peak_rss_mb": c["peak_rss_mb"],
                }
            )
    return rows


def checks(cases: dict[str, dict], quick: bool) -> list[dict]:
    """Each budget of the issue with the measured value and PASS / FAIL / SKIPPED."""

    def check(name: str, case: str, key: str, limit: float, unit: str, scale: float = 1.0) -> dict:
        data = cases.get(case)
        if data is None:
            return {"budget": name, "limit": limit, "unit": unit, "measured": None, "result": "SKIPPED"}
        if "error" in data:
            return {
                "budget": name,
                "limit": limit,
                "unit": unit,
                "measured": None,
                "result": "FAIL",
                "note": data["error"],
            }
        value = data[key] * scale
        return {
            "budget": name,
            "limit": limit,
            "unit": unit,
            "measured": value,
            "result": "PASS" if value <= limit else "FAIL",
        }

    out = [
        check("default run, model only", "default", "run_best_s", DEFAULT_MS_BUDGET, "ms", 1000.0),
        check(
            "default run, simulate() incl. Hydra",
            "default",
            "simulate_warm_best_s",
            DEFAULT_MS_BUDGET,
            "ms",
            1000.0,
        ),
        check("10,000 teams x 156 weeks, time", "teams_10000", "run_s", LARGE_S_BUDGET, "s"),
        check("10,000 teams x 156 weeks, peak RSS", "teams_10000", "peak_rss_mb", LARGE_MB_BUDGET, "MB"),
    ]
    if quick:
        for item in out[2:]:
            item.update(result="SKIPPED", measured=None, note="--quick")
    return out


def _fmt_seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def render(rows: list[dict], budget: list[dict], cases: dict[str, dict]) -> str:
    """Both tables as text."""
    head = ["case", "teams", "weeks", "time", "us/team-week", "peak RSS"]
    body = [
        [
            r["case"],
            f"{r['teams']:,}",
            str(r["weeks"]),
            _fmt_seconds(r["seconds"]),
            f"{r['us_per_team_week']:.2f}" if "us_per_team_week" in r else "",
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
            f"<= {b['limit']:g} {b['unit']}",
            f"{b['measured']:.1f} {b['unit']}" if b["measured"] is not None else "-",
            b["result"] + (f" ({b['note']})" if b.get("note") else ""),
        ]
        for b in budget
    ]
    return "\n".join([*lines, "", *_table(head, body, right=(1, 2))])


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
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        from importlib.metadata import version

        info.update({name: version(name) for name in ("mesa", "numpy", "pandas", "hydra-core")})
    except Exception:  # noqa: BLE001  (versions are informative only)
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-team case")
    parser.add_argument(
        "--json", default="results/bench.json", help="where to write the results (default results/bench.json)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="repetitions of the default run; the best counts (default 5)"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per case (default 600)")
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Hydra override for every case (repeatable)",
    )
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if a budget fails")
    parser.add_argument("--child", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    if args.child:
        print(json.dumps(child(args.child, args.repeat, args.override)))
        return 0

    wanted = [c for c in CASES if not (args.quick and c == "teams_10000")]
    cases = {}
    for case in wanted:
        print(f"running {case} ...", file=sys.stderr, flush=True)
        cases[case] = run_case(case, args.repeat, args.override, args.timeout)
    rows = measurements(cases)
    budget = checks(cases, args.quick)
    print(render(rows, budget, cases))
    report = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "overrides": args.override,
        "cases": cases,
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
