"""Maintenance keeps every row and every model version, and compacts a DuckLake (run again on the lakes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from warehouse_loads import area, load, rows, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.lock import Deadline, writer_lock
from recast_pipeline.warehouse.warehouse import Warehouse

DAILY = "Date,Channel,Spend ($)\n{month}-01,TV,{a}\n{month}-02,Radio,{b}\n"
TOTAL = "Channel,Spend ($)\nTV,{a}\nRadio,{b}\n"


def everything(warehouse) -> dict[str, list]:
    """Every base table's rows, sorted (meta, marts, reports and their history)."""
    tables = rows(
        warehouse,
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY ALL",
    )
    return {f"{s}.{t}": rows(warehouse, f'SELECT * FROM "{s}"."{t}" ORDER BY ALL') for s, t in tables}


def load_versions(area, warehouse, tmp_path):
    """Three months, each loaded from three model versions: history in every table, many files."""
    report_id = 0
    for version, model_date in enumerate(("2024-04-30", "2024-05-31", "2024-06-30")):
        for month in ("2024-01", "2024-02", "2024-03"):
            report_id += 1
            values = {"month": month, "a": 10.0 + version, "b": 5.5 * (version + 1)}
            files = {"tables-daily": DAILY.format(**values), "tables-total": TOTAL.format(**values)}
            load(
                area,
                warehouse,
                tmp_path,
                files,
                key=f"{month}-01",
                report_id=report_id,
                model_date=model_date,
                channels=("TV", "Radio"),
            )


def test_maintenance_keeps_every_row_and_every_model_version(area, warehouse, tmp_path):
    load_versions(area, warehouse, tmp_path)
    before = everything(warehouse)
    assert len(before["recast_marts.channel_spend_history"]) == 2 * 4 * 3  # two earlier versions, 4 rows, 3 months
    report = warehouse.maintain(retention_days=0, cleanup_after=timedelta(0))
    assert everything(warehouse) == before
    if report.target == "ducklake":
        assert report.files_after < report.files_before and report.snapshots_after < report.snapshots_before
        assert report.snapshots_after >= 1
    else:
        assert report == type(report)("file", ("checkpoint",))
    load(area, warehouse, tmp_path, {"tables-total": TOTAL.format(a=1, b=2)}, key="2024-04-01", report_id=99)
    assert rows(
        warehouse, "SELECT count(*) FROM compute_spend_summary.tables_total WHERE partition_key = '2024-04-01'"
    ) == [(2,)]


def test_maintenance_of_nothing_yet_does_nothing(tmp_path):
    report = Warehouse(tmp_path / "none.duckdb").maintain()
    assert report.actions == () and not (tmp_path / "none.duckdb").exists()


def test_maintenance_waits_for_the_writer_a_load_holds(area, warehouse, tmp_path):
    load_versions(area, warehouse, tmp_path)
    busy = Warehouse(warehouse.path, lock_timeout=0.3)
    with writer_lock(warehouse.path, Deadline(5)):  # a load in progress in another process
        with pytest.raises(WarehouseError):
            busy.maintain()
    assert busy.maintain().actions == ("checkpoint",)
