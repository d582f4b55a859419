"""Column types of a CSV, decided over the whole file by strict rules, expressed as DuckDB SQL.

Why our own rules: DuckDB's casts are lenient ("+5", " 5", "0x10", "1e3" and even "2.5" become
integers), and pyarrow's streaming reader types from its first block only. The rules:

* ``NA`` and empty cells (quoted or not) are NULL (handled by the reader);
* BIGINT when every value is a plain integer: it survives an exact text round trip
  (no "+", no leading zeros, no spaces, fits 64 bits);
* DOUBLE when every value is a plain decimal number, ``NUMBER_PATTERN``, which also admits R's
  ``Inf``, ``-Inf`` and ``NaN``;
* DATE when every value is a valid ``YYYY-MM-DD`` (exact round trip);
* VARCHAR otherwise (percentages, "1,234.5", TRUE/FALSE, timestamps);
* NULL_TYPE when a column has no value at all: written as VARCHAR and flagged, so the warehouse
  can let a later load decide.

How it stays fast: the first rows suggest a type per column; the conversion then casts with a
guard (``guarded_casts``) that raises ``RETYPE_MARKER`` on the first value that does not fit.
The DOUBLE columns of a row share one guard: their values joined by commas must fully match one
regular expression (one match per row instead of one per cell: a third of the CPU; no value that
fits contains a comma, so each part still meets its own column's pattern). Only on a misfit
(``is_retype_error``) is the whole file checked column by column (``decide_types``) and
converted again.
Columns empty in the sample pass through as text and are typed afterwards from the written
file (``settle_sparse_columns``), which reads just those columns.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

NUMBER_PATTERN = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?|-?\.[0-9]+([eE][-+]?[0-9]+)?|-?Inf|NaN"
SAMPLE_ROWS = 2_048
NULL_TYPE = "NULL"
RETYPE_MARKER = "recast-landing: a value does not fit the sampled column type"
_CANDIDATES = ("BIGINT", "DOUBLE", "DATE")


def _is_int(c: str) -> str:
    return f"coalesce(TRY_CAST({c} AS BIGINT)::VARCHAR = {c}, false)"


def _is_number(c: str) -> str:
    return f"regexp_full_match({c}, '{NUMBER_PATTERN}')"


def _is_date(c: str) -> str:
    return f"coalesce(TRY_CAST({c} AS DATE)::VARCHAR = {c}, false)"


def _test(candidate: str, candidates: tuple[str, ...], c: str) -> str:
    if candidate == "BIGINT":
        return _is_int(c)
    if candidate == "DATE":
        return _is_date(c)
    # DuckDB evaluates OR lazily per row: the regex only runs where the integer test failed.
    return f"({_is_int(c)} OR {_is_number(c)})" if "BIGINT" in candidates else _is_number(c)


def cast_expression(column: str, kind: str) -> str:
    """SQL turning text column ``column`` into ``kind``; raises RETYPE_MARKER on a misfit.

    A column of NULL_TYPE (no value in the sample) passes through as text, to be settled later.
    """
    if kind in ("VARCHAR", NULL_TYPE):
        return column
    fail = f"error('{RETYPE_MARKER}')"
    test = _is_number(column) if kind == "DOUBLE" else _is_int(column) if kind == "BIGINT" else _is_date(column)
    return f"CASE WHEN {test} THEN CAST({column} AS {kind}) WHEN {column} IS NULL THEN NULL ELSE {fail} END"


def guarded_casts(types: list[str]) -> list[str]:
    """Per column ``c<i>``, SQL turning its text into ``types[i]``; evaluating them raises (see
    ``is_retype_error``) when a value does not fit. DOUBLE columns share one row guard."""
    doubles = [i for i, kind in enumerate(types) if kind == "DOUBLE"]
    if len(doubles) < 2:
        return [cast_expression(f"c{i}", kind) for i, kind in enumerate(types)]
    # concat() skips NULLs but keeps the commas: part i is column i's value, or empty.
    joined = "concat(" + ", ',', ".join(f"c{i}" for i in doubles) + ")"
    pattern = ",".join([f"(?:{NUMBER_PATTERN})?"] * len(doubles))
    guard = f"CASE WHEN regexp_full_match({joined}, '{pattern}') THEN true ELSE error('{RETYPE_MARKER}') END"
    expressions = []
    for i, kind in enumerate(types):
        if kind != "DOUBLE":
            expressions.append(cast_expression(f"c{i}", kind))
        elif i == doubles[0]:
            expressions.append(f"CASE WHEN {guard} THEN CAST(c{i} AS DOUBLE) END")
        else:
            # Plain casts: the guard above fails the whole statement on a misfit in any of them
            # (whichever of the two raises first, the caller treats both the same way).
            expressions.append(f"CAST(c{i} AS DOUBLE)")
    return expressions


def is_retype_error(error: Exception) -> bool:
    """A guard found a value that does not fit, or one of the plain casts that share a row guard
    refused a value before the guard ran: the types must be decided over the whole file."""
    return RETYPE_MARKER in str(error) or isinstance(error, duckdb.ConversionException)


def _check(
    con: duckdb.DuckDBPyConnection, source: str, columns: Mapping[int, tuple[str, ...]], limit: int | None
) -> dict[int, dict[str, object]]:
    """Per column and candidate type: does every value fit? Plus the value count when unknown."""
    expressions: list[str] = []
    labels: list[tuple[int, str]] = []
    for index, candidates in columns.items():
        c = f"c{index}"
        if candidates == _CANDIDATES:
            expressions.append(f"count({c})")
            labels.append((index, "count"))
        for candidate in candidates:
            expressions.append(f"coalesce(bool_and({c} IS NULL OR {_test(candidate, candidates, c)}), true)")
            labels.append((index, candidate))
    found: dict[int, dict[str, object]] = {index: {} for index in columns}
    if expressions:
        rows = f"(SELECT * FROM {source} LIMIT {limit})" if limit else source
        values = con.execute(f"SELECT {', '.join(expressions)} FROM {rows}").fetchone()
        assert values is not None  # aggregates without GROUP BY: always one row
        for (index, label), value in zip(labels, values):
            found[index][label] = value
    return found


def _narrowest(result: Mapping[str, object], candidates: tuple[str, ...]) -> str:
    if result.get("count") == 0:
        return NULL_TYPE
    return next((candidate for candidate in candidates if result[candidate]), "VARCHAR")


def sample_types(con: duckdb.DuckDBPyConnection, source: str, width: int) -> list[str]:
    """Types suggested by the first SAMPLE_ROWS rows (a guess the guarded cast verifies)."""
    found = _check(con, source, {i: _CANDIDATES for i in range(width)}, SAMPLE_ROWS)
    return [_narrowest(found[i], _CANDIDATES) for i in range(width)]


def settle_sparse_columns(con: duckdb.DuckDBPyConnection, source: str, guess: list[str]) -> list[str]:
    """Type the columns with no value in the sample (a sparse ``Holiday``, say) over all rows.

    A column empty in the first rows usually gets values later; casting it by a guessed type
    would fail the guarded conversion midway and re-check every column. So such columns are
    written as text, and ``source`` (the written rows, column ``c<i>`` for each of them) is
    checked afterwards; the other columns keep their types (already verified by the guards).
    """
    empty = {i: _CANDIDATES for i, kind in enumerate(guess) if kind == NULL_TYPE}
    if not empty:
        return list(guess)
    found = _check(con, source, empty, None)
    return [_narrowest(found[i], _CANDIDATES) if i in empty else kind for i, kind in enumerate(guess)]


def decide_types(con: duckdb.DuckDBPyConnection, source: str, guess: list[str]) -> list[str]:
    """The narrowest type fitting every value of the whole file, starting from a guess."""
    follow_ups = {"BIGINT": ("BIGINT", "DOUBLE"), "DOUBLE": ("DOUBLE",), "DATE": ("DATE",), NULL_TYPE: _CANDIDATES}
    pending = {i: follow_ups[kind] for i, kind in enumerate(guess) if kind != "VARCHAR"}
    found = _check(con, source, pending, None)
    return [_narrowest(found[i], pending[i]) if i in pending else "VARCHAR" for i in range(len(guess))]
