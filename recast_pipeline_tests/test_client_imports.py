"""The API layer's import graph has no cycle (client -> creation/reuse, never the reverse)."""

from __future__ import annotations

import ast
from pathlib import Path

import recast_pipeline.recast as package

PACKAGE = "recast_pipeline.recast"


def import_graph() -> dict[str, set[str]]:
    """Module -> modules of the package it imports (TYPE_CHECKING imports included)."""
    root = Path(package.__file__).parent
    modules = {path.stem for path in root.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for name in modules:
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse((root / f"{name}.py").read_text())):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                rest = node.module[len(PACKAGE):].lstrip(".")
                targets = [rest] if rest else [alias.name if alias.name in modules else "__init__" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 1:
                targets = [node.module] if node.module else [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name[len(PACKAGE) + 1:] for a in node.names if a.name.startswith(PACKAGE + ".")]
            edges.update(t.split(".")[0] for t in targets if t and t.split(".")[0] in modules and t != name)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_import_graph_is_acyclic():
    graph = import_graph()
    assert {"client", "creation", "reuse", "ledger", "pages"} <= graph.keys()
    assert "client" in graph["__init__"] and "reuse" in graph["client"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_checker_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
