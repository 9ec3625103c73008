"""Tests of how runs are grouped: batches of worlds and chunks for workers."""

import dataclasses

import pytest

from sim import load_config
from sim.model.batches import MAX_BATCH_TEAMS, batches, chunks


def test_chunks_cover_every_run_once_with_batchable_runs_next_to_each_other():
    runs = [[f"org={org}", f"seed={s}", "weeks=5"] for s in range(6) for org in ("elite", "startup", "elite")]
    configs = [load_config(r) for r in runs]
    parts = chunks(configs, workers=2)
    flat = [i for part in parts for i in part]
    assert sorted(flat) == list(range(len(configs)))
    orgs = [configs[i].org.name for i in flat]
    assert orgs == sorted(orgs, key=orgs.index)  # each organisation in one contiguous block
    # 18 small runs for 2 workers: one chunk each, not CHUNKS_PER_WORKER small batches.
    assert [len(p) for p in parts] == [9, 9]


@pytest.mark.parametrize(
    ("runs", "teams", "workers", "sizes"),
    [
        (200, 12, 2, [50] * 4),  # batches of MIN_CHUNK_TEAMS teams, two per worker
        (200, 12, 1, [50] * 4),
        (2, 12, 2, [1, 1]),  # every worker gets a run
        (2000, 12, 2, [64] * 31 + [16]),  # at most MAX_CHUNK_RUNS
        (64, 200, 2, [8] * 8),  # large organisations: CHUNKS_PER_WORKER chunks per worker
    ],
)
def test_chunks_are_sizeable_batches_and_still_feed_every_worker(runs, teams, workers, sizes):
    config = load_config([f"org.teams={teams}", "weeks=5"])
    parts = chunks([dataclasses.replace(config, seed=s) for s in range(runs)], workers=workers)
    assert [len(p) for p in parts] == sizes


def test_batches_share_a_shape_and_hold_at_most_max_batch_teams():
    small, large = load_config(["weeks=5"]), load_config(["weeks=5", "org.teams=700"])
    configs = [dataclasses.replace(c, seed=s) for s in range(6) for c in (small, large)]
    parts = batches(configs)
    assert sorted(i for part in parts for i in part) == list(range(len(configs)))
    for part in parts:
        assert len({configs[i].org.teams for i in part}) == 1
        assert len(part) * configs[part[0]].org.teams <= MAX_BATCH_TEAMS
    assert [len(p) for p in parts] == [6, 2, 2, 2]  # 700 teams: two runs a batch
