"""The warehouse's promises on a DuckLake: the local file's tests, run again on two lakes.

* ``postgres_s3``: catalog in a local Postgres, data files on an S3 stand-in (moto), both on loopback;
* ``file_local``: catalog in a DuckDB file, data files in a local folder.

Every test of the load, replacement, schema evolution, ``recast_meta``, history per model version,
comments, the marts and the refit view that takes the ``warehouse`` fixture runs here against each lake
(the ones about the file itself, its lock and its storage format, stay with the file). Then what
only a lake has: where its files go, and that a fresh reader needs only the catalog and storage.
"""

from __future__ import annotations

import inspect
import uuid

import pytest
import test_warehouse
import test_warehouse_comments
import test_warehouse_history
import test_warehouse_maintenance
import test_warehouse_marts
import test_warehouse_partitions
import test_warehouse_refit
from services import pg_database, postgres, s3, s3_server  # noqa: F401 (fixtures)
from warehouse_loads import area, load, rows  # noqa: F401 (fixtures)

from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.lake_access import S3Settings, redact
from recast_pipeline.warehouse.targets.ducklake import DuckLake
from recast_pipeline.warehouse.targets.local_file import LocalFile
from recast_pipeline.warehouse.warehouse import Warehouse

FILE_ONLY = {
    "test_a_warehouse_from_before_dashboards_is_migrated_in_the_load",  # writes a DuckDB file by hand
    "test_maintenance_waits_for_the_writer_a_load_holds",
}  # the file's lock
REUSED = {
    name: function
    for module in (
        test_warehouse,
        test_warehouse_comments,
        test_warehouse_history,
        test_warehouse_maintenance,
        test_warehouse_marts,
        test_warehouse_partitions,
        test_warehouse_refit,
    )
    for name, function in vars(module).items()
    if name.startswith("test_") and name not in FILE_ONLY and "warehouse" in inspect.signature(function).parameters
}
globals().update(REUSED)  # collected here again, with the lake ``warehouse`` fixture below


# The lake a deployment uses (Postgres, S3) takes every test; the DuckDB-file catalog, whose SQL is
# the same DuckLake's and which differs only in how it is opened and locked, takes the load and
# replacement tests of test_warehouse and the lake's own below.
BOTH = {
    name for name, function in REUSED.items() if function.__module__ in ("test_warehouse", "test_warehouse_maintenance")
}


def pytest_generate_tests(metafunc):
    if "lake" in metafunc.fixturenames:
        both = metafunc.function.__name__ in BOTH or metafunc.function.__module__ == __name__
        metafunc.parametrize("lake", ["postgres_s3", "file_local"] if both else ["postgres_s3"], indirect=True)


@pytest.fixture
def lake(request, tmp_path) -> str:
    """A fresh, empty DuckLake location (RECAST_WAREHOUSE value); its data path is set on the side."""
    if request.param == "postgres_s3":
        conninfo = request.getfixturevalue("pg_database")
        server = request.getfixturevalue("s3")
        request.node.lake_data_path = f"s3://{server.bucket}/{uuid.uuid4().hex[:10]}/"
        return f"ducklake:postgres:{conninfo}"
    request.node.lake_data_path = str(tmp_path / "lake-data")
    return f"ducklake:{tmp_path / 'catalog.ducklake'}"


@pytest.fixture
def warehouse(request, lake) -> Warehouse:
    return Warehouse(lake, lock_timeout=60, ducklake_data_path=request.node.lake_data_path)


def test_there_are_lake_tests():
    assert len(REUSED) >= 30


def test_data_files_land_under_the_data_path_and_the_catalog_holds_the_tables(area, warehouse, tmp_path, request):
    load(area, warehouse, tmp_path, {"tables-total": "Channel,Spend\nTV,1\n"})
    data_path = request.node.lake_data_path
    if data_path.startswith("s3://"):
        server = request.getfixturevalue("s3")
        prefix = data_path.removeprefix(f"s3://{server.bucket}/")
        files = [key for key in server.keys(prefix) if key.endswith(".parquet")]
    else:
        files = [str(path) for path in tmp_path.joinpath("lake-data").rglob("*.parquet")]
    assert any("tables_total" in name for name in files)
    # recast_meta's few rows per load are inlined into the catalog: no small files to fetch on every read
    assert not [name for name in files if "recast_meta" in name]
    assert rows(warehouse, "SELECT count(*) FROM recast_meta.downloads") == [(1,)]
    assert warehouse.exists()
    assert warehouse.database_name == "lake"
    assert rows(warehouse, "SELECT type FROM duckdb_databases() WHERE database_name = current_database()") == [
        ("ducklake",)
    ]


def test_a_fresh_reader_needs_only_the_catalog_and_storage(area, warehouse, tmp_path, lake, monkeypatch):
    load(area, warehouse, tmp_path, {"tables-total": "Channel,Spend\nTV,1\n"})
    monkeypatch.delenv("RECAST_DUCKLAKE_DATA_PATH", raising=False)
    reader = Warehouse(lake)  # no data path: the catalog remembers it
    assert rows(reader, "SELECT channel, spend FROM compute_spend_summary.tables_total") == [("TV", 1)]


def test_a_lake_never_written_reads_as_empty_and_says_so(request, lake):
    warehouse = Warehouse(lake, ducklake_data_path=request.node.lake_data_path)
    assert not warehouse.exists()
    assert warehouse.tables("compute_spend_summary") == []
    assert warehouse.read_partition("compute_spend_summary", "revenue", "2024-01-01") == {}
    with pytest.raises(WarehouseError, match="no warehouse at ducklake:"):
        warehouse.query("SELECT 1")


def test_retention_and_refits_on_a_lake(area, request, lake, tmp_path):
    from test_warehouse_history import NEW, NEWER, OLD, refit

    warehouse = Warehouse(lake, ducklake_data_path=request.node.lake_data_path, history_versions=1)
    for model in (OLD, NEW, NEWER):
        refit(area, warehouse, tmp_path, model, {"tables-total": "Channel,Spend\nTV,1\n"})
    assert rows(warehouse, "SELECT DISTINCT deployment_id FROM compute_spend_summary_history.tables_total") == [
        (NEW[0],)
    ]


def test_the_target_follows_the_location():
    assert isinstance(Warehouse("/tmp/w.duckdb").target, LocalFile)
    lake = Warehouse("ducklake:postgres:dbname=recast host=db", ducklake_data_path="s3://b/p/").target
    assert isinstance(lake, DuckLake) and lake.catalog_file is None and lake.retries_conflicts
    with pytest.raises(ValueError, match="PGPASSWORD") as refused:  # a password belongs in PGPASSWORD/~/.pgpass
        Warehouse("ducklake:postgres:dbname=recast host=db password=s3cret")
    assert "s3cret" not in str(refused.value) and "password=***" in str(refused.value)
    on_file = Warehouse("ducklake:/data/catalog.ducklake").target
    assert on_file.catalog_file is not None and not on_file.retries_conflicts  # one process at a time: file lock
    with pytest.raises(WarehouseError, match="DuckLake"):
        _ = Warehouse("ducklake:postgres:dbname=recast").path
    with pytest.raises(ValueError, match="needs a catalog"):
        Warehouse("ducklake:")


def test_passwords_and_keys_never_show(monkeypatch):
    assert redact("dbname=x password='a b' host=y") == "dbname=x password=*** host=y"
    assert redact("postgresql://bob:s3cret@db/recast") == "postgresql://***@db/recast"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAVISIBLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    settings = S3Settings.from_env()
    assert "very-secret" not in repr(settings) and "AKIA" not in repr(settings)
    assert (settings.endpoint, settings.use_ssl) == ("127.0.0.1:9000", False)
    assert "URL_STYLE 'path'" in settings.secret_sql("x") and "TEMPORARY" in settings.secret_sql("x")


def test_the_environment_and_the_resources_choose_the_lake(monkeypatch, tmp_path):
    from recast_pipeline.orchestration.io_manager import DuckDBWarehouseIOManager
    from recast_pipeline.orchestration.resources import RecastWarehouse

    monkeypatch.setenv("RECAST_WAREHOUSE", "ducklake:postgres:dbname=recast host=db.internal")
    monkeypatch.setenv("RECAST_DUCKLAKE_DATA_PATH", "s3://bucket/lake/")
    resource = RecastWarehouse.from_env()
    target = resource.warehouse().target
    assert isinstance(target, DuckLake)
    assert (target.catalog, target.data_path) == ("postgres:dbname=recast host=db.internal", "s3://bucket/lake/")
    through_io_manager = DuckDBWarehouseIOManager.of(resource)._warehouse.warehouse().target
    assert (through_io_manager.catalog, through_io_manager.data_path) == (target.catalog, target.data_path)
    monkeypatch.setenv("RECAST_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert isinstance(RecastWarehouse.from_env().warehouse().target, LocalFile)
