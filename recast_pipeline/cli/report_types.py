"""``recast-pipeline report-types``: the catalog, each type with its inputs and partitioning."""

from __future__ import annotations

import argparse

from recast_pipeline.recast.catalog import ALIASES, REPORT_TYPES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--verbose", "-v", action="store_true", help="also print descriptions and download keys")


def run(args: argparse.Namespace) -> int:
    width = max(len(name) for name in REPORT_TYPES)
    print(f"{'report type':<{width}}  {'group':<11}  {'partitioned by':<14}  pre  inputs (besides deployment_id)")
    for report_type in REPORT_TYPES.values():
        inputs = ", ".join(f"{spec.name}:{spec.kind}" for spec in report_type.fields) or "-"
        partitioned = "month" if report_type.partitioned_by_month else "deployment"
        pre = "yes" if report_type.prerendered else "no"
        print(f"{report_type.name:<{width}}  {report_type.group:<11}  {partitioned:<14}  {pre:<3}  {inputs}")
        if args.verbose:
            print(f"    {report_type.description}")
            keys = ", ".join(report_type.known_keys) or (
                "dynamic: from results.downloads" if report_type.dynamic_keys else "none"
            )
            print(f"    downloads: {keys}")
    for alias, target in ALIASES.items():
        print(f"alias: {alias} -> {target}")
    return 0
