"""Every third-party module the package (and its tests) import is a declared dependency with a range.

Why: numpy, pydantic, starlette and uvicorn were imported but arrived only through other packages;
one of those dropping them would have broken an install. The imports are read from the source
(static ``import`` statements and the extension wheels found by name), the declarations from the
installed package's metadata (``pip install -e .`` writes it from pyproject.toml).
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from importlib.metadata import packages_distributions, requires
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# modules found at run time by name (``importlib.util.find_spec``), not by an import statement
DYNAMIC = {"duckdb_extension_ducklake", "duckdb_extension_postgres", "duckdb_extension_httpfs"}
OPTIONAL = {"duckdb_extension_motherduck": "motherduck"}  # only MotherDuck users install it (an extra)


def _imports(folder: Path) -> set[str]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and not m.startswith("recast_pipeline")}


def _declared() -> dict[str, tuple[str, str | None]]:
    """Normalized distribution name -> (its requirement text, the extra it belongs to or None)."""
    declared = {}
    for line in requires("recast_pipeline") or []:
        name = _normalize(re.match(r"[A-Za-z0-9_.\-]+", line).group(0))
        extra = re.search(r'extra == "([^"]+)"', line)
        declared[name] = (line, extra.group(1) if extra else None)
    return declared


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def _module_distributions() -> dict[str, list[str]]:
    return packages_distributions()  # reads every installed package's file list: once per session


def _distributions(module: str) -> set[str]:
    return {_normalize(d) for d in _module_distributions().get(module, [])}


def test_every_module_the_package_imports_is_a_runtime_dependency():
    declared = _declared()
    runtime = {name for name, (_, extra) in declared.items() if extra is None}
    modules = _imports(REPO / "recast_pipeline") | DYNAMIC
    assert {"numpy", "pydantic", "starlette", "uvicorn"} <= modules  # the ones that came only through others
    undeclared = {m: sorted(_distributions(m)) for m in modules if not _distributions(m) & runtime}
    assert not undeclared, f"imported but not declared in [project] dependencies: {undeclared}"
    for module, extra in OPTIONAL.items():
        assert declared[_normalize(module)][1] == extra


def test_every_module_the_tests_import_is_declared_in_dev_or_runtime():
    declared = _declared()
    usable = {name for name, (_, extra) in declared.items() if extra in (None, "dev")}
    folder = REPO / "recast_pipeline_tests"
    own = {path.stem for path in folder.rglob("*.py")} | {path.name for path in folder.iterdir() if path.is_dir()}
    undeclared = {m: sorted(_distributions(m)) for m in _imports(folder) - own if not _distributions(m) & usable}
    assert not undeclared, f"the tests import modules no dependency or dev extra declares: {undeclared}"


def test_every_dependency_has_a_lower_and_an_upper_bound():
    for line, _ in _declared().values():
        spec = line.split(";")[0]
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"no sensible range: {line}"
