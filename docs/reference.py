"""Generate the reference blocks of ``docs/model.md`` from model v2's code and the configs.

Run ``python docs/reference.py`` to rewrite every generated block of
``docs/model.md`` in place, or ``python docs/reference.py --check`` to exit with
status 1 (and name the stale blocks) when the file is out of date
(``tests/test_docs.py`` runs the check).

A generated block sits between two marker comments::

    <!-- BEGIN GENERATED: params:workforce -->
    ...
    <!-- END GENERATED: params:workforce -->

Nothing in a block is typed by hand. The sources are:

* the steps of a week: the numbered list of ``sim/model/organisation.py``'s module
  docstring (the test checks it against the numbered comments of ``Organisation.step``);
* for every parameter and lever, the steps of the week that read it, found by parsing
  ``Organisation.step`` (split at its numbered comments) and everything it calls, and the
  set-up (``OrgModel.__init__``, ``Setup.from_org``, ``Organisation.__init__``,
  ``batches.platform_teams``) and the programmes' review (``OrgModel.step``) the same way;
* the parameters of ``sim.model.params.Params`` and of each group of rules it nests
  (``FlowParams``, ``WorkforceRules`` ...): the field metadata (unit, range, doc) and the
  dataclass defaults, which ``configs/params/default.yaml`` repeats
  (``tests/sim/model/test_params.py`` keeps the two equal);
* ``sim.model.levers.Levers`` field metadata and defaults, with each organisation
  preset's baseline value from ``configs/org/*.yaml``;
* ``sim.model.params.OrgConfig`` and ``sim.model.params.Layers`` with every preset's values;
* ``configs/intervention/*.yaml``, ``configs/generated/intervention/*.yaml`` and
  ``configs/shock/*.yaml``;
* the agents' state: the ``StateView`` attributes of ``sim/model/agents.py``;
* the DORA and maturity boundaries in ``sim.model.metrics``.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import math
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.model import agents, metrics  # noqa: E402
from sim.model.levers import Intervention, Levers  # noqa: E402
from sim.model.params import Layers, OrgConfig, Params  # noqa: E402
from sim.model.schema import build  # noqa: E402

DOC = ROOT / "docs" / "model.md"
CONFIGS = ROOT / "configs"
MODEL_DIR = ROOT / "sim" / "model"
ORGANISATION_SRC = MODEL_DIR / "organisation.py"
MARKER = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[\w:.,'-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
    re.S,
)
# Labels of the code outside the week: the set-up before week 1, and the review of the programmes.
SETUP, REVIEW = "set-up", "review"
# How the uses blocks name them (the tables' "read in" column says "set-up", "step N", "review").
LABEL_TEXT = {SETUP: "the set-up (section 5)", REVIEW: "the programme review (7.9)"}


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
    """Format a field's declared range ``lo – hi``, or its choices."""
    if meta.get("choices"):
        return ", ".join(meta["choices"])
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is None and hi is None:
        return "—"
    return f"{fmt(lo) if lo is not None else '−∞'} – {fmt(hi) if hi is not None else '∞'}"


def fmt_unit(meta: dict[str, Any]) -> str:
    """Format a field's unit; none is shown as a dash."""
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


def rest_to_markdown(text: str) -> str:
    """Turn a docstring's reStructuredText roles and literals into Markdown code spans."""
    text = re.sub(r":(?:mod|class|meth|func|attr):`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


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
    if "none" in names:
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


# ------------------------------------------------------------------ parameters
def groups() -> dict[str, type]:
    """Return the groups of rules ``Params`` nests, by field name, in field order."""
    return {
        f.name: type(f.default) for f in dataclasses.fields(Params) if dataclasses.is_dataclass(f.default)
    }


def top_level() -> list[dataclasses.Field]:
    """Return the fields of ``Params`` that are values, not groups of rules."""
    return [f for f in dataclasses.fields(Params) if f.name not in groups()]


def parameter_names() -> list[str]:
    """Every parameter by its override path below ``params.`` (``workforce.ramp_weeks``), in field order."""
    names = [f.name for f in top_level()]
    for group, cls in groups().items():
        names += [f"{group}.{f.name}" for f in dataclasses.fields(cls)]
    return names


# ------------------------------------------------------------------ the steps of a week
STEP_ITEM = re.compile(r"^(\d+)\.\s+(.*?)(?=^\d+\.\s|\Z)", re.M | re.S)
STEP_COMMENT = re.compile(r"^\s*#\s*(\d+)'?\.\s")


def steps() -> list[tuple[str, str, str]]:
    """Return the steps of a week from ``sim/model/organisation.py``'s docstring: number, title, text.

    The title is the step's first bold phrase; the text is the whole item, roles turned into
    code spans.
    """
    doc = ast.get_docstring(ast.parse(ORGANISATION_SRC.read_text())) or ""
    # The list ends at the first paragraph that is not an item.
    body = doc.split("\n\n", 1)[1]
    listing = []
    for paragraph in body.split("\n\n"):
        if listing and not re.match(r"^\d+\.\s", paragraph):
            break
        if re.match(r"^\d+\.\s", paragraph):
            listing.append(paragraph)
    out = []
    for match in STEP_ITEM.finditer("\n".join(listing)):
        text = " ".join(match.group(2).split())
        title = re.search(r"\*\*(.+?)\*\*", text)
        out.append((match.group(1), title.group(1) if title else "", rest_to_markdown(text)))
    return out


# The code of a week, in the order it runs: its numbered comments (``# 3. ...``) label its lines.
WEEK_CODE = (
    ("sim.model.week", None, "before_flow"),
    ("sim.model.organisation", "Organisation", "step"),
    ("sim.model.week", None, "after_flow"),
)


def _week_functions() -> list[tuple[Module, ast.FunctionDef]]:
    index = _modules()
    return [
        (index[module], index[module].classes[cls].methods[name] if cls else index[module].functions[name])
        for module, cls, name in WEEK_CODE
    ]


def _numbered(module: Module, fn: ast.FunctionDef) -> list[tuple[str, int]]:
    lines = module.path.read_text().splitlines()
    out = []
    for lineno in range(fn.lineno, fn.end_lineno + 1):
        match = STEP_COMMENT.match(lines[lineno - 1])
        if match:
            out.append((match.group(1), lineno))
    return out


def step_comments() -> list[tuple[str, int]]:
    """Return the numbered comments of the week's code (``# 3. ...``, ``WEEK_CODE``) with their line numbers.

    ``# 1'.`` (what leadership will see next week) belongs to step 1.
    """
    return [c for module, fn in _week_functions() for c in _numbered(module, fn)]


def week_labels() -> dict[int, Callable[[int], str | None]]:
    """Return, for each function of the week's code (by ``id``), the step of each of its lines."""
    out = {}
    for module, fn in _week_functions():
        comments = _numbered(module, fn)

        def label(lineno: int, comments: list[tuple[str, int]] = comments) -> str | None:
            found = None
            for number, start in comments:
                if lineno >= start:
                    found = number
            return found

        out[id(fn)] = label
    return out


# ------------------------------------------------------------------ source analysis
# What reads a parameter or a lever, found by parsing the model's source: an expression's
# *type* is what it stands for (the parameters, a group of rules, a known class of the model,
# the week's levers or one lever), followed through assignments, attributes, arguments and calls.
@dataclasses.dataclass
class Module:
    """One parsed module of ``sim/model``."""

    name: str
    path: Path
    functions: dict[str, ast.FunctionDef]
    classes: dict[str, ClassDef]
    imports: dict[str, tuple[str, str | None]]  # alias -> (module, name or None for the module)
    constants: dict[str, tuple[str, ...]]  # module-level tuples of strings
    lever_columns: dict[str, str]  # module-level ``_X = LEVER_INDEX["x"]``: the column of a lever


@dataclasses.dataclass
class ClassDef:
    """A class of a parsed module: its methods, its annotated fields and the properties among the methods."""

    name: str
    module: str
    methods: dict[str, ast.FunctionDef]
    fields: dict[str, ast.expr]
    properties: set[str]


def _parse(path: Path) -> Module:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    tree = ast.parse(path.read_text())
    functions, classes, imports, constants, lever_columns = {}, {}, {}, {}, {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            methods = {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
            fields = {
                n.target.id: n.annotation
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
            properties = {
                name
                for name, fn in methods.items()
                if any(ast.unparse(d).endswith(("property", "cached_property")) for d in fn.decorator_list)
            }
            classes[node.name] = ClassDef(node.name, name, methods, fields, properties)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim.model"):
            for alias in node.names:
                imports[alias.asname or alias.name] = (node.module, alias.name)
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            value = node.value
            if isinstance(value, ast.Tuple) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                constants[node.targets[0].id] = tuple(e.value for e in value.elts)
            elif (
                isinstance(value, ast.Subscript)
                and isinstance(value.value, ast.Name)
                and value.value.id == "LEVER_INDEX"
                and isinstance(value.slice, ast.Constant)
            ):
                lever_columns[node.targets[0].id] = value.slice.value
    return Module(name, path, functions, classes, imports, constants, lever_columns)


_MODULES: dict[str, Module] = {}


def _modules() -> dict[str, Module]:
    """Return (parsed once) every module of ``sim/model`` by dotted name (a package's as ``pkg.__init__``)."""
    if not _MODULES:
        for path in sorted(MODEL_DIR.rglob("*.py")):
            module = _parse(path)
            _MODULES[module.name] = module
    return _MODULES


# Types: ("params",) the parameters; ("group", name) a group of rules; ("class", module, name)
# a class of the model; ("levers",) the week's levers by name; ("lever", name) one lever;
# ("const", text) an enum member passed as an argument (``Kind.FEATURE``).
Type = tuple


def _group_of_class() -> dict[str, str]:
    return {cls.__name__: name for name, cls in groups().items()}


class Reads:
    """Which parameters and levers each part of the model reads.

    Attributes:
        params: Override path (``workforce.ramp_weeks``) -> labels of the parts that read it.
        levers: Lever name -> labels.
    """

    def __init__(self) -> None:
        self.params: dict[str, list[str]] = {}
        self.levers: dict[str, list[str]] = {}
        self._seen: set[tuple] = set()
        self._attrs: dict[tuple[str, str, str], Type | None] = {}
        self._fields = {name: {f.name for f in dataclasses.fields(cls)} for name, cls in groups().items()}
        self._top = {f.name for f in top_level()}
        self._lever_names = {f.name for f in dataclasses.fields(Levers)}
        self._by_class = _group_of_class()
        index = _modules()
        org = index["sim.model.organisation"].classes["Organisation"]
        self._week = week_labels()
        self._run(org, "step", self._week[id(org.methods["step"])])
        model = index["sim.model.model"].classes["OrgModel"]
        for module, cls, fn in (
            ("sim.model.model", "OrgModel", "__init__"),
            ("sim.model.organisation", "Organisation", "__init__"),
            ("sim.model.organisation", "Setup", "from_org"),
        ):
            self._run(index[module].classes[cls], fn, lambda _: SETUP)
        self._function(index["sim.model.batches"], None, "platform_teams", lambda _: SETUP, {})
        self._run(model, "step", lambda _: REVIEW)

    # -------------------------------------------------------------- recording
    def _add(self, index: dict[str, list[str]], key: str, label: str | None) -> None:
        if label is None:
            return
        index.setdefault(key, [])
        if label not in index[key]:
            index[key].append(label)

    def _param(self, group: str | None, name: str, label: str | None) -> None:
        if group is None and name in self._top:
            self._add(self.params, name, label)
        elif group is not None and name in self._fields[group]:
            self._add(self.params, f"{group}.{name}", label)

    # -------------------------------------------------------------- walking
    def _run(self, cls: ClassDef, method: str, label: Callable[[int], str | None]) -> None:
        module = _modules()[cls.module]
        self._function(module, cls, method, label, {"self": ("class", cls.module, cls.name)})

    def _function(
        self,
        module: Module,
        cls: ClassDef | None,
        name: str,
        label: Callable[[int], str | None],
        bound: dict[str, Type],
    ) -> None:
        fn = cls.methods.get(name) if cls else module.functions.get(name)
        if fn is None:
            return
        if id(fn) in self._week:
            label = self._week[id(fn)]  # a function of the week's code labels its lines by its comments
        # The flow engine reads its parameters when it is built and uses them in every week's step 4.
        if cls is not None and cls.name == "FlowEngine":
            label = lambda _: "4"  # noqa: E731
        key = (id(fn), label(fn.lineno), tuple(sorted(bound.items())))
        if key in self._seen:
            return
        self._seen.add(key)
        env: dict[str, Type] = dict(bound)
        args = fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs
        if cls is not None and args and args[0].arg in ("self", "cls") and args[0].arg not in env:
            env[args[0].arg] = ("class", cls.module, cls.name)
        for arg in args:
            if arg.arg not in env and arg.annotation is not None:
                t = self._annotation(arg.annotation, module)
                if t:
                    env[arg.arg] = t
        ctx = SimpleNamespace(module=module, cls=cls, env=env, label=label, loops=_loop_values(fn, module))
        # Assignments first (to a fixed point), so that an alias is known wherever it is used.
        for _ in range(4):
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        self._bind(target, node.value, ctx)
        aliases = {
            id(node.value)
            for node in ast.walk(fn)
            if isinstance(node, ast.Assign)
            and (self._type(node.value, ctx, record=False) or ("",))[0] == "lever"
        }
        for node in ast.walk(fn):
            line = ctx.label(getattr(node, "lineno", fn.lineno))
            if isinstance(node, ast.Attribute):
                self._attribute(node, ctx, line)
            elif isinstance(node, ast.Subscript) and id(node) not in aliases:
                for lever in self._levers_of(node, ctx):
                    self._add(self.levers, lever, line)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                t = env.get(node.id)
                if t and t[0] == "lever":
                    self._add(self.levers, t[1], line)
            elif isinstance(node, ast.Call):
                self._call(node, ctx, line)

    def _bind(self, target: ast.expr, value: ast.expr, ctx: SimpleNamespace) -> None:
        if isinstance(target, ast.Name):
            t = self._type(value, ctx, record=False)
            if t:
                ctx.env[target.id] = t
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for t_elt, v_elt in zip(target.elts, value.elts, strict=False):
                self._bind(t_elt, v_elt, ctx)

    def _annotation(self, node: ast.expr, module: Module) -> Type | None:
        for name in re.findall(r"\w+", ast.unparse(node)):
            if name == "Params":
                return ("params",)
            if name in self._by_class:
                return ("group", self._by_class[name])
            found = self._class(name, module)
            if found:
                return ("class", found.module, found.name)
        return None

    def _class(self, name: str, module: Module, depth: int = 0) -> ClassDef | None:
        if name in module.classes:
            return module.classes[name]
        source = module.imports.get(name)
        if source and source[1] and depth < 3:
            modules = _modules()
            # A package re-exports its modules' names from its __init__.
            other = modules.get(source[0]) or modules.get(f"{source[0]}.__init__")
            if other:
                return self._class(source[1], other, depth + 1)
        return None

    def _class_attr(self, cls: ClassDef, attr: str) -> Type | None:
        """Return the type of ``self.<attr>`` in ``cls``: its annotation, or what ``__init__`` assigns to it."""
        key = (cls.module, cls.name, attr)
        if key not in self._attrs:
            self._attrs[key] = None  # while it is being worked out (an attribute defined by itself)
            self._attrs[key] = self._class_attr_uncached(cls, attr)
        return self._attrs[key]

    def _class_attr_uncached(self, cls: ClassDef, attr: str) -> Type | None:
        module = _modules()[cls.module]
        if attr in cls.fields:
            return self._annotation(cls.fields[attr], module)
        init = cls.methods.get("__init__")
        if init is None:
            return None
        env: dict[str, Type] = {"self": ("class", cls.module, cls.name)}
        for arg in init.args.args:
            if arg.annotation is not None:
                t = self._annotation(arg.annotation, module)
                if t:
                    env[arg.arg] = t
        ctx = SimpleNamespace(module=module, cls=cls, env=env, label=lambda _: None, loops={})
        for _ in range(3):
            for node in ast.walk(init):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        self._bind(target, node.value, ctx)
        found = None
        for node in ast.walk(init):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    pairs = (
                        zip(target.elts, node.value.elts, strict=False)
                        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                        else [(target, node.value)]
                    )
                    for t, v in pairs:
                        if (
                            isinstance(t, ast.Attribute)
                            and t.attr == attr
                            and isinstance(t.value, ast.Name)
                            and t.value.id == "self"
                        ):
                            found = found or self._type(v, ctx, record=False)
        return found

    def _type(self, node: ast.expr, ctx: SimpleNamespace, record: bool) -> Type | None:
        if isinstance(node, ast.Name):
            return ctx.env.get(node.id)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                t = self._type(value, ctx, record)
                if t:
                    return t
            return None
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "Kind":
                return ("const", node.attr)
            base = self._type(node.value, ctx, record)
            if base is None:
                # A run's configuration holds the parameters as ``.params``.
                return ("params",) if node.attr == "params" else None
            if base == ("params",) and node.attr in self._fields:
                return ("group", node.attr)
            if base[0] == "class":
                cls = _modules()[base[1]].classes[base[2]]
                return self._class_attr(cls, node.attr)
            return None
        if isinstance(node, ast.Subscript):
            base = node.value
            # The element of a record of rules (sim.model.compiled.record) reads as the rules.
            if isinstance(node.slice, ast.Constant) and node.slice.value == 0:
                t = self._type(base, ctx, record)
                if t and t[0] in ("class", "group"):
                    return t
            if isinstance(base, ast.Name) and base.id in ("lever", "levers"):
                sl = node.slice
                if isinstance(sl, ast.Constant) and sl.value in self._lever_names:
                    return ("lever", sl.value)
            column = _lever_column(node, ctx.module)
            return ("lever", column) if column in self._lever_names else None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id == "Params":
                    return ("params",)
                found = self._class(func.id, ctx.module)
                return ("class", found.module, found.name) if found else None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                found = self._class(func.value.id, ctx.module)
                method = found.methods.get(func.attr) if found else None
                if method is not None and method.returns is not None:
                    if found.name in re.findall(r"\w+", ast.unparse(method.returns)):
                        return ("class", found.module, found.name)
        return None

    def _attribute(self, node: ast.Attribute, ctx: SimpleNamespace, line: str | None) -> None:
        if not isinstance(node.ctx, ast.Load):
            return
        # A preset's baseline lever: ``org.levers.platform_capacity``.
        if (
            isinstance(node.value, ast.Attribute)
            and node.value.attr == "levers"
            and node.attr in self._lever_names
        ):
            self._add(self.levers, node.attr, line)
            return
        base = self._type(node.value, ctx, record=True)
        if base is None:
            return
        if base == ("params",):
            self._param(None, node.attr, line)
        elif base[0] == "group":
            group = base[1]
            if node.attr in self._fields[group]:
                self._param(group, node.attr, line)
            else:
                cls = groups()[group]
                module = _modules()[cls.__module__]
                owner = module.classes[cls.__name__]
                if node.attr in owner.properties:
                    self._function(module, owner, node.attr, _fixed(line), {"self": ("group", group)})
        elif base[0] == "class":
            cls = _modules()[base[1]].classes[base[2]]
            if node.attr in cls.properties:
                self._function(_modules()[cls.module], cls, node.attr, _fixed(line), {"self": base})

    def _levers_of(self, node: ast.Subscript, ctx: SimpleNamespace) -> list[str]:
        base, sl = node.value, node.slice
        column = _lever_column(node, ctx.module)
        if column in self._lever_names:
            return [column]
        if not isinstance(base, ast.Name):
            return []
        if base.id == "LEVER_INDEX" and isinstance(sl, ast.Constant):
            return [sl.value] if sl.value in self._lever_names else []
        if base.id not in ("lever", "levers"):
            return []
        if isinstance(sl, ast.Constant):
            return [sl.value] if sl.value in self._lever_names else []
        if isinstance(sl, ast.Name):
            return [v for v in ctx.loops.get(sl.id, ()) if v in self._lever_names]
        return []

    def _call(self, node: ast.Call, ctx: SimpleNamespace, line: str | None) -> None:
        func = node.func
        target: tuple[Module, ClassDef | None, str, dict[str, Type]] | None = None
        if isinstance(func, ast.Name):
            found = self._class(func.id, ctx.module)
            if found:
                target = (_modules()[found.module], found, "__init__", {})
            elif func.id in ctx.module.functions:
                target = (ctx.module, None, func.id, {})
            elif func.id in ctx.module.imports:
                source, name = ctx.module.imports[func.id]
                other = _modules().get(source)
                if other and name in other.functions:
                    target = (other, None, name, {})
            elif func.id == "getattr" and len(node.args) >= 2:
                self._getattr(node, ctx, line)
        elif isinstance(func, ast.Attribute):
            base = func.value
            alias = ctx.module.imports.get(base.id) if isinstance(base, ast.Name) else None
            if alias and alias[1] and f"{alias[0]}.{alias[1]}" in _modules():
                other = _modules()[f"{alias[0]}.{alias[1]}"]
                target = (other, None, func.attr, {})
            else:
                cls = self._class(base.id, ctx.module) if isinstance(base, ast.Name) else None
                t = ("class", cls.module, cls.name) if cls else self._type(base, ctx, record=False)
                if t and t[0] == "class":
                    owner = _modules()[t[1]].classes[t[2]]
                    target = (_modules()[owner.module], owner, func.attr, {"self": t})
                elif t and t[0] == "group":
                    cls_ = groups()[t[1]]
                    module = _modules()[cls_.__module__]
                    target = (module, module.classes[cls_.__name__], func.attr, {"self": t})
        if target is None:
            return
        module, cls, name, bound = target
        fn = cls.methods.get(name) if cls else module.functions.get(name)
        if fn is None:
            return
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        for arg, value in zip(params, node.args, strict=False):
            t = self._type(value, ctx, record=False)
            if t:
                bound[arg] = t
        for keyword in node.keywords:
            t = self._type(keyword.value, ctx, record=False) if keyword.arg else None
            if t:
                bound[keyword.arg] = t
        self._function(module, cls, name, _fixed(line), bound)

    def _getattr(self, node: ast.Call, ctx: SimpleNamespace, line: str | None) -> None:
        """``getattr(self, f"{kind.name.lower()}_size_median")`` on a group of rules: the fields it can name."""
        t = self._type(node.args[0], ctx, record=False)
        name = node.args[1]
        if not t or t[0] != "group":
            return
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            self._param(t[1], name.value, line)
            return
        if not isinstance(name, ast.JoinedStr):
            return
        pattern = ""
        for part in name.values:
            if isinstance(part, ast.Constant):
                pattern += re.escape(part.value)
            else:
                root = part.value
                while isinstance(root, (ast.Attribute, ast.Call)):
                    root = root.func if isinstance(root, ast.Call) else root.value
                const = ctx.env.get(root.id) if isinstance(root, ast.Name) else None
                pattern += re.escape(const[1].lower()) if const and const[0] == "const" else r"\w+"
        for field in self._fields[t[1]]:
            if re.fullmatch(pattern, field):
                self._param(t[1], field, line)


def _lever_column(node: ast.Subscript, module: Module) -> str | None:
    """Return the lever a column of the week's table is: ``lv[:, _PRESSURE]``, ``_PRESSURE = LEVER_INDEX["pressure"]``."""
    sl = node.slice
    last = sl.elts[-1] if isinstance(sl, ast.Tuple) and sl.elts else sl
    return module.lever_columns.get(last.id) if isinstance(last, ast.Name) else None


def _fixed(label: str | None) -> Callable[[int], str | None]:
    return lambda _: label


def _loop_values(fn: ast.FunctionDef, module: Module) -> dict[str, tuple[str, ...]]:
    """Return the strings each loop variable of ``fn`` takes: from a literal tuple of tuples, or a tuple constant."""
    out: dict[str, list[str]] = {}
    loops = [(n.target, n.iter) for n in ast.walk(fn) if isinstance(n, ast.For)]
    loops += [(g.target, g.iter) for n in ast.walk(fn) if hasattr(n, "generators") for g in n.generators]
    for target, it in loops:
        if isinstance(it, ast.Name) and it.id in module.constants and isinstance(target, ast.Name):
            out.setdefault(target.id, []).extend(module.constants[it.id])
        elif isinstance(it, ast.Tuple):
            for row in it.elts:
                if isinstance(target, ast.Name) and isinstance(row, ast.Constant):
                    out.setdefault(target.id, []).append(row.value)
                elif isinstance(target, ast.Tuple) and isinstance(row, ast.Tuple):
                    for t, v in zip(target.elts, row.elts, strict=False):
                        if (
                            isinstance(t, ast.Name)
                            and isinstance(v, ast.Constant)
                            and isinstance(v.value, str)
                        ):
                            out.setdefault(t.id, []).append(v.value)
    return {k: tuple(v) for k, v in out.items()}


_READS: Reads | None = None


def reads() -> Reads:
    """Return (once) which parts of the model read each parameter and each lever."""
    global _READS
    if _READS is None:
        _READS = Reads()
    return _READS


def _order(labels: Iterable[str]) -> list[str]:
    rank = {SETUP: -1, REVIEW: 100}
    return sorted(labels, key=lambda x: rank.get(x, int(x) if x.isdigit() else 50))


def read_in(labels: list[str] | None) -> str:
    """Format the parts of the model that read a name; flag a name nothing reads."""
    if not labels:
        return "**not read by the model**"
    return ", ".join(x if x in (SETUP, REVIEW) else f"step {x}" for x in _order(labels))


# ------------------------------------------------------------------ blocks
def block_schedule() -> str:
    """Render the steps of one week, in the order ``Organisation.step`` runs them."""
    rows = [[n, title or "—", text] for n, title, text in steps()]
    return table(
        ["#", "step", "what happens (from `sim/model/organisation.py`)"], rows, ["--:", "---", "---"]
    )


def block_uses(label: str) -> str:
    """Render the parameters and levers one part of the model reads (a step's number, ``set-up`` or ``review``)."""
    r = reads()
    params = [n for n in parameter_names() if label in r.params.get(n, [])]
    levers = [f.name for f in dataclasses.fields(Levers) if label in r.levers.get(f.name, [])]
    where = LABEL_TEXT.get(label, f"step {label}")
    return (
        f"*Parameters read in {where}:* {', '.join(code(n) for n in params) or '—'}.  \n"
        f"*Levers read:* {', '.join(code(n) for n in levers) or '—'}.\n"
    )


def _param_rows(prefix: str, flds: Iterable[dataclasses.Field]) -> list[list[str]]:
    r = reads()
    rows = []
    for f in flds:
        path = f"{prefix}{f.name}"
        rows.append(
            [
                code(f.name),
                fmt(f.default),
                fmt_unit(f.metadata),
                fmt_range(f.metadata),
                f.metadata.get("doc", ""),
                read_in(r.params.get(path)),
            ]
        )
    return rows


PARAM_HEADER = ["parameter", "default", "unit", "range", "meaning and source", "read in"]
PARAM_ALIGN = ["---", "--:", "---", "---", "---", "---"]


def block_params() -> str:
    """Render the parameters that are no group's, and the groups of rules with where each is described."""
    out = [table(PARAM_HEADER, _param_rows("", top_level()), PARAM_ALIGN)]
    rows = []
    for f in dataclasses.fields(Params):
        if f.name in groups():
            cls = groups()[f.name]
            rows.append([code(f.name), code(f"{cls.__module__}.{cls.__name__}"), f.metadata.get("doc", "")])
    out.append(table(["group", "class", "what it covers"], rows))
    return "\n".join(out)


def block_group(group: str) -> str:
    """Render one group of rules of ``Params``: every field with default, unit, range, doc and readers."""
    if group not in groups():
        return f"**`params.{group}` no longer exists in `sim.model.params.Params`.**\n"
    cls = groups()[group]
    doc = inspect.getdoc(cls) or ""
    summary = doc.split("\n\n")[0].replace("\n", " ")
    head = f"`{cls.__module__}.{cls.__name__}`: {rest_to_markdown(summary)} Override as `params.{group}.NAME=VALUE`.\n\n"
    return head + table(PARAM_HEADER, _param_rows(f"{group}.", dataclasses.fields(cls)), PARAM_ALIGN)


def block_levers() -> str:
    """Render every leadership lever: default, range, each organisation's baseline and the steps that read it."""
    orgs = org_presets()
    r = reads()
    header = ["lever", "unit", "range", "default", *orgs, "meaning", "read in"]
    rows = []
    for f in dataclasses.fields(Levers):
        row = [code(f.name), fmt_unit(f.metadata), fmt_range(f.metadata), fmt(f.default)]
        for cfg, data in orgs.values():
            value = fmt(getattr(cfg.levers, f.name))
            row.append(f"**{value}**" if f.name in (data.get("levers") or {}) else value)
        row += [f.metadata.get("doc", ""), read_in(r.levers.get(f.name))]
        rows.append(row)
    align = ["---", "---", "---", "--:", *["--:"] * len(orgs), "---", "---"]
    note = (
        "Bold: set by the preset; otherwise the preset inherits the default. "
        f"Presets: {', '.join(code(n) for n in orgs)} (the default organisation first).\n\n"
    )
    return note + table(header, rows, align)


def block_agents() -> str:
    """Render the agents' state: each agent type's attributes and the organisation's array each views."""
    rows = []
    for name in ("Leadership", "BusinessUnit", "StreamAlignedTeam", "PlatformTeam", "EnablingTeam"):
        cls = getattr(agents, name)
        seen = set()
        for klass in cls.__mro__:
            for attr, value in vars(klass).items():
                if isinstance(value, agents.StateView) and attr not in seen:
                    seen.add(attr)
                    rows.append([code(name), code(attr), code(value.name), value.__doc__ or ""])
        for attr, value in vars(cls).items():
            if isinstance(value, property) and attr not in seen:
                doc = (value.__doc__ or "").strip().splitlines()
                rows.append([code(name), code(attr), "—", doc[0] if doc else ""])
    return table(["agent", "attribute", "array of `Organisation`", "meaning"], rows)


def block_org() -> str:
    """Render the organisation presets: size, load, debt, coupling, spread and starting layer strengths."""
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
        + ". Section 2.6 gives every preset's baseline levers.\n"
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


# Characteristic delays: what, and an expression in the parameters (``group.name``) and the levers'
# defaults (``levers.name``), evaluated at the defaults.
DELAYS: list[tuple[str, str]] = [
    ("warm-up before week 1 (not recorded)", "warmup_weeks"),
    ("an incident or rework item waiting at a week's end takes improvement time the next week", "1"),
    ("a business unit's trust acts on its withdrawals and on its teams' pressure", "1"),
    (
        "leadership perceives delivery and demand (mean of the information delay)",
        "leadership.perception_weeks",
    ),
    ("pressure and the improvement share follow leadership's rule", "leadership.adjustment_weeks"),
    ("leadership judges a programme (the lever's default)", "levers.patience_weeks"),
    ("an offer becomes a person", "workforce.hiring_lag_weeks"),
    ("a new hire reaches full output", "workforce.ramp_weeks"),
    ("enabling people follow their target (time constant)", "max(workforce.hiring_lag_weeks, 1)"),
    ("morale follows its target (time constant)", "capability.morale_weeks"),
    ("a business unit's trust follows its experience (time constant)", "operating.trust_weeks"),
    ("an enabling engagement with the teams it facilitates", "operating.engagement_weeks"),
    (
        "the gap to full standards, safety, partnership or clarity halves at an investment lever of 1 "
        "(decay aside)",
        "log(2) / capability.investment_gain",
    ),
    ("practice halves without upkeep", "capability.practice_half_life"),
    ("skill halves without learning", "capability.skill_half_life"),
    ("platform self-service halves without upkeep", "capability.platform_half_life"),
    ("architecture standards halve without investment", "capability.standards_half_life"),
    ("psychological safety halves without investment", "capability.safety_half_life"),
    ("partnership halves without governance", "capability.partnership_half_life"),
    ("strategic clarity halves without strategy work", "capability.clarity_half_life"),
    ("innovation capability halves without experiments", "capability.innovation_half_life"),
    ("an innovation's value stream (mean life)", "operating.innovation_life_weeks"),
]


def _namespace() -> dict[str, Any]:
    params = Params()
    values: dict[str, Any] = {f.name: getattr(params, f.name) for f in top_level()}
    values.update({name: getattr(params, name) for name in groups()})
    values["levers"] = Levers()
    values.update(log=math.log, exp=math.exp, max=max, min=min)
    return values


def block_delays() -> str:
    """Render the characteristic delays (time constants) at the default parameters."""
    values = _namespace()
    rows = []
    for what, expr in DELAYS:
        try:
            shown = fmt(round(float(eval(expr, {"__builtins__": {}}, values)), 1))
        except ZeroDivisionError:
            shown = "∞ (never)"
        except (AttributeError, NameError) as err:
            shown = f"**{expr} missing: {err}**"
        rows.append([what, code(expr.replace("*", "·")), shown])
    return table(["delay", "expression", "weeks at the defaults"], rows, ["---", "---", "--:"])


BLOCKS: dict[str, Callable[[], str]] = {
    "schedule": block_schedule,
    "agents": block_agents,
    "params": block_params,
    "levers": block_levers,
    "org": block_org,
    "interventions": block_interventions,
    "generated": block_generated,
    "shocks": block_shocks,
    "dora": block_dora,
    "delays": block_delays,
}


def required_blocks() -> list[str]:
    """Every block the page must have: the fixed ones, one per group of rules, one per part of the week."""
    labels = [SETUP, *(n for n, _, _ in steps()), REVIEW]
    return [*BLOCKS, *(f"params:{g}" for g in groups()), *(f"uses:{x}" for x in labels)]


def render_block(name: str) -> str:
    """Return the content of the generated block ``name``."""
    if name in BLOCKS:
        return BLOCKS[name]()
    if name.startswith("params:"):
        return block_group(name.split(":", 1)[1])
    if name.startswith("uses:"):
        return block_uses(name.split(":", 1)[1])
    raise SystemExit(f"docs/model.md: unknown generated block {name!r}")


def regenerate(text: str) -> tuple[str, list[str]]:
    """Rewrite every generated block of ``text``.

    Returns:
        The new text and the names of the blocks whose content changed.

    Raises:
        SystemExit: A required block is missing, or a block's name is unknown.
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
    missing = [n for n in required_blocks() if n not in cache]
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
