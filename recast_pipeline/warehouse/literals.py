"""Statements whose values travel as SQL literals of a prepared statement, not as bound Python objects.

Why: the first query that binds a Python value makes DuckDB 1.5's Python client import numpy,
pandas and pyarrow (about 0.7 s of CPU, under the writer lock) just to check the value's type.
DuckDB still places the values (``PREPARE``/``EXECUTE``); we only spell them as typed literals.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from recast_pipeline.landing.naming import quote_literal


class LiteralParameters:
    """A connection whose ``execute(sql, params)`` sends the values as SQL literals of a prepared
    statement (``PREPARE``/``EXECUTE``), so DuckDB still places them, never our string handling.

    Why: the first query that binds a Python value makes DuckDB 1.5's Python client import numpy,
    pandas and pyarrow (about 0.7 s of CPU, under the writer lock) just to check the value's type.
    Values of another type than None, bool, int, float, str, date or datetime are bound as usual.
    Everything else is the wrapped connection's own.
    """

    _STATEMENT = "recast_load_statement"

    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql: str, params=None):
        if not params:
            return self._con.execute(sql)
        literals = _literals(params)
        if literals is None:
            return self._con.execute(sql, params)
        self._con.execute(f"PREPARE {self._STATEMENT} AS {sql}")
        return self._con.execute(f"EXECUTE {self._STATEMENT}({literals})")

    def executemany(self, sql: str, rows):
        rows = list(rows)
        rendered = [_literals(row) for row in rows]
        if any(literals is None for literals in rendered):
            return self._con.executemany(sql, rows)
        self._con.execute(f"PREPARE {self._STATEMENT} AS {sql}")
        for literals in rendered:
            self._con.execute(f"EXECUTE {self._STATEMENT}({literals})")
        return self


def _literals(params) -> str | None:
    """The values as a comma-separated list of typed SQL literals; None if one has another type."""
    if not isinstance(params, (list, tuple)):
        return None
    rendered = []
    for value in params:
        literal = _literal(value)
        if literal is None:
            return None
        rendered.append(literal)
    return ", ".join(rendered)


def _literal(value) -> str | None:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"CAST({int(value)} AS {'BIGINT' if -(2**63) <= value < 2**63 else 'HUGEINT'})"
    if isinstance(value, float):
        return f"CAST({quote_literal(repr(value) if math.isfinite(value) else str(value))} AS DOUBLE)"
    if isinstance(value, str):
        return quote_literal(value)
    if isinstance(value, datetime):
        kind = "TIMESTAMP" if value.tzinfo is None else "TIMESTAMPTZ"
        return f"CAST({quote_literal(value.isoformat())} AS {kind})"
    if isinstance(value, date):
        return f"CAST({quote_literal(value.isoformat())} AS DATE)"
    return None
