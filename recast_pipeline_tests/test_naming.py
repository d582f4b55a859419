"""Column, table, schema and file names from untrusted text (DESIGN.md's rule, clashes, hostility)."""

import re

import pytest

from recast_pipeline.landing.naming import (
    LINEAGE_COLUMNS,
    normalize_column,
    normalize_columns,
    parquet_file_name,
    quote_identifier,
    safe_name,
    safe_segment,
    schema_name,
    table_identifier,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Spend ($)", "spend"),
        ("Share %", "share_pct"),
        ("5%", "c_5_pct"),
        ("ROI (%)", "roi_pct"),
        ("  Total   KPI  ", "total_kpi"),
        ("Channel-Name/Group", "channel_name_group"),
        ("MROI", "mroi"),
        ("__x__", "x"),
        ("%", "pct"),
        ("2024-01-01", "c_2024_01_01"),
        ("Café au lait", "caf_au_lait"),
        ('x"; DROP TABLE t; --', "x_drop_table_t"),
    ],
)
def test_normalize_column_follows_design_rule(header, expected):
    assert normalize_column(header) == expected


def test_empty_names_become_column_and_position():
    assert normalize_column("$$$", 4) == "column_4"
    assert normalize_column("") == "column"


def test_normalize_columns_suffixes_clashes_in_order():
    assert normalize_columns(["A", "a", ""]) == ["a", "a_2", "column_3"]
    assert normalize_columns(["a", "A", "a_2"]) == ["a", "a_2", "a_2_2"]
    assert normalize_columns(["Spend ($)", "spend", "SPEND"]) == ["spend", "spend_2", "spend_3"]


def test_lineage_and_part_names_are_never_reused():
    headers = ["Deployment ID", "loaded_at", "Report Id", "Group Name", "date"]
    assert normalize_columns(headers, reserved=["group_name"]) == [
        "deployment_id_2",
        "loaded_at_2",
        "report_id_2",
        "group_name_2",
        "date",
    ]
    assert set(normalize_columns(list(LINEAGE_COLUMNS))).isdisjoint(LINEAGE_COLUMNS)


HOSTILE = [
    "../../etc/passwd",
    "/abs/path",
    "a'b;DROP TABLE x;--",
    "spaces here",
    "ünïcödé",
    "..",
    ".",
    "",
    "\x00",
    "a" * 400,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_name_is_a_plain_identifier(text):
    name = safe_name(text)
    assert re.fullmatch(r"[a-z0-9_]+", name)
    assert name not in ("", ".", "..")
    assert len(name) <= 100


def test_safe_name_keeps_clean_names_and_separates_lossy_ones():
    assert safe_name("tables_daily") == "tables_daily"
    names = {
        safe_name(text) for text in ["tables-daily", "tables daily", "Tables_Daily", "tables_daily", "tables.daily"]
    }
    assert len(names) == 5
    assert safe_name("tables-daily") == safe_name("tables-daily")  # deterministic
    assert len({safe_name(text) for text in HOSTILE}) == len(HOSTILE)


def test_safe_segment_keeps_partition_keys_readable():
    assert safe_segment("2024-01-01") == "2024-01-01"
    assert safe_segment("5716") == "5716"
    for text in ["..", ".", "../x", "a/b", "A", "-x", ""]:
        segment = safe_segment(text)
        assert "/" not in segment and segment not in ("", ".", "..") and not segment.startswith((".", "-"))


def test_file_table_and_schema_names():
    assert parquet_file_name("tables-daily") == "tables-daily.parquet"
    assert re.fullmatch(
        r"group_summaries_paid_social_roi_summary_monthly_[0-9a-f]{12}\.parquet",
        parquet_file_name("group_summaries-Paid Social-roi-summary_monthly"),
    )
    assert table_identifier("tables-daily") == "tables_daily"
    assert table_identifier("summary-overall") == "summary_overall"
    assert re.fullmatch(r"column_[0-9a-f]{12}", table_identifier("///"))
    assert schema_name("compute_daily_spend_vs_KPI") == "compute_daily_spend_vs_kpi"
    assert schema_name("recast_meta") == "recast_meta_report"
    assert schema_name("main") == "main_report"


def test_quote_identifier_escapes_quotes():
    assert quote_identifier('a"b') == '"a""b"'


def test_a_nul_in_a_value_survives_sql_and_comments_stay_constant():
    import duckdb

    from recast_pipeline.landing.naming import comment_literal, quote_literal

    with duckdb.connect() as con:
        assert con.execute(f"SELECT {quote_literal('nul' + chr(0) + 'byte')}").fetchone()[0] == "nul\x00byte"
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute(f"COMMENT ON TABLE t IS {comment_literal('a' + chr(0) + 'b')}")
        assert con.execute("SELECT comment FROM duckdb_tables()").fetchone()[0] == "a\ufffdb"


def test_a_very_long_key_gets_a_short_distinct_table_name():
    long_a, long_b = "k" * 300, "k" * 299 + "j"
    assert len(table_identifier(long_a)) <= 93 and table_identifier(long_a) != table_identifier(long_b)


def test_dot_keys_are_one_encoded_path_segment():
    from recast_pipeline.recast.download import download_path

    assert download_path("/r", 7, "..") == "/r/7/downloads/%2E%2E"
    assert download_path("/r", 7, ".") == "/r/7/downloads/%2E"
    assert download_path("/r", 7, "a/b ..") == "/r/7/downloads/a%2Fb%20.."
