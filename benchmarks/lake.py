"""Lake benchmark: a backfill's warehouse loads into DuckLake against the same loads into the local DuckDB file.

What a backfill of N monthly partitions does once its reports are finished: each partition's
downloads are landed as Parquet, then loaded in one transaction (``Warehouse.load_partition``).
The reports are computed and landed once (the simulator, ``fetch_partitions``, without Dagster);
the very same staged files are then loaded, partition after partition, into each target:

* ``local file``: the default DuckDB file (file lock, one writer at a time);
* ``DuckLake, DuckDB-file catalog``: catalog in a local DuckDB file, data files in a local folder;
* ``DuckLake, Postgres catalog``: catalog in a throwaway local Postgres on loopback (Debian's
  binaries, as the tests start it), data files in a local folder; skipped without Postgres.

Printed per target: the backfill's load time (sum over partitions), the median per partition,
reading every table back, and the ratio to the local file. The Recast wait, identical for all
targets, is left out: it would hide the difference.

    .venv/bin/python benchmarks/lake.py               # 12 months of compute_spend_summary
    .venv/bin/python benchmarks/lake.py --months 24
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

REPORT_TYPE = "compute_spend_summary"
DASHBOARD = "revenue"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=12, help="monthly partitions in the backfill (default 12)")
    return parser.parse_args()


def months(count: int) -> list[str]:
    """The ``count`` months before last month (the simulator's data covers them), oldest first."""
    today = date.today()
    index = today.year * 12 + today.month - 1 - 2  # the month before last
    return [f"{i // 12}-{i % 12 + 1:02d}-01" for i in range(index - count + 1, index + 1)]


def land(sim, area, keys: list[str]):
    from recast_pipeline.fetch import FormPlanner, LandedPartition, PartitionJob, fetch_partitions
    from recast_pipeline.recast import RecastClient

    with RecastClient(sim.base_url, sim.client_slug, sim.token, poll_interval=0.2) as client:
        deployment = client.get_deployment(client.active_deployments()[DASHBOARD].id)
        planner = FormPlanner(client)
        jobs = [
            PartitionJob(REPORT_TYPE, DASHBOARD, deployment.id, deployment.model_date, key,
                         planner.form(REPORT_TYPE, deployment, date.fromisoformat(key), {}), label=f"lake benchmark {key}")
            for key in keys
        ]
        landed = list(fetch_partitions(client, area, jobs, max_in_flight=len(jobs)))
    failed = [item for item in landed if not isinstance(item, LandedPartition)]
    if failed:
        raise RuntimeError(f"{len(failed)} partitions did not land: {failed[0].error}")
    return sorted(landed, key=lambda item: item.job.partition_key)


def backfill(warehouse, landed) -> dict:
    from recast_pipeline.orchestration.io_manager import report_load

    per_partition = []
    for item in landed:
        begun = time.perf_counter()
        warehouse.load_partition(report_load(item), item.stage.tables)
        per_partition.append(time.perf_counter() - begun)
    begun = time.perf_counter()
    counts = {table: warehouse.query(f'SELECT count(*) FROM "{REPORT_TYPE}"."{table}"')[1][0][0]
              for table in warehouse.tables(REPORT_TYPE)}
    read = time.perf_counter() - begun
    return {"total": sum(per_partition), "median": statistics.median(per_partition), "read": read,
            "rows": sum(counts.values()), "partitions": len(per_partition)}


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(_common.REPO / "recast_pipeline_tests"))
    from services import LocalPostgres, pg_bin

    from recast_pipeline.landing import LandingArea
    from recast_pipeline.simulator import SimulatorConfig, serve_in_thread
    from recast_pipeline.warehouse import Warehouse

    keys = months(args.months)
    print(f"{args.months} monthly partitions of {REPORT_TYPE} ({keys[0]} .. {keys[-1]}); machine: {_common.machine()}")
    results: list[tuple[str, dict]] = []
    postgres = None
    with tempfile.TemporaryDirectory(prefix="recast-lake-") as scratch, \
            serve_in_thread(SimulatorConfig(latency=0.0, jitter=0.0, log_level="error")) as sim:
        work = Path(scratch)
        landed = land(sim, LandingArea(work / "parquet"), keys)
        downloads = len(landed[0].stage.tables)
        targets = [
            ("local file", Warehouse(work / "warehouse.duckdb")),
            ("DuckLake, DuckDB-file catalog", Warehouse(f"ducklake:{work / 'catalog.ducklake'}", ducklake_data_path=str(work / "lake-a"))),
        ]
        bin_dir = pg_bin()
        if bin_dir is not None:
            postgres = LocalPostgres(bin_dir).start()
            conninfo = postgres.conninfo(postgres.create_database("recast_lake"))
            targets.append(("DuckLake, Postgres catalog", Warehouse(f"ducklake:postgres:{conninfo}", ducklake_data_path=str(work / "lake-b"))))
        try:
            for label, warehouse in targets:
                results.append((label, backfill(warehouse, landed)))
        finally:
            for item in landed:
                item.stage.discard()
            if postgres is not None:
                postgres.stop()
    base = results[0][1]["total"]
    rows = [("backfill", f"{results[0][1]['partitions']} partitions x {downloads} downloads, {results[0][1]['rows']:,} rows in all")]
    for label, figures in results:
        rows.append((label, f"backfill load {figures['total']:.2f} s (median {figures['median'] * 1000:.0f} ms per partition), "
                            f"read back {figures['read'] * 1000:.0f} ms, rows {figures['rows']:,}"))
    for label, figures in results[1:]:
        rows.append((f"{label} / local file", f"{figures['total'] / base:.2f}"))
    if postgres is None:
        rows.append(("DuckLake, Postgres catalog", "skipped: no Postgres binaries (initdb, pg_ctl)"))
    print("\nLake benchmark")
    print(_common.table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
