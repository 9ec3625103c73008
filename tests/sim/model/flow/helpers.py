"""Running the flow engine for a number of weeks, and reading its measures."""

import numpy as np

from sim.model.flow import Drivers, FlowEngine, FlowParams, Kind, Out


def simulate(
    drivers: Drivers, weeks: int, seeds=(0,), teams: int = 1, params: FlowParams | None = None, **kw
):
    """Run ``weeks`` weeks; return the engine and the measures, ``(weeks, len(OUT), worlds, teams)``."""
    engine = FlowEngine(params or FlowParams(), seeds, teams, **kw)
    out = [engine.step(drivers, check=False) for _ in range(weeks)]
    return engine, np.stack(out) if out else None


def rates(**by_kind: float) -> np.ndarray:
    """Arrival rates per week by kind name, as the ``(kinds,)`` vector ``Drivers.build`` broadcasts."""
    r = np.zeros(len(Kind))
    for name, value in by_kind.items():
        r[Kind[name.upper()]] = value
    return r


def weighted_mean(out: np.ndarray, mean_row: Out, count_row: Out, axis=0) -> np.ndarray:
    """Mean over weeks of a per-week mean, weighted by the per-week count (weeks with none skipped)."""
    n = out[:, count_row]
    m = np.nan_to_num(out[:, mean_row]) * n
    with np.errstate(invalid="ignore", divide="ignore"):
        return m.sum(axis=axis) / n.sum(axis=axis)
