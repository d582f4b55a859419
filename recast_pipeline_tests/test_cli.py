"""The command line a newcomer uses: SQL, the catalog listing (the demo end to end: test_e2e_newcomer)."""

from __future__ import annotations

import duckdb

from recast_pipeline.cli import main


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
