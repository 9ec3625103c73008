"""Which runs share a model (batches of worlds) and which go to a worker together (chunks).

Runs of one organisation that differ only in seed, interventions and shocks are
simulated together as the worlds of one model (``docs/model.md``, 2.1). This
module decides the grouping from the configurations alone, without importing
the model, so that a sweep's parent process, which only hands chunks to its
workers, never imports Mesa.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from sim.model.levers import LEVER_INDEX, schedule
from sim.model.params import Config

# Stream-aligned teams simulated together in one batch: large enough that the fixed cost
# of a week's calls (compiled mechanisms, draws, recording) is spread over many runs,
# small enough to stay in cache.
MAX_BATCH_TEAMS = 2_000
# Chunks of runs handed to workers: several per worker, so that they finish
# together (and a progress bar moves), few enough that each is a sizeable batch.
CHUNKS_PER_WORKER = 4
MAX_CHUNK_RUNS = 64
# A chunk holds at least this many stream-aligned teams (50 default runs) while every
# worker still gets one, so that a worker's fixed cost per chunk (a model, sending its
# tables back) is spread over many runs. A default run costs 6.3-6.4 ms in a batch of 25
# runs and 5.9-6.6 ms in one of 50.
MIN_CHUNK_TEAMS = 600


def ever_staffed(config: Config, lever: str) -> bool:
    """Whether a run ever staffs the teams a lever sizes (``platform_capacity``, ``enabling_capacity``).

    True when the organisation's baseline or any week of its plan puts the lever above 0.
    """
    items = [*config.intervention.values(), *config.shock.values()]
    table, _ = schedule(config.org.levers, items, config.weeks, config.org.teams)
    return bool(table[:, LEVER_INDEX[lever]].max() > 0)


def platform_teams(config: Config) -> int:
    """Platform teams of a run: one per ``streams_per_platform`` stream-aligned teams, if it ever has a platform.

    A run has a platform when its organisation has platform people or its plan ever staffs one
    (``platform_capacity`` above 0 in any week); a platform team is a team of the structure from
    the start, and takes requests once it has people.
    """
    if not ever_staffed(config, "platform_capacity"):
        return 0
    return math.ceil(config.org.teams / config.params.structure.streams_per_platform)


def batch_shape(config: Config) -> tuple[Config, int]:
    """Return what runs in one batch must share: everything but seed, interventions and shocks.

    The teams of the structure too: a plan that staffs a platform gives its run platform teams.
    """
    return dataclasses.replace(config, seed=0, intervention={}, shock={}, plan=None), platform_teams(config)


def by_shape(configs: Sequence[Config]) -> list[list[int]]:
    """Positions of the configurations grouped by what a batch must share, in order of appearance."""
    groups: list[tuple[Config, list[int]]] = []
    for i, config in enumerate(configs):
        shape = batch_shape(config)
        group = next((members for key, members in groups if key == shape), None)
        if group is None:
            groups.append((shape, [i]))
        else:
            group.append(i)
    return [members for _, members in groups]


def batches(configs: Sequence[Config]) -> list[list[int]]:
    """Positions of the configurations, batch by batch: one shape, at most ``MAX_BATCH_TEAMS`` teams each."""
    out = []
    for members in by_shape(configs):
        size = max(1, MAX_BATCH_TEAMS // configs[members[0]].org.teams)
        out += [members[i : i + size] for i in range(0, len(members), size)]
    return out


def chunks(configs: Sequence[Config], workers: int) -> list[list[int]]:
    """Cut configurations into chunks for workers, those that can share a model next to each other.

    Args:
        configs: The configurations.
        workers: How many workers will share the chunks.

    Returns:
        Positions in ``configs``, chunk by chunk: about ``CHUNKS_PER_WORKER``
        chunks per worker, so that workers finish together, but fewer when
        chunks would hold under ``MIN_CHUNK_TEAMS`` teams (never fewer than
        one per worker), and at most ``MAX_CHUNK_RUNS`` runs each.
    """
    order = [i for group in by_shape(configs) for i in group]
    workers = max(workers, 1)
    teams = max((c.org.teams for c in configs), default=1)
    sizeable = min(MIN_CHUNK_TEAMS // teams, math.ceil(len(order) / workers))
    size = max(1, min(max(math.ceil(len(order) / (CHUNKS_PER_WORKER * workers)), sizeable), MAX_CHUNK_RUNS))
    return [order[i : i + size] for i in range(0, len(order), size)]
