"""A population of random organisations, for calibration against the DORA clusters.

The distributions live in ``configs/validation/population.yaml`` and are read
into :class:`PopulationSpec`, a frozen dataclass validated like every other
configuration object (:func:`sim.model.schema.build`): unknown keys, wrong types and
values outside an attribute's allowed range are refused with a message naming
the field.

**How an organisation is drawn.** Each organisation has a latent maturity
``m ~ Beta(maturity_a, maturity_b)``. Every listed attribute (starting layer
strengths, load, debt, spread and baseline levers) is
``low + (high - low) · m + noise · N(0, 1)``, clipped to the attribute's range
in ``sim/model/params.py`` or ``sim/model/levers.py``: strong layers, light load, little
debt and calm levers go together, as capabilities come in bundles in the State
of DevOps surveys, and the noise lets every attribute depart from the bundle.
Sizes are independent of maturity: stream-aligned teams log-uniform, team size
and teams per business unit uniform integers. Organisation ``i`` draws from
child ``i`` of the spec's seed sequence and runs with a seed drawn from the
same child, so that the population is the same whatever the number of workers
and organisation ``i`` does not change when the population grows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.config import CONFIG_DIR, load_config
from sim.model.levers import Levers
from sim.model.params import LAYER_NAMES, Config, Layers, OrgConfig
from sim.model.schema import ConfigError, build, check_range, spec

SPEC_PATH = CONFIG_DIR / "validation" / "population.yaml"
# Organisation attributes every population draws (besides the sizes and the layers).
DRAWN_ORG: tuple[str, ...] = ("load", "debt", "spread")


@dataclass(frozen=True)
class Ramp:
    """An attribute as a function of maturity: ``low + (high - low) · m + noise · N(0, 1)``."""

    low: float = spec(doc="Value at maturity 0.")
    high: float = spec(doc="Value at maturity 1.")
    noise: float = spec(0, None, doc="Standard deviation of the organisation's own departure.")


@dataclass(frozen=True)
class IntRange:
    """An integer drawn uniformly (log-uniformly for team counts) between two bounds."""

    low: int = spec(1, None, doc="Smallest value.")
    high: int = spec(1, None, doc="Largest value.")

    def __post_init__(self) -> None:
        if self.high < self.low:
            raise ConfigError("high", f"must be at least low ({self.low}), got {self.high}")


@dataclass(frozen=True)
class PopulationSpec:
    """The distributions of a population of organisations (see the module docstring)."""

    size: int = spec(1, 100_000, unit="organisations", doc="Organisations in the population.")
    seed: int = spec(0, 2**32 - 1, doc="Root of every organisation's seed.")
    weeks: int = spec(1, 520, unit="weeks", doc="Run length at baseline.")
    window: int = spec(1, 520, unit="weeks", doc="Final weeks over which the DORA keys are averaged.")
    maturity_a: float = spec(0.05, 100, doc="First shape parameter of the Beta maturity distribution.")
    maturity_b: float = spec(0.05, 100, doc="Second shape parameter of the Beta maturity distribution.")
    teams: IntRange = spec(doc="Stream-aligned teams (log-uniform).")
    team_size: IntRange = spec(doc="People per stream-aligned team.")
    teams_per_business_unit: IntRange = spec(doc="Stream-aligned teams per business unit.")
    org: dict[str, Ramp] = spec(
        default={}, doc="Organisation attributes: load, debt and spread, all required."
    )
    layers: dict[str, Ramp] = spec(default={}, doc="Starting layer strengths, all seven required.")
    levers: dict[str, Ramp] = spec(
        default={}, doc="Baseline levers; the others keep sim.model.levers.Levers' defaults."
    )
    independent: bool = spec(
        default=False, doc="Draw each attribute's maturity on its own (no bundles), for a check."
    )

    def __post_init__(self) -> None:
        if self.window > self.weeks:
            raise ConfigError("window", f"must be at most weeks ({self.weeks}), got {self.window}")
        for group, required in (("org", DRAWN_ORG), ("layers", LAYER_NAMES)):
            missing = [name for name in required if name not in getattr(self, group)]
            if missing:
                raise ConfigError(f"{group}.{missing[0]}", "is required but missing")
        for group, cls in (("org", OrgConfig), ("layers", Layers), ("levers", Levers)):
            metas = {f.name: f.metadata for f in dataclasses.fields(cls)}
            for name, ramp in getattr(self, group).items():
                if name not in metas or name in ("teams", "team_size", "teams_per_business_unit"):
                    raise ConfigError(f"{group}.{name}", f"not an attribute a population can draw in {group}")
                for end in ("low", "high"):
                    check_range(getattr(ramp, end), metas[name], f"{group}.{name}.{end}")
        for name in ("teams", "team_size", "teams_per_business_unit"):
            meta = next(f.metadata for f in dataclasses.fields(OrgConfig) if f.name == name)
            for end in ("low", "high"):
                check_range(getattr(getattr(self, name), end), meta, f"{name}.{end}")


def load_spec(path: Path | str = SPEC_PATH, **changes: Any) -> PopulationSpec:
    """Read and validate a population spec, optionally changing top-level fields (e.g. ``size``).

    Raises:
        ConfigError: A key, type or value is not allowed.
    """
    data = yaml.safe_load(Path(path).read_text())
    return build(PopulationSpec, {**data, **changes})


def _bounds(cls: type, name: str) -> tuple[float, float]:
    meta = next(f.metadata for f in dataclasses.fields(cls) if f.name == name)
    return meta["lo"], meta["hi"]


def _draw(
    rng: np.random.Generator, m: float | None, ramps: dict[str, Ramp], cls: type, spec_: PopulationSpec
) -> dict[str, float]:
    out = {}
    for name, ramp in ramps.items():
        own = rng.beta(spec_.maturity_a, spec_.maturity_b) if m is None else m
        value = ramp.low + (ramp.high - ramp.low) * own + ramp.noise * rng.standard_normal()
        lo, hi = _bounds(cls, name)
        out[name] = float(np.clip(value, lo, hi))
    return out


@dataclass(frozen=True)
class Organisation:
    """One drawn organisation.

    Attributes:
        index: Position in the population.
        maturity: Its latent maturity, 0 to 1.
        org: The organisation as the model takes it.
        seed: Seed of its run.
    """

    index: int
    maturity: float
    org: OrgConfig
    seed: int


def draw(spec_: PopulationSpec) -> list[Organisation]:
    """Draw every organisation of the population, in order."""
    children = np.random.SeedSequence(spec_.seed).spawn(spec_.size)
    out = []
    for i, child in enumerate(children):
        rng = np.random.default_rng(child)
        m = float(rng.beta(spec_.maturity_a, spec_.maturity_b))
        # Without bundles every attribute draws its own maturity; ``m`` is then only reported.
        own = None if spec_.independent else m
        teams = int(round(np.exp(rng.uniform(np.log(spec_.teams.low), np.log(spec_.teams.high)))))
        org = OrgConfig(
            name=f"population-{i}",
            description="Random organisation of the calibration population.",
            teams=teams,
            team_size=int(rng.integers(spec_.team_size.low, spec_.team_size.high + 1)),
            teams_per_business_unit=float(
                rng.integers(spec_.teams_per_business_unit.low, spec_.teams_per_business_unit.high + 1)
            ),
            **_draw(rng, own, spec_.org, OrgConfig, spec_),
            layers=Layers(**_draw(rng, own, spec_.layers, Layers, spec_)),
            levers=Levers(**_draw(rng, own, spec_.levers, Levers, spec_)),
        )
        out.append(Organisation(i, m, org, int(rng.integers(2**31))))
    return out


def configs(spec_: PopulationSpec, base: Config | None = None) -> list[Config]:
    """Baseline run configurations of the population (no intervention, no shock).

    Args:
        spec_: The population.
        base: Configuration whose parameters the runs use; default ``configs/`` as composed
            with no override (``configs/params/default.yaml``).
    """
    base = load_config(["intervention=none", "shock=none"]) if base is None else base
    return [
        dataclasses.replace(base, org=o.org, seed=o.seed, weeks=spec_.weeks, intervention={}, shock={})
        for o in draw(spec_)
    ]
