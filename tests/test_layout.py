"""The package tree's rules: the model imports nothing above it, nothing imports the commands, no cycles.

Imports are read from the source (including imports inside functions), except those under
``if TYPE_CHECKING:``, which only type checkers follow.
"""

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "experiments", "viz")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


MODULES = _modules()


def _imports(node: ast.AST) -> list[str]:
    names = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        if isinstance(child, ast.Import):
            names += [alias.name for alias in child.names]
        elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
            names.append(child.module)
            names += [f"{child.module}.{alias.name}" for alias in child.names]
        names += _imports(child)
    return names


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    for name, path in MODULES.items():
        for target in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if target in MODULES and target != name:
                g.add_edge(name, target)
    return g


def test_there_are_no_import_cycles(graph):
    cycles = [c for c in nx.simple_cycles(graph) if len(c) > 1]
    assert cycles == []


def test_the_model_imports_nothing_above_it(graph):
    upward = [(a, b) for a, b in graph.edges if a.startswith("sim.model") and not b.startswith("sim.model")]
    assert upward == []


def test_nothing_imports_the_commands(graph):
    # python -m sim / the orgstack script start the command; nothing else may depend on it
    into_cli = [
        (a, b)
        for a, b in graph.edges
        if b.startswith("sim.cli") and not a.startswith("sim.cli") and a != "sim.__main__"
    ]
    assert into_cli == []


def test_the_library_does_not_import_analyses_or_the_studio(graph):
    upward = [
        (a, b) for a, b in graph.edges if a.startswith("sim") and b.split(".")[0] in ("experiments", "viz")
    ]
    assert upward == []


def test_no_private_name_is_imported_across_modules():
    private = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in MODULES:
                private += [f"{name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []
