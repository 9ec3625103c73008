"""Hypothesis profiles of the fuzzer: ``ci`` (the default: bounded, derandomized) and ``long`` (make fuzz).

``ci`` draws the same examples on every run (``derandomize``), so that CI is
deterministic and its share stays well under two minutes; ``make fuzz``
(``HYPOTHESIS_PROFILE=long``) draws many more, at random, and keeps what it
finds in Hypothesis's example database for the next run.
"""

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=_SLOW_OK
)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
