"""``recast-pipeline demo``: the whole product on this machine in a couple of minutes.

Starts the simulator on a free loopback port, points the pipeline at it through the same
environment variables a real deployment uses, materializes every report asset for the last few
months (and the deployment partitions) through Dagster with a persistent instance under
``.dagster_home`` (so ``dagster dev`` shows the runs afterwards), then prints what landed and
three example queries.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path

from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from recast_pipeline.simulator import SimulatorConfig, serve_in_thread
from recast_pipeline.sql_cli import format_table

DEMO_DEPLOYMENT = 5716
DAGSTER_HOME = ".dagster_home"
EXAMPLE_QUERIES = {
    "Spend per channel, by month (compute_spend_summary)": """
        SELECT * EXCLUDE (partition_key, deployment_id, report_id, download_key, loaded_at)
        FROM compute_spend_summary.tables_monthly ORDER BY month LIMIT 12""",
    "Total ROI per channel and month (compute_insights_overview)": """
        SELECT partition_key AS month, * EXCLUDE (partition_key, deployment_id, report_id, download_key, loaded_at, effect, metric)
        FROM compute_insights_overview.summaries WHERE effect = 'total' AND metric = 'roi' ORDER BY 1 LIMIT 12""",
    "What was loaded (recast_meta.reports)": """
        SELECT report_type, count(*) AS partitions, sum(CASE WHEN prerendered THEN 1 ELSE 0 END) AS prerendered_reused,
               round(max(waited_seconds), 1) AS max_wait_s
        FROM recast_meta.reports GROUP BY 1 ORDER BY 1""",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--months", type=int, default=3, help="recent closed months to materialize (default 3)")
    parser.add_argument("--latency", type=float, default=4.0, help="simulated seconds per report (default 4)")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="landing folder (default ./data)")


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    config = SimulatorConfig(latency=args.latency, jitter=args.latency / 4)
    with serve_in_thread(config) as sim:
        print(f"Simulator: {sim.base_url} (client {sim.client_slug}, deployments {list(sim.deployment_ids)})")
        _point_pipeline_at(sim, args.data_dir)
        stop = threading.Event()
        progress = threading.Thread(target=_print_progress, args=(sim, stop), daemon=True)
        progress.start()
        try:
            ok = _materialize_everything(args.months)
        finally:
            stop.set()
            progress.join()
    _print_summary(time.monotonic() - started)
    return 0 if ok else 1


def _point_pipeline_at(sim, data_dir: Path) -> None:
    os.environ.update(
        {
            "RECAST_BASE_URL": sim.base_url,
            "RECAST_CLIENT_SLUG": sim.client_slug,
            "RECAST_PAT": sim.token,
            "RECAST_DEPLOYMENT_IDS": str(DEMO_DEPLOYMENT),
            "RECAST_DATA_DIR": str(data_dir.resolve()),
            "RECAST_WAREHOUSE": str((data_dir / "warehouse.duckdb").resolve()),
            "RECAST_POLL_INTERVAL": "2",
            "RECAST_MAX_IN_FLIGHT": "32",
        }
    )


def _materialize_everything(months: int) -> bool:
    import dagster as dg  # after the environment is set: definitions read it at import
    from dagster._core.instance.ref import InstanceRef

    from recast_pipeline.definitions import defs, partitioning
    from recast_pipeline.orchestration.jobs import DEPLOYMENT_JOB, MONTHLY_JOB
    from recast_pipeline.orchestration.sensors import recent_months

    keys = recent_months(partitioning, months)
    # The instance `dagster dev` uses from this folder: dagster.yaml here, storage in .dagster_home.
    home = Path(DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), config_dir=str(Path.cwd())))
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    ok = True
    with instance:
        print(f"Materializing {MONTHLY_JOB} for {keys[0]}...{keys[-1]} and {DEPLOYMENT_JOB} for {DEMO_DEPLOYMENT}")
        monthly = defs.resolve_job_def(MONTHLY_JOB).execute_in_process(
            instance=instance,
            run_config=quiet,
            tags={ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]},
            raise_on_error=False,
        )
        per_deployment = defs.resolve_job_def(DEPLOYMENT_JOB).execute_in_process(
            instance=instance, run_config=quiet, partition_key=str(DEMO_DEPLOYMENT), raise_on_error=False
        )
        for name, result in ((MONTHLY_JOB, monthly), (DEPLOYMENT_JOB, per_deployment)):
            print(f"  {name}: {'success' if result.success else 'FAILED'} (run {result.run_id})")
            ok = ok and result.success
    return ok


def _print_progress(sim, stop: threading.Event) -> None:
    last = None
    while not stop.wait(2.0):
        stats = sim.stats()
        line = f"  Recast: {stats['creates']} report(s) created, {stats['in_flight']} computing, downloads {stats['calls'].get('download', 0)}"
        if line != last:
            print(line, flush=True)
            last = line


def _print_summary(elapsed: float) -> None:
    from recast_pipeline import settings
    from recast_pipeline.warehouse import Warehouse

    warehouse = Warehouse(settings.warehouse_path())
    _, [(reports,)] = warehouse.query("SELECT count(*) FROM recast_meta.reports")
    _, [(tables, rows)] = warehouse.query("SELECT count(DISTINCT schema_name || '.' || table_name), sum(row_count) FROM recast_meta.downloads")
    print(f"\nLoaded {reports} report partitions into {tables} tables ({rows} rows) in {elapsed:.0f} s")
    print(f"Warehouse: {settings.warehouse_path()}   Parquet: {settings.parquet_dir()}")
    for title, sql in EXAMPLE_QUERIES.items():
        sql = " ".join(sql.split())
        print(f"\n-- {title}\n{sql}")
        columns, result = warehouse.query(sql)
        print(format_table(columns, result, limit=8))
    print("\nNext: `recast-pipeline sql \"SHOW ALL TABLES\"`, or `dagster dev` to see these runs in the UI.")
