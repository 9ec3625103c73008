"""What the public API must provide, stated once for all tests."""

from sim.model.params import LAYER_NAMES

# The weekly columns every frame of ``simulate`` must have (docs/model.md, 4.11, defines them).
REQUIRED_COLUMNS: tuple[str, ...] = (
    *(f"layer_{name}" for name in LAYER_NAMES),
    "throughput",
    "value",
    "deploys_per_week",
    "lead_time_days",
    "time_to_restore_hours",
    "change_failure_rate",
    "dora_cluster",
    "innovations",
    "tech_debt",
    "incidents",
    "headcount",
    "attrition",
    "bu_trust",
    "shadow_it_share",
    "cost",
    "maturity",
)
