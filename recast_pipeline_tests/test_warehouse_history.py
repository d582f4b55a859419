"""Every model version kept: a refit moves the replaced rows into <schema>_history, atomically."""

import pytest
from warehouse_loads import area, load, rows, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.warehouse.errors import SchemaConflictError
from recast_pipeline.warehouse.options import HISTORY_VERSIONS_ENV
from recast_pipeline.warehouse.warehouse import Warehouse

TOTAL = "Channel,Spend ($)\nTV,{tv}\nRadio,{radio}\n"
HISTORY = "compute_spend_summary_history.tables_total"


def total(tv=100.0, radio=50.0):
    return {"tables-total": TOTAL.format(tv=tv, radio=radio)}


def refit(area, warehouse, tmp_path, version, files=None, **kwargs):
    """Load 2024-01-01 of dashboard revenue from model version (deployment_id, model_date)."""
    deployment_id, model_date = version
    return load(
        area,
        warehouse,
        tmp_path,
        files or total(),
        deployment_id=deployment_id,
        model_date=model_date,
        report_id=deployment_id * 10 + len(str(model_date)),
        **kwargs,
    )


OLD, NEW, NEWER = (5715, "2024-04-30"), (5716, "2024-05-31"), (5716, "2024-06-30")


def test_a_refit_keeps_the_replaced_rows_with_their_lineage(area, warehouse, tmp_path):
    refit(area, warehouse, tmp_path, OLD, total(tv=100.0))
    result = refit(area, warehouse, tmp_path, NEW, total(tv=120.0))
    assert (result.replaced_rows, result.superseded_rows) == (2, 2)
    kept = rows(
        warehouse,
        f"SELECT dashboard, deployment_id, model_date, partition_key, channel, spend, download_key, "
        f"superseded_at IS NOT NULL FROM {HISTORY} ORDER BY channel",
    )
    assert kept == [
        ("revenue", 5715, "2024-04-30", "2024-01-01", "Radio", 50.0, "tables-total", True),
        ("revenue", 5715, "2024-04-30", "2024-01-01", "TV", 100.0, "tables-total", True),
    ]
    assert rows(
        warehouse, "SELECT DISTINCT deployment_id, spend FROM compute_spend_summary.tables_total WHERE channel = 'TV'"
    ) == [(5716, 120.0)]
    columns = [
        c
        for (c,) in rows(
            warehouse,
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'compute_spend_summary_history' ORDER BY "
            "column_index",
        )
    ]
    assert columns[-8:] == [
        "dashboard",
        "deployment_id",
        "model_date",
        "partition_key",
        "report_id",
        "download_key",
        "loaded_at",
        "superseded_at",
    ]


def test_reloading_the_same_model_version_does_not_grow_history(area, warehouse, tmp_path):
    refit(area, warehouse, tmp_path, OLD)
    result = refit(area, warehouse, tmp_path, OLD)
    assert (result.replaced_rows, result.superseded_rows) == (2, 0)
    assert warehouse.tables("compute_spend_summary_history") == []
    refit(area, warehouse, tmp_path, NEW)
    refit(area, warehouse, tmp_path, NEW)
    assert rows(warehouse, f"SELECT count(*) FROM {HISTORY}") == [(2,)]


def test_a_version_archived_again_replaces_its_older_copy(area, warehouse, tmp_path):
    refit(area, warehouse, tmp_path, OLD, total(tv=1.0))
    refit(area, warehouse, tmp_path, NEW, total(tv=2.0))
    refit(area, warehouse, tmp_path, OLD, total(tv=3.0))  # back to a pinned older deployment
    refit(area, warehouse, tmp_path, NEW, total(tv=4.0))
    kept = rows(warehouse, f"SELECT deployment_id, spend FROM {HISTORY} WHERE channel = 'TV' ORDER BY 1")
    assert kept == [(5715, 3.0), (5716, 2.0)]


def test_other_partitions_and_dashboards_are_untouched(area, warehouse, tmp_path):
    refit(area, warehouse, tmp_path, OLD)
    refit(area, warehouse, tmp_path, OLD, key="2024-02-01")
    refit(area, warehouse, tmp_path, OLD, dashboard="signups")
    refit(area, warehouse, tmp_path, NEW)
    assert rows(warehouse, f"SELECT DISTINCT dashboard, partition_key FROM {HISTORY}") == [("revenue", "2024-01-01")]
    assert rows(
        warehouse,
        "SELECT dashboard, partition_key, deployment_id FROM compute_spend_summary.tables_total "
        "GROUP BY ALL ORDER BY ALL",
    ) == [("revenue", "2024-01-01", 5716), ("revenue", "2024-02-01", 5715), ("signups", "2024-01-01", 5715)]


def test_retention_keeps_the_last_n_superseded_versions_per_dashboard(area, tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", history_versions=1)
    for version in (OLD, NEW, NEWER):
        refit(area, warehouse, tmp_path, version)
    refit(area, warehouse, tmp_path, OLD, dashboard="signups")
    refit(area, warehouse, tmp_path, NEW, dashboard="signups")
    assert rows(warehouse, f"SELECT DISTINCT dashboard, deployment_id, model_date FROM {HISTORY} ORDER BY 1") == [
        ("revenue", 5716, "2024-05-31"),
        ("signups", 5715, "2024-04-30"),
    ]


def test_retention_from_the_environment_and_zero_keeps_none(area, tmp_path, monkeypatch):
    monkeypatch.setenv(HISTORY_VERSIONS_ENV, "0")
    warehouse = Warehouse(tmp_path / "w.duckdb")
    assert warehouse.history_versions == 0
    refit(area, warehouse, tmp_path, OLD)
    assert refit(area, warehouse, tmp_path, NEW).superseded_rows == 0
    assert warehouse.tables("compute_spend_summary_history") == []
    monkeypatch.setenv(HISTORY_VERSIONS_ENV, "all")
    assert Warehouse(tmp_path / "w.duckdb").history_versions is None
    monkeypatch.setenv(HISTORY_VERSIONS_ENV, "-1")
    with pytest.raises(ValueError, match=HISTORY_VERSIONS_ENV):
        Warehouse(tmp_path / "w.duckdb")


def test_history_tables_evolve_with_the_live_table(area, warehouse, tmp_path):
    refit(area, warehouse, tmp_path, OLD, {"tables-total": "Channel,Spend,Note\nTV,1,7\n"})
    refit(area, warehouse, tmp_path, NEW, {"tables-total": "Channel,Spend,Note,Clicks\nTV,2.5,2024-01-09,3\n"})
    refit(area, warehouse, tmp_path, NEWER, {"tables-total": "Channel,Spend,Note,Clicks\nTV,3,x,4\n"})
    types = dict(
        rows(
            warehouse,
            "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'compute_spend_summary_history'",
        )
    )
    assert (types["spend"], types["note"], types["clicks"]) == ("DOUBLE", "VARCHAR", "BIGINT")
    kept = rows(warehouse, f"SELECT deployment_id, model_date, spend, note, clicks FROM {HISTORY} ORDER BY model_date")
    assert kept == [(5715, "2024-04-30", 1.0, "7", None), (5716, "2024-05-31", 2.5, "2024-01-09", 3)]


def test_a_failing_load_keeps_the_history_as_it_was(area, warehouse, tmp_path):
    refit(area, warehouse, tmp_path, OLD, {"tables-total": "Channel,Spend\nTV,1\n"})
    refit(area, warehouse, tmp_path, OLD, {"tables-total": "Channel,Spend\nTV,1\n"}, key="2024-02-01")
    with pytest.raises(SchemaConflictError):  # text into a numeric column that other partitions fill
        refit(
            area, warehouse, tmp_path, NEW, {"tables-total": "Channel,Spend\nTV,2024-01-01\n", "tables-daily": "a\n1\n"}
        )
    assert warehouse.tables("compute_spend_summary_history") == []
    assert rows(warehouse, "SELECT deployment_id, spend FROM compute_spend_summary.tables_total") == [
        (5715, 1),
        (5715, 1),
    ]
