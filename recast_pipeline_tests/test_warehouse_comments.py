"""Self-documenting warehouse: table, column and schema descriptions any SQL client shows."""

import pytest
from warehouse_loads import area, load, rows, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.warehouse.errors import SchemaConflictError

DAILY = "Date,Channel,Spend ($),Share %\n2024-01-01,TV,10.5,12.5\n"


def table_comment(warehouse, schema, table):
    return rows(
        warehouse, "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, table]
    )[0][0]


def column_comments(warehouse, schema, table):
    return dict(
        rows(
            warehouse,
            "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        )
    )


def test_tables_and_columns_say_what_they_are(area, warehouse, tmp_path):
    load(
        area,
        warehouse,
        tmp_path,
        {"tables-daily": DAILY},
        descriptions={"tables-daily": "Daily spend by channel (wide)"},
    )
    assert table_comment(warehouse, "compute_spend_summary", "tables_daily") == (
        "Daily spend by channel (wide). Recast report compute_spend_summary, download tables-daily."
    )
    comments = column_comments(warehouse, "compute_spend_summary", "tables_daily")
    assert comments["spend"] == "CSV column Spend ($)" and comments["share_pct"] == "CSV column Share %"
    assert comments["date"] == "CSV column Date"
    assert (
        comments["deployment_id"].startswith("Recast deployment (model)") and "model version" in comments["model_date"]
    )
    assert all(comments[name] for name in ("dashboard", "partition_key", "report_id", "download_key", "loaded_at"))


def test_pattern_tables_name_their_key_parts(area, warehouse, tmp_path):
    files = {
        f"summaries-{effect}-roi": ("Channel,Median\nTV,1.5\n", "summaries", {"effect": effect, "metric": "roi"})
        for effect in ("total", "direct")
    }
    descriptions = {"summaries-direct-roi": "Direct roi by channel", "summaries-total-roi": "Total roi by channel"}
    load(area, warehouse, tmp_path, files, report_type="compute_insights_overview", descriptions=descriptions)
    assert table_comment(warehouse, "compute_insights_overview", "summaries") == (
        "Recast report compute_insights_overview: 2 downloads, one per effect, metric (columns). "
        "E.g. summaries-direct-roi: Direct roi by channel."
    )
    comments = column_comments(warehouse, "compute_insights_overview", "summaries")
    assert comments["effect"] == "Part of the download key (effect), e.g. in summaries-direct-roi"


def test_schemas_history_and_meta_are_described(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, deployment_id=5715)
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=2)
    described = rows(warehouse, "SELECT schema_name, report_type, kind FROM recast_meta.schemas ORDER BY 1")
    assert described == [
        ("compute_spend_summary", "compute_spend_summary", "report"),
        ("compute_spend_summary_history", "compute_spend_summary", "history"),
        ("recast_marts", None, "marts"),
    ]
    assert "whether Recast sent its tables wide or long" in table_comment(warehouse, "recast_marts", "channel_spend")
    assert column_comments(warehouse, "recast_marts", "channel_spend")["grain"] == "daily, weekly, monthly or total"
    assert "Earlier model versions of compute_spend_summary.tables_daily" in table_comment(
        warehouse, "compute_spend_summary_history", "tables_daily"
    )
    history = column_comments(warehouse, "compute_spend_summary_history", "tables_daily")
    assert history["spend"] == "CSV column Spend ($)" and history["superseded_at"].startswith("When a re-load")
    assert rows(warehouse, "SELECT comment IS NOT NULL FROM duckdb_views() WHERE view_name = 'refit_changes'") == [
        (True,)
    ]
    assert rows(
        warehouse, "SELECT comment FROM duckdb_tables() WHERE schema_name = 'recast_meta' AND table_name = 'schemas'"
    )[0][0]


def test_comments_change_with_the_load_or_not_at_all(area, warehouse, tmp_path):
    load(
        area,
        warehouse,
        tmp_path,
        {"tables-daily": "Date,Spend\n2024-01-01,1\n"},
        descriptions={"tables-daily": "first"},
    )
    load(area, warehouse, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1\n"}, key="2024-02-01", report_id=2)
    with pytest.raises(SchemaConflictError):
        load(
            area,
            warehouse,
            tmp_path,
            {"tables-daily": "Date,Spend,Extra\n2024-01-01,x,1\n"},
            report_id=3,
            descriptions={"tables-daily": "second"},
        )
    assert table_comment(warehouse, "compute_spend_summary", "tables_daily").startswith(
        "about tables-daily."
    )  # the last good load
    assert "extra" not in column_comments(warehouse, "compute_spend_summary", "tables_daily")
