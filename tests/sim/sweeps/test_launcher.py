"""The batch launcher's work: failure isolation, bad input, skipping finished runs, workers."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from sim import api, workers
from sim.api import run_config
from sim.config import load_config
from sim.sweeps import frames, jobs, launcher, results


def _jobs(tmp_path, runs):
    return [(tmp_path / f"job{i}", list(r), load_config(r)) for i, r in enumerate(runs)]


def test_a_failing_run_is_recorded_and_the_rest_of_its_chunk_still_runs(tmp_path, monkeypatch):
    real = api.run_configs

    def flaky(configs):
        if any(c.seed == 13 for c in configs):
            raise FloatingPointError("boom")
        return real(configs)

    monkeypatch.setattr(api, "run_configs", flaky)
    batch = _jobs(tmp_path, [["seed=12", "weeks=6"], ["seed=13", "weeks=6"], ["seed=14", "weeks=6"]])
    for out, _, _ in batch:
        out.mkdir()
    launcher.run_chunk(batch)
    records = [json.loads((out / jobs.RUN_FILE).read_text()) for out, _, _ in batch]
    assert [r["status"] for r in records] == ["ok", "failed", "ok"]
    assert records[1]["error"] == "FloatingPointError: boom"
    assert "FloatingPointError" in (batch[1][0] / jobs.TRACEBACK_FILE).read_text()
    pd.testing.assert_frame_equal(
        pd.read_parquet(batch[2][0] / jobs.METRICS_FILE), run_config(batch[2][2]).weekly, check_freq=False
    )


def test_launch_records_bad_input_and_skips_finished_runs(tmp_path):
    launcher.launch(tmp_path, [("good", ["seed=1", "weeks=4"]), ("bad", ["weeks=0"])], n_jobs=1)
    assert jobs.read_run(tmp_path / "good")["status"] == "ok"
    bad = jobs.read_run(tmp_path / "bad")
    assert bad["status"] == "failed" and "weeks" in bad["error"]
    before = (tmp_path / "good" / jobs.METRICS_FILE).stat().st_mtime_ns
    launcher.launch(tmp_path, [("good", ["seed=1", "weeks=4"])], n_jobs=1)
    assert (tmp_path / "good" / jobs.METRICS_FILE).stat().st_mtime_ns == before


def test_collect_uses_the_workers_tables_and_gets_what_the_files_hold(tmp_path, monkeypatch):
    # Two horizons: a worker's chunk holds tables of two schemas (their week index differs).
    batch = [
        (f"run{seed}{plan}", [f"seed={seed}", f"weeks={5 if seed < 2 else 7}", f"intervention={plan}"])
        for seed in range(3)
        for plan in ("none", "execution_push")
    ]
    launcher.launch(tmp_path, batch, n_jobs=2)
    reads = []
    real = jobs.read_metrics
    monkeypatch.setattr(results, "read_metrics", lambda job_dir: reads.append(job_dir) or real(job_dir))
    handed_over = pd.read_parquet(results.collect(tmp_path))
    assert reads == [], "the parent read files its workers had already read"
    from_files = pd.read_parquet(results.collect(tmp_path))
    assert len(reads) == len(batch)
    pd.testing.assert_frame_equal(handed_over, from_files)


def test_a_table_remembered_for_a_file_that_changed_since_is_not_used(tmp_path):
    launcher.launch(tmp_path, [("a", ["seed=1", "weeks=4"])], n_jobs=1)
    path, stamp, table = jobs.read_metrics(tmp_path / "a")
    frames.remember([(path, (stamp[0] - 1, stamp[1]), table.slice(0, 1))])
    assert len(pd.read_parquet(results.collect(tmp_path))) == 4


def test_workers_start_with_orgstack_imported_and_give_the_files_this_process_gives(tmp_path):
    context = workers.worker_context()
    if context.get_start_method() == "forkserver":
        workers.start_workers_early()
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            # eval, a builtin, is sent by name: nothing of OrgStack is imported to run it.
            assert pool.submit(eval, "'sim.model.model' in __import__('sys').modules").result()
    batch = [
        (f"run{seed}", [f"seed={seed}", "weeks=5", "intervention=foundations_first"]) for seed in range(4)
    ]
    launcher.launch(tmp_path / "here", batch, n_jobs=1)
    launcher.launch(tmp_path / "workers", batch, n_jobs=2)
    for name, _ in batch:
        for file in (jobs.METRICS_FILE, jobs.TEAMS_FILE, jobs.SUMMARY_FILE):
            assert (tmp_path / "here" / name / file).read_bytes() == (
                tmp_path / "workers" / name / file
            ).read_bytes()
