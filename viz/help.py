"""Help text the studio shows beside its inputs and charts, read from where the project defines it.

Presets, interventions and shocks describe themselves in their configuration
files (``description``); layers in :class:`sim.model.params.Layers`' field
documentation; the weekly metrics in the table of ``docs/model.md``, section
4.11 (Observation). Nothing here is a second copy of those texts.
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
    """Each weekly column's meaning, from the table of ``docs/model.md`` section 4.11 (empty if not there).

    The table's formulas are written in code notation; they are turned into
    plain text here (backticks dropped) and kept otherwise as the model documentation says.
    """
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
    if "value" in found:
        # The studio's one derived series (viz.scenario.run_what_if adds it).
        found["cumulative_value"] = "value delivered so far: the running total of " + found["value"]
    return found
