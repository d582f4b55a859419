"""``recast-pipeline dashboards [sync]``: which dashboards Recast has, and their active models.

Why: partitions are keyed by dashboard and live in the Dagster instance; the sensors add new
dashboards on their own, but launching a partition from the command line
(``dagster asset materialize --partition 'revenue|2024-03-01'``) needs it registered first.
"""

from __future__ import annotations

import argparse

from recast_pipeline.cli.errors import CommandError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        choices=["list", "sync"],
        default="list",
        help="list (default), or sync: add them to the Dagster instance's recast_dashboards partitions",
    )


def run(args: argparse.Namespace) -> int:
    from recast_pipeline.cli.local_env import project_instance, sync_dashboards
    from recast_pipeline.cli.sql import format_table
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource

    partitioning, recast = Partitioning.from_env(), RecastResource.from_env()

    resource = recast.process_config_and_initialize()  # EnvVar fields resolved, as in a run
    with resource.get_client() as client:
        resolver = resource.resolver(client)
        selected = resolver.selected()
        rows = [
            (name, d.id, d.model_date, resolver.deployment_for(name).end_date) for name, d in sorted(selected.items())
        ]
        missing, current = resolver.missing(), sorted(resolver.current())
    print(format_table(["dashboard", "deployment_id", "model_date", "data_ends"], rows, limit=len(rows) or 1))
    if args.action == "sync":
        with project_instance() as instance:
            added = sync_dashboards(instance, partitioning.dashboards_name, selected)
        print(f"Added {len(added)} dashboard partition(s): {', '.join(added) or 'none new'}")
    if missing:
        known = ", ".join(current) or "none"
        raise CommandError(
            f"RECAST_DASHBOARDS names {', '.join(map(repr, missing))}, which Recast has no active deployment for "
            f"(dashboards with one: {known})"
        )
    return 0
