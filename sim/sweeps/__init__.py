"""Sweeps: one directory per run, a record of how each run ended, progress, tidy results.

``orgstack --multirun`` runs every combination of the sweep's values, each in its own
job directory inside the sweep directory (``hydra.sweep.dir``)::

    <sweep dir>/
      multirun.yaml                       Hydra's configuration of the sweep
      intervention-none,seed-0,weeks-8/   one directory per run, named from its overrides
        .hydra/                           Hydra's config.yaml, hydra.yaml, overrides.yaml
        metrics.parquet                   weekly metrics, indexed by week
        teams.parquet                     per-team values
        summary.txt                       the run's summary, as ``orgstack`` prints it for one run
        traceback.txt                     only when the run failed
        run.json                          written last: status, error, overrides, seconds
      results.parquet                     one row per run-week of the runs that finished
      failures.csv                        run, overrides, error of each failed run (when any)

A job directory's name depends only on the run's overrides (:func:`job_dir_name`), so
re-running the same sweep into the same directory maps every run to the same place,
and a job whose ``run.json`` says ``ok`` for the same overrides is skipped
(:func:`is_finished`). ``run.json`` is replaced atomically once every other file of
the run is written, so ``"status": "ok"`` means the run finished, and a job directory
without it is a run that was interrupted (or is still running).

:func:`collect` turns the finished runs into ``results.parquet``, one run at a time, and
``orgstack-collect DIR`` does the same from the command line. :class:`Progress` draws
the progress bar of a sweep from the parent process (``sim.sweeps.callbacks`` starts it).
"""
