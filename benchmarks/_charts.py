"""What drawing a partition's charts costs (``overhead.py --charts``).

A warehouse is filled through Dagster (in process, against the simulator): ``--chart-months``
months of the five report types that get charts (spend, insights, model fit, baseline,
marketing vs baseline), then a refit of the last month's spend and insights (their refit charts).
Then, in a fresh interpreter, ``partition_charts`` runs for every loaded partition ``--repeat``
times: the first call pays matplotlib's import (once per run process), the rest is the per-partition
cost. Finally the same run is timed with and without charts in one process (alternated, medians):
what charts add to a run, per partition.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import _common

TYPES = (
    "compute_spend_summary",
    "compute_insights_overview",
    "compute_in_sample_model_fit",
    "compute_baseline_summary",
    "compute_marketing_vs_baseline",
)
PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import recast_pipeline.charts.draw
recast_pipeline.charts.draw.warm_up()  # what a run does on a side thread while Recast computes
imported = time.perf_counter() - t0
from recast_pipeline.charts.partition import partition_charts
from recast_pipeline.warehouse.warehouse import Warehouse
warehouse, repeat = Warehouse(sys.argv[1]), int(sys.argv[2])
with warehouse.reading() as con:
    parts = con.execute("SELECT report_type, dashboard, partition_key, "
                        "(SELECT count(*) FROM recast_meta.refit_changes c WHERE c.report_type = r.report_type "
                        " AND c.partition_key = r.partition_key) > 0 FROM recast_meta.reports r ORDER BY ALL"
                        ).fetchall()
    begun = time.perf_counter()
    report_type, dashboard, key, refit = parts[-1]
    partition_charts(con, report_type, dashboard, key, refit=refit)
    first = time.perf_counter() - begun
    times, sizes = {}, []
    for _ in range(repeat):
        for report_type, dashboard, key, refit in parts:
            begun = time.perf_counter()
            charts = partition_charts(con, report_type, dashboard, key, refit=refit)
            times.setdefault(f"{report_type}|{key}", []).append(time.perf_counter() - begun)
            sizes += [len(c.png) for c in charts if c.drawn]
summary = {"import": imported, "first": imported + first, "times": times, "max_png": max(sizes)}
print(json.dumps({**summary, "charts": len(sizes) // repeat}))
"""


def _fill(data_dir: Path, months: list[str]):
    """The warehouse and a function that runs one month's five types again (charts on or off)."""
    import dagster as dg

    from recast_pipeline.cli.local_env import sync_dashboards
    from recast_pipeline.orchestration import charts
    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.jobs import MONTHLY_JOB
    from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME, Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
    from recast_pipeline.simulator.config import SimulatorConfig
    from recast_pipeline.simulator.server import serve_in_thread

    sim_cm = serve_in_thread(SimulatorConfig(latency=0.05, jitter=0.0, log_level="error"))
    sim = sim_cm.__enter__()
    recast = RecastResource(
        base_url=sim.base_url,
        client_slug=sim.client_slug,
        token=sim.token,
        poll_interval=0.2,
        ledger_path=str(data_dir / "ledger.sqlite"),
    )
    defs = build_definitions(Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=str(data_dir)))
    instance = dg.DagsterInstance.ephemeral()
    sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, ["revenue"])
    job = defs.resolve_job_def(MONTHLY_JOB)
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

    def run(keys, types=TYPES, drawn=True) -> float:
        original = charts.partition_chart_metadata
        if not drawn:
            charts.partition_chart_metadata = lambda *args: {}
        try:
            begun = time.perf_counter()
            tags = {
                "dagster/asset_partition_range_start": f"revenue|{keys[0]}",
                "dagster/asset_partition_range_end": f"revenue|{keys[-1]}",
            }
            result = job.execute_in_process(
                instance=instance,
                run_config=quiet,
                tags=tags,
                raise_on_error=True,
                asset_selection=[dg.AssetKey(["recast", t]) for t in types],
            )
            assert result.success
            return time.perf_counter() - begun
        finally:
            charts.partition_chart_metadata = original

    run(months)
    sim.refresh_model("revenue")
    run(months[-1:], TYPES[:2])
    return run, sim_cm


def measure(repeat: int, month_count: int) -> list[tuple[str, str]]:
    months = [f"2026-{m:02d}-01" for m in range(10 - month_count, 10)]
    with tempfile.TemporaryDirectory(prefix="recast-charts-") as scratch:
        data_dir = Path(scratch)
        run, sim_cm = _fill(data_dir, months)
        try:
            probe = subprocess.run(
                [sys.executable, "-c", PROBE, str(data_dir / "warehouse.duckdb"), str(repeat)],
                capture_output=True,
                text=True,
                check=True,
                cwd=_common.REPO,
            )
            found = json.loads(probe.stdout.strip().splitlines()[-1])
            on, off = [], []
            for _ in range(repeat):  # alternated: what the charts add to a real run of 5 partitions
                off.append(run(months[-1:], drawn=False))
                on.append(run(months[-1:], drawn=True))
        finally:
            sim_cm.__exit__(None, None, None)
    per_partition = [statistics.median(times) for times in found["times"].values()]
    by_type: dict[str, list[float]] = {}
    for name, times in found["times"].items():
        by_type.setdefault(name.split("|")[0], []).append(statistics.median(times))
    added = (statistics.median(on) - statistics.median(off)) / len(TYPES)
    return [
        (
            "partitions drawn",
            f"{len(per_partition)} ({found['charts']} charts; largest PNG {found['max_png'] / 1000:.0f} KB, limit 200 "
            "KB)",
        ),
        (
            "drawing per partition, median / max",
            f"{statistics.median(per_partition):.3f} s / {max(per_partition):.3f} s   target <= 0.5 s",
        ),
        *[(f"  {t}", f"{statistics.median(v):.3f} s") for t, v in sorted(by_type.items())],
        (
            "matplotlib import and fonts, once per process",
            f"{found['import']:.2f} s (a run does it while Recast computes); "
            f"then the first partition {found['first'] - found['import']:.2f} s",
        ),
        (
            "a run of 5 partitions, with / without charts",
            f"{statistics.median(on):.2f} s / {statistics.median(off):.2f} s "
            f"= {added:+.3f} s per partition (medians of {repeat})",
        ),
    ]


if __name__ == "__main__":
    print(_common.table(measure(3, 2)))
