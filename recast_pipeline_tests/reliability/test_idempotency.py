"""Group 13: re-running gives the same warehouse; an interrupted backfill finishes exactly once."""

from __future__ import annotations

from .helpers import BASELINE, MVB, SPEND, UNCERTAINTY, Child, Pipeline, failure_text, parquet_files, warehouse_snapshot

MONTHS = ("2026-06-01", "2026-09-01")
MONTH_KEYS = ["2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01"]
TYPES = ["compute_spend_summary", "compute_baseline_summary", "compute_marketing_vs_baseline"]


def _without_history(snapshot):
    """``recast_meta.load_history`` is append-only by design: one row per load, the column history."""
    return {table: rows for table, rows in snapshot.items() if table != "recast_meta.load_history"}


def test_same_partition_twice_gives_identical_warehouse_and_parquet(sim, tmp_path):
    pipeline = Pipeline(sim, tmp_path / "data")
    assert pipeline.run(SPEND, UNCERTAINTY, month="2026-09-01").success
    assert pipeline.run(dashboard="revenue").success
    first = warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)
    creates = sim.stats()["creates"]

    again = pipeline.run(SPEND, UNCERTAINTY, month="2026-09-01")
    again_deployment = pipeline.run(dashboard="revenue")

    assert again.success and again_deployment.success
    second = warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)
    assert _without_history(second[0]) == _without_history(first[0])  # every table, every row, but loaded_at
    assert second[1] == first[1]  # the same Parquet files with the same rows
    assert sim.stats()["creates"] == creates  # and no second Recast report
    history = second[0]["recast_meta.load_history"]
    assert len(history) == 2 * len(first[0]["recast_meta.load_history"])  # each load recorded, as history


def test_backfill_killed_half_way_and_relaunched_loads_every_partition_exactly_once(sim_factory, tmp_path):
    sim = sim_factory(latency=1.5, jitter=1.0)  # reports finish at different times
    data_dir, marker = tmp_path / "data", tmp_path / "paused"
    child = Child(
        sim,
        data_dir,
        {
            "job": "recast_monthly_reports_job",
            "range": MONTHS,
            "assets": TYPES,
            "pause": "after_first_asset",
            "marker": str(marker),
        },
    )
    child.wait_for(marker.exists, "the first asset of the backfill to be loaded")
    child.kill()  # half-way: one asset's months in the warehouse, the others landing or computing
    pipeline = Pipeline(sim, data_dir)
    half = {t for (t,) in pipeline.rows("SELECT DISTINCT report_type FROM recast_meta.reports")}
    assert len(half) == 1

    result = pipeline.run(SPEND, BASELINE, MVB, months=MONTHS)

    assert result.success, failure_text(result)
    loaded = pipeline.rows("SELECT report_type, partition_key, report_id FROM recast_meta.reports")
    assert sorted((t, k) for t, k, _ in loaded) == sorted((t, k) for t in TYPES for k in MONTH_KEYS)  # once each
    created = {(r.report_type, r.form["start_date"]): r.id for t in TYPES for r in sim.store.made(t)}
    assert sim.stats()["creates"] == len(created) == len(TYPES) * len(MONTH_KEYS)  # no duplicate Recast report
    assert {(t, k): r for t, k, r in loaded} == created
    for table, rows in pipeline.rows(
        "SELECT schema_name || '.' || table_name, sum(row_count) FROM recast_meta.downloads GROUP BY 1"
    ):
        per_partition = pipeline.rows(
            f"SELECT partition_key, count(DISTINCT report_id), count(*) FROM {table} GROUP BY 1"
        )
        assert sum(n for _, _, n in per_partition) == rows  # no duplicate rows
        assert all(reports == 1 for _, reports, _ in per_partition)
