"""CSV -> typed Parquet: whole-file type decisions, lineage, and malformed input that publishes nothing."""

import pickle
from datetime import date, datetime, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recast_pipeline.landing.diagnose import MalformedCsvError
from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.landing.parquet import csv_to_parquet

LINEAGE = Lineage("revenue", 5716, "2024-05-31", "2024-01-01", 42, datetime(2024, 2, 1, 12, 0, tzinfo=timezone.utc))


def write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def convert(tmp_path, text, **kwargs):
    target = tmp_path / "out" / "t.parquet"
    result = csv_to_parquet(write(tmp_path, text), target, download_key="tables-daily", lineage=LINEAGE, **kwargs)
    return result, pq.read_table(target)


def types_of(result):
    return {c.name: c.arrow_type for c in result.columns if c.kind == "data"}


def test_types_nulls_and_headers(tmp_path):
    text = (
        "Date,Channel,Spend ($),Clicks,Share %,ROI,Note\n"
        "2024-01-01,Paid Social,10.5,3,12%,Inf,\n"
        "2024-01-02,TV,NA,4,7.5%,NaN,x\n"
        '2024-01-03,"Radio, local",1e-04,NA,1%,-Inf,""\n'
    )
    result, table = convert(tmp_path, text)
    assert types_of(result) == {
        "date": pa.date32(),
        "channel": pa.string(),
        "spend": pa.float64(),
        "clicks": pa.int64(),
        "share_pct": pa.string(),
        "roi": pa.float64(),
        "note": pa.string(),
    }
    assert [c.original for c in result.columns if c.kind == "data"] == [
        "Date",
        "Channel",
        "Spend ($)",
        "Clicks",
        "Share %",
        "ROI",
        "Note",
    ]
    rows = table.to_pylist()
    assert rows[0]["date"] == date(2024, 1, 1) and rows[0]["spend"] == 10.5 and rows[0]["roi"] == float("inf")
    assert (
        rows[1]["spend"] is None and rows[2]["clicks"] is None and rows[0]["note"] is None and rows[2]["note"] is None
    )
    assert rows[2]["channel"] == "Radio, local" and rows[2]["spend"] == 1e-04
    assert result.rows == 3


def test_lineage_and_part_columns_on_every_row(tmp_path):
    result, table = convert(
        tmp_path, "Deployment ID,v\n1,2\n3,4\n", parts={"group_name": "Paid Social", "metric": "roi"}
    )
    assert [c.name for c in result.columns] == [
        "deployment_id_2",
        "v",
        "group_name",
        "metric",
        "dashboard",
        "deployment_id",
        "model_date",
        "partition_key",
        "report_id",
        "download_key",
        "loaded_at",
    ]
    schema = table.schema
    assert schema.field("deployment_id").type == pa.int64() and schema.field("report_id").type == pa.int64()
    assert schema.field("loaded_at").type == pa.timestamp("us", tz="UTC")
    row = table.to_pylist()[1]
    assert (
        row["dashboard"],
        row["deployment_id"],
        row["model_date"],
        row["partition_key"],
        row["report_id"],
        row["download_key"],
    ) == ("revenue", 5716, "2024-05-31", "2024-01-01", 42, "tables-daily")
    assert row["loaded_at"] == LINEAGE.loaded_at and row["group_name"] == "Paid Social" and row["deployment_id_2"] == 3
    assert {c.name: c.kind for c in result.columns}["metric"] == "part"


def test_types_are_decided_over_the_whole_file(tmp_path):
    lines = ["n,x,d,later,empty"] + [f"{i},{i},2024-01-01,NA,NA" for i in range(100_000)]
    lines.append("oops,1.5,2024-02-30,7,NA")
    result, table = convert(tmp_path, "\n".join(lines) + "\n")
    assert types_of(result) == {
        "n": pa.string(),
        "x": pa.float64(),
        "d": pa.string(),
        "later": pa.int64(),
        "empty": pa.string(),
    }
    assert {c.name for c in result.columns if c.all_null} == {"empty"}
    last = [row for row in table.to_pylist() if row["n"] == "oops"]  # row order is not preserved
    assert [(row["x"], row["d"], row["later"]) for row in last] == [(1.5, "2024-02-30", 7)]
    assert "99999" in table.column("n").to_pylist()
    assert result.rows == 100_001


def test_a_column_empty_in_the_sample_is_typed_without_a_second_conversion(tmp_path, monkeypatch):
    import recast_pipeline.landing.parquet as parquet

    def must_not_run(*args):
        raise AssertionError("the whole file was re-checked: the sparse column failed the first conversion")

    monkeypatch.setattr(parquet, "decide_types", must_not_run)
    lines = ["date,spend,holiday,promo,empty"] + [f"2024-01-01,{i}.5,NA,NA,NA" for i in range(50_000)]
    lines += ["2024-12-25,1.5,Christmas,3,NA", "2024-12-26,2.5,NA,4,"]
    result, table = convert(tmp_path, "\n".join(lines) + "\n")
    assert types_of(result) == {
        "date": pa.date32(),
        "spend": pa.float64(),
        "holiday": pa.string(),
        "promo": pa.int64(),
        "empty": pa.string(),
    }
    assert {c.name for c in result.columns if c.all_null} == {"empty"}
    assert sorted(v for v in table.column("holiday").to_pylist() if v) == ["Christmas"]
    assert sorted(v for v in table.column("promo").to_pylist() if v is not None) == [3, 4]
    assert not list((tmp_path / "out").glob(".*"))  # the text version of the file was replaced, not left


@pytest.mark.parametrize("value", ["+5", "007", " 5", "5 ", "1_000", "0x10", "12%", "1,234.5", "TRUE", "2024/01/01"])
def test_only_plain_numbers_are_numbers(tmp_path, value):
    result, _ = convert(tmp_path, f'a,b\n1,x\n"{value}",y\n')
    assert types_of(result)["a"] == pa.string()


@pytest.mark.parametrize(
    ("value", "expected"), [("1e3", pa.float64()), ("-0.5", pa.float64()), ("-12", pa.int64()), ("0", pa.int64())]
)
def test_plain_numbers(tmp_path, value, expected):
    result, _ = convert(tmp_path, f"a\n1\n{value}\n")
    assert types_of(result)["a"] == expected


def test_integers_then_decimals_become_double(tmp_path):
    lines = ["a"] + [str(i) for i in range(5000)] + ["2.5"]
    result, table = convert(tmp_path, "\n".join(lines))
    assert types_of(result)["a"] == pa.float64() and 2.5 in table.column("a").to_pylist()


def test_header_only_bom_crlf_and_duplicate_headers(tmp_path):
    result, table = convert(tmp_path, b"\xef\xbb\xbfA,a,\r\n")
    assert [c.name for c in result.columns if c.kind == "data"] == ["a", "a_2", "column_3"]
    assert result.rows == 0 and table.num_rows == 0
    result, table = convert(tmp_path, b"x,y\r\n1,2\r\n3,4\r\n")
    assert sorted(table.column("y").to_pylist()) == [2, 4]


MALFORMED = {
    "too many fields": ("a,b\n1,2\n3,4,5\n", 3, "3 fields"),
    "too few fields": ('a,b\n"multi\nline",2\n3\n', 4, "1 field where the header has 2"),
    "unterminated quote": ('a,b\n1,2\n3,"4\n5,6\n', 3, "quot"),
    "text after closing quote": ('a,b\n1,2\n3,"4"x\n', 3, "quot"),
    "html page": ("<!DOCTYPE html><html><body>Oops</body></html>\n", 1, "HTML"),
    "html without doctype": ("\n  <html><body>Bad gateway</body></html>", 1, "HTML"),
    "json error body": ('{"error": "internal"}', 1, "JSON"),
    "empty file": ("", 1, "empty"),
    "blank file": ("\n\n  \n", 1, "empty"),
    "bad utf-8": (b"a,b\n1,2\n3,\xff\xfe\n", 3, "UTF-8"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_csv_names_key_file_and_line_and_writes_nothing(tmp_path, case):
    text, line, reason = MALFORMED[case]
    source = write(tmp_path, text, "download.csv")
    target = tmp_path / "out" / "t.parquet"
    with pytest.raises(MalformedCsvError) as caught:
        csv_to_parquet(source, target, download_key="summary-time_table", lineage=LINEAGE)
    error = caught.value
    assert (error.line, error.download_key) == (line, "summary-time_table")
    assert reason in error.reason
    assert "summary-time_table" in str(error) and "download.csv" in str(error) and f"line {line}" in str(error)
    assert not target.exists()
    assert not any(target.parent.glob("*")) if target.parent.exists() else True
    assert pickle.loads(pickle.dumps(error)).line == line


def test_failed_conversion_keeps_existing_file(tmp_path):
    target = tmp_path / "t.parquet"
    csv_to_parquet(write(tmp_path, "a\n1\n", "good.csv"), target, download_key="k", lineage=LINEAGE)
    with pytest.raises(MalformedCsvError):
        csv_to_parquet(write(tmp_path, "a\n1\n2,3\n", "bad.csv"), target, download_key="k", lineage=LINEAGE)
    assert pq.read_table(target).column("a").to_pylist() == [1]


def test_landing_reads_types_back_without_pyarrow(tmp_path):
    """Importing pyarrow costs a run about 0.4 s; the landing path must not need it."""
    import subprocess
    import sys

    source = write(tmp_path, "Date,Spend,Holiday\n2024-01-01,1.5,NA\n2024-01-02,2,Christmas\n")
    script = (
        "import sys; from datetime import datetime, timezone\n"
        "from recast_pipeline.landing.landed_types import Lineage\n"
        "from recast_pipeline.landing.parquet import csv_to_parquet\n"
        f"result = csv_to_parquet({str(source)!r}, {str(tmp_path / 'out.parquet')!r}, download_key='k',\n"
        "    lineage=Lineage('d', 1, None, '2024-01-01', 2, datetime(2024, 1, 1, tzinfo=timezone.utc)))\n"
        "print(sorted(sys.modules.keys() & {'pyarrow', 'pandas', 'numpy'}))\n"
        "print([(c.name, c.duckdb_type) for c in result.columns if c.kind == 'data'])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.splitlines()
    assert out == ["[]", "[('date', 'DATE'), ('spend', 'DOUBLE'), ('holiday', 'VARCHAR')]"]


def test_a_sparse_column_that_is_not_plain_stays_text(tmp_path):
    lines = ["a,sparse"] + [f"{i},NA" for i in range(5000)] + ["1,7", "2,+8"]
    result, table = convert(tmp_path, "\n".join(lines) + "\n")
    assert types_of(result)["sparse"] == pa.string() and not [c for c in result.columns if c.all_null]
    assert sorted(v for v in table.column("sparse").to_pylist() if v) == ["+8", "7"]
    assert not list((tmp_path / "out").glob(".*"))  # no temporary or rewritten file left behind


@pytest.mark.parametrize("value", ["+5", " 5", "007", "1,5", "1.5,2.5", ",", "1e999x", "Infinity"])
def test_a_late_misfit_in_one_of_several_number_columns_retypes_only_that_column(tmp_path, value):
    """The number columns of a row share one guard (their values joined by commas): a misfit in
    any of them, a comma inside a value included, still types just that column as text."""
    lines = ["a,b,c,d"] + [f"{i}.5,{i}.25,x,{i}e3" for i in range(5000)] + [f'1.5,"{value}",y,NA', "NA,NA,z,2"]
    result, table = convert(tmp_path, "\n".join(lines) + "\n")
    assert types_of(result) == {"a": pa.float64(), "b": pa.string(), "c": pa.string(), "d": pa.float64()}
    assert value in table.column("b").to_pylist() and result.rows == 5002


def test_a_thread_keeps_its_converter_unless_it_spilled_and_no_spill_folder_stays(tmp_path):
    """Thousands of small CSVs in a month close: one in-memory DuckDB per thread, not one per file."""
    from recast_pipeline.landing.parquet import _connection

    with _connection(tmp_path, "64MB", 1) as first:
        first.execute("SELECT 42").fetchall()
    with _connection(tmp_path, "64MB", 1) as second:
        assert second is first  # nothing spilled: kept for the thread's next conversion
        second.execute("SELECT range, md5(range::VARCHAR) AS h FROM range(2000000) ORDER BY h").fetchall()
        assert [p for p in tmp_path.iterdir() if p.name.startswith(".duckdb-spill-")]  # it spilled beside the output
    with _connection(tmp_path, "64MB", 1) as third:
        assert third is not first  # a used spill folder cannot move: a fresh one
        assert third.execute("SELECT 1").fetchall() == [(1,)]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".duckdb-spill-")]
