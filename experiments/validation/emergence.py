"""What the seeds expect to emerge, measured as findings: where each pattern holds, and by how much.

The seed documents predict six patterns (``configs/validation/emergence.yaml``
names the organisations and courses they speak of):

(a) **Capability trap**: on the weak organisation the push is ahead of doing
    nothing in the first weeks and behind it in the final year.
(b) **Worse before better**: on the weak organisation foundations first dips
    below doing nothing in the first weeks, then has the most 3-year value and
    the most innovations of the courses run.
(c) **Short horizon favours the push**: over the first few weeks the push has
    more cumulative value than foundations first.
(d) **The right move depends on the diagnosis**: on the strong-foundations
    organisation the practice programme has more 3-year value than doing
    nothing and than foundations first; on the weak one, less than foundations
    first.
(e) **Foundations multiply practices**: the practice programme adds more 3-year
    value on strong foundations than on weak ones (a positive interaction: an
    additive effect would add the same value to both).
(f) **DORA realism**: at baseline, the presets that stand for a published
    cluster have their final-year DORA keys inside that cluster's published
    profile (``configs/validation/published.yaml``).

Each pattern is a conjunction of *parts*, each checked per seed (every course
of a seed shares its random numbers) and, for (a) to (c), per robustness world
(:mod:`experiments.validation.robustness`), whose parameters and diagnosis are
uncertain. A :class:`Finding` holds the per-unit outcome of every part, the share
of units where the whole pattern holds with its 95% Wilson interval, and the
effects behind it as means with Student-t intervals. Nothing here fails a run
or filters a calibration: whatever the model shows is the finding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.stats import binomtest

from experiments.validation.worlds import Outcome, run_all
from sim.config import CONFIG_DIR, load_config, options
from sim.model.metrics import CLUSTERS, DORA_KEYS
from sim.model.params import Config
from sim.model.schema import ConfigError, build, spec
from sim.stats import Interval, t_interval
from sim.text import fmt_interval

SPEC_PATH = CONFIG_DIR / "validation" / "emergence.yaml"
PUBLISHED_PATH = CONFIG_DIR / "validation" / "published.yaml"
CONFIDENCE = 0.95
# Roles of the spec that name an organisation preset, and those that name an intervention.
ORG_ROLES = ("weak", "strong")
COURSE_ROLES = ("baseline", "push", "foundations", "practice")


@dataclass(frozen=True)
class EmergenceSpec:
    """The organisations, courses, seeds and windows the six patterns are measured on."""

    seeds: int = spec(1, 10_000, doc="Seeds 0..seeds-1 of every organisation and course.")
    weeks: int = spec(1, 520, unit="weeks", doc="Horizon of every run.")
    early_weeks: int = spec(1, 520, unit="weeks", doc="The first weeks: weeks 1..early_weeks.")
    short_weeks: int = spec(1, 520, unit="weeks", doc="A short horizon: weeks 1..short_weeks.")
    late_weeks: int = spec(1, 520, unit="weeks", doc="The final weeks; also the DORA keys' window.")
    weak: str = spec(doc="Organisation preset with weak foundations.")
    strong: str = spec(doc="Organisation preset with strong foundations and weak delivery practice.")
    baseline: str = spec(doc="Intervention of doing nothing.")
    push: str = spec(doc="Intervention that pushes execution.")
    foundations: str = spec(doc="Intervention that fixes the foundations first.")
    practice: str = spec(doc="Intervention that builds delivery practice directly.")
    profiles: str = spec(doc="Key of configs/validation/published.yaml with the cluster profiles.")
    dora: dict[str, str] = spec(default={}, doc="Published cluster -> preset that stands for it.")

    def __post_init__(self) -> None:
        for name in ("early_weeks", "short_weeks", "late_weeks"):
            if getattr(self, name) > self.weeks:
                raise ConfigError(name, f"must be at most weeks ({self.weeks}), got {getattr(self, name)}")
        orgs, courses = options("org"), options("intervention")
        for role in ORG_ROLES:
            if getattr(self, role) not in orgs:
                raise ConfigError(role, f"must be one of {', '.join(orgs)}; got {getattr(self, role)!r}")
        for role in COURSE_ROLES:
            if getattr(self, role) not in courses:
                raise ConfigError(role, f"must be one of {', '.join(courses)}; got {getattr(self, role)!r}")
        if len({getattr(self, role) for role in COURSE_ROLES}) < len(COURSE_ROLES):
            raise ConfigError(
                "practice", f"the courses {', '.join(COURSE_ROLES)} must be four different ones"
            )
        published = yaml.safe_load(PUBLISHED_PATH.read_text())
        if self.profiles not in published:
            raise ConfigError("profiles", f"must be a key of {PUBLISHED_PATH.name}: {', '.join(published)}")
        if not self.dora:
            raise ConfigError(
                "dora", "must name at least one published cluster and the preset that stands for it"
            )
        for cluster, org in self.dora.items():
            if cluster not in published[self.profiles]:
                known = ", ".join(c for c in CLUSTERS if c in published[self.profiles])
                raise ConfigError(
                    f"dora.{cluster}", f"no profile of that cluster in {self.profiles}; known: {known}"
                )
            if org not in orgs:
                raise ConfigError(f"dora.{cluster}", f"must be one of {', '.join(orgs)}; got {org!r}")
            missing = [k for k in DORA_KEYS if len(published[self.profiles][cluster].get(k, ())) != 2]
            if missing:
                raise ConfigError(
                    f"dora.{cluster}",
                    f"the {cluster} profile of {self.profiles} needs [low, high] for {missing[0]}",
                )

    @property
    def courses(self) -> list[str]:
        """The four courses, in role order."""
        return [getattr(self, role) for role in COURSE_ROLES]

    def cluster_profiles(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Each cluster of ``dora`` -> DORA key -> published [low, high]."""
        published = yaml.safe_load(PUBLISHED_PATH.read_text())[self.profiles]
        return {
            cluster: {key: tuple(float(v) for v in published[cluster][key]) for key in DORA_KEYS}
            for cluster in self.dora
        }


def load_spec(path: Path | str = SPEC_PATH, **changes: Any) -> EmergenceSpec:
    """Read and validate the emergence spec, with ``changes`` (e.g. ``seeds=8``) applied.

    Raises:
        ConfigError: A key, type or value is not allowed.
    """
    data = yaml.safe_load(Path(path).read_text())
    return build(EmergenceSpec, {**data, **changes})


# ----------------------------------------------------------------------------- findings


def share_interval(holds: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a share of ``holds`` in ``n`` (NaN without units)."""
    if n == 0:
        return math.nan, math.nan
    ci = binomtest(holds, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Part:
    """One checkable part of a pattern.

    Attributes:
        claim: What the part says, in words.
        holds: Per unit (seed or world), whether it holds.
    """

    claim: str
    holds: np.ndarray


@dataclass(frozen=True)
class Finding:
    """How often a pattern holds, and the effects behind it.

    Attributes:
        key: Letter of the pattern, ``a`` to ``f``.
        name: Short name.
        prediction: The pattern as the seeds state it, in this model's terms.
        basis: The units counted, in words (``20 seeds of struggling``).
        parts: The parts whose conjunction is the pattern.
        effects: Measured effects, each the mean over units with its 95% interval.
        relative: Whether the effects are relative differences (else levels in their own units).
    """

    key: str
    name: str
    prediction: str
    basis: str
    parts: tuple[Part, ...]
    effects: dict[str, Interval]
    relative: bool = True

    @property
    def holds(self) -> np.ndarray:
        """Per unit, whether every part holds."""
        return np.logical_and.reduce([p.holds for p in self.parts])

    @property
    def n(self) -> int:
        """Units counted."""
        return int(self.parts[0].holds.size)

    @property
    def count(self) -> int:
        """Units where the whole pattern holds."""
        return int(self.holds.sum())

    @property
    def share(self) -> float:
        """Share of units where the whole pattern holds (NaN without units)."""
        return self.count / self.n if self.n else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of :attr:`share`."""
        return share_interval(self.count, self.n)

    def as_dict(self) -> dict[str, Any]:
        """Return the finding as plain data."""
        return {
            "key": self.key,
            "name": self.name,
            "prediction": self.prediction,
            "basis": self.basis,
            "units": self.n,
            "holds_in": self.count,
            "share": self.share,
            "interval": list(self.interval),
            "parts": [
                {
                    "claim": p.claim,
                    "holds_in": int(p.holds.sum()),
                    "share": float(p.holds.mean()) if p.holds.size else math.nan,
                    "interval": list(share_interval(int(p.holds.sum()), p.holds.size)),
                }
                for p in self.parts
            ],
            "relative": self.relative,
            "effects": {
                label: {"mean": iv.mean, "low": iv.low, "high": iv.high, "n": iv.n}
                for label, iv in self.effects.items()
            },
        }


@dataclass(frozen=True)
class Course:
    """The runs of one course on one organisation, one row per unit (paired across courses).

    Attributes:
        value: Weekly value, ``(units, weeks)``.
        innovations: Innovations over the whole run, per unit.
    """

    value: np.ndarray
    innovations: np.ndarray

    @classmethod
    def from_cumulative(cls, cumulative: np.ndarray, innovations: np.ndarray) -> Course:
        """Build from cumulative value curves ``(units, weeks)``."""
        cumulative = np.asarray(cumulative, dtype=float)
        return cls(np.diff(cumulative, axis=1, prepend=0.0), np.asarray(innovations, dtype=float))

    def early(self, weeks: int) -> np.ndarray:
        """Mean weekly value over the first ``weeks``."""
        return self.value[:, :weeks].mean(axis=1)

    def late(self, weeks: int) -> np.ndarray:
        """Mean weekly value over the last ``weeks``."""
        return self.value[:, -weeks:].mean(axis=1)

    def cumulative(self, weeks: int | None = None) -> np.ndarray:
        """Cumulative value over the first ``weeks`` (the whole run: None)."""
        return self.value[:, :weeks].sum(axis=1)


def _relative(a: np.ndarray, b: np.ndarray) -> Interval:
    """Mean over units of ``a / b - 1`` with its t-interval (units where ``b`` is 0 are left out)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return t_interval(a / b - 1.0, CONFIDENCE)


def _weeks(first: int, last: int) -> str:
    return f"weeks {first}–{last}" if first < last else f"week {first}"


def capability_trap(runs: Mapping[str, Course], s: EmergenceSpec, basis: str) -> Finding:
    """Measure (a): the push ahead of doing nothing in the first weeks, behind it in the final weeks."""
    push, base = runs[s.push], runs[s.baseline]
    total = push.value.shape[1]
    early, late = _weeks(1, s.early_weeks), _weeks(total - s.late_weeks + 1, total)
    return Finding(
        "a",
        "capability trap",
        f"`{s.push}` is ahead of `{s.baseline}` early, then behind it",
        basis,
        (
            Part(f"`{s.push}` ahead in {early}", push.early(s.early_weeks) > base.early(s.early_weeks)),
            Part(f"`{s.push}` behind in {late}", push.late(s.late_weeks) < base.late(s.late_weeks)),
        ),
        {
            f"weekly value in {early}, `{s.push}` / `{s.baseline}` − 1": _relative(
                push.early(s.early_weeks), base.early(s.early_weeks)
            ),
            f"weekly value in {late}, `{s.push}` / `{s.baseline}` − 1": _relative(
                push.late(s.late_weeks), base.late(s.late_weeks)
            ),
        },
    )


def worse_before_better(runs: Mapping[str, Course], s: EmergenceSpec, basis: str) -> Finding:
    """Measure (b): foundations first dips below doing nothing, then has the most value and innovations."""
    found, base = runs[s.foundations], runs[s.baseline]
    others = [c for name, c in runs.items() if name != s.foundations]
    best_value = np.max([c.cumulative() for c in others], axis=0)
    most_innovations = np.max([c.innovations for c in others], axis=0)
    early = _weeks(1, s.early_weeks)
    rivals = ", ".join(f"`{name}`" for name in runs if name != s.foundations)
    return Finding(
        "b",
        "worse before better",
        f"`{s.foundations}` dips first, then has the most cumulative value and innovations",
        basis,
        (
            Part(
                f"`{s.foundations}` below `{s.baseline}` in {early}",
                found.early(s.early_weeks) < base.early(s.early_weeks),
            ),
            Part(f"more cumulative value than {rivals}", found.cumulative() > best_value),
            Part("more innovations than each of them", found.innovations > most_innovations),
        ),
        {
            f"dip: weekly value in {early}, `{s.foundations}` / `{s.baseline}` − 1": _relative(
                found.early(s.early_weeks), base.early(s.early_weeks)
            ),
            "cumulative value over the best other − 1": _relative(found.cumulative(), best_value),
            "innovations over the most of the others − 1": _relative(found.innovations, most_innovations),
        },
    )


def short_horizon(runs: Mapping[str, Course], s: EmergenceSpec, basis: str) -> Finding:
    """Measure (c): over the first few weeks the push has more cumulative value than foundations first."""
    push, found = runs[s.push], runs[s.foundations]
    short = _weeks(1, s.short_weeks)
    return Finding(
        "c",
        "short horizon favours the push",
        f"over {short} `{s.push}` has more cumulative value than `{s.foundations}`",
        basis,
        (
            Part(
                f"`{s.push}` ahead over {short}",
                push.cumulative(s.short_weeks) > found.cumulative(s.short_weeks),
            ),
        ),
        {
            f"cumulative value over {short}, `{s.push}` / `{s.foundations}` − 1": _relative(
                push.cumulative(s.short_weeks), found.cumulative(s.short_weeks)
            )
        },
    )


def diagnosis(
    weak: Mapping[str, Course], strong: Mapping[str, Course], s: EmergenceSpec, basis: str
) -> Finding:
    """Measure (d): the practice programme wins on strong foundations, loses to foundations first on weak ones."""
    rivals = np.max([strong[s.baseline].cumulative(), strong[s.foundations].cumulative()], axis=0)
    on_strong, on_weak = strong[s.practice].cumulative(), weak[s.practice].cumulative()
    return Finding(
        "d",
        "the right move depends on the diagnosis",
        f"`{s.practice}` is best on `{s.strong}`, worse than `{s.foundations}` on `{s.weak}`",
        basis,
        (
            Part(
                f"on `{s.strong}`, `{s.practice}` has more value than `{s.baseline}` and `{s.foundations}`",
                on_strong > rivals,
            ),
            Part(
                f"on `{s.weak}`, `{s.practice}` has less value than `{s.foundations}`",
                on_weak < weak[s.foundations].cumulative(),
            ),
        ),
        {
            f"on `{s.strong}`: `{s.practice}` over the better of `{s.baseline}`, `{s.foundations}` − 1": _relative(
                on_strong, rivals
            ),
            f"on `{s.weak}`: `{s.practice}` / `{s.foundations}` − 1": _relative(
                on_weak, weak[s.foundations].cumulative()
            ),
        },
    )


def multiplication(
    weak: Mapping[str, Course], strong: Mapping[str, Course], s: EmergenceSpec, basis: str
) -> Finding:
    """Measure (e): the practice programme adds more value on strong foundations than on weak ones."""
    gain = {
        org: runs[s.practice].cumulative() - runs[s.baseline].cumulative()
        for org, runs in (("weak", weak), ("strong", strong))
    }
    return Finding(
        "e",
        "foundations multiply practices",
        f"`{s.practice}` adds more 3-year value on `{s.strong}` than on `{s.weak}` (more than additive)",
        basis,
        (Part(f"value added on `{s.strong}` above that on `{s.weak}`", gain["strong"] > gain["weak"]),),
        {
            f"value added on `{s.weak}` (relative to `{s.baseline}`)": _relative(
                weak[s.practice].cumulative(), weak[s.baseline].cumulative()
            ),
            f"value added on `{s.strong}` (relative to `{s.baseline}`)": _relative(
                strong[s.practice].cumulative(), strong[s.baseline].cumulative()
            ),
            # The interaction in units of the weak organisation's own value, so that it reads the
            # same whatever the sign of either gain (a ratio of gains would not).
            f"interaction: value added on `{s.strong}` − on `{s.weak}`, over `{s.weak}`'s at `{s.baseline}`": (
                t_interval((gain["strong"] - gain["weak"]) / weak[s.baseline].cumulative(), CONFIDENCE)
            ),
        },
    )


def realism(keys: Mapping[str, Mapping[str, np.ndarray]], s: EmergenceSpec, basis: str) -> Finding:
    """Measure (f): each preset that stands for a cluster has its final-window keys in the cluster's profile.

    Args:
        keys: Preset -> DORA key -> per-seed value over the final window, at baseline.
        s: The spec.
        basis: The units counted, in words.
    """
    parts, effects = [], {}
    for cluster, profile in s.cluster_profiles().items():
        org = s.dora[cluster]
        for key, (lo, hi) in profile.items():
            values = np.asarray(keys[org][key], dtype=float)
            parts.append(
                Part(
                    f"`{org}` {key} in the {cluster} profile [{lo:g}, {hi:g}]",
                    (lo <= values) & (values <= hi),
                )
            )
            effects[f"`{org}` {key}"] = t_interval(values, CONFIDENCE)
    return Finding(
        "f",
        "DORA realism",
        "at baseline, "
        + ", ".join(f"`{org}` lands in the published {c} profile" for c, org in s.dora.items()),
        basis,
        tuple(parts),
        effects,
        relative=False,
    )


# ----------------------------------------------------------------------------- running


def cells(s: EmergenceSpec) -> list[tuple[str, str]]:
    """Every (organisation, course) the findings need, each once, in a fixed order."""
    out = [(s.weak, c) for c in s.courses] + [(s.strong, c) for c in (s.baseline, s.foundations, s.practice)]
    out += [(org, s.baseline) for org in s.dora.values()]
    return list(dict.fromkeys(out))


def configs(s: EmergenceSpec) -> list[Config]:
    """Return the runs: every cell of :func:`cells`, seed by seed."""
    out = []
    for org, course in cells(s):
        base = load_config([f"org={org}", f"intervention={course}", "shock=none", f"weeks={s.weeks}"])
        out += [replace(base, seed=seed) for seed in range(s.seeds)]
    return out


@dataclass(frozen=True)
class Emergence:
    """The six findings over seeds, and (a) to (c) over the robustness worlds.

    Attributes:
        seeds: Findings (a) to (f) over the seeds of the spec's presets.
        worlds: Basis label -> findings (a) to (c) over robustness worlds (empty if not run).
        runs: Model runs made for the seeds' findings.
    """

    seeds: list[Finding]
    worlds: dict[str, list[Finding]]
    runs: int

    def as_dict(self) -> dict[str, Any]:
        """Every finding as plain data."""
        return {
            "seeds": [f.as_dict() for f in self.seeds],
            "worlds": {basis: [f.as_dict() for f in found] for basis, found in self.worlds.items()},
            "runs": self.runs,
        }


def over_seeds(s: EmergenceSpec, outcomes: Sequence[Outcome]) -> list[Finding]:
    """Return findings (a) to (f) from the outcomes of :func:`configs`, in that order."""
    by_cell = {cell: outcomes[i * s.seeds : (i + 1) * s.seeds] for i, cell in enumerate(cells(s))}

    def courses(org: str, names: Sequence[str]) -> dict[str, Course]:
        return {
            c: Course.from_cumulative(
                np.array([o.cumulative_value for o in by_cell[(org, c)]]),
                np.array([o.innovations for o in by_cell[(org, c)]]),
            )
            for c in names
        }

    weak = courses(s.weak, s.courses)
    strong = courses(s.strong, (s.baseline, s.foundations, s.practice))
    seeds = f"{s.seeds} seeds"
    keys = {
        org: {key: np.array([getattr(o, key) for o in by_cell[(org, s.baseline)]]) for key in DORA_KEYS}
        for org in s.dora.values()
    }
    return [
        capability_trap(weak, s, f"{seeds} of `{s.weak}`"),
        worse_before_better(weak, s, f"{seeds} of `{s.weak}`"),
        short_horizon(weak, s, f"{seeds} of `{s.weak}`"),
        diagnosis(weak, strong, s, f"{seeds}, each of `{s.weak}` and of `{s.strong}`"),
        multiplication(weak, strong, s, f"{seeds}, each of `{s.weak}` and of `{s.strong}`"),
        realism(keys, s, f"{seeds} of " + ", ".join(f"`{org}`" for org in dict.fromkeys(s.dora.values()))),
    ]


def over_worlds(
    s: EmergenceSpec,
    curves: np.ndarray,
    innovations: np.ndarray,
    interventions: Sequence[str],
    subsets: Mapping[str, np.ndarray],
) -> dict[str, list[Finding]]:
    """Return findings (a) to (c) over robustness worlds, for each subset of them.

    Args:
        s: The spec (its courses must all be among ``interventions``, else no finding).
        curves: Cumulative value, ``(world, intervention, week)``.
        innovations: Innovations over the run, ``(world, intervention)``.
        interventions: The interventions, in the order of the second axis.
        subsets: Label of a set of worlds (the basis, in words) -> a boolean mask of them.

    Returns:
        Label -> the three findings over its worlds; empty if a course was not run.
    """
    if not set(s.courses) <= set(interventions):
        return {}
    out = {}
    for label, mask in subsets.items():
        runs = {
            iv: Course.from_cumulative(curves[mask, i], innovations[mask, i])
            for i, iv in enumerate(interventions)
        }
        out[label] = [
            capability_trap(runs, s, label),
            worse_before_better(runs, s, label),
            short_horizon(runs, s, label),
        ]
    return out


def analyse(s: EmergenceSpec, workers: int | None = None) -> tuple[list[Finding], int]:
    """Run the presets and return findings (a) to (f) over the seeds, with the number of runs."""
    runs = configs(s)
    return over_seeds(s, run_all(runs, "emergence", workers, window=s.late_weeks)), len(runs)


# ----------------------------------------------------------------------------- words


def _pct(x: float | None) -> str:
    # Plain data carries a share that cannot be estimated as None.
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.0f}%"


def verdict(finding: Mapping[str, Any]) -> str:
    """Say how often a pattern holds (a finding as plain data): ``holds in 3 of 20 (15%; 95% CI 5–36%)``."""
    lo, hi = finding["interval"]
    word = "holds" if finding["holds_in"] else "does not hold"
    return (
        f"{word} in {finding['holds_in']} of {finding['units']} "
        f"({_pct(finding['share'])}; 95% CI {_pct(lo)}–{_pct(hi)})"
    )


def parts_text(finding: Mapping[str, Any]) -> str:
    """Say how often each part of a pattern holds (a finding as plain data)."""
    return "; ".join(f"{p['claim']}: {p['holds_in']}/{finding['units']}" for p in finding["parts"])


def effect(f: Finding, label: str) -> str:
    """One effect of a finding: relative effects as signed percentages, levels as numbers, with the interval."""
    iv = f.effects[label]
    if not f.relative:
        return fmt_interval(iv)
    if not np.isfinite(iv.mean):
        return "n/a"
    if not (np.isfinite(iv.low) and np.isfinite(iv.high)):
        return f"{100 * iv.mean:+.1f}%"
    return f"{100 * iv.mean:+.1f}% [{100 * iv.low:+.1f}, {100 * iv.high:+.1f}]"


def line(finding: Mapping[str, Any]) -> str:
    """One line for the console (a finding as plain data): the verdict over its basis, then its parts."""
    return f"({finding['key']}) {finding['name']}: {verdict(finding)} over {finding['basis']} — {parts_text(finding)}"
