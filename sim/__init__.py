"""OrgStack: an agent-based simulation of an IT organisation as a stack of layers.

The public names are imported on first use (PEP 562), so that a command can
start its sweep's worker processes (:mod:`sim.workers`) before it spends two
seconds importing pandas, Mesa and the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import RunResult, run, simulate, simulate_many
    from sim.config import load_config
    from sim.model.model import OrgModel
    from sim.model.schema import ConfigError

_HOMES = {
    "ConfigError": "sim.model.schema",
    "OrgModel": "sim.model.model",
    "RunResult": "sim.api",
    "load_config": "sim.config",
    "run": "sim.api",
    "simulate": "sim.api",
    "simulate_many": "sim.api",
}
__all__ = ["ConfigError", "OrgModel", "RunResult", "load_config", "run", "simulate", "simulate_many"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return __all__
