"""Work items flowing through teams that depend on each other (model v2's engine).

A structure-of-arrays, event-driven engine for a batch of worlds x teams: every
work item lives in numpy arrays operated on by numba-compiled code, one call
advances every world one week, and a world's numbers depend on its own seed
only. ``docs/flow.md`` describes the mechanisms, state and parameters.

Modules:
    rng: counter-based random numbers (SplitMix64 of seed, team, stream, counter).
    items: the item store (kinds, states, service classes, free list).
    params: ``FlowParams``, the parameters of the work (sizes, value, weights).
    serve: the compiled week: arrivals, limited processor sharing by class,
        dependencies, deploys and failures, withdrawals, the week's measures.
    engine: ``Drivers`` (the week's inputs), ``Dependencies`` and ``FlowEngine``.
"""

from sim.model.flow.engine import Dependencies, Drivers, FlowEngine
from sim.model.flow.items import Kind, State
from sim.model.flow.params import FlowParams
from sim.model.flow.serve import OUT, Out

__all__ = ["OUT", "Dependencies", "Drivers", "FlowEngine", "FlowParams", "Kind", "Out", "State"]
