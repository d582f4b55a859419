"""Public names of a package that load on first use (PEP 562).

Why: the code location imports our packages at definition time, when it needs only their
settings; DuckDB, httpx and the rest load when a run first uses them, so each Dagster process
that only loads definitions starts faster.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_exports(package: str, exports: Mapping[str, tuple[str, str]]) -> tuple[Callable, Callable]:
    """``__getattr__`` and ``__dir__`` for ``package``, whose name ``n`` is ``exports[n]``: the
    attribute of one of its submodules, as (submodule, attribute)."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = exports[name]
        value = getattr(import_module(f"{package}.{module}"), attribute)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
