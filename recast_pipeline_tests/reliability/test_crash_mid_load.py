"""Group 5: the process is SIGKILLed while it lands and loads a partition that already has data."""

from __future__ import annotations

import os
import time

import duckdb
import pytest

from .helpers import SPEND, Child, Pipeline, failure_text, published_parquet

MONTH = "2026-09-01"
TABLES = ("tables_daily", "tables_weekly", "tables_monthly", "tables_total")


def _warehouse_report_ids(pipeline) -> set[int]:
    ids = set()
    for table in TABLES:
        ids |= {r for (r,) in pipeline.rows(f"SELECT DISTINCT report_id FROM compute_spend_summary.{table}")}
    ids |= {r for (r,) in pipeline.rows("SELECT report_id FROM recast_meta.reports")}
    return ids


def _parquet_report_ids(data_dir) -> set[int]:
    """What an analyst globbing each table's published folder reads."""
    ids = set()
    for table in TABLES:
        glob = str(data_dir / "parquet" / "compute_spend_summary" / table / "**" / "*.parquet")
        ids |= {r for (r,) in duckdb.sql(f"SELECT DISTINCT report_id FROM read_parquet('{glob}')").fetchall()}
    return ids


def _row_counts(pipeline) -> dict[str, int]:
    return {t: pipeline.rows(f"SELECT count(*) FROM compute_spend_summary.{t}")[0][0] for t in TABLES}


@pytest.mark.parametrize("point", ["before_land", "inside_load", "before_publish"])
def test_killed_mid_load_leaves_old_or_new_never_half_and_the_rerun_completes(sim, tmp_path, point):
    data_dir = tmp_path / "data"
    pipeline = Pipeline(sim, data_dir)
    assert pipeline.run(SPEND, month=MONTH).success
    [old_report] = _warehouse_report_ids(pipeline)
    counts = _row_counts(pipeline)
    sim.refresh_model(5716)  # new numbers: the next materialization needs a new report

    marker = tmp_path / "paused"
    child = Child(
        sim,
        data_dir,
        {
            "job": "recast_monthly_reports_job",
            "partition": MONTH,
            "assets": ["compute_spend_summary"],
            "pause": point,
            "marker": str(marker),
        },
    )
    child.wait_for(marker.exists, f"the child to pause at {point}")
    child.kill()
    new_report = max(r.id for r in sim.store.made("compute_spend_summary"))
    assert new_report != old_report

    # old or new, each as a whole: one report's rows in every table, nothing half-replaced
    expected = {new_report} if point == "before_publish" else {old_report}
    assert _warehouse_report_ids(pipeline) == expected
    assert _row_counts(pipeline) == counts
    assert _parquet_report_ids(data_dir) == {old_report}  # nothing was published
    assert all(".staging" not in str(p) and not p.name.startswith(".") for p in _published(data_dir))

    _age_leftovers(data_dir)  # as if the crash were hours ago: the sweep may take the dead run's folders
    result = pipeline.run(SPEND, month=MONTH)
    assert result.success, failure_text(result)
    assert sim.stats()["creates"] == 2  # the re-run reused the dead run's report
    assert _warehouse_report_ids(pipeline) == {new_report} == _parquet_report_ids(data_dir)
    assert _row_counts(pipeline) == counts
    leftovers = [p for p in (data_dir / "parquet").rglob("*") if p.is_file() and p.suffix not in (".parquet", ".lock")]
    assert leftovers == []  # no CSV, .part or .tmp of the dead run anywhere under the data folder


def _published(data_dir):
    return published_parquet(data_dir)


def _age_leftovers(data_dir):
    old = time.time() - 2 * 3600
    for entry in (data_dir / "parquet").glob(".*"):
        for path in [entry, *entry.rglob("*")]:
            os.utime(path, (old, old))
