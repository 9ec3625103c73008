"""Calibration to the DORA clusters: the envelopes, how a population meets them, and the fit.

**Clustering.** An organisation's cluster is the model's own rule,
:func:`sim.model.metrics.dora_cluster` on its four keys averaged over the final
weeks: each key is levelled by the cut points of ``sim.model.metrics`` (OrgStack's
reading of the published cluster profiles) and the levels are averaged. This is
the cluster users see in every run's ``dora_cluster`` column, so the calibration
checks the number the model reports. The State of DevOps reports find their
clusters by a cluster analysis of survey answers instead; the validation report
repeats the shares with Ward's hierarchical clustering of the standardised log
keys as a cross-check (:func:`ward_clusters`), not as a target.

**Envelopes** (``configs/validation/calibration.yaml``): cluster shares,
elite-to-low ratios of the clusters' median keys, and the elite and low change
failure rates, each spanning the published figures of the State of DevOps
reports (``configs/validation/published.yaml``); and, held back from the fit,
the Spearman correlation of deploy frequency with ``1 - change failure rate``
across the population. Only published figures about populations of
organisations are fitted: the calibration never reads how a preset
organisation or an intervention comes out, nor the patterns the seeds expect to
emerge (:mod:`experiments.validation.emergence` measures those afterwards, as
findings).

**The fit** (``python -m experiments.validation.calibration``, ``make calibrate``) starts
from ``fit.start``, the recorded starting point (``--apply`` writes it first),
and runs the stages of ``configs/validation/calibration.yaml`` in order. Each
stage is a scrambled Sobol design in a box around the previous stage's choice
(a global stage: the whole search ranges) over the fitted model parameters
(dotted names of the nested :class:`sim.model.params.Params`, e.g.
``operating.change_failure_floor``) and the fitted fields of the population
(the shape of its maturity distribution, which sets how many organisations are
weak), rounded to a few significant digits, plus those values as candidate 0.
Each candidate runs the calibration population (its own seed, not the
validation population's). Its score is the squared log-distance of each target
from its envelope (0 inside), on a redraw (:func:`redraw_score`: each
measure's bootstrap interval must fit), so that thin margins count as misses;
ties go to the most margin from the envelopes' edges. ``--apply`` writes each
stage's best candidate to ``configs/params/default.yaml`` (and
``configs/validation/population.yaml``). Last, a race re-runs each stage's best
candidates on a larger population (:func:`race`), because a stage's 200
organisations leave the clusters' medians noisy, and ``--apply`` keeps the
race's best. Everything is seeded, so the procedure rewrites the same values
every time it runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.stats import qmc, spearmanr

from experiments.validation import parameters, population
from experiments.validation.worlds import Outcome, run_all
from sim.config import CONFIG_DIR, compose_dict, config_from_dict, load_config
from sim.model.metrics import CLUSTERS, DORA_KEYS, dora_cluster
from sim.model.schema import ConfigError, build, check_range, spec
from sim.paths import repository

SPEC_PATH = CONFIG_DIR / "validation" / "calibration.yaml"
PARAMS_PATH = CONFIG_DIR / "params" / "default.yaml"
# The repository these tools write into; an installed package has none, so they write under the cwd.
ROOT = repository() or Path.cwd()


@dataclass(frozen=True)
class Stage:
    """One stage of the fit: a Sobol design in a box around the current values.

    The box spans ``width`` times each searched range on either side of the current
    value, cut to the range: ``width`` 1 is the whole range (a global stage).
    """

    name: str = spec(doc="Name of the stage (``--stage NAME``).")
    width: float = spec(0.01, 1, doc="Half-width of the box, as a share of each searched range.")
    candidates: int = spec(1, 4096, doc="Sobol candidates besides the current values.")
    parameters: tuple[str, ...] = spec(default=(), doc="Fitted names varied here; empty = all.")


@dataclass(frozen=True)
class FitSpec:
    """What the calibration fits and how it searches."""

    parameters: dict[str, tuple[float, ...]] = spec(
        doc="Fitted parameter (dotted name, e.g. operating.change_failure_floor) -> [low, high] searched."
    )
    significant_digits: int = spec(1, 6, doc="Rounding of the candidates.")
    seed: int = spec(0, 2**32 - 1, doc="Seed of the Sobol designs.")
    stages: tuple[Stage, ...] = spec(doc="The stages, run in order.")
    population_parameters: dict[str, tuple[float, ...]] = spec(
        default={}, doc="Fitted field of the population spec -> [low, high] searched."
    )
    population: dict[str, int] = spec(default={}, doc="Changes to the population spec (size, seed).")
    race_finalists: int = spec(1, 100, default=3, doc="Best candidates of each stage that the race re-runs.")
    race_size: int = spec(1, 100_000, default=600, doc="Organisations of the race's population.")
    start: dict[str, float] = spec(
        default={}, doc="Every fitted name -> the value the procedure starts from."
    )
    bootstrap: int = spec(
        0,
        10_000,
        default=0,
        doc="Resamples of a population behind a candidate's score (0: its own measures).",
    )
    confidence: float = spec(
        0,
        1,
        default=0.95,
        doc="Coverage of each measure's interval over the resamples that must fit its envelope.",
    )

    def __post_init__(self) -> None:
        metas = {}
        for name, bounds in self.parameters.items():
            p = parameters.lookup(name, f"parameters.{name}")
            metas[name] = {"lo": p.lo, "hi": p.hi}
            _check_pair(bounds, f"parameters.{name}")
            for value in bounds:
                check_range(value, metas[name], f"parameters.{name}")
        pop_metas = {f.name: f.metadata for f in dataclasses.fields(population.PopulationSpec)}
        for name, bounds in self.population_parameters.items():
            if typing.get_type_hints(population.PopulationSpec).get(name) is not float:
                raise ConfigError(
                    f"population_parameters.{name}", "not a number field of the population spec"
                )
            _check_pair(bounds, f"population_parameters.{name}")
            for value in bounds:
                check_range(value, pop_metas[name], f"population_parameters.{name}")
        for i, stage in enumerate(self.stages):
            unknown = [n for n in stage.parameters if n not in self.names]
            if unknown:
                raise ConfigError(f"stages[{i}].parameters", f"{unknown[0]!r} is not a fitted name")
        if self.start:
            missing = [n for n in self.names if n not in self.start]
            extra = [n for n in self.start if n not in self.names]
            if missing or extra:
                what = f"{missing[0]!r} is missing" if missing else f"{extra[0]!r} is not a fitted name"
                raise ConfigError("start", f"must give every fitted name and no other: {what}")
            for name, value in self.start.items():
                meta = metas[name] if name in self.parameters else pop_metas[name]
                check_range(value, meta, f"start.{name}")

    @property
    def names(self) -> list[str]:
        """Every fitted name: the model's parameters, then the population's."""
        return [*self.parameters, *self.population_parameters]

    def stage(self, name: str) -> Stage:
        """Return the stage of that name.

        Raises:
            ConfigError: No stage has that name.
        """
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise ConfigError(
            "stage", f"unknown stage {name!r}; stages: {', '.join(s.name for s in self.stages)}"
        )


@dataclass(frozen=True)
class CalibrationSpec:
    """The envelopes, the held-back checks and the fit."""

    targets: dict[str, tuple[float, ...]] = spec(doc="Fitted envelopes of the population, each [low, high].")
    held_back: dict[str, tuple[float, ...]] = spec(doc="Checked afterwards, never fitted.")
    fit: FitSpec = spec(doc="The search.")

    def __post_init__(self) -> None:
        for group in ("targets", "held_back"):
            for name, pair in getattr(self, group).items():
                if name not in MEASURES:
                    raise ConfigError(f"{group}.{name}", f"unknown measure; known: {', '.join(MEASURES)}")
                _check_pair(pair, f"{group}.{name}")

    @property
    def envelopes(self) -> dict[str, tuple[float, ...]]:
        """Every envelope of the population, fitted and held back."""
        return {**self.targets, **self.held_back}


def _check_pair(pair: Sequence[float], path: str) -> None:
    if len(pair) != 2 or pair[0] > pair[1]:
        raise ConfigError(path, f"must be [low, high] with low <= high, got {list(pair)}")


def load_spec(path: Path | str = SPEC_PATH) -> CalibrationSpec:
    """Read and validate the calibration spec.

    Raises:
        ConfigError: A key, type or value is not allowed.
    """
    return build(CalibrationSpec, yaml.safe_load(Path(path).read_text()))


# ----------------------------------------------------------------------------- measuring

MEASURES: tuple[str, ...] = (
    *(f"share_{name}" for name in CLUSTERS),
    "ratio_deploys",
    "ratio_lead_time",
    "ratio_restore",
    "ratio_change_failure",
    "change_failure_elite",
    "change_failure_low",
    "speed_stability_rho",
)
# For each key, whether higher is better (deploys) or lower (the three others).
HIGHER_IS_BETTER = dict(zip(DORA_KEYS, (True, False, False, False), strict=True))
RATIO_NAMES = dict(
    zip(DORA_KEYS, ("ratio_deploys", "ratio_lead_time", "ratio_restore", "ratio_change_failure"), strict=True)
)


def keys_frame(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Return the four DORA keys of each outcome, one row per organisation."""
    return pd.DataFrame({key: [getattr(o, key) for o in outcomes] for key in DORA_KEYS})


def clusters(keys: pd.DataFrame) -> np.ndarray:
    """Cluster index (0 low .. 3 elite) of each organisation by the model's own rule."""
    return dora_cluster(*(keys[key].to_numpy() for key in DORA_KEYS))


def ward_clusters(keys: pd.DataFrame) -> np.ndarray:
    """Cluster index (0 low .. 3 elite) from Ward's hierarchical clustering, as the reports do.

    The keys are logged (they span orders of magnitude; the change failure rate
    as its logit) and standardised; the four clusters of Ward's linkage are
    ranked by their mean standardised performance (deploys up, the rest down).
    """
    x = np.column_stack(
        [
            np.log(np.clip(keys[key].to_numpy(), 1e-6, None))
            if key != "change_failure_rate"
            else np.log(keys[key] / (1 - keys[key])).to_numpy()
            for key in DORA_KEYS
        ]
    )
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    labels = fcluster(linkage(z, method="ward"), t=len(CLUSTERS), criterion="maxclust") - 1
    sign = np.array([1.0 if HIGHER_IS_BETTER[k] else -1.0 for k in DORA_KEYS])
    score = np.array([(z[labels == c] * sign).mean() for c in range(labels.max() + 1)])
    rank = np.argsort(np.argsort(score))
    return rank[labels]


def profiles(keys: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Median of each key per cluster, indexed by cluster name (clusters with no member are absent)."""
    medians = keys.groupby(labels)[list(DORA_KEYS)].median()
    medians.index = [CLUSTERS[i] for i in medians.index]
    return medians


def measure(keys: pd.DataFrame, labels: np.ndarray | None = None) -> dict[str, float]:
    """Every measure of :data:`MEASURES` for a population; NaN where a cluster is empty."""
    labels = clusters(keys) if labels is None else labels
    out = {f"share_{name}": float(np.mean(labels == i)) for i, name in enumerate(CLUSTERS)}
    med = profiles(keys, labels)
    for key in DORA_KEYS:
        if {"elite", "low"} <= set(med.index):
            elite, low = med.loc["elite", key], med.loc["low", key]
            out[RATIO_NAMES[key]] = float(elite / low if HIGHER_IS_BETTER[key] else low / elite)
        else:
            out[RATIO_NAMES[key]] = math.nan
    for name in ("elite", "low"):
        out[f"change_failure_{name}"] = (
            float(med.loc[name, "change_failure_rate"]) if name in med.index else math.nan
        )
    rho = spearmanr(keys["deploys_per_week"], 1 - keys["change_failure_rate"]).statistic
    out["speed_stability_rho"] = float(rho)
    return out


def distance(value: float, envelope: Sequence[float]) -> float:
    """Log-distance of a positive value outside an envelope (0 inside, inf if not positive or NaN)."""
    lo, hi = envelope
    if not value > 0:
        return math.inf
    if value < lo:
        return math.log(lo / value)
    if value > hi:
        return math.log(value / hi)
    return 0.0


def misses(measures: Mapping[str, float], envelopes: Mapping[str, Sequence[float]]) -> list[str]:
    """Each measure outside its envelope, as ``name = value (envelope lo-hi)``."""
    return [
        f"{name} = {measures[name]:.3g} (envelope {lo:g}-{hi:g})"
        for name, (lo, hi) in envelopes.items()
        if not lo <= measures[name] <= hi
    ]


def score(measures: Mapping[str, float], targets: Mapping[str, Sequence[float]]) -> float:
    """Sum of the squared log-distances of the measures outside their envelopes (0: all inside)."""
    return sum(distance(measures[name], envelope) ** 2 for name, envelope in targets.items())


def redraw_score(
    keys: pd.DataFrame,
    labels: np.ndarray,
    targets: Mapping[str, Sequence[float]],
    replicates: int,
    seed: int,
    confidence: float = 0.95,
) -> float:
    """Score of the measures' ranges on a redraw of the population, from bootstrap resamples.

    Each measure's central ``confidence`` interval over the resamples of the
    organisations stands for the values a redrawn population could give; the
    score is the sum over targets of the squared log-distance of the interval's
    far end outside the envelope. So a candidate whose measure sits just inside
    an envelope scores as a miss, in proportion to that measure's own sampling
    noise, and one whose every interval lies inside scores 0. Every candidate
    draws the same resamples (common random numbers).

    Args:
        keys: The DORA keys, one row per organisation.
        labels: Each organisation's cluster.
        targets: The population's envelopes.
        replicates: Resamples (0: the population's own :func:`score`).
        seed: Seed of the resamples.
        confidence: Coverage of each measure's interval.
    """
    if replicates == 0:
        return score(measure(keys, labels), targets)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(replicates):
        rows = rng.integers(len(keys), size=len(keys))
        draws.append(measure(keys.iloc[rows].reset_index(drop=True), labels[rows]))
    frame = pd.DataFrame(draws)
    total = 0.0
    for name, envelope in targets.items():
        ends = frame[name].quantile([(1 - confidence) / 2, (1 + confidence) / 2])
        total += max(distance(float(end), envelope) for end in ends) ** 2
    return total


def margin(measures: Mapping[str, float], targets: Mapping[str, Sequence[float]]) -> float:
    """Sum of the squared log-distances of the measures from their envelopes' geometric centres.

    Only breaks ties of :func:`score`: among candidates inside every envelope, the one with
    most room on all sides wins. An open-ended envelope counts up to 100 times its lower bound.
    """
    total = 0.0
    for name, (lo, hi) in targets.items():
        value = measures[name]
        if 0 < lo and value > 0:
            total += math.log(value / math.sqrt(lo * min(hi, 100 * lo))) ** 2
    return total


# ----------------------------------------------------------------------------- fitting


def _round(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def current_values(fit: FitSpec) -> dict[str, float]:
    """Return the fitted names' values on disk (``configs/params/default.yaml``, the population spec)."""
    # Composed afresh: load_config caches per overrides and --apply changes the files.
    params = config_from_dict(compose_dict(["intervention=none"])).params
    pop = population.load_spec()
    return {n: parameters.value(params, n) for n in fit.parameters} | {
        n: float(getattr(pop, n)) for n in fit.population_parameters
    }


def candidates(fit: FitSpec, stage: Stage, now: Mapping[str, float]) -> pd.DataFrame:
    """Candidate 0 (the values ``now``) and the stage's rounded Sobol design around them, one row each."""
    bounds = {**fit.parameters, **fit.population_parameters}
    now = {n: float(now[n]) for n in fit.names}
    varied = list(stage.parameters) or fit.names
    lo = np.array([bounds[n][0] for n in varied])
    hi = np.array([bounds[n][1] for n in varied])
    half = stage.width * (hi - lo)
    centre = np.array([now[n] for n in varied])
    lo, hi = np.maximum(lo, centre - half), np.minimum(hi, centre + half)
    design = qmc.Sobol(len(varied), scramble=True, rng=fit.seed).random(stage.candidates)
    rows = [now]
    for point in design:
        values = lo + (hi - lo) * point
        rows.append(now | {n: _round(v, fit.significant_digits) for n, v in zip(varied, values, strict=True)})
    return pd.DataFrame(rows, columns=fit.names)


def evaluate(spec_: CalibrationSpec, table: pd.DataFrame, workers: int | None = None) -> pd.DataFrame:
    """Run the calibration population under every candidate and score it.

    The score is the population's score on a redraw, from ``fit.bootstrap``
    resamples (:func:`redraw_score`).

    Returns:
        The candidates with every measure, ``misses`` (fitted envelopes missed by
        the candidate's own measures), ``score`` and ``margin``, sorted best
        first by score, then margin (stable, so candidate 0 wins ties),
        indexed by candidate number.
    """
    fit = spec_.fit
    base = load_config(["intervention=none", "shock=none"])
    configs = []
    for _, row in table.iterrows():
        pop_spec = population.load_spec(
            **fit.population, **{n: float(row[n]) for n in fit.population_parameters}
        )
        params = parameters.replace(base.params, {n: float(row[n]) for n in fit.parameters})
        configs += population.configs(pop_spec, dataclasses.replace(base, params=params))
    outcomes = run_all(configs, "calibration", workers, window=pop_spec.window)
    size = pop_spec.size
    rows = []
    for k in range(len(table)):
        keys = keys_frame(outcomes[k * size : (k + 1) * size])
        labels = clusters(keys)
        measures = measure(keys, labels)
        rows.append(
            {
                **measures,
                "misses": len(misses(measures, spec_.targets)),
                "score": redraw_score(keys, labels, spec_.targets, fit.bootstrap, fit.seed, fit.confidence),
                "margin": margin(measures, spec_.targets),
            }
        )
    scored = pd.concat([table, pd.DataFrame(rows)], axis=1)
    scored.index.name = "candidate"
    return scored.sort_values(["score", "margin"], kind="stable")


def _group_span(text: str, group: str, path: Path) -> tuple[int, int]:
    """Start and end of the indented block under a top-level ``group:`` line of a YAML text."""
    head = re.search(rf"(?m)^{re.escape(group)}:[^\n]*\n", text)
    if head is None:
        raise ValueError(f"{path}: no group {group!r}")
    end = re.compile(r"(?m)^\S").search(text, head.end())
    return head.end(), len(text) if end is None else end.start()


def write_params(values: Mapping[str, float], path: Path = PARAMS_PATH) -> None:
    """Replace the values of the named keys in a YAML file, keeping its comments and order.

    A dotted name ``group.key`` is the key indented under the top-level ``group:``
    line (``configs/params/default.yaml``); a plain name is a top-level key.

    Raises:
        ValueError: The file does not have exactly one line for a name.
    """
    text = path.read_text()
    for name, value in values.items():
        group, _, key = name.rpartition(".")
        start, end = _group_span(text, group, path) if group else (0, len(text))
        indent = r"[ \t]+" if group else ""
        line = re.compile(rf"(?m)^({indent}{re.escape(key)}:)[ \t]+[^#\n]*?([ \t]+#[^\n]*)?$")
        block, n = line.subn(lambda m, v=value: f"{m[1]} {v!r}{m[2] or ''}", text[start:end])
        if n != 1:
            raise ValueError(f"{path}: expected one line for {name}, found {n}")
        text = text[:start] + block + text[end:]
    path.write_text(text)


def write_fitted(values: Mapping[str, float], fit: FitSpec) -> None:
    """Write the fitted names' values: the model's to ``configs/params/default.yaml``, the population's to its spec."""
    write_params({n: _written(n, values[n]) for n in fit.parameters})
    write_params({n: float(values[n]) for n in fit.population_parameters}, population.SPEC_PATH)


def _written(name: str, value: float) -> float | int:
    """Return a fitted value as the parameter holds it: integer parameters rounded."""
    return int(round(value)) if parameters.lookup(name, name).integer else float(value)


def race(spec_: CalibrationSpec, out: Path, workers: int | None = None) -> pd.DataFrame:
    """Re-run each stage's best candidates on a larger population and score them again.

    A stage's population (200 organisations) leaves the clusters' medians noisy,
    so the stages' best scores flatter them; the race re-runs the
    ``race_finalists`` best of every stage (from ``<out>/<stage>.csv``) on
    ``race_size`` organisations of the calibration seed.
    """
    finalists = pd.concat(
        [
            pd.read_csv(out / f"{stage.name}.csv", index_col=0).head(spec_.fit.race_finalists)
            for stage in spec_.fit.stages
        ]
    )[spec_.fit.names].drop_duplicates()
    larger = dataclasses.replace(
        spec_,
        fit=dataclasses.replace(spec_.fit, population={**spec_.fit.population, "size": spec_.fit.race_size}),
    )
    return evaluate(larger, finalists.reset_index(drop=True), workers)


def _show_and_apply(
    name: str,
    stem: str,
    kind: str,
    scored: pd.DataFrame,
    rows: int | None,
    spec_: CalibrationSpec,
    args: argparse.Namespace,
) -> int | None:
    """Write a stage's (or the race's) scores, print the first ``rows``, and with ``--apply`` write the best.

    Returns:
        The best candidate (the first: ``scored`` is sorted best first).
    """
    scored.to_csv(args.out / f"{stem}.csv")
    print(f"{name}:")
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print(scored.head(rows).round(4).to_string() if rows else scored.round(4).to_string())
    best = int(scored.index[0])
    if args.apply:
        write_fitted(scored.loc[best], spec_.fit)
        print(f"{name}: wrote {kind} {best}: {scored.loc[best, spec_.fit.names].to_dict()}")
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.validation.calibration [--stage NAME | --race] [--apply] [--workers N]``.

    With neither ``--stage`` nor ``--race`` this is the whole procedure: from
    ``fit.start`` (written first with ``--apply``), every stage in order, each
    from the previous stage's choice, then the race. Everything in it is
    seeded, so with ``--apply`` it rewrites the fitted values to the same
    numbers every time.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", help="run only this stage, from the values on disk")
    parser.add_argument("--race", action="store_true", help="run only the race of the stages' last results")
    parser.add_argument("--apply", action="store_true", help="write each stage's best candidate")
    parser.add_argument("--workers", type=int, default=None, help="parallel processes (default: all CPUs)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "calibration", help="output directory")
    args = parser.parse_args(argv)
    spec_ = load_spec()
    fit = spec_.fit
    args.out.mkdir(parents=True, exist_ok=True)
    if args.stage or args.race:
        stages = [fit.stage(args.stage)] if args.stage else []
        now = current_values(fit)
    else:
        stages = list(fit.stages)
        now = dict(fit.start) if fit.start else current_values(fit)
    if args.apply and not (args.stage or args.race):
        write_fitted(now, fit)
    for stage in stages:
        scored = evaluate(spec_, candidates(fit, stage, now), args.workers)
        best = _show_and_apply(f"stage {stage.name}", stage.name, "candidate", scored, 10, spec_, args)
        now = scored.loc[best, fit.names].to_dict()
    if not args.stage:
        _show_and_apply("race", "race", "finalist", race(spec_, args.out, args.workers), None, spec_, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
