"""``recast-pipeline sql``: money without scientific notation, numbers aligned, CSV untouched."""

import duckdb
import pytest

from recast_pipeline.cli.main import main
from recast_pipeline.cli.sql import format_number, format_table


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1044800.0, "1,044,800"),
        (1044800.37, "1,044,800.37"),
        (-2500.5, "-2,500.5"),
        (10.5, "10.5"),
        (1.23456789, "1.234568"),
        (0.000123, "0.000123"),
        (0.0, "0"),
        (-0.0, "0"),
        (1e-7, "1e-07"),
        (2.5e18, "2.5e+18"),
        (float("nan"), "nan"),
    ],
)
def test_numbers_read_as_numbers(value, text):
    assert format_number(value) == text


def test_numeric_columns_are_right_aligned_and_ids_keep_their_digits():
    table = format_table(["channel", "spend", "report_id"], [("TV", 1044800.0, 1046), ("Radio", 10.5, None)])
    lines = table.splitlines()
    assert lines[0] == "channel      spend  report_id"
    assert lines[2] == "TV       1,044,800       1046"
    assert lines[3] == "Radio         10.5       NULL"


def test_sql_table_is_readable_and_csv_keeps_full_values(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).execute(
        "CREATE TABLE t AS SELECT 'Linear TV' AS channel, 1044800.0::DOUBLE AS spend, 3.14159265::DOUBLE AS roi"
    ).close()
    query = ["sql", "SELECT * FROM t", "--warehouse", str(path)]
    printed = {
        mode: (main(query + flags), capsys.readouterr().out) for mode, flags in (("table", []), ("csv", ["--csv"]))
    }
    assert printed["table"][0] == printed["csv"][0] == 0
    assert (
        "1,044,800" in printed["table"][1] and "3.141593" in printed["table"][1] and "e+06" not in printed["table"][1]
    )
    assert printed["csv"][1].splitlines() == ["channel,spend,roi", "Linear TV,1044800.0,3.14159265"]
