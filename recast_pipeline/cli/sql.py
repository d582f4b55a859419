"""``recast-pipeline sql "<query>"``: read-only SQL against the warehouse, as a table or CSV."""

from __future__ import annotations

import argparse
import csv
import math
import sys
from decimal import Decimal

import duckdb

from recast_pipeline.cli.errors import CommandError
from recast_pipeline.config import settings
from recast_pipeline.warehouse.warehouse import Warehouse

MAX_CELL = 40
DECIMALS = 6  # enough for ROI-like ratios; money has two
SMALLEST, LARGEST = 1e-4, 1e15  # outside this range a float prints in scientific notation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="SQL to run (the warehouse is opened read-only)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument(
        "--warehouse", default=None, help="DuckDB file or ducklake:<catalog> (default: $RECAST_WAREHOUSE)"
    )
    parser.add_argument("--limit", type=int, default=50, help="rows to print as a table (default 50; CSV prints all)")
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=120.0,
        help="seconds to wait while a load holds the DuckDB file (default 120)",
    )


def run(args: argparse.Namespace) -> int:
    warehouse = Warehouse(
        args.warehouse or settings.Settings.from_env().warehouse_location, lock_timeout=args.lock_timeout
    )
    if not warehouse.exists():
        raise CommandError(
            f"no warehouse at {warehouse.describe()}; run `recast-pipeline demo` or materialize an asset first"
        )
    try:
        columns, rows = warehouse.query(args.query)
    except duckdb.Error as error:
        if isinstance(error, (duckdb.IOException, duckdb.ConnectionException)):
            raise  # opening the file, not the statement: cli_errors prints DuckDB's first line
        statement = " ".join(args.query.split())
        shown = statement if len(statement) <= 120 else statement[:119] + "…"
        detail = str(error).strip().splitlines()[0]
        raise CommandError(f"{detail} in the statement: {shown}") from error
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print(format_table(columns, rows, args.limit))
    return 0


def format_table(columns: list[str], rows: list[tuple], limit: int = 50) -> str:
    """A plain aligned text table, cells clipped so wide tables stay readable; numeric columns
    are right-aligned so magnitudes line up."""
    shown = [[_cell(value) for value in row] for row in rows[:limit]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    numeric = [_is_numeric_column(rows[:limit], i) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    lines = [line(list(columns)), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in shown]
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more row(s)")
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def format_number(value: float) -> str:
    """Money reads as money: 1044800.0 -> ``1,044,800``, 10.5 -> ``10.5``, 1.23456789 ->
    ``1.234568``; only very large or very small magnitudes use scientific notation."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value != 0 and not SMALLEST <= abs(value) < LARGEST:
        return f"{value:.6g}"
    text = f"{value:,.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _is_numeric_column(rows: list[tuple], index: int) -> bool:
    values = [row[index] for row in rows if row[index] is not None]
    return bool(values) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values)


def _cell(value: object) -> str:
    text = "NULL" if value is None else format_number(value) if isinstance(value, float) else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
