"""Warehouse loads: tables, replacement without duplicates, schema evolution, recast_meta, reading back."""

import json

import duckdb
import pandas as pd
import pytest
from warehouse_loads import DASH, DEP, MD, RT, area, load, rows, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.warehouse.errors import SchemaConflictError, WarehouseError
from recast_pipeline.warehouse.load_types import ReportLoad

DAILY = "Date,Channel,Spend ($),Clicks\n2024-01-01,TV,10.5,3\n2024-01-02,Radio,NA,4\n"


def test_first_load_creates_typed_tables_with_lineage(area, warehouse, tmp_path):
    result = load(area, warehouse, tmp_path, {"tables-daily": DAILY, "tables-total": "Channel,Spend\nTV,10.5\n"})
    assert result.created_tables == ("tables_daily", "tables_total") and result.rows == 3 and result.replaced_rows == 0
    assert warehouse.tables(RT) == ["tables_daily", "tables_total"]
    assert result.downloads[0].qualified_name == '"compute_spend_summary"."tables_daily"'
    types = dict(
        rows(
            warehouse, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tables_daily'"
        )
    )
    assert types == {
        "date": "DATE",
        "channel": "VARCHAR",
        "spend": "DOUBLE",
        "clicks": "BIGINT",
        "dashboard": "VARCHAR",
        "deployment_id": "BIGINT",
        "model_date": "VARCHAR",
        "partition_key": "VARCHAR",
        "report_id": "BIGINT",
        "download_key": "VARCHAR",
        "loaded_at": "TIMESTAMP WITH TIME ZONE",
    }
    assert rows(
        warehouse,
        "SELECT DISTINCT dashboard, deployment_id, model_date, partition_key, report_id, download_key FROM "
        "compute_spend_summary.tables_daily",
    ) == [("revenue", 5716, "2024-05-31", "2024-01-01", 1, "tables-daily")]


def test_reload_replaces_the_partition_only(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": DAILY, "tables-weekly": DAILY})
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, key="2024-02-01", report_id=2)
    result = load(area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=3)
    assert result.replaced_rows == 4  # daily and the weekly table that this report no longer produced
    counts = rows(
        warehouse,
        "SELECT partition_key, report_id, count(*) FROM compute_spend_summary.tables_daily GROUP BY ALL ORDER BY 1",
    )
    assert counts == [("2024-01-01", 3, 2), ("2024-02-01", 2, 2)]
    assert rows(warehouse, "SELECT count(*) FROM compute_spend_summary.tables_weekly") == [(0,)]
    assert rows(warehouse, "SELECT partition_key, report_id FROM recast_meta.reports ORDER BY 1") == [
        ("2024-01-01", 3),
        ("2024-02-01", 2),
    ]
    assert rows(warehouse, "SELECT count(*) FROM recast_meta.downloads WHERE partition_key = '2024-01-01'") == [(1,)]


def test_new_and_missing_columns_evolve_the_table(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n"})
    result = load(
        area, warehouse, tmp_path, {"tables-daily": "Date,Clicks\n2024-02-01,7\n"}, key="2024-02-01", report_id=2
    )
    assert result.added_columns == ("tables_daily.clicks",)
    got = rows(warehouse, "SELECT partition_key, spend, clicks FROM compute_spend_summary.tables_daily ORDER BY 1")
    assert got == [("2024-01-01", 1.5, None), ("2024-02-01", None, 7)]


def test_integers_widen_to_double_and_doubles_accept_integers(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,2\n"})
    result = load(
        area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-02-01,2.5\n"}, key="2024-02-01", report_id=2
    )
    assert result.altered_columns == ("tables_daily.spend: BIGINT -> DOUBLE",)
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-03-01,3\n"}, key="2024-03-01", report_id=3)
    assert rows(warehouse, "SELECT spend FROM compute_spend_summary.tables_daily ORDER BY date") == [
        (2.0,),
        (2.5,),
        (3.0,),
    ]
    assert rows(warehouse, "SELECT type FROM recast_meta.columns WHERE column_name = 'spend'") == [("DOUBLE",)]


def test_conflicting_type_loads_nothing_and_names_the_column(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,2\n"})
    with pytest.raises(SchemaConflictError) as caught:
        load(
            area,
            warehouse,
            tmp_path,
            {"tables-daily": "Date,Spend\n2024-02-01,2024-02-03\n", "tables-total": "a\n1\n"},
            key="2024-02-01",
            report_id=2,
        )
    message = str(caught.value)
    assert "compute_spend_summary.tables_daily.spend" in message and "BIGINT" in message and "DATE" in message
    assert rows(warehouse, "SELECT partition_key, spend FROM compute_spend_summary.tables_daily") == [("2024-01-01", 2)]
    assert warehouse.tables(RT) == ["tables_daily"]
    assert rows(warehouse, "SELECT report_id FROM recast_meta.reports") == [(1,)]


def test_reloading_the_only_partition_may_change_its_types(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Note\n2024-01-01,7\n"})
    result = load(area, warehouse, tmp_path, {"tables-daily": "Date,Note\n2024-01-01,2024-01-09\n"}, report_id=2)
    assert result.altered_columns == ("tables_daily.note: BIGINT -> DATE",)


def test_all_null_columns_take_the_first_real_type_and_text_columns_keep_text(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Roi,Label\n2024-01-01,NA,x\n"})
    load(
        area, warehouse, tmp_path, {"tables-daily": "Date,Roi,Label\n2024-02-01,1.5,7\n"}, key="2024-02-01", report_id=2
    )
    load(
        area, warehouse, tmp_path, {"tables-daily": "Date,Roi,Label\n2024-03-01,NA,NA\n"}, key="2024-03-01", report_id=3
    )
    types = dict(
        rows(
            warehouse, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tables_daily'"
        )
    )
    assert (types["roi"], types["label"]) == ("DOUBLE", "VARCHAR")
    assert rows(warehouse, "SELECT roi, label FROM compute_spend_summary.tables_daily ORDER BY date") == [
        (None, "x"),
        (1.5, "7"),
        (None, None),
    ]


def test_pattern_keys_share_one_table_with_part_columns(area, warehouse, tmp_path):
    files = {
        f"group_summaries-{group}-roi-summary_monthly": (
            "Month,ROI\n2024-01-01,1.5\n",
            "group_summaries",
            {"group_name": group, "metric": "roi"},
        )
        for group in ("Paid Social", "Search")
    }
    result = load(area, warehouse, tmp_path, files, report_type="compute_grouped_channel_summaries")
    assert result.tables == ("group_summaries",)
    assert rows(
        warehouse, "SELECT group_name, metric, roi FROM compute_grouped_channel_summaries.group_summaries ORDER BY 1"
    ) == [("Paid Social", "roi", 1.5), ("Search", "roi", 1.5)]


def test_meta_tables_describe_the_load(area, warehouse, tmp_path):
    result = load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    report = warehouse.query("SELECT * FROM recast_meta.reports")
    record = dict(zip(report[0], report[1][0]))
    assert record["report_id"] == 1 and record["status"] == "success" and record["name"] == "spend [fp:abc]"
    assert json.loads(record["form"]) == {"start_date": "2024-01-01"}
    assert (record["queued_seconds"], record["waited_seconds"], record["row_count"], record["download_count"]) == (
        1.5,
        180.0,
        2,
        1,
    )
    assert record["created_at"].isoformat().startswith("2024-02-01T10:00:00")
    columns, values = warehouse.query("SELECT * FROM recast_meta.downloads")
    download = dict(zip(columns, values[0]))
    assert download["description"] == "about tables-daily" and download["table_name"] == "tables_daily"
    assert download["parquet_path"] == result.downloads[0].parquet_path and download["row_count"] == 2
    assert [c["original"] for c in json.loads(download["columns"])] == ["Date", "Channel", "Spend ($)", "Clicks"]
    meta_columns = rows(
        warehouse, "SELECT column_name, original_header, kind FROM recast_meta.columns ORDER BY ordinal"
    )
    assert meta_columns[:3] == [
        ("date", "Date", "data"),
        ("channel", "Channel", "data"),
        ("spend", "Spend ($)", "data"),
    ]
    assert ("loaded_at", None, "lineage") in meta_columns


def test_previous_columns_track_what_each_load_brought(area, warehouse, tmp_path):
    assert warehouse.previous_columns(RT, "tables_daily") is None
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend,Clicks\n2024-01-01,1,2\n"})
    assert warehouse.previous_columns(RT, "tables_daily") is None
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-02-01,1\n"}, key="2024-02-01", report_id=2)
    assert warehouse.previous_columns(RT, "tables_daily") == ("date", "spend", "clicks")
    history = warehouse.column_history(RT, "tables_daily")
    assert [snapshot.columns for snapshot in history] == [("date", "spend"), ("date", "spend", "clicks")]
    assert history[0].report_id == 2 and history[0].partition_key == "2024-02-01"


def test_read_partition_round_trips_types(area, warehouse, tmp_path):
    assert warehouse.read_partition(RT, DASH, "2024-01-01") == {}
    load(area, warehouse, tmp_path, {"tables-daily": DAILY, "tables-total": "Channel,Spend\nTV,10.5\n"})
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, key="2024-02-01", report_id=2)
    frames = warehouse.read_partition(RT, DASH, "2024-01-01", include_lineage=False)
    assert list(frames) == ["tables_daily", "tables_total"]
    daily = frames["tables_daily"].sort_values("date").reset_index(drop=True)
    assert list(daily.columns) == ["date", "channel", "spend", "clicks"]
    assert pd.api.types.is_datetime64_any_dtype(daily["date"]) and daily["date"][0] == pd.Timestamp("2024-01-01")
    assert pd.api.types.is_float_dtype(daily["spend"]) and pd.api.types.is_integer_dtype(daily["clicks"])
    assert daily["spend"].isna().tolist() == [False, True] and daily["clicks"].tolist() == [3, 4]
    with_lineage = warehouse.read_partition(RT, DASH, "2024-02-01")["tables_daily"]
    assert set(with_lineage["report_id"]) == {2} and "loaded_at" in with_lineage.columns


def test_hostile_keys_and_headers_load_as_quoted_identifiers(area, warehouse, tmp_path):
    text = 'Date,"x""; DROP TABLE y; --",select,"from",%\n2024-01-01,1,2,3,4\n'
    keys = ['a"b; DROP SCHEMA recast_meta; --', "../../escape", "ünïcödé key", "select"]
    result = load(area, warehouse, tmp_path, {key: text for key in keys}, report_type="compute_x'; DROP TABLE t; --")
    assert result.schema == "compute_x_drop_table_t" and len(result.tables) == 4
    for table in result.tables:
        assert rows(warehouse, f'SELECT x_drop_table_y, "select", "from", pct FROM "{result.schema}"."{table}"') == [
            (1, 2, 3, 4)
        ]
    assert rows(warehouse, "SELECT count(*) FROM recast_meta.reports") == [(1,)]


def test_query_is_read_only_and_clear_without_a_file(tmp_path, area, warehouse):
    with pytest.raises(WarehouseError, match="no warehouse"):
        warehouse.query("SELECT 1")
    load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    assert warehouse.query("SELECT 41 + 1 AS answer") == (["answer"], [(42,)])
    with pytest.raises(duckdb.Error):
        warehouse.query("DELETE FROM compute_spend_summary.tables_daily")


def test_inputs_must_belong_to_the_report(area, warehouse, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(DAILY)
    with area.stage(RT, DASH, "2024-01-01") as stage:
        stage.land(path, download_key="tables-daily", lineage=Lineage(DASH, DEP, MD, "2024-01-01", 7))
        with pytest.raises(ValueError, match="another report"):
            warehouse.load_partition(ReportLoad(8, RT, DASH, DEP, MD, "2024-01-01"), stage.tables)


def test_empty_report_clears_the_partition(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    result = load(area, warehouse, tmp_path, {}, report_id=2)
    assert result.rows == 0 and result.replaced_rows == 2 and result.downloads == ()
    assert rows(warehouse, "SELECT report_id, download_count FROM recast_meta.reports") == [(2, 0)]
