"""Storage compatibility: a new warehouse opens in DuckDB 1.x clients; an existing file keeps its format."""

import os
import subprocess

import duckdb
import pytest
from warehouse_loads import area, load, rows  # noqa: F401 (fixtures)

from recast_pipeline.warehouse.options import DEFAULT_STORAGE_VERSION, STORAGE_VERSION_ENV
from recast_pipeline.warehouse.warehouse import Warehouse

DAILY = "Date,Spend\n2024-01-01,1044800\n"
# Optional: a Python with DuckDB 1.x (e.g. a venv with `pip install "duckdb<2"`) proves the file opens there.
DUCKDB1_PYTHON = os.environ.get("RECAST_TEST_DUCKDB1_PYTHON")


def storage_tag(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()[0]


def test_a_new_warehouse_is_written_for_duckdb_1_2_and_later(area, tmp_path, monkeypatch):
    monkeypatch.delenv(STORAGE_VERSION_ENV, raising=False)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    assert warehouse.storage_version == DEFAULT_STORAGE_VERSION == "v1.2.0"
    load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    assert storage_tag(warehouse.path) == "v1.2.0+"


def test_the_version_comes_from_the_argument_or_the_environment(area, tmp_path, monkeypatch):
    monkeypatch.setenv(STORAGE_VERSION_ENV, "v1.4.0")
    from_env = Warehouse(tmp_path / "env.duckdb")
    load(area, from_env, tmp_path, {"tables-daily": DAILY})
    assert storage_tag(from_env.path) == "v1.4.0+"
    latest = Warehouse(tmp_path / "latest.duckdb", storage_version="latest")
    load(area, latest, tmp_path, {"tables-daily": DAILY})
    assert storage_tag(latest.path).startswith(f"v{duckdb.__version__.split('.')[0]}.")
    monkeypatch.setenv(STORAGE_VERSION_ENV, "1.2")
    with pytest.raises(ValueError, match=STORAGE_VERSION_ENV):
        Warehouse(tmp_path / "bad.duckdb")


# DuckDB 1.5 refuses a file whose header names a storage version outside 64..68 ("Trying to read a
# database file with version number 999, but we can only read versions between 64 and 68").
DUCKDB_1_5_READS = range(64, 69)


def header_version(path) -> int:
    """The storage version number in the file header (after the 8-byte checksum and the b"DUCK" magic)."""
    head = path.read_bytes()[:20]
    assert head[8:12] == b"DUCK", head
    return int.from_bytes(head[12:20], "little")


def test_the_file_header_is_one_duckdb_1_5_reads_offline(area, tmp_path, monkeypatch):
    monkeypatch.delenv(STORAGE_VERSION_ENV, raising=False)
    warehouse = Warehouse(tmp_path / "w.duckdb")
    load(area, warehouse, tmp_path, {"tables-daily": DAILY})
    assert header_version(warehouse.path) in DUCKDB_1_5_READS
    latest = Warehouse(tmp_path / "latest.duckdb", storage_version="latest")
    load(area, latest, tmp_path, {"tables-daily": DAILY})
    # "latest" is the running DuckDB's own format: one 1.5 reads under the project's DuckDB 1.5 pin
    # (DuckDB 2.0, were it installed, writes one that 1.5 refuses)
    assert (header_version(latest.path) in DUCKDB_1_5_READS) == duckdb.__version__.startswith("1.5.")


def test_an_existing_file_keeps_its_version(area, tmp_path):
    path = tmp_path / "w.duckdb"
    load(area, Warehouse(path, storage_version="v1.4.0"), tmp_path, {"tables-daily": DAILY})
    load(
        area,
        Warehouse(path, storage_version="v1.2.0"),
        tmp_path,
        {"tables-daily": DAILY},
        key="2024-02-01",
        report_id=2,
    )
    assert storage_tag(path) == "v1.4.0+"


@pytest.mark.skipif(not DUCKDB1_PYTHON, reason="set RECAST_TEST_DUCKDB1_PYTHON to a Python with DuckDB 1.x")
def test_duckdb_1_opens_the_warehouse_read_only_with_comments_history_and_the_refit_view(area, tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb")
    load(
        area,
        warehouse,
        tmp_path,
        {"tables-total": "Channel,Spend ($)\nTV,1044800.5\n"},
        deployment_id=5715,
        model_date="2024-04-30",
    )
    load(area, warehouse, tmp_path, {"tables-total": "Channel,Spend ($)\nTV,1100000.5\n"}, report_id=2)
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); print(duckdb.__version__); "
        "print(con.execute(\"SELECT comment FROM duckdb_columns() WHERE table_name = 'tables_total' AND column_name = "
        "'spend' "
        "AND schema_name = 'compute_spend_summary'\").fetchone()[0]); "
        "print(con.execute('SELECT count(*) FROM compute_spend_summary_history.tables_total').fetchone()[0]); "
        "print(con.execute('SELECT before, after FROM recast_meta.refit_changes').fetchall())"
    )
    out = subprocess.run(
        [DUCKDB1_PYTHON, "-c", script, str(warehouse.path)], capture_output=True, text=True, check=True
    ).stdout
    version, comment, archived, changes = out.splitlines()
    assert version.startswith("1.") and comment == "CSV column Spend ($)" and archived == "1"
    assert changes == "[(1044800.5, 1100000.5)]"


def test_the_writer_flushes_each_row_group_as_it_fills_without_keeping_insertion_order(tmp_path):
    """What makes a large load fast and lean (benchmarks/load.py): parallel writes straight to their
    blocks, each full row group compressed by the thread that filled it, not five buffered per thread."""
    from recast_pipeline.warehouse.lock import Deadline
    from recast_pipeline.warehouse.targets.local_file import LocalFile

    with LocalFile(tmp_path / "w.duckdb", DEFAULT_STORAGE_VERSION).writer(Deadline(10.0)) as con:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('write_buffer_row_group_count', "
                "'preserve_insertion_order')"
            ).fetchall()
        )
    assert settings == {"write_buffer_row_group_count": "1", "preserve_insertion_order": "false"}
