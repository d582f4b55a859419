"""Load benchmark: a large clean-data CSV from the simulator into the warehouse, against plain DuckDB.

Our path is what a materialization does with a finished report (without Dagster): download the
CSV (``RecastClient.download``), land it as typed Parquet with lineage columns
(``recast_pipeline.landing``), load it in one transaction (``Warehouse.load_partition``) and
publish the Parquet. It runs through ``fetch_partitions`` for a ``compute_clean_data`` job, the
engine under the assets. The reference is DuckDB reading the same CSV, already on disk, straight
into a table of a fresh database file: ``CREATE TABLE t AS SELECT * FROM read_csv(...)``.

Each side runs in a fresh process, so its peak memory (``ru_maxrss``) is its own; the simulator
runs in this process. Medians of ``--repeat`` runs are printed. Three ratios: ours (download
included) to DuckDB's ingest of the local file; ours without the download (the simulator renders
the CSV in Python, so the download measures the simulator more than us), the target, also in CPU
seconds of all threads (steadier than wall time on a shared machine); and ours to a plain
download of the same CSV followed by DuckDB's ingest.

A third side shows the floor of our design in CPU seconds: the same two durable writes (Parquet
landing file, then the warehouse table in our storage format) with DuckDB's own lenient typing
instead of our strict one, with the seven lineage columns and without them.

    .venv/bin/python benchmarks/load.py                  # 1,000,000 rows
    .venv/bin/python benchmarks/load.py --rows 3000000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)

DEPLOYMENT = 5716
GIB = 1024**3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the clean_data CSV (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; medians are printed (default 3)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the CSV, Parquet and DuckDB files in this folder")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    from recast_pipeline.recast.client import RecastClient
    from recast_pipeline.simulator.config import SimulatorConfig
    from recast_pipeline.simulator.server import serve_in_thread

    with tempfile.TemporaryDirectory(prefix="recast-load-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        config = SimulatorConfig(latency=0.0, jitter=0.0, clean_data_rows=args.rows, log_level="error")
        with serve_in_thread(config) as sim:
            print(f"Simulator {sim.base_url}, clean_data with {args.rows:,} rows; machine: {_common.machine()}")
            csv_path = work / "clean_data.csv"
            with RecastClient(sim.base_url, sim.client_slug, sim.token) as client:
                # the very report our path will reuse: the deployment's pre-rendered clean data
                report = client.find_reusable({"deployment_id": DEPLOYMENT, "report_type": "compute_clean_data"})
                begun = time.monotonic()
                size = client.download(report.id, "clean_data", csv_path)
                download_seconds = time.monotonic() - begun
            spec = {"base_url": sim.base_url, "client_slug": sim.client_slug, "csv": str(csv_path)}
            env = {**os.environ, "RECAST_PAT": sim.token}
            ours, duck, floor = [], [], []
            for run in range(args.repeat):
                ours.append(child(dict(spec, side="ours", dir=str(work / f"ours-{run}")), env))
                duck.append(child(dict(spec, side="duckdb", dir=str(work / f"duckdb-{run}")), env))
                floor.append(child(dict(spec, side="floor", dir=str(work / f"floor-{run}")), env))
        print_report(args, size, download_seconds, ours, duck, floor)
    return 0


def child(spec: dict, env: dict) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# -- the two sides, each in its own process --------------------------------------------------------


def run_ours(spec: dict) -> dict:
    from recast_pipeline.landing.local_store import LandingArea
    from recast_pipeline.pipeline.fetch import FormPlanner, LandedPartition, PartitionJob, fetch_partitions
    from recast_pipeline.recast.client import RecastClient
    from recast_pipeline.warehouse.load_types import ReportLoad
    from recast_pipeline.warehouse.warehouse import Warehouse

    class TimedClient(RecastClient):
        """Times its downloads, to split our figure into download and the rest."""

        download_seconds = 0.0
        download_cpu = 0.0

        def download(self, *args, **kwargs):
            begun, begun_cpu = time.monotonic(), time.process_time()
            try:
                return super().download(*args, **kwargs)
            finally:
                self.download_seconds += time.monotonic() - begun
                self.download_cpu += time.process_time() - begun_cpu

    folder = Path(spec["dir"])
    warehouse = Warehouse(folder / "warehouse.duckdb")
    with TimedClient(spec["base_url"], spec["client_slug"], os.environ["RECAST_PAT"], poll_interval=1.0) as client:
        deployment = client.get_deployment(DEPLOYMENT)
        form = FormPlanner(client).form("compute_clean_data", deployment, None, {})
        job = PartitionJob(
            "compute_clean_data",
            deployment.dashboard,
            DEPLOYMENT,
            deployment.model_date,
            deployment.dashboard,
            form,
            label="load benchmark",
        )
        begun, begun_cpu = time.monotonic(), time.process_time()
        [landed] = list(fetch_partitions(client, LandingArea(folder / "parquet"), [job]))
        if not isinstance(landed, LandedPartition):
            raise RuntimeError(f"clean_data did not land: {landed.error}")
        fetched, fetched_cpu = time.monotonic(), time.process_time()
        report = landed.report
        result = warehouse.load_partition(
            ReportLoad(
                report.id,
                job.report_type,
                job.dashboard,
                DEPLOYMENT,
                job.model_date,
                job.partition_key,
                report.name,
                report.status,
                report.prerendered,
                dict(report.form or form),
                report.created_at,
                report.updated_at,
            ),
            landed.stage.tables,
        )
        landed.stage.publish()
        done, done_cpu = time.monotonic(), time.process_time()
    return {
        "seconds": done - begun,
        "fetch_land": fetched - begun,
        "load": done - fetched,
        "rows": result.rows,
        "download": client.download_seconds,
        "cpu": done_cpu - begun_cpu - client.download_cpu,
        "land_cpu": fetched_cpu - begun_cpu - client.download_cpu,
        "load_cpu": done_cpu - fetched_cpu,
        "columns": len(warehouse.query('SELECT * FROM "compute_clean_data"."clean_data" LIMIT 0')[0]),
    }


def run_duckdb(spec: dict) -> dict:
    import duckdb

    folder = Path(spec["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    begun, begun_cpu = time.monotonic(), time.process_time()
    with duckdb.connect(str(folder / "plain.duckdb")) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [spec["csv"]])
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        columns = len(con.execute("SELECT * FROM t LIMIT 0").description)
    return {
        "seconds": time.monotonic() - begun,
        "cpu": time.process_time() - begun_cpu,
        "rows": rows,
        "columns": columns,
    }


def run_floor(spec: dict) -> dict:
    """Our two writes without our typing: read_csv's own types -> Parquet -> a table in our format."""
    import duckdb

    from recast_pipeline.warehouse.options import DEFAULT_STORAGE_VERSION
    from recast_pipeline.warehouse.targets.base import WRITER_CONFIG

    folder = Path(spec["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    lineage = (
        "'revenue' AS dashboard, 5716::BIGINT AS deployment_id, '2024-05-31' AS model_date, "
        "'revenue' AS partition_key, 1::BIGINT AS report_id, 'clean_data' AS download_key, "
        "now()::TIMESTAMPTZ AS loaded_at"
    )
    csv = "'" + spec["csv"].replace("'", "''") + "'"
    figures = {}
    for label, extra in (("with_lineage", f", {lineage}"), ("without_lineage", "")):
        parquet, table = folder / f"{label}.parquet", folder / f"{label}.duckdb"
        begun_cpu = time.process_time()
        with duckdb.connect(config={"preserve_insertion_order": False, "memory_limit": "512MB"}) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute(
                f"COPY (SELECT *{extra} FROM read_csv({csv})) TO '{parquet}' (FORMAT parquet, "
                "COMPRESSION snappy, ROW_GROUP_SIZE_BYTES '16MB')"
            )
        config = {**WRITER_CONFIG, "storage_compatibility_version": DEFAULT_STORAGE_VERSION}
        with duckdb.connect(str(table), config=config) as con:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{parquet}')")
        figures[label] = time.process_time() - begun_cpu
    return figures


def child_main(spec: dict) -> int:
    sides = {"ours": run_ours, "duckdb": run_duckdb, "floor": run_floor}
    figures = sides[spec["side"]](spec)
    figures["peak_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps(figures))
    return 0


# -- the figures ------------------------------------------------------------------------------------


def print_report(
    args, size: int, download_seconds: float, ours: list[dict], duck: list[dict], floor: list[dict]
) -> None:
    def median(runs, key):
        return statistics.median(r[key] for r in runs)

    ours_s, duck_s = median(ours, "seconds"), median(duck, "seconds")
    ours_download = median(ours, "download")
    rest = statistics.median(r["seconds"] - r["download"] for r in ours)
    peak = max(r["peak_bytes"] for r in ours)
    rows = [
        (
            "CSV",
            f"{size / 1e6:.0f} MB, {ours[0]['rows']:,} rows, {duck[0]['columns']} columns "
            f"({ours[0]['columns']} in our table with lineage)",
        ),
        ("runs per side", f"{args.repeat} (medians)"),
        ("ours: download", f"{ours_download:.2f} s  (a plain download of it: {download_seconds:.2f} s)"),
        (
            "ours: reuse lookup + CSV -> Parquet",
            f"{median(ours, 'fetch_land') - ours_download:.2f} s   CPU {median(ours, 'land_cpu'):.2f} s",
        ),
        ("ours: warehouse load", f"{median(ours, 'load'):.2f} s   CPU {median(ours, 'load_cpu'):.2f} s"),
        ("ours: total", f"{ours_s:.2f} s   runs: " + ", ".join(f"{r['seconds']:.2f}" for r in ours)),
        ("duckdb read_csv -> table", f"{duck_s:.2f} s   runs: " + ", ".join(f"{r['seconds']:.2f}" for r in duck)),
        ("ours / duckdb", f"{ours_s / duck_s:.2f}   (download included)"),
        ("ours without download / duckdb", f"{rest / duck_s:.2f}   target <= 1.5"),
        (
            "  the same in CPU seconds",
            f"{median(ours, 'cpu'):.2f} / {median(duck, 'cpu'):.2f} = "
            f"{median(ours, 'cpu') / median(duck, 'cpu'):.2f}  (all threads; steadier than wall on a busy machine)",
        ),
        (
            "  floor: our two writes, DuckDB's typing",
            f"{median(floor, 'with_lineage'):.2f} s CPU = "
            f"{median(floor, 'with_lineage') / median(duck, 'cpu'):.2f} x duckdb; "
            f"without the 7 lineage columns {median(floor, 'without_lineage'):.2f} s = "
            f"{median(floor, 'without_lineage') / median(duck, 'cpu'):.2f} x",
        ),
        (
            "ours / (download + duckdb)",
            f"{ours_s / (download_seconds + duck_s):.2f}  (both sides fetch the CSV from the simulator)",
        ),
        ("ours: peak memory", f"{peak / 2**20:.0f} MiB   target <= 512 MiB"),
        ("duckdb: peak memory", f"{max(r['peak_bytes'] for r in duck) / 2**20:.0f} MiB"),
    ]
    print("\nLoad benchmark")
    print(_common.table(rows))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        raise SystemExit(child_main(json.loads(sys.argv[2])))
    raise SystemExit(main())
