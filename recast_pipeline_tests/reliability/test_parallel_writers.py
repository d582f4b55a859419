"""Group 8: several processes load into one DuckDB file; an analyst holds it open meanwhile."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .helpers import SPEND, Child, Pipeline, failure_text, parquet_files, warehouse_snapshot

RUNS = [
    {"job": "recast_monthly_reports_job", "partition": "2026-07-01", "assets": ["compute_spend_summary"]},
    {"job": "recast_monthly_reports_job", "partition": "2026-08-01", "assets": ["compute_spend_summary"]},
    {"job": "recast_monthly_reports_job", "partition": "2026-07-01", "assets": ["compute_baseline_summary"]},
    {"job": "recast_monthly_reports_job", "partition": "2026-08-01", "assets": ["compute_marketing_vs_baseline"]},
    {"job": "recast_dashboard_reports_job", "partition": "revenue", "assets": ["compute_model_configuration"]},
]

ANALYST = textwrap.dedent(
    """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    before = con.execute("SELECT count(*) FROM compute_spend_summary.tables_daily").fetchone()[0]
    print("ready", before, flush=True)
    time.sleep(float(sys.argv[2]))
    print("still", con.execute("SELECT count(*) FROM compute_spend_summary.tables_daily").fetchone()[0], flush=True)
    con.close()
    """
)


def test_five_processes_materialize_into_one_duckdb_file_at_once(sim, tmp_path):
    data_dir, go = tmp_path / "data", tmp_path / "go"
    children = [Child(sim, data_dir, {**plan, "go": str(go)}) for plan in RUNS]
    go.touch()
    results = [child.wait() for child in children]

    assert [r["success"] for r in results] == [True] * len(RUNS), [r["failures"] for r in results]
    pipeline = Pipeline(sim, data_dir)
    loaded = pipeline.rows("SELECT report_type, partition_key FROM recast_meta.reports ORDER BY 1, 2")
    assert loaded == sorted((p["assets"][0], p["partition"]) for p in RUNS)
    assert sim.stats()["creates"] == len(RUNS) - 1  # model configuration: Recast's pre-rendered report
    daily = pipeline.rows(
        "SELECT partition_key, count(*) FROM compute_spend_summary.tables_daily GROUP BY 1 ORDER BY 1"
    )
    assert [(k, n > 0) for k, n in daily] == [("2026-07-01", True), ("2026-08-01", True)]
    recorded = dict(
        pipeline.rows("SELECT schema_name || '.' || table_name, sum(row_count) FROM recast_meta.downloads GROUP BY 1")
    )
    for table, rows in recorded.items():  # every table holds exactly what the loads recorded
        assert pipeline.rows(f"SELECT count(*) FROM {table}")[0][0] == rows


def _analyst(path, seconds):
    process = subprocess.Popen(
        [sys.executable, "-c", ANALYST, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().split()
    assert line[0] == "ready", process.stderr.read()
    return process, int(line[1])


def test_analyst_connection_during_a_load_is_waited_out(sim, tmp_path):
    pipeline = Pipeline(sim, tmp_path / "data")
    assert pipeline.run(SPEND, month="2026-08-01").success
    analyst, seen = _analyst(pipeline.warehouse_path, 1.5)
    result = pipeline.run(SPEND, month="2026-09-01")
    out, _ = analyst.communicate(timeout=30)

    assert result.success, failure_text(result)
    assert analyst.returncode == 0 and out.split() == ["still", str(seen)]  # a stable view while it was open
    [event] = result.get_asset_materialization_events()
    assert event.event_specific_data.materialization.metadata["recast/lock_wait_seconds"].value > 0
    assert {k for (k,) in pipeline.rows("SELECT partition_key FROM recast_meta.reports")} == {
        "2026-08-01",
        "2026-09-01",
    }


def test_analyst_holding_the_file_too_long_fails_the_step_clearly_and_corrupts_nothing(sim, tmp_path):
    pipeline = Pipeline(sim, tmp_path / "data")
    assert pipeline.run(SPEND, month="2026-08-01").success
    before = warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)
    analyst, _ = _analyst(pipeline.warehouse_path, 60)
    try:
        pipeline.lock_timeout = 1.0
        result = pipeline.run(SPEND, month="2026-09-01")
    finally:
        analyst.kill()
        analyst.communicate()

    assert not result.success
    text = failure_text(result)
    assert f"process {analyst.pid}" in text and "busy" in text and "gave up after waiting" in text
    assert (warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)) == before
    assert [p for p in (pipeline.data_dir / "parquet" / ".staging").iterdir() if p.is_dir()] == []

    pipeline.lock_timeout = 30.0
    retried = pipeline.run(SPEND, month="2026-09-01")  # the analyst is gone: the re-run loads
    assert retried.success and sim.stats()["creates"] == 2
