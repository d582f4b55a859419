"""``recast-pipeline report --dashboard revenue``: a one-page HTML report from the warehouse.

Why a command: Recast's downloads leave out the plots of its insights reports; this draws them
(spend over time, ROI per channel per month with intervals, the last refit's changes, model fit,
what was loaded when) into one self-contained page (``charts.html_report``).
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

from recast_pipeline.config import settings
from recast_pipeline.warehouse.warehouse import Warehouse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dashboard", required=True, help="the dashboard (partition name), e.g. revenue")
    parser.add_argument(
        "--months", type=int, default=12, help="the dashboard's last N months in the warehouse (default 12)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="the HTML file to write (default report-<dashboard>.html)"
    )
    parser.add_argument("--open", action="store_true", help="open the report in the default browser")
    parser.add_argument(
        "--warehouse", default=None, help="DuckDB file or ducklake:<catalog> (default: $RECAST_WAREHOUSE)"
    )


def open_warehouse(location: str | None) -> Warehouse:
    return Warehouse(location or settings.Settings.from_env().warehouse_location)


def run(args: argparse.Namespace) -> int:
    from recast_pipeline.charts.html_report import write_report

    if args.months < 1:
        print("error: --months must be at least 1", file=sys.stderr)
        return 2
    warehouse = open_warehouse(args.warehouse)
    if not warehouse.exists():
        print(
            f"error: no warehouse at {warehouse.describe()}; run `recast-pipeline demo` or materialize an asset first",
            file=sys.stderr,
        )
        return 2
    out = args.out or Path(f"report-{args.dashboard}.html")
    try:
        path = write_report(warehouse, args.dashboard, out, args.months)
    except LookupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Report for {args.dashboard}: {path.resolve()}")
    if args.open:
        webbrowser.open(path.resolve().as_uri())
    return 0
