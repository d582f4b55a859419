"""``recast-pipeline demo``: the whole product on this machine in a couple of minutes.

Starts the simulator on a free loopback port, points the pipeline at it through the same
environment variables a real deployment uses, materializes every report asset for the last few
months (and the deployment partitions) through Dagster with a persistent instance (the instance rule:
``DAGSTER_HOME`` when set, else ``.dagster_home``, so ``dagster dev`` shows the runs afterwards), then prints
what landed and three example queries, and writes each dashboard's one-page report (``recast-pipeline report``).
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from recast_pipeline.cli.local_env import pointed_at, project_instance, sync_dashboards
from recast_pipeline.cli.sql import format_table
from recast_pipeline.config.settings import Settings
from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.readings import add_reading_arguments, readings_from_arguments
from recast_pipeline.simulator.server import serve_in_thread

EXAMPLE_QUERIES = {
    "Spend per channel, by month (recast_marts.channel_spend)": """
        SELECT dashboard, period_start AS month, channel, spend
        FROM recast_marts.channel_spend WHERE grain = 'monthly' ORDER BY dashboard, month, channel LIMIT 12""",
    "Total ROI per channel and month, 5-95% (recast_marts.channel_effects)": """
        SELECT dashboard, partition_key AS month, channel, round(median, 3) AS roi, round(p05, 3) AS p05,
        round(p95, 3) AS p95
        FROM recast_marts.channel_effects WHERE effect = 'total' AND metric = 'roi' ORDER BY 1, 2, 3 LIMIT 12""",
    "What was loaded (recast_meta.reports)": """
        SELECT dashboard, report_type, count(*) AS partitions, sum(CASE WHEN prerendered THEN 1 ELSE 0 END)
        AS prerendered_reused,
               round(max(waited_seconds), 1) AS max_wait_s
        FROM recast_meta.reports GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 12""",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--months", type=int, default=3, help="recent closed months to materialize (default 3)")
    parser.add_argument("--latency", type=float, default=4.0, help="simulated seconds per report (default 4)")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="landing folder (default ./data)")
    add_reading_arguments(parser)  # e.g. --unfriendly: the simulator plays every open question's harshest reading


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    config = SimulatorConfig(latency=args.latency, jitter=args.latency / 4, readings=readings_from_arguments(args))
    with serve_in_thread(config) as sim:
        print(f"Simulator: {sim.base_url} (client {sim.client_slug}, active deployments {list(sim.deployment_ids)})")
        with pointed_at(sim, args.data_dir):
            env = Settings.from_env()
            stop = threading.Event()
            progress = threading.Thread(target=_print_progress, args=(sim, stop), daemon=True)
            progress.start()
            try:
                ok = _materialize_everything(args.months)
            finally:
                stop.set()
                progress.join()
    _print_summary(env, time.monotonic() - started)
    _write_reports(env, args.data_dir)
    return 0 if ok else 1


def _write_reports(env: Settings, data_dir: Path) -> None:
    """The one-page report of each dashboard (``recast-pipeline report``), beside the warehouse."""
    from recast_pipeline.charts.html_report import write_report
    from recast_pipeline.charts.queries import dashboards
    from recast_pipeline.warehouse.warehouse import Warehouse

    warehouse = Warehouse(env.warehouse_path)
    with warehouse.reading() as con:
        names = dashboards(con) if con is not None else []
    for dashboard in names:
        path = write_report(warehouse, dashboard, data_dir / f"report-{dashboard}.html")
        print(f"Report for {dashboard}: {path.resolve()}")


def _materialize_everything(months: int) -> bool:
    """Every dashboard Recast has: its recent months the model covers, and its dashboard partition."""
    from recast_pipeline.definitions import load_definitions
    from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB
    from recast_pipeline.orchestration.partitions import (
        PARTITION_RANGE_END_TAG,
        PARTITION_RANGE_START_TAG,
        Partitioning,
    )
    from recast_pipeline.orchestration.resources import RecastResource
    from recast_pipeline.recast.model_watch import ready_months

    _, defs = load_definitions()  # built in the simulator's environment, whatever was imported before
    partitioning = Partitioning.from_env()
    resource = RecastResource.from_env().process_config_and_initialize()  # EnvVar fields resolved, as in a run
    with resource.get_client() as client:
        resolver = resource.resolver(client)
        plan = {
            dashboard: ready_months(partitioning.closed_months(), resolver.deployment_for(dashboard).end_date)[-months:]
            for dashboard in sorted(resolver.selected())
        }
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    ok = True
    with project_instance() as instance:
        sync_dashboards(instance, partitioning.dashboards_name, plan)
        for dashboard, keys in plan.items():
            first, last = (partitioning.dated_key(dashboard, key) for key in (keys[0], keys[-1]))
            print(
                f"Materializing dashboard {dashboard}: {MONTHLY_JOB} for {first}...{last}, {DASHBOARD_JOB} for "
                f"{dashboard}"
            )
            runs = {
                MONTHLY_JOB: defs.resolve_job_def(MONTHLY_JOB).execute_in_process(
                    instance=instance,
                    run_config=quiet,
                    tags={PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last},
                    raise_on_error=False,
                ),
                DASHBOARD_JOB: defs.resolve_job_def(DASHBOARD_JOB).execute_in_process(
                    instance=instance, run_config=quiet, partition_key=dashboard, raise_on_error=False
                ),
            }
            for name, result in runs.items():
                print(f"  {name}: {'success' if result.success else 'FAILED'} (run {result.run_id})")
                ok = ok and result.success
    return ok


def _print_progress(sim, stop: threading.Event) -> None:
    last = None
    while not stop.wait(2.0):
        stats = sim.stats()
        downloads = stats["calls"].get("download", 0)
        line = f"  Recast: {stats['creates']} report(s) created, {stats['in_flight']} computing, downloads {downloads}"
        if line != last:
            print(line, flush=True)
            last = line


def _print_summary(env: Settings, elapsed: float) -> None:
    from recast_pipeline.warehouse.warehouse import Warehouse

    warehouse = Warehouse(env.warehouse_path)
    _, [(reports,)] = warehouse.query("SELECT count(*) FROM recast_meta.reports")
    _, [(tables, rows)] = warehouse.query(
        "SELECT count(DISTINCT schema_name || '.' || table_name), sum(row_count) FROM recast_meta.downloads"
    )
    print(f"\nLoaded {reports} report partitions into {tables} tables ({rows} rows) in {elapsed:.0f} s")
    print(f"Warehouse: {env.warehouse_path}   Parquet: {env.parquet_dir}")
    for title, sql in EXAMPLE_QUERIES.items():
        sql = " ".join(sql.split())
        print(f"\n-- {title}\n{sql}")
        columns, result = warehouse.query(sql)
        print(format_table(columns, result, limit=8))
    print(
        '\nNext: `recast-pipeline sql "SHOW ALL TABLES"`, `recast-pipeline dev` to see these runs (and their charts) '
        "in the UI, "
        "or open a dashboard's report:"
    )
