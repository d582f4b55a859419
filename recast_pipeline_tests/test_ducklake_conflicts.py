"""DuckLake writers retry conflicts instead of queueing on a lock, a bounded number of times.

A real conflict first (two transactions creating the same table in one lake: DuckLake refuses
the later commit, and that refusal is what the warehouse recognizes); then the load's retry, made
deterministic by letting the transaction body lose a given number of times.
"""

from __future__ import annotations

import logging

import duckdb
import pytest
from services import pg_database, postgres  # noqa: F401 (fixtures)
from warehouse_loads import area, load, rows  # noqa: F401 (fixtures)

from recast_pipeline.warehouse import warehouse as warehouse_module
from recast_pipeline.warehouse.conflicts import is_conflict
from recast_pipeline.warehouse.errors import WarehouseConflictError
from recast_pipeline.warehouse.lake_access import loadable_extension
from recast_pipeline.warehouse.warehouse import Warehouse

TOTAL = {"tables-total": "Channel,Spend\nTV,1\n"}


def test_two_transactions_creating_the_same_table_conflict_and_it_is_recognized(tmp_path):
    con = duckdb.connect()
    con.execute(f"LOAD '{loadable_extension('ducklake')}'")
    con.execute(f"ATTACH 'ducklake:{tmp_path / 'c.ducklake'}' AS lake (DATA_PATH '{tmp_path / 'data'}')")
    first, second = con.cursor(), con.cursor()
    for cursor in (first, second):
        cursor.execute("USE lake")
        cursor.execute("BEGIN")
        cursor.execute("CREATE TABLE t (a BIGINT)")
    first.execute("COMMIT")
    with pytest.raises(duckdb.Error) as refused:
        second.execute("COMMIT")
    assert is_conflict(refused.value)
    assert not is_conflict(duckdb.CatalogException("Table with name x does not exist"))


@pytest.fixture
def lake(pg_database, tmp_path) -> Warehouse:
    return Warehouse(f"ducklake:postgres:{pg_database}", lock_timeout=60, ducklake_data_path=str(tmp_path / "lake"))


def losing(times: int):
    """``write_partition`` that loses a conflict ``times`` times (after doing its work), then wins."""
    real = warehouse_module.write_partition
    calls = []

    def write_partition(con, *args, **kwargs):
        calls.append(1)
        result = real(con, *args, **kwargs)
        if len(calls) <= times:
            raise duckdb.TransactionException(
                "Failed to commit DuckLake transaction: Transaction conflict - another writer won"
            )
        return result

    return write_partition, calls


def test_a_load_that_loses_conflicts_runs_again_and_commits_once(area, lake, tmp_path, monkeypatch, caplog):
    write_partition, calls = losing(2)
    monkeypatch.setattr(warehouse_module, "write_partition", write_partition)
    caplog.set_level(logging.INFO, logger="recast_pipeline.warehouse.conflicts")
    result = load(area, lake, tmp_path, TOTAL)
    assert len(calls) == 3 and result.rows == 1
    assert rows(lake, "SELECT count(*) FROM compute_spend_summary.tables_total") == [(1,)]
    assert rows(lake, "SELECT count(*) FROM recast_meta.reports") == [(1,)]
    assert sum("conflicted with another writer" in r.getMessage() for r in caplog.records) == 2


def test_a_load_that_keeps_losing_gives_up_clearly_and_writes_nothing(area, lake, tmp_path, monkeypatch):
    lake.target.max_attempts = 3
    write_partition, calls = losing(10**6)
    monkeypatch.setattr(warehouse_module, "write_partition", write_partition)
    with pytest.raises(
        WarehouseConflictError, match=r"conflicted with other writers 3 time\(s\).*nothing of this partition"
    ):
        load(area, lake, tmp_path, TOTAL)
    assert len(calls) == 3
    assert lake.tables("compute_spend_summary") == []
    with pytest.raises(duckdb.CatalogException):
        lake.query("SELECT count(*) FROM recast_meta.reports")
