"""Generate the reference tables of ``docs/model.md`` from the code and the configs.

Run ``python docs/reference.py`` to rewrite every generated block of
``docs/model.md`` in place, or ``python docs/reference.py --check`` to exit with
status 1 (and name the stale blocks) when the file is out of date.

A generated block sits between two marker comments::

    <!-- BEGIN GENERATED: params -->
    ...
    <!-- END GENERATED: params -->

Nothing in a block is typed by hand. The sources are:

* ``sim.model.params.Params`` field metadata (unit, range, doc) with the defaults read
  from ``configs/params/default.yaml``, grouped by that file's comments;
* ``sim.model.levers.Levers`` field metadata and defaults, with each organisation
  preset's baseline value from ``configs/org/*.yaml``;
* ``sim.model.params.OrgConfig`` and ``sim.model.params.Layers`` with every preset's values;
* ``configs/intervention/*.yaml`` and ``configs/shock/*.yaml``;
* the DORA and maturity boundaries in ``sim.model.metrics``;
* the order of the steps of a week (``OrgModel._advance`` and the mechanisms of
  ``sim/model/mechanisms.py`` it runs) and, for every parameter and lever, the
  functions of ``sim/model/mechanisms.py``, ``sim/model/model.py`` and ``sim/model/metrics.py``
  that read it, found by parsing the source.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.model import metrics  # noqa: E402
from sim.model.levers import Intervention, Levers  # noqa: E402
from sim.model.params import Layers, OrgConfig, Params  # noqa: E402
from sim.model.schema import build  # noqa: E402

DOC = ROOT / "docs" / "model.md"
CONFIGS = ROOT / "configs"
MODEL_SRC = ROOT / "sim" / "model" / "model.py"
MECH_SRC = ROOT / "sim" / "model" / "mechanisms.py"
METRICS_SRC = ROOT / "sim" / "model" / "metrics.py"
MARKER = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[\w:.,-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
    re.S,
)
FIRST_GROUP = "Run set-up"


# ------------------------------------------------------------------ formatting
def fmt(value: Any) -> str:
    """Format a number or a string for a table cell."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 10_000:
            return f"{int(value):,}"
        return f"{value:g}"
    return str(value)


def fmt_range(meta: dict[str, Any]) -> str:
    """Format a field's declared range ``lo – hi``."""
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return "—"
    return f"{fmt(lo) if lo is not None else '−∞'} – {fmt(hi) if hi is not None else '∞'}"


def fmt_unit(meta: dict[str, Any]) -> str:
    """Format a field's unit; ``1`` (dimensionless) is shown as such."""
    unit = meta.get("unit") or ""
    return unit if unit else "—"


def cell(text: str) -> str:
    """Escape a string for use inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: Iterable[list[str]], align: list[str] | None = None) -> str:
    """Render a Markdown table."""
    align = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code(name: str) -> str:
    """Wrap a name in backticks."""
    return f"`{name}`"


def signed(value: float) -> str:
    """Format a lever delta with its sign."""
    return f"+{fmt(value)}" if value >= 0 else f"−{fmt(-value)}"


# ------------------------------------------------------------------ configs
def load_yaml(path: Path) -> Any:
    """Read a YAML file."""
    return yaml.safe_load(path.read_text())


def presets(group: str) -> list[str]:
    """Return the preset names of a config group; the default (or ``none``) first."""
    names = sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))
    if group == "org":
        default = default_choice("org")
        if default in names:
            names.remove(default)
            names.insert(0, default)
    if group in ("intervention", "shock") and "none" in names:
        names.remove("none")
        names.insert(0, "none")
    return names


def default_choice(group: str) -> str | None:
    """Return the preset chosen for a group in the defaults list of ``configs/config.yaml``."""
    for item in load_yaml(CONFIGS / "config.yaml").get("defaults", []):
        if isinstance(item, dict) and group in item:
            choice = item[group]
            return choice[0] if isinstance(choice, list) else choice
    return None


def org_presets() -> dict[str, tuple[OrgConfig, dict[str, Any]]]:
    """Return every organisation preset: the validated config and the raw YAML data."""
    out = {}
    for name in presets("org"):
        data = load_yaml(CONFIGS / "org" / f"{name}.yaml")
        out[name] = (build(OrgConfig, data, f"org[{name}]"), data)
    return out


def param_defaults() -> tuple[dict[str, Any], dict[str, str]]:
    """Return the default parameter values and their group, from ``configs/params/default.yaml``.

    A group is the comment line that precedes a run of keys; keys before the
    first such comment belong to ``FIRST_GROUP``. Comments before the first key
    (the file's header) are not groups.
    """
    path = CONFIGS / "params" / "default.yaml"
    values = load_yaml(path) or {}
    groups: dict[str, str] = {}
    group, seen_key = FIRST_GROUP, False
    for line in path.read_text().splitlines():
        key = re.match(r"^(\w+)\s*:", line)
        comment = re.match(r"^#\s*(.+?)\s*$", line)
        if key:
            groups[key.group(1)] = group
            seen_key = True
        elif comment and seen_key:
            group = comment.group(1)
    return values, groups


# ------------------------------------------------------------------ source analysis
def _functions(path: Path) -> dict[str, ast.FunctionDef]:
    """Return every function of a module, keyed ``name`` or ``Class.name`` for methods."""
    tree = ast.parse(path.read_text())
    out: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out[f"{node.name}.{item.name}"] = item
    return out


def _label(path: Path, qualname: str) -> str:
    """Name a function as the tables do: model methods bare, others qualified."""
    if path == MODEL_SRC and qualname.startswith("OrgModel."):
        return qualname.split(".", 1)[1]
    return qualname


def uses() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Find which functions read each parameter and each lever.

    A parameter is read as ``p.name`` or ``self.p.name``. A lever is read in
    ``sim/model/mechanisms.py`` as its row ``Lever.NAME``, and in ``sim/model/model.py`` named
    by a string constant (``self.lv["name"]`` or a tuple of names that is
    iterated).

    Returns:
        ``(params, levers)``: name -> labels of the functions that read it.
    """
    param_names = {f.name for f in dataclasses.fields(Params)}
    lever_names = {f.name for f in dataclasses.fields(Levers)}
    p_uses: dict[str, list[str]] = {}
    l_uses: dict[str, list[str]] = {}
    for path in (MECH_SRC, MODEL_SRC, METRICS_SRC):
        for qualname, fn in _functions(path).items():
            label = _label(path, qualname)
            for node in ast.walk(fn):
                if isinstance(node, ast.Attribute) and node.attr in param_names:
                    base = node.value
                    if (isinstance(base, ast.Name) and base.id == "p") or (
                        isinstance(base, ast.Attribute) and base.attr == "p"
                    ):
                        _add(p_uses, node.attr, label)
                elif (
                    path == MECH_SRC
                    and isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "Lever"
                ):
                    _add(l_uses, node.attr.lower(), label)
                elif path == MODEL_SRC and isinstance(node, ast.Constant) and node.value in lever_names:
                    # Only the model reads levers; elsewhere a lever's name may be a column name.
                    _add(l_uses, node.value, label)
    return p_uses, l_uses


def _add(index: dict[str, list[str]], key: str, label: str) -> None:
    index.setdefault(key, [])
    if label not in index[key]:
        index[key].append(label)


def used_in(labels: list[str] | None) -> str:
    """Format the functions that read a name; flag a name nothing reads."""
    return ", ".join(code(x) for x in labels) if labels else "**not read by the model**"


def _calls(node: ast.AST) -> list[ast.Call]:
    """Return every call in ``node``, in source order."""
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)]
    return sorted(calls, key=lambda n: (n.lineno, n.col_offset))


def _callee(call: ast.Call) -> tuple[str, str]:
    """Return ``(owner, name)`` of a call: ``("self", "_x")`` for ``self._x()``, ``("", "f")`` for ``f()``."""
    func = call.func
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        return (func.value.id if isinstance(func.value, ast.Name) else ""), func.attr
    return "", ""


def mechanism_order() -> list[str]:
    """Return the steps of a week, in the order ``OrgModel._advance`` runs them.

    A step is a method that ``_advance`` calls as a statement of its own (not a
    draw whose value it uses), or a mechanism (named in the list of
    ``sim/model/mechanisms.py``'s docstring) that its compiled calls run, directly
    or through a private helper.
    """
    names, functions = set(module_loops()), _functions(MECH_SRC)

    def run_by(fn: ast.FunctionDef) -> list[str]:
        out = []
        for owner, name in map(_callee, _calls(fn)):
            if owner:
                continue
            if name in names:
                out.append(name)
            elif name.startswith("_") and name in functions:
                out += run_by(functions[name])
        return out

    order = []
    for statement in _functions(MODEL_SRC)["OrgModel._advance"].body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            owner, name = _callee(statement.value)
            if owner == "self":
                order.append(name)
        for owner, name in map(_callee, _calls(statement)):
            if owner == "mechanisms":
                order += run_by(functions[name])
    return order


def docstring_summary(name: str) -> str:
    """Return the first line of the docstring of an ``OrgModel`` method or a mechanism."""
    fn = _functions(MODEL_SRC).get(f"OrgModel.{name}") or _functions(MECH_SRC).get(name)
    doc = ast.get_docstring(fn) if fn else None
    return doc.strip().splitlines()[0] if doc else ""


def module_loops() -> dict[str, str]:
    """Return the loops of each mechanism, from the bullet list in the docstring of ``sim/model/mechanisms.py``."""
    doc = ast.get_docstring(ast.parse(MECH_SRC.read_text())) or ""
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\*\s+``(\w+)``\s+(.+)$", doc, re.M)}


# ------------------------------------------------------------------ blocks
def block_schedule() -> str:
    """Render the steps of one week, in the order ``OrgModel._advance`` runs them."""
    loops = module_loops()
    rows = [
        [str(i), code(name), docstring_summary(name) or "—", loops.get(name, "—")]
        for i, name in enumerate(mechanism_order(), 1)
    ]
    return table(["#", "step", "what it does", "loops it takes part in"], rows, ["--:", "---", "---", "---"])


def block_params() -> str:
    """Render every parameter of the dynamics, grouped as in ``configs/params/default.yaml``."""
    values, groups = param_defaults()
    p_uses, _ = uses()
    by_group: dict[str, list[dataclasses.Field]] = {}
    for f in dataclasses.fields(Params):
        by_group.setdefault(groups.get(f.name, "Not set in configs/params/default.yaml"), []).append(f)
    out = []
    for group, flds in by_group.items():
        out.append(f"**{group}**\n")
        rows = [
            [
                code(f.name),
                fmt(values[f.name]) if f.name in values else "**missing**",
                fmt_unit(f.metadata),
                fmt_range(f.metadata),
                f.metadata.get("doc", ""),
                used_in(p_uses.get(f.name)),
            ]
            for f in flds
        ]
        out.append(
            table(
                ["parameter", "default", "unit", "range", "meaning and rationale", "read in"],
                rows,
                ["---", "--:", "---", "---", "---", "---"],
            )
        )
    return "\n".join(out)


def block_levers() -> str:
    """Render every leadership lever: default, range, and each organisation's baseline."""
    orgs = org_presets()
    _, l_uses = uses()
    header = ["lever", "unit", "range", "default", *orgs, "meaning", "read in"]
    rows = []
    for f in dataclasses.fields(Levers):
        row = [code(f.name), fmt_unit(f.metadata), fmt_range(f.metadata), fmt(f.default)]
        for cfg, data in orgs.values():
            value = fmt(getattr(cfg.levers, f.name))
            row.append(f"**{value}**" if f.name in (data.get("levers") or {}) else value)
        row += [f.metadata.get("doc", ""), used_in(l_uses.get(f.name))]
        rows.append(row)
    align = ["---", "---", "---", "--:", *["--:"] * len(orgs), "---", "---"]
    note = (
        "Bold: set by the preset; otherwise the preset inherits the default. "
        f"Presets: {', '.join(code(n) for n in orgs)} (the default organisation first).\n\n"
    )
    return note + table(header, rows, align)


def block_org() -> str:
    """Render the organisation presets: size, load, debt, spread and starting layer strengths."""
    orgs = org_presets()
    lines = [f"- {code(name)}: {cfg.description}" for name, (cfg, _) in orgs.items()]
    out = ["\n".join(lines) + "\n"]
    header = ["field", "unit", "range", *orgs, "meaning"]
    align = ["---", "---", "---", *["--:"] * len(orgs), "---"]
    rows = []
    nested = []
    for f in dataclasses.fields(OrgConfig):
        if f.name in ("name", "description", "layers", "levers"):
            nested.append(f)
            continue
        values = [fmt(getattr(cfg, f.name)) for cfg, _ in orgs.values()]
        rows.append([code(f.name), fmt_unit(f.metadata), fmt_range(f.metadata), *values, f.metadata["doc"]])
    for f in dataclasses.fields(Layers):
        values = [fmt(getattr(cfg.layers, f.name)) for cfg, _ in orgs.values()]
        rows.append(
            [code(f"layers.{f.name}"), fmt_unit(f.metadata) if f.metadata.get("unit") else "0–1"]
            + [fmt_range(f.metadata), *values, f.metadata["doc"]]
        )
    out.append(table(header, rows, align))
    out.append(
        "\nThe other fields of `OrgConfig`: "
        + "; ".join(f"{code(f.name)}: {f.metadata['doc'].rstrip('.')}" for f in nested)
        + ". The levers table above gives every preset's baseline levers.\n"
    )
    return "\n".join(out)


def _phase_text(phase: Any) -> str:
    span = (
        f"weeks +{phase.offset}–+{phase.offset + phase.duration - 1}"
        if phase.duration
        else (f"from week +{phase.offset} to the end")
    )
    cost = f"cost {fmt(phase.cost)} k/team-week" if phase.cost else "no cost"
    levers = ", ".join(f"{code(k)} {signed(v)}" for k, v in phase.levers.items()) or "no lever change"
    return f"{span}, {cost}: {levers}"


def _items_table(group: str) -> str:
    rows = []
    for name in presets(group):
        item = build(Intervention, load_yaml(CONFIGS / group / f"{name}.yaml"), f"{group}.{name}")
        phases = "<br>".join(_phase_text(p) for p in item.phases) or "—"
        rows.append(
            [
                code(name),
                item.description,
                str(item.start),
                str(item.duration) if item.duration else "—",
                fmt(item.intensity),
                phases,
            ]
        )
    return table(
        [
            "name",
            "description",
            "start",
            "cut-off",
            "intensity",
            "phases (offset from start, cost, lever deltas)",
        ],
        rows,
        ["---", "---", "--:", "--:", "--:", "---"],
    )


def block_interventions() -> str:
    """Render the intervention presets of ``configs/intervention``."""
    return _items_table("intervention")


def block_generated() -> str:
    """Render the intervention presets the experiments generate (``configs/generated/intervention``)."""
    return _items_table("generated/intervention")


def block_shocks() -> str:
    """Render the shock presets of ``configs/shock``."""
    return _items_table("shock")


def _threshold(key: int, bound: float, higher_better: bool) -> str:
    """Return the condition for the level above ``bound``, read off ``dora_levels``."""
    args = [1.0, 1.0, 1.0, 0.5]
    below = list(args)
    args[key] = bound
    level_at = int(metrics.dora_levels(*args)[key])
    below[key] = bound - 1e-9 if higher_better else bound + 1e-9
    level_below = int(metrics.dora_levels(*below)[key])
    inclusive = level_at != level_below
    if higher_better:
        return f"{'≥' if inclusive else '>'} {fmt(bound)}"
    return f"{'≤' if inclusive else '<'} {fmt(bound)}"


def block_dora() -> str:
    """Render the DORA level boundaries and the maturity boundaries of ``sim.model.metrics``."""
    keys = [
        ("deploys per week", "deploys_per_week", metrics.DEPLOY_BOUNDS, True),
        ("lead time for changes (days)", "lead_time_days", metrics.LEAD_TIME_BOUNDS, False),
        ("time to restore (hours)", "time_to_restore_hours", metrics.RESTORE_BOUNDS, False),
        ("change failure rate (share)", "change_failure_rate", metrics.CFR_BOUNDS, False),
    ]
    rows = []
    for i, (label, column, bounds, higher) in enumerate(keys):
        rows.append([f"{label} ({code(column)})", *(_threshold(i, b, higher) for b in bounds)])
    levels = metrics.CLUSTERS
    out = [
        table(
            ["DORA key", f"{levels[1]} if", f"{levels[2]} if", f"{levels[3]} if"],
            rows,
            ["---", "---", "---", "---"],
        ),
        "A key that meets none of the conditions is at level "
        f"`{levels[0]}`. Levels count 0 ({levels[0]}) to 3 ({levels[3]}).\n",
    ]
    bounds = metrics.MATURITY_BOUNDS
    mrows = [["1", metrics.MATURITY_LEVELS[0], f"< {fmt(bounds[0])}"]]
    for i, b in enumerate(bounds):
        upper = f" and < {fmt(bounds[i + 1])}" if i + 1 < len(bounds) else ""
        mrows.append([str(i + 2), metrics.MATURITY_LEVELS[i + 1], f"≥ {fmt(b)}{upper}"])
    out.append(table(["maturity", "name", "stack score"], mrows, ["--:", "---", "---"]))
    return "\n".join(out)


# Characteristic delays: what, and an expression in the parameters (evaluated at the defaults).
DELAYS: list[tuple[str, str]] = [
    ("burn-in before week 1 (not recorded)", "warmup_weeks"),
    ("incident and rework time computed in `_quality` reach the next week's `_allocate`", "1"),
    ("smoothed throughput and business-unit satisfaction", "1 / smoothing"),
    ("morale follows its target", "morale_tau"),
    ("business-unit trust follows its target", "trust_tau"),
    ("team safety follows the culture climate", "1 / safety_rate"),
    ("climate grows at full culture investment", "1 / culture_rate"),
    ("standards grow at full architecture investment", "1 / standards_rate"),
    ("partnership grows at full governance and full trust", "1 / partner_rate"),
    ("clarity grows at full strategy work", "1 / clarity_rate"),
    ("theatre stock grows at full theatre", "1 / theatre_rate"),
    ("teams adopt what the platform offers", "1 / adoption_rate"),
    ("a vacancy is filled (at budget ≥ 1)", "time_to_hire"),
    ("a new hire ramps up", "ramp_weeks"),
    ("an enabling team stays with the teams it coaches", "coaching_weeks"),
    ("practice erodes without upkeep, no pressure", "1 / practice_decay"),
    ("practice erodes without upkeep, full pressure", "1 / (practice_decay * (1 + pressure_erosion))"),
    ("skills become obsolete", "1 / skill_decay"),
    ("lessons from failures are forgotten", "1 / lessons_decay"),
    ("an unmaintained platform decays", "1 / platform_decay"),
    ("partnership decays without governance", "1 / partner_decay"),
    ("strategic clarity decays without strategy work", "1 / clarity_decay"),
    ("standards erode at full pressure", "1 / standards_erosion"),
    ("climate erodes at full pressure", "1 / culture_erosion"),
    ("theatre stock fades", "1 / theatre_decay"),
    ("a shipped innovation's value fades", "1 / innovation_decay"),
    ("innovation capability decays", "1 / capability_decay"),
]


def block_delays() -> str:
    """Render the characteristic delays (time constants) at the default parameters."""
    values, _ = param_defaults()
    rows = []
    for what, expr in DELAYS:
        try:
            shown = fmt(round(float(eval(expr, {"__builtins__": {}}, values)), 1))
        except ZeroDivisionError:
            shown = "∞ (never)"
        except NameError as err:
            shown = f"**{err.name} missing**"
        rows.append([what, code(expr.replace("*", "·")), shown])
    return table(["delay", "expression", "weeks at the defaults"], rows, ["---", "---", "--:"])


# Helpers that carry no part of the model (random draws, sums, clipping, the shape of a
# curve): not named among the helpers a mechanism reads through.
PLUMBING = frozenset({"_normal", "_poisson", "row_sum", "by_unit", "clip01", "hill"})


def _model_functions() -> dict[str, ast.FunctionDef]:
    """Return the functions of ``sim/model/mechanisms.py`` and the methods of ``OrgModel``, by name."""
    methods = {q.split(".", 1)[1]: fn for q, fn in _functions(MODEL_SRC).items() if q.startswith("OrgModel.")}
    return {**_functions(MECH_SRC), **methods}


def helpers_called(name: str) -> list[str]:
    """Return the functions that ``name`` calls, directly or indirectly, in order found.

    A mechanism calls the others by name; a method calls ``self.<name>``.
    """
    functions = _model_functions()
    seen: list[str] = []
    todo = [name]
    while todo:
        fn = functions.get(todo.pop(0))
        if fn is None:
            continue
        for _, callee in map(_callee, _calls(fn)):
            if callee in functions and callee not in seen and callee != name:
                seen.append(callee)
                todo.append(callee)
    return seen


def _reads(methods: list[str]) -> tuple[list[str], list[str]]:
    """Return the parameters and levers read by any of ``methods``, in field order."""
    p_uses, l_uses = uses()
    params = [f.name for f in dataclasses.fields(Params) if set(methods) & set(p_uses.get(f.name, []))]
    levers = [f.name for f in dataclasses.fields(Levers) if set(methods) & set(l_uses.get(f.name, []))]
    return params, levers


def block_uses(names: str) -> str:
    """Render the parameters and levers a mechanism reads, directly or through the helpers it calls.

    Args:
        names: The mechanism's function, or its functions joined by commas
            (``quality_rates,quality``: the rates of a draw and what follows from it).
    """
    functions = names.split(",")
    missing = [name for name in functions if name not in _model_functions()]
    if missing:
        return f"**`{missing[0]}` no longer exists in `sim/model/mechanisms.py` or `sim/model/model.py`.**\n"
    called = [
        m for name in functions for m in helpers_called(name) if m not in PLUMBING and m not in functions
    ]
    called = list(dict.fromkeys(called))
    params, levers = _reads([*functions, *called])
    via = f" (directly or through {', '.join(code(m) for m in called)})" if called else ""
    return (
        f"*Parameters read by {', '.join(code(name) for name in functions)}{via}:* "
        f"{', '.join(code(n) for n in params) or '—'}.  \n"
        f"*Levers read:* {', '.join(code(n) for n in levers) or '—'}.\n"
    )


def block_helpers() -> str:
    """Render the helpers of the mechanisms and the methods of ``OrgModel`` with what each reads."""
    skip = {"__init__", "step", "_advance", *module_loops()}
    rows = []
    for name, fn in _model_functions().items():
        if name in skip:
            continue
        params, levers = _reads([name])
        doc = ast.get_docstring(fn)
        rows.append(
            [
                code(name),
                doc.strip().splitlines()[0] if doc else "—",
                ", ".join(code(n) for n in params) or "—",
                ", ".join(code(n) for n in levers) or "—",
            ]
        )
    return table(["helper", "what it does", "parameters read", "levers read"], rows)


def block_rules(path: str) -> str:
    """Render the fields of a rules dataclass (``module.Class``): default, unit, range, meaning and source."""
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    rows = [
        [code(f.name), fmt(f.default), fmt_unit(f.metadata), fmt_range(f.metadata), f.metadata.get("doc", "")]
        for f in dataclasses.fields(cls)
    ]
    return table(
        ["parameter", "default", "unit", "range", "meaning and source"],
        rows,
        ["---", "--:", "---", "---", "---"],
    )


BLOCKS: dict[str, Callable[[], str]] = {
    "schedule": block_schedule,
    "params": block_params,
    "levers": block_levers,
    "org": block_org,
    "interventions": block_interventions,
    "generated": block_generated,
    "shocks": block_shocks,
    "dora": block_dora,
    "delays": block_delays,
    "helpers": block_helpers,
}


def render_block(name: str) -> str:
    """Return the content of the generated block ``name``."""
    if name in BLOCKS:
        return BLOCKS[name]()
    if name.startswith("uses:"):
        return block_uses(name.split(":", 1)[1])
    if name.startswith("rules:"):
        return block_rules(name.split(":", 1)[1])
    raise SystemExit(f"docs/model.md: unknown generated block {name!r}")


def regenerate(text: str) -> tuple[str, list[str]]:
    """Rewrite every generated block of ``text``.

    Returns:
        The new text and the names of the blocks whose content changed.
    """
    changed: list[str] = []
    cache: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in cache:
            cache[name] = render_block(name)
        body = cache[name]
        if body != match.group("body"):
            changed.append(name)
        return match.group(1) + body + match.group(4)

    new = MARKER.sub(replace, text)
    missing = [n for n in BLOCKS if n not in cache]
    if missing:
        raise SystemExit(f"docs/model.md lacks the generated block(s): {', '.join(missing)}")
    return new, changed


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``docs/model.md``, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/model.md is out of date")
    args = parser.parse_args(argv)
    text = DOC.read_text()
    new, changed = regenerate(text)
    if args.check:
        if changed:
            print(
                f"docs/model.md is out of date in block(s): {', '.join(changed)}; "
                "run `python docs/reference.py`",
                file=sys.stderr,
            )
            return 1
        print("docs/model.md is up to date")
        return 0
    if new != text:
        DOC.write_text(new)
        print(f"docs/model.md: regenerated {', '.join(changed)}")
    else:
        print("docs/model.md: already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
