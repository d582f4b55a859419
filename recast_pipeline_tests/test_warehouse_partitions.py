"""Partition identity (dashboard, partition_key): refreshes replace, dashboards stay apart, old files migrate."""

import duckdb
import pytest
from warehouse_loads import RT, area, load, rows, staged, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.landing.landed_types import Lineage

DAILY = "Date,Channel,Spend\n2024-01-01,TV,10.5\n2024-01-02,Radio,3\n"


def test_refresh_to_a_new_deployment_replaces_the_dashboards_partition(area, warehouse, tmp_path):
    first = load(
        area,
        warehouse,
        tmp_path,
        {"tables-daily": DAILY, "tables-weekly": DAILY},
        deployment_id=5715,
        model_date="2024-04-30",
    )
    second = load(
        area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=2, deployment_id=5716, model_date="2024-05-31"
    )
    assert (first.dashboard, second.dashboard, second.deployment_id, second.model_date) == (
        "revenue",
        "revenue",
        5716,
        "2024-05-31",
    )
    assert second.replaced_rows == 4
    assert rows(
        warehouse,
        "SELECT DISTINCT dashboard, deployment_id, model_date, report_id FROM compute_spend_summary.tables_daily",
    ) == [("revenue", 5716, "2024-05-31", 2)]
    assert rows(warehouse, "SELECT count(*) FROM compute_spend_summary.tables_weekly") == [(0,)]
    assert rows(warehouse, "SELECT dashboard, deployment_id, model_date, partition_key FROM recast_meta.reports") == [
        ("revenue", 5716, "2024-05-31", "2024-01-01")
    ]
    assert rows(warehouse, "SELECT DISTINCT dashboard, deployment_id, model_date FROM recast_meta.downloads") == [
        ("revenue", 5716, "2024-05-31")
    ]
    parquet = sorted(
        p.relative_to(area.root).as_posix() for p in area.root.rglob("*.parquet") if ".staging" not in p.parts
    )
    assert parquet == [f"{RT}/tables_daily/dashboard=revenue/partition_key=2024-01-01/tables-daily.parquet"]


def test_dashboards_with_the_same_key_stay_apart(area, warehouse, tmp_path):
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, dashboard="revenue", deployment_id=5716)
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=2, dashboard="signups", deployment_id=5717)
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=3, dashboard="signups", deployment_id=5717)
    counts = rows(
        warehouse,
        "SELECT dashboard, report_id, count(*) FROM compute_spend_summary.tables_daily GROUP BY ALL ORDER BY 1",
    )
    assert counts == [("revenue", 1, 2), ("signups", 3, 2)]
    assert set(warehouse.read_partition(RT, "signups", "2024-01-01")["tables_daily"]["report_id"]) == {3}
    assert warehouse.read_partition(RT, "5716", "2024-01-01") == {}


def test_lineage_requires_a_dashboard_and_a_text_model_date():
    with pytest.raises(TypeError, match="dashboard"):
        Lineage("", 5716, None, "2024-01-01", 1)
    with pytest.raises(TypeError, match="model_date"):
        Lineage("revenue", 5716, 20240531, "2024-01-01", 1)
    assert Lineage("revenue", 5716, None, "2024-01-01", 1).partition == ("revenue", "2024-01-01")


OLD_LAYOUT = """
CREATE SCHEMA recast_meta;
CREATE TABLE recast_meta.reports (report_id BIGINT, report_type VARCHAR, schema_name VARCHAR, deployment_id BIGINT,
    partition_key VARCHAR, name VARCHAR, status VARCHAR, prerendered BOOLEAN, form JSON, created_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ, queued_seconds DOUBLE, waited_seconds DOUBLE, download_count INTEGER, row_count BIGINT,
    loaded_at TIMESTAMPTZ);
CREATE TABLE recast_meta.downloads (report_id BIGINT, report_type VARCHAR, deployment_id BIGINT, partition_key VARCHAR,
    download_key VARCHAR, description VARCHAR, schema_name VARCHAR, table_name VARCHAR, logical_table VARCHAR,
    parts JSON, row_count BIGINT, parquet_path VARCHAR, columns JSON, loaded_at TIMESTAMPTZ);
CREATE TABLE recast_meta.load_history (load_id VARCHAR, recorded_at TIMESTAMPTZ, report_id BIGINT, report_type VARCHAR,
    deployment_id BIGINT, partition_key VARCHAR, schema_name VARCHAR, table_name VARCHAR, download_key VARCHAR,
    row_count BIGINT, columns JSON, loaded_at TIMESTAMPTZ);
CREATE SCHEMA compute_spend_summary;
CREATE TABLE compute_spend_summary.tables_daily (date DATE, channel VARCHAR, spend DOUBLE, deployment_id BIGINT,
    partition_key VARCHAR, report_id BIGINT, download_key VARCHAR, loaded_at TIMESTAMPTZ);
INSERT INTO compute_spend_summary.tables_daily
    VALUES ('2023-12-01', 'TV', 1.0, 5716, '2023-12-01', 9, 'tables-daily', now());
INSERT INTO recast_meta.reports (report_id, report_type, schema_name, deployment_id, partition_key)
    VALUES (9, 'compute_spend_summary', 'compute_spend_summary', 5716, '2023-12-01');
INSERT INTO recast_meta.downloads (report_id, deployment_id, partition_key, schema_name, table_name)
    VALUES (9, 5716, '2023-12-01', 'compute_spend_summary', 'tables_daily');
"""


def test_a_warehouse_from_before_dashboards_is_migrated_in_the_load(area, warehouse, tmp_path):
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute(OLD_LAYOUT)
    assert warehouse.read_partition(RT, "5716", "2023-12-01") == {}  # read-only: cannot migrate yet
    load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    got = rows(
        warehouse,
        "SELECT dashboard, deployment_id, model_date, partition_key FROM compute_spend_summary.tables_daily ORDER BY 4",
    )
    assert got == [
        ("5716", 5716, None, "2023-12-01"),
        ("revenue", 5716, "2024-05-31", "2024-01-01"),
        ("revenue", 5716, "2024-05-31", "2024-01-01"),
    ]
    for table in ("reports", "downloads"):
        assert rows(warehouse, f"SELECT dashboard, model_date FROM recast_meta.{table} ORDER BY report_id DESC") == [
            ("5716", None),
            ("revenue", "2024-05-31"),
        ]
    assert rows(warehouse, "SELECT dashboard FROM recast_meta.load_history") == [("revenue",)]
    assert set(warehouse.read_partition(RT, "5716", "2023-12-01")["tables_daily"]["report_id"]) == {9}


WIDER = "Date,Channel,Spend,Impressions\n2024-02-01,TV,4,100\n"


def test_a_batch_loads_every_partition_on_one_connection_each_in_its_own_transaction(
    area, warehouse, tmp_path, monkeypatch
):
    """A month close loads hundreds of partitions: the warehouse is opened (and a file checkpointed) once
    for all of them, and a later partition may still widen a table an earlier one wrote to."""
    opened = []
    writer = warehouse.target.writer
    monkeypatch.setattr(warehouse.target, "writer", lambda deadline: opened.append(1) or writer(deadline))
    batch = [
        staged(area, tmp_path, {"tables-daily": DAILY}, report_id=1, key="2024-01-01"),
        staged(area, tmp_path, {"tables-daily": WIDER}, report_id=2, key="2024-02-01"),
        staged(area, tmp_path, {"tables-daily": DAILY}, report_id=3, key="2024-01-01", dashboard="signups"),
    ]
    published = []
    results = warehouse.load_partitions(
        [(report, stage.tables) for stage, report in batch],
        on_loaded=lambda index, result: published.append((index, batch[index][0].publish() and result.report_id)),
    )
    assert len(opened) == 1 and [index for index, _ in published] == [0, 1, 2]
    assert [r.report_id for r in results] == [1, 2, 3] and results[1].added_columns == ("tables_daily.impressions",)
    assert rows(
        warehouse,
        "SELECT dashboard, partition_key, count(*), count(impressions) FROM compute_spend_summary.tables_daily "
        "GROUP BY ALL ORDER BY ALL",
    ) == [("revenue", "2024-01-01", 2, 0), ("revenue", "2024-02-01", 1, 1), ("signups", "2024-01-01", 2, 0)]


def test_a_batch_stops_at_a_failure_and_keeps_what_it_committed(area, warehouse, tmp_path):
    batch = [
        staged(area, tmp_path, {"tables-daily": DAILY}, report_id=1, key="2024-01-01"),
        staged(area, tmp_path, {"tables-daily": DAILY}, report_id=2, key="2024-02-01"),
    ]

    def publish_the_first_then_fail(index, result):
        batch[index][0].publish()
        raise OSError("disk full while publishing")

    with pytest.raises(OSError, match="disk full"):
        warehouse.load_partitions(
            [(report, stage.tables) for stage, report in batch], on_loaded=publish_the_first_then_fail
        )
    batch[1][0].discard()
    assert rows(warehouse, "SELECT partition_key, report_id FROM recast_meta.reports") == [("2024-01-01", 1)]


def test_recast_meta_columns_changes_only_when_a_column_does(area, warehouse, tmp_path):
    """A month close reloads hundreds of partitions of tables whose columns stay the same."""
    query = "SELECT column_name, updated_at FROM recast_meta.columns WHERE table_name = 'tables_daily' ORDER BY ordinal"
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=1, key="2024-01-01")
    first = rows(warehouse, query)
    load(area, warehouse, tmp_path, {"tables-daily": DAILY}, report_id=2, key="2024-02-01")
    assert rows(warehouse, query) == first
    load(area, warehouse, tmp_path, {"tables-daily": WIDER}, report_id=3, key="2024-03-01")
    widened = rows(warehouse, query)
    assert [name for name, _ in widened] == [name for name, _ in first] + ["impressions"]
    assert widened[-1][1] > first[0][1]


def test_reads_inside_one_reader_share_one_connection(area, warehouse, tmp_path, monkeypatch):
    """A run's checks and an output's metadata make dozens of reads: one connection for the block."""
    load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    opened = []
    reader = warehouse.target.reader
    monkeypatch.setattr(warehouse.target, "reader", lambda deadline: opened.append(1) or reader(deadline))
    with warehouse.one_reader():
        counts = [rows(warehouse, "SELECT count(*) FROM compute_spend_summary.tables_daily") for _ in range(3)]
        assert warehouse.tables(RT) == ["tables_daily"]
    assert counts == [[(2,)]] * 3 and len(opened) == 1
    rows(warehouse, "SELECT 1")
    assert len(opened) == 2  # outside the block, each read opens its own again
