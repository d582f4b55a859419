"""The load transaction sends its values as SQL literals: no numpy/pandas/pyarrow import under the lock."""

import subprocess
import sys
from datetime import date, datetime, timezone

import duckdb

from recast_pipeline.warehouse.literals import LiteralParameters


def test_values_keep_their_types_and_placement():
    con = LiteralParameters(duckdb.connect())
    moment = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    row = con.execute(
        "SELECT ?, ?, ?, ?, ?, ?, ?, CAST(? AS JSON), ?, typeof(?), ? IS NOT DISTINCT FROM NULL",
        ["it's ?", 3, 2**70, 1.5, float("-inf"), None, True, '{"x": 1}', date(2024, 1, 1), moment, None],
    ).fetchone()
    assert row[:7] == ("it's ?", 3, 2**70, 1.5, float("-inf"), None, True)
    assert row[7:] == ('{"x": 1}', date(2024, 1, 1), "TIMESTAMP WITH TIME ZONE", True)
    assert con.execute("SELECT ? + 1", [1]).fetchone() == (2,)
    con.execute("CREATE TABLE t (a INTEGER, b VARCHAR, c TIMESTAMPTZ)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [[1, "x", moment], [2, None, None]])
    assert con.execute("SELECT a, b, c = ? FROM t ORDER BY a", [moment]).fetchall() == [(1, "x", True), (2, None, None)]
    assert con.execute("SELECT ?", [[1, 2]]).fetchone() == ([1, 2],)  # other types are bound as usual


LOAD_TWICE = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from warehouse_loads import load
from recast_pipeline.landing.local_store import LandingArea
from recast_pipeline.warehouse.warehouse import Warehouse
root = Path({root!r})
area, warehouse = LandingArea(root / "parquet"), Warehouse(root / "warehouse.duckdb", lock_timeout=10)
csv = "Date,Channel,Spend ($),Clicks\\n2024-01-01,TV,10.5,3\\n2024-01-02,Radio,NA,4\\n"
load(area, warehouse, root, {{"tables-daily": csv}})
load(area, warehouse, root, {{"tables-daily": csv}}, report_id=2, deployment_id=5717, model_date="2024-06-30")
print(sorted(sys.modules.keys() & {{"numpy", "pandas", "pyarrow"}}))
"""


def test_a_load_and_a_refit_import_no_dataframe_library(tmp_path):
    """DuckDB 1.5's Python client imports them (about 0.7 s of CPU) on the first bound Python value."""
    tests = str(__import__("pathlib").Path(__file__).parent)
    script = LOAD_TWICE.format(tests=tests, root=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
