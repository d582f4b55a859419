"""The layers hold: every import between packages points down, and no two modules import each other.

Why a test: a newcomer reads the tree as a stack (``config`` at the bottom, ``cli`` on top); one
import pointing up (the API layer reaching into Dagster, the warehouse into the fetch engine)
makes that reading wrong without anybody noticing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import recast_pipeline

ROOT = Path(recast_pipeline.__file__).parent
# Each package's layer; a package may import only from packages of a lower layer (or its own).
LAYERS = {
    "config": 0,
    "recast": 1,
    "simulator": 1,
    "landing": 2,
    "warehouse": 3,
    "charts": 4,
    "pipeline": 4,
    "orchestration": 5,
    "components": 6,
    "defs": 6,
    "definitions": 7,
    "cli": 8,
}
NO_DAGSTER = {"config", "recast", "simulator", "landing", "warehouse", "charts", "pipeline"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Modules imported by a file (TYPE_CHECKING and function-level imports included)."""
    found = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def import_graph() -> dict[str, set[str]]:
    """Our module -> our modules it imports."""
    files = {module_name(path): path for path in ROOT.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in files and m != name} for name, path in files.items()}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_root_holds_only_its_init_and_the_definitions():
    assert sorted(path.name for path in ROOT.glob("*.py")) == ["__init__.py", "definitions.py"]


def test_every_package_has_a_layer():
    packages = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}
    assert packages | {"definitions"} == set(LAYERS)


def test_every_import_between_packages_points_down():
    upward = [
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if layer_of(module)
        and layer_of(target)
        and layer_of(module) != layer_of(target)
        and LAYERS[layer_of(target)] >= LAYERS[layer_of(module)]
    ]
    assert upward == []


def test_the_lower_layers_import_no_dagster():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if layer_of(module_name(path)) in NO_DAGSTER
        and any(m == "dagster" or m.startswith(("dagster.", "dagster_")) for m in imports_of(path))
    ]
    assert offenders == []


def test_import_graph_is_acyclic():
    graph = import_graph()
    assert "recast_pipeline.recast.reuse" in graph["recast_pipeline.recast.client"]
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_checker_sees_a_cycle_and_an_upward_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert LAYERS[layer_of("recast_pipeline.orchestration.assets")] > LAYERS[layer_of("recast_pipeline.recast.client")]


def test_only_the_settings_read_the_environment():
    """``config.settings`` owns every variable: nothing else depends on when the environment was read."""
    readers = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.relative_to(ROOT) != Path("config/settings.py")
        and ("os.environ" in path.read_text() or "getenv(" in path.read_text())
    ]
    assert readers == []
