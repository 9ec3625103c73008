"""Help text the studio shows beside its inputs and charts, read from where the project defines it.

Presets, interventions and shocks describe themselves in their configuration
files (``description``); layers in :class:`sim.model.params.Layers`' field
documentation; the weekly metrics in the table of ``docs/model.md``, section
4.11 (Observation). Nothing here is a second copy of those texts, except
:data:`PLAIN`: the measures model v2 added or redefined, said in plain words for
the studio's readers where the table computes them in code notation.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import yaml

from sim.model.params import Layers
from sim.paths import CONFIG_DIR, repository

MODEL_DOC = "docs/model.md"
OBSERVATION = "## 4.11 Observation"

SET_AND_EFFECTIVE = (
    "The sliders set each layer's starting stock (partnership, strategic clarity, architecture standards, "
    "climate, skill, delivery practice, innovation capability). The stack shows the layer strength the "
    "model measures each week, which the layers beneath limit: architecture is the standards discounted "
    "by technical debt, execution is practice capped by architecture, strategy is clarity times focus. "
    "So an effective strength can start below its slider and move from there."
)


# The measures of model v2 (sim.model.record) that the studio charts, in plain words. They take the
# place of the documentation table's rows, whose formulas are written for the model's readers.
PLAIN: dict[str, str] = {
    "value": "What the work delivered in the week is worth to the business: the features deployed, "
    "plus the lasting value of the innovations shipped so far; in thousands of currency units.",
    "cost": "What the organisation spends in the week: its people, the interventions' spend and "
    "the incidents; in thousands of currency units.",
    "net_value": "Value minus cost in the week, in thousands of currency units: above zero, the "
    "organisation's IT earns more than it costs.",
    "throughput": "Features finished in the week.",
    "items_in_system": "How many items were in the system during the week, on average: requested and "
    "not yet done, whether waiting, being worked on, waiting for another team's change or waiting to "
    "be deployed. More items waiting for the same throughput means longer waits.",
    "items_done": "Items of every kind finished in the week: features, other teams' requests, incidents "
    "and rework.",
    "flow_time_days": "How long the items finished in the week took from request to done, on average, "
    "in days. It grows with the items in the system and falls as more get done.",
    "utilisation": "The share of the people's time for items that they were busy on items. Close to "
    "all of it, queues and waits grow quickly: some slack keeps the work flowing.",
    "lead_time_days": "Lead time for changes (DORA), the median: half the changes deployed in the week "
    "reached production within this many days of being finished.",
    "lead_time_p85_days": "Lead time for changes, the slow end: 85 in every 100 changes deployed in the "
    "week reached production within this many days of being finished.",
    "deploys_per_week": "Deploys a stream-aligned team made in the week, on average over the teams.",
    "tech_debt": "Technical debt in a stream-aligned team's code, on average over the teams: the "
    "person-days of work it would take to pay it down. It slows every change and makes changes fail "
    "more often.",
    "unplanned_backlog": "Incidents and rework waiting to be worked on.",
    "change_failure_rate": "The share of the week's deploys, across all teams, that failed in production.",
    "time_to_restore_hours": "How long the incidents restored in the week took to restore, on average, "
    "in hours.",
    "innovations": "Innovations shipped in the week: experiments that worked and became lasting value.",
    "attrition": "People who left in the week.",
    "bu_trust": "The business units' trust in IT, 0-1, on average: it follows how long their requests "
    "wait and how often changes fail.",
}
# Said under the What-if charts: the organisation's measures that need an event (sim.model.record).
CARRIED = (
    "Lead times, flow time, change failure rate and time to restore need a deploy, a finished item or a "
    "restore: a week without one shows the last week that had one, as a dashboard of the DORA keys does."
)


@functools.cache
def description(group: str, name: str) -> str:
    """Return the ``description`` of a preset (``org``, ``intervention`` or ``shock``), or ``""``."""
    path = CONFIG_DIR / group / f"{name}.yaml"
    if not path.is_file():
        return ""
    data = yaml.safe_load(path.read_text()) or {}
    return str(data.get("description", ""))


@functools.cache
def layer_help() -> dict[str, str]:
    """Each layer's meaning, from :class:`sim.model.params.Layers`."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(Layers)}


@functools.cache
def metric_help() -> dict[str, str]:
    """Each weekly column's meaning: :data:`PLAIN`, then the table of ``docs/model.md`` section 4.11.

    The table's formulas are written in code notation; they are turned into
    plain text here (backticks dropped) and kept otherwise as the model documentation says.
    """
    found = _documented()
    found.update(PLAIN)
    # The studio's one derived series (viz.scenario.run_what_if adds it).
    found["cumulative_net_value"] = (
        "Net value so far: the running total of the weekly value delivered less the weekly cost, in "
        "thousands of currency units."
    )
    return found


def _documented() -> dict[str, str]:
    """Each weekly column's meaning in the table of ``docs/model.md`` section 4.11 (empty if not there)."""
    root = repository()
    path = root / MODEL_DOC if root else None
    if path is None or not path.is_file():
        return {}
    text = path.read_text()
    start = text.find(OBSERVATION)
    if start < 0:
        return {}
    found: dict[str, str] = {}
    for line in text[start:].splitlines()[1:]:
        if line.startswith("## "):
            break
        match = re.match(r"\|\s*(`[^|]+`)\s*\|\s*(.+?)\s*\|\s*$", line)
        if not match:
            continue
        meaning = match.group(2).replace("`", "").replace("**", "")
        for column in re.findall(r"`([a-z_]+)`", match.group(1)):
            found[column] = meaning
    return found
