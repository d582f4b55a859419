"""``recast-pipeline sql "<query>"``: read-only SQL against the warehouse, as a table or CSV."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from recast_pipeline import settings
from recast_pipeline.warehouse import Warehouse

MAX_CELL = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", help="SQL to run (the warehouse is opened read-only)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    parser.add_argument("--warehouse", type=Path, default=None, help="DuckDB file (default: $RECAST_WAREHOUSE)")
    parser.add_argument("--limit", type=int, default=50, help="rows to print as a table (default 50; CSV prints all)")


def run(args: argparse.Namespace) -> int:
    path = args.warehouse or settings.warehouse_path()
    if not path.exists():
        print(f"error: no warehouse at {path}; run `recast-pipeline demo` or materialize an asset first", file=sys.stderr)
        return 2
    columns, rows = Warehouse(path).query(args.query)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print(format_table(columns, rows, args.limit))
    return 0


def format_table(columns: list[str], rows: list[tuple], limit: int = 50) -> str:
    """A plain aligned text table, cells clipped so wide tables stay readable."""
    shown = [[_cell(value) for value in row] for row in rows[:limit]]
    widths = [max([len(c)] + [len(r[i]) for r in shown]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in shown]
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more row(s)")
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "NULL" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
