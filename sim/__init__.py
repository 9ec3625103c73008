"""OrgStack: an agent-based simulation of an IT organisation as a stack of layers."""

from sim.api import RunResult, run, simulate, simulate_many
from sim.config import load_config
from sim.model import OrgModel
from sim.schema import ConfigError

__all__ = ["ConfigError", "OrgModel", "RunResult", "load_config", "run", "simulate", "simulate_many"]
