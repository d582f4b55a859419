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
    .venv/bin/python benchmarks/lake.py --maintenance 500

``--maintenance N``: on each lake, the partitions are loaded again until N loads in all, then
``recast_maintenance_job``'s pass runs (``Warehouse.maintain``, snapshots expired up to now and
their files deleted at once, as a pass a retention later would): live data files, snapshots and
the time of a mart query (``recast_marts.channel_spend``, spend per channel and month) are printed
before and after, with the rows, which must not change.
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
    parser.add_argument(
        "--maintenance",
        type=int,
        default=0,
        metavar="N",
        help="on the lakes, reload until N loads, then measure a maintenance pass (e.g. 500)",
    )
    return parser.parse_args()


def months(count: int) -> list[str]:
    """The ``count`` months before last month (the simulator's data covers them), oldest first."""
    today = date.today()
    index = today.year * 12 + today.month - 1 - 2  # the month before last
    return [f"{i // 12}-{i % 12 + 1:02d}-01" for i in range(index - count + 1, index + 1)]


def land(sim, area, keys: list[str]):
    from recast_pipeline.pipeline.fetch import FormPlanner, LandedPartition, PartitionJob, fetch_partitions
    from recast_pipeline.recast.client import RecastClient

    with RecastClient(sim.base_url, sim.client_slug, sim.token, poll_interval=0.2) as client:
        deployment = client.get_deployment(client.active_deployments()[DASHBOARD].id)
        planner = FormPlanner(client)
        jobs = [
            PartitionJob(
                REPORT_TYPE,
                DASHBOARD,
                deployment.id,
                deployment.model_date,
                key,
                planner.form(REPORT_TYPE, deployment, date.fromisoformat(key), {}),
                label=f"lake benchmark {key}",
            )
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
    counts = {
        table: warehouse.query(f'SELECT count(*) FROM "{REPORT_TYPE}"."{table}"')[1][0][0]
        for table in warehouse.tables(REPORT_TYPE)
    }
    read = time.perf_counter() - begun
    return {
        "total": sum(per_partition),
        "median": statistics.median(per_partition),
        "read": read,
        "rows": sum(counts.values()),
        "partitions": len(per_partition),
    }


MART_QUERY = (
    "SELECT partition_key, channel, sum(spend) FROM recast_marts.channel_spend WHERE grain = 'daily' "
    "GROUP BY ALL ORDER BY ALL"
)


def lake_state(warehouse) -> dict:
    """Live data files, snapshots, and the mart query's time (median of 3) and rows."""
    _, [(files,)] = warehouse.query(
        "SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file WHERE end_snapshot IS NULL"
    )
    _, [(snapshots,)] = warehouse.query("SELECT count(*) FROM ducklake_snapshots('lake')")
    times, result = [], None
    for _ in range(3):
        begun = time.perf_counter()
        result = warehouse.query(MART_QUERY)[1]
        times.append(time.perf_counter() - begun)
    return {"files": files, "snapshots": snapshots, "read": statistics.median(times), "rows": result}


def maintenance(warehouse, landed, loads: int) -> tuple[dict, dict]:
    """Reload ``landed`` round robin until ``loads`` loads in all, then one maintenance pass."""
    from datetime import timedelta

    from recast_pipeline.orchestration.io_manager import report_load

    for index in range(len(landed), loads):
        item = landed[index % len(landed)]
        warehouse.load_partition(report_load(item), item.stage.tables)
    before = lake_state(warehouse)
    begun = time.perf_counter()
    warehouse.maintain(retention_days=0, cleanup_after=timedelta(0))
    after = {**lake_state(warehouse), "took": time.perf_counter() - begun}
    if after["rows"] != before["rows"]:
        raise RuntimeError("maintenance changed the mart's rows")
    return before, after


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(_common.REPO / "recast_pipeline_tests"))
    from services import LocalPostgres, pg_bin

    from recast_pipeline.landing.local_store import LandingArea
    from recast_pipeline.simulator.config import SimulatorConfig
    from recast_pipeline.simulator.server import serve_in_thread
    from recast_pipeline.warehouse.warehouse import Warehouse

    keys = months(args.months)
    print(f"{args.months} monthly partitions of {REPORT_TYPE} ({keys[0]} .. {keys[-1]}); machine: {_common.machine()}")
    results: list[tuple[str, dict]] = []
    postgres = None
    with (
        tempfile.TemporaryDirectory(prefix="recast-lake-") as scratch,
        serve_in_thread(SimulatorConfig(latency=0.0, jitter=0.0, log_level="error")) as sim,
    ):
        work = Path(scratch)
        landed = land(sim, LandingArea(work / "parquet"), keys)
        downloads = len(landed[0].stage.tables)
        targets = [
            ("local file", Warehouse(work / "warehouse.duckdb")),
            (
                "DuckLake, DuckDB-file catalog",
                Warehouse(f"ducklake:{work / 'catalog.ducklake'}", ducklake_data_path=str(work / "lake-a")),
            ),
        ]
        bin_dir = pg_bin()
        if bin_dir is not None:
            postgres = LocalPostgres(bin_dir).start()
            conninfo = postgres.conninfo(postgres.create_database("recast_lake"))
            targets.append(
                (
                    "DuckLake, Postgres catalog",
                    Warehouse(f"ducklake:postgres:{conninfo}", ducklake_data_path=str(work / "lake-b")),
                )
            )
        try:
            for label, warehouse in targets:
                results.append((label, backfill(warehouse, landed)))
            maintained = [
                (label, maintenance(warehouse, landed, args.maintenance))
                for label, warehouse in targets[1:]
                if args.maintenance
            ]
        finally:
            for item in landed:
                item.stage.discard()
            if postgres is not None:
                postgres.stop()
    base = results[0][1]["total"]
    rows = [
        (
            "backfill",
            f"{results[0][1]['partitions']} partitions x {downloads} downloads, {results[0][1]['rows']:,} rows in all",
        )
    ]
    for label, figures in results:
        rows.append(
            (
                label,
                f"backfill load {figures['total']:.2f} s (median {figures['median'] * 1000:.0f} ms per partition), "
                f"read back {figures['read'] * 1000:.0f} ms, rows {figures['rows']:,}",
            )
        )
    for label, figures in results[1:]:
        rows.append((f"{label} / local file", f"{figures['total'] / base:.2f}"))
    if postgres is None:
        rows.append(("DuckLake, Postgres catalog", "skipped: no Postgres binaries (initdb, pg_ctl)"))
    for label, (before, after) in maintained:
        rows.append(
            (
                f"{label}, {args.maintenance} loads",
                f"{before['files']} data files, {before['snapshots']} snapshots, "
                f"mart query {before['read'] * 1000:.0f} ms",
            )
        )
        rows.append(
            (
                f"{label}, after maintenance",
                f"{after['files']} data files, {after['snapshots']} snapshots, "
                f"mart query {after['read'] * 1000:.0f} ms "
                f"({before['read'] / after['read']:.1f}x faster); the pass took {after['took']:.1f} s, "
                "rows unchanged",
            )
        )
    print("\nLake benchmark")
    print(_common.table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
