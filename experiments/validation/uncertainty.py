"""The uncertain inputs of the sensitivity and robustness analyses, and worlds built from them.

``configs/validation/uncertainty.yaml`` says which parameters are uncertain and
over which range (:class:`UncertaintySpec`). Parameters are named by their dotted
path in the nested :class:`sim.model.params.Params` (``operating.overtime``,
:mod:`experiments.validation.parameters`). Every numeric parameter is uncertain
unless the file excludes it with a reason; each is uniform on
``default · [1 − width, 1 + width]`` clipped to its declared range
(``[0, zero_default · largest allowed]`` for a default of 0), with narrower
widths where data pin the value down. Integer parameters (weeks, teams) are
drawn as numbers and rounded when a world is built. The starting layer strengths of
the organisation analysed are uncertain too, uniform within ``layer_width`` of
the preset's values. A *world* is one point of that space: a validated
:class:`sim.model.params.Config` with those parameter and layer values.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from experiments.validation import parameters
from sim.config import CONFIG_DIR, load_config
from sim.model.params import LAYER_NAMES, Config, Layers, OrgConfig
from sim.model.schema import ConfigError, build, spec

SPEC_PATH = CONFIG_DIR / "validation" / "uncertainty.yaml"
LAYER_PREFIX = "layer_"
# Position of a world's organisation between the analysed preset (0) and robustness.towards (1).
DIAGNOSIS = "diagnosis"


@dataclass(frozen=True)
class SensitivitySpec:
    """Design of the Morris screening and the Sobol analysis."""

    intervention: str = spec(doc="Intervention under which the outcomes are measured.")
    morris_trajectories: int = spec(2, 1000, doc="Morris trajectories (r).")
    morris_levels: int = spec(2, 20, doc="Levels of the Morris grid.")
    sobol_base_samples: int = spec(8, 65536, doc="Saltelli base samples N (a power of 2).")
    sobol_top: int = spec(2, 100, doc="Factors, ranked by Morris, that the Sobol analysis takes.")
    seed: int = spec(0, 2**32 - 1, doc="Seed of the designs and of the bootstrap intervals.")

    def __post_init__(self) -> None:
        n = self.sobol_base_samples
        if n & (n - 1):
            raise ConfigError("sobol_base_samples", f"must be a power of 2, got {n}")


@dataclass(frozen=True)
class RobustnessSpec:
    """Design of the robustness analysis."""

    worlds: int = spec(2, 100_000, doc="Sampled worlds.")
    interventions: tuple[str, ...] = spec(doc="Interventions run in every world.")
    course: str = spec(doc="The intervention whose robustness is analysed; one of ``interventions``.")
    layer_width: float = spec(0, 1, doc="Half-width of a starting layer strength's range in these worlds.")
    seed: int = spec(0, 2**32 - 1, doc="Seed of the design and of the worlds' runs.")
    tree_depth: int = spec(1, 6, doc="Depth of the scenario-discovery tree.")
    tree_min_leaf: int = spec(1, 10_000, doc="Fewest worlds in a leaf of the tree.")
    ranges: dict[str, tuple[float, ...]] = spec(
        default={},
        doc="Parameters (dotted names) with a range of their own in these worlds: [low, high] as "
        "multiples of the default.",
    )
    towards: str = spec(
        default="",
        doc="Organisation preset at the far end of the diagnosis axis (empty: none); each world "
        "draws its position on the axis from the analysed preset (0) to this one (1).",
    )
    horizon: tuple[int, ...] = spec(
        default=(156, 156),
        doc="Range of the decision horizon in weeks, [shortest, longest]; each world draws its own.",
    )

    def __post_init__(self) -> None:
        if self.course not in self.interventions:
            raise ConfigError(
                "course",
                f"must be one of the interventions ({', '.join(self.interventions)}), got {self.course!r}",
            )
        if len(self.interventions) < 2:
            raise ConfigError("interventions", "must name at least two interventions to compare")
        for name, pair in self.ranges.items():
            parameters.lookup(name, f"ranges.{name}")
            if len(pair) != 2 or not 0 <= pair[0] <= pair[1]:
                raise ConfigError(
                    f"ranges.{name}", f"must be [low, high] with 0 <= low <= high, got {list(pair)}"
                )
        if len(self.horizon) != 2 or not 1 <= self.horizon[0] <= self.horizon[1]:
            raise ConfigError(
                "horizon",
                f"must be [shortest, longest] with 1 <= shortest <= longest, got {list(self.horizon)}",
            )


@dataclass(frozen=True)
class UncertaintySpec:
    """Which inputs are uncertain and how the analyses sample them."""

    width: float = spec(0, 1, doc="Relative half-width of a parameter's range.")
    zero_default: float = spec(
        0, 1, doc="Range of a zero-default parameter, as a share of its largest value."
    )
    layer_width: float = spec(0, 1, doc="Half-width of a starting layer strength's range.")
    org: str = spec(doc="Organisation preset analysed.")
    seed: int = spec(0, 2**32 - 1, doc="Run seed of the sensitivity analysis.")
    sensitivity: SensitivitySpec = spec(doc="Morris and Sobol designs.")
    robustness: RobustnessSpec = spec(doc="Robustness design.")
    narrow: dict[str, float] = spec(
        default={}, doc="Parameters (dotted names) with their own relative half-width."
    )
    excluded: dict[str, str] = spec(
        default={}, doc="Parameters (dotted names) that are not uncertain, with the reason."
    )

    def __post_init__(self) -> None:
        for group in ("narrow", "excluded"):
            for name in getattr(self, group):
                parameters.lookup(name, f"{group}.{name}")
        for name, width in self.narrow.items():
            if not 0 <= width <= 1:
                raise ConfigError(f"narrow.{name}", f"must be a number from 0 to 1, got {width}")
        both = [name for name in self.narrow if name in self.excluded]
        if both:
            raise ConfigError(f"narrow.{both[0]}", "is also excluded; a parameter is uncertain or excluded")
        for name, why in self.excluded.items():
            if not why.strip():
                raise ConfigError(f"excluded.{name}", "needs a reason")


def load_spec(path: Path | str = SPEC_PATH) -> UncertaintySpec:
    """Read and validate the uncertainty spec.

    Raises:
        ConfigError: A key, type or value is not allowed.
    """
    return build(UncertaintySpec, yaml.safe_load(Path(path).read_text()))


@dataclass(frozen=True)
class Factor:
    """One uncertain input: a parameter or (prefixed ``layer_``) a starting layer strength.

    Attributes:
        name: Dotted parameter name (``operating.overtime``), or ``layer_<layer>``.
        low: Smallest value sampled.
        high: Largest value sampled.
        default: Value in the model as configured (configs/params/default.yaml, the preset).
    """

    name: str
    low: float
    high: float
    default: float


def factors(
    spec_: UncertaintySpec, base: Config, ranges: dict[str, tuple[float, ...]] | None = None
) -> list[Factor]:
    """Every uncertain input with its range, parameters first (in ``Params`` order), then layers.

    ``ranges`` gives some parameters a range of their own, as multiples of the
    default (the robustness analysis' wider worlds), clipped to the declared range.
    A bound a field does not declare does not clip.
    """
    ranges = ranges or {}
    out = []
    for p in parameters.numeric().values():
        if p.name in spec_.excluded:
            continue
        default = parameters.value(base.params, p.name)
        lo = -math.inf if p.lo is None else p.lo
        hi = math.inf if p.hi is None else p.hi
        if default == 0 and p.hi is None:
            raise ConfigError(
                p.name, "has a default of 0 and no declared upper bound: exclude it, with a reason"
            )
        if p.name in ranges and default != 0:
            low, high = default * ranges[p.name][0], default * ranges[p.name][1]
        elif default == 0:
            low, high = 0.0, spec_.zero_default * hi
        else:
            width = spec_.narrow.get(p.name, spec_.width)
            low, high = default * (1 - width), default * (1 + width)
        out.append(Factor(p.name, max(low, lo), min(high, hi), default))
    for layer in LAYER_NAMES:
        default = float(getattr(base.org.layers, layer))
        low = max(default - spec_.layer_width, 0.0)
        high = min(default + spec_.layer_width, 1.0)
        out.append(Factor(LAYER_PREFIX + layer, low, high, default))
    return out


def between(a: OrgConfig, b: OrgConfig, t: float) -> OrgConfig:
    """Return the organisation a share ``t`` of the way from ``a`` to ``b``.

    Load, debt, spread, every starting layer and every baseline lever are
    interpolated linearly; sizes and names are ``a``'s.
    """

    def mix(x: object, y: object) -> dict[str, float]:
        return {
            f.name: (1 - t) * getattr(x, f.name) + t * getattr(y, f.name)
            for f in dataclasses.fields(x)
            if isinstance(getattr(x, f.name), float)
        }

    return dataclasses.replace(
        a,
        **{n: (1 - t) * getattr(a, n) + t * getattr(b, n) for n in ("load", "debt", "spread")},
        layers=Layers(**mix(a.layers, b.layers)),
        levers=dataclasses.replace(a.levers, **mix(a.levers, b.levers)),
    )


def problem(chosen: list[Factor]) -> dict:
    """Return the SALib problem of the factors."""
    return {
        "num_vars": len(chosen),
        "names": [f.name for f in chosen],
        "bounds": [[f.low, f.high] for f in chosen],
    }


def base_config(spec_: UncertaintySpec, intervention: str = "none") -> Config:
    """Return the analysed organisation's configuration for an intervention, without per-team records."""
    return load_config([f"org={spec_.org}", f"intervention={intervention}", "record.team_every=0"])


def world(
    base: Config, chosen: list[Factor], values: np.ndarray, seed: int, towards: OrgConfig | None = None
) -> Config:
    """Return a world: ``base`` with the factors set to ``values`` and its own seed.

    Values are clipped to each factor's range first, because floating-point
    arithmetic in samplers can land a hair outside it. With ``towards`` and a
    ``diagnosis`` factor ``t``, the organisation is first moved a share ``t`` of the
    way to ``towards`` (:func:`between`); the layer factors then shift its layers by
    their departure from the preset's value, clipped to [0, 1].
    """
    params: dict[str, float] = {}
    layers: dict[str, float] = {}
    t = 0.0
    for f, v in zip(chosen, values, strict=True):
        v = float(min(max(v, f.low), f.high))
        if f.name.startswith(LAYER_PREFIX):
            layers[f.name.removeprefix(LAYER_PREFIX)] = v - f.default
        elif f.name == DIAGNOSIS:
            t = v
        else:
            params[f.name] = v
    org = base.org if towards is None else between(base.org, towards, t)
    shifted = {n: min(max(getattr(org.layers, n) + d, 0.0), 1.0) for n, d in layers.items()}
    org = dataclasses.replace(org, layers=dataclasses.replace(org.layers, **shifted))
    return dataclasses.replace(base, params=parameters.replace(base.params, params), org=org, seed=int(seed))
