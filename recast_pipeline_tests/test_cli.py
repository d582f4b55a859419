"""The command line a newcomer uses: the demo end to end, SQL, the catalog listing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from recast_pipeline.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_report_types_lists_every_type_with_its_inputs(capsys):
    assert main(["report-types"]) == 0
    out = capsys.readouterr().out
    assert "compute_fixed_spend_performance" in out and "include_lower_funnel_effects:bool_string" in out
    assert "alias: compute_waterfall_summary -> compute_insights_overview" in out
    assert len([line for line in out.splitlines() if line.startswith(("compute_", "compare_"))]) == 24


def test_sql_prints_a_table_and_csv(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT 'Paid Social' AS channel, 1.5 AS roi UNION ALL SELECT 'Linear, TV', NULL")
    assert main(["sql", "SELECT * FROM t ORDER BY channel", "--warehouse", str(path)]) == 0
    table = capsys.readouterr().out
    assert "channel" in table and "Paid Social" in table and "NULL" in table and "(2 rows)" in table
    assert main(["sql", "SELECT * FROM t ORDER BY channel", "--warehouse", str(path), "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["channel,roi", '"Linear, TV",', "Paid Social,1.5"]


def test_sql_on_a_missing_warehouse_says_what_to_do(tmp_path, capsys):
    assert main(["sql", "SELECT 1", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "recast-pipeline demo" in capsys.readouterr().err


def test_demo_runs_end_to_end_and_leaves_runs_for_dagster_dev(tmp_path):
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "DAGSTER_HOME"))}
    out = subprocess.run(
        [sys.executable, "-m", "recast_pipeline.cli", "demo", "--months", "1", "--latency", "0.3"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert out.stdout.count("recast_monthly_reports_job: success") == 2  # one per dashboard
    assert out.stdout.count("recast_dashboard_reports_job: success") == 2
    assert "Loaded 47 report partitions" in out.stdout  # signups' model has no context variables: 23 + 24
    assert "compute_context_variable_summary [signups|" in out.stderr and "no context variables" in out.stderr
    assert "Total ROI per channel" in out.stdout and "Paid Social" in out.stdout
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
    assert any((tmp_path / ".dagster_home" / "storage").iterdir())  # runs persisted for `dagster dev`
