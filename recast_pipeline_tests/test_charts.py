"""The charts package on its own (no Dagster): what each reader recognizes, and that a chart which
cannot be drawn becomes a one-line note, never an error."""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest
from chart_helpers import assert_sensible_png

from recast_pipeline.charts import draw, partition, series
from recast_pipeline.charts.chart_types import Change, Effects, Estimate, Spend

DASHBOARD, MONTH = "revenue", "2026-09-01"


def _downloads(
    con, report_type: str, table: str, headers: dict[str, str], rows: list[tuple], key: str = "summary_daily"
):
    """A raw table and its ``recast_meta.downloads`` row, as a load leaves them."""
    con.execute("CREATE SCHEMA IF NOT EXISTS recast_meta")
    con.execute(
        "CREATE TABLE IF NOT EXISTS recast_meta.downloads (report_type VARCHAR, dashboard VARCHAR, partition_key "
        "VARCHAR, "
        "download_key VARCHAR, schema_name VARCHAR, table_name VARCHAR, columns JSON, row_count BIGINT)"
    )
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {report_type}")
    columns = ", ".join(f"{name} {kind}" for name, kind in headers.values())
    con.execute(
        f"CREATE TABLE {report_type}.{table} ({columns}, dashboard VARCHAR, partition_key VARCHAR, download_key "
        "VARCHAR)"
    )
    for row in rows:
        con.execute(
            f"INSERT INTO {report_type}.{table} VALUES ({', '.join('?' * (len(row) + 3))})",
            [*row, DASHBOARD, MONTH, key],
        )
    described = [{"name": name, "original": header, "type": kind} for header, (name, kind) in headers.items()]
    con.execute(
        "INSERT INTO recast_meta.downloads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [report_type, DASHBOARD, MONTH, key, report_type, table, json.dumps(described), len(rows)],
    )


def _days(n: int = 30) -> list[date]:
    return [date(2026, 9, 1) + timedelta(days=i) for i in range(n)]


def test_restyled_kpi_series_are_recognized_by_their_headers_and_drawn():
    con = duckdb.connect()
    _downloads(
        con,
        series.BASELINE,
        "summary_daily",
        {
            "DATE": ("date", "DATE"),
            "BASELINE": ("baseline", "DOUBLE"),
            "SPIKE_EFFECT": ("spike_effect", "DOUBLE"),
            "TOTAL_ORGANIC": ("total_organic", "DOUBLE"),
        },
        [(d, 100.0 + i, 5.0, 105.0 + i) for i, d in enumerate(_days())],
    )
    _downloads(
        con,
        series.MARKETING_VS_BASELINE,
        "contribution",
        {"date": ("date", "DATE"), "marketing": ("marketing", "DOUBLE"), "actual_kpi": ("actual_kpi", "DOUBLE")},
        [(d, 50.0, 160.0 + i) for i, d in enumerate(_days())],
        key="contribution",
    )
    found = series.series(con, series.BASELINE, DASHBOARD, MONTH, partition.BASELINE_ROLES, "t")
    assert set(found.values) == {"baseline", "spikes"} and found.labels["baseline"] == "BASELINE"
    [chart] = partition.partition_charts(con, series.BASELINE, DASHBOARD, MONTH)
    assert chart.drawn, chart.note
    assert_sensible_png(chart.png)


def test_model_fit_draws_predicted_vs_actual_when_served_else_the_statistics():
    con = duckdb.connect()
    _downloads(
        con,
        series.FIT,
        "stats",
        {"Metric": ("metric", "VARCHAR"), "Value": ("value", "DOUBLE")},
        [("R-squared", 0.95), ("MAPE %", 3.2)],
        key="stats",
    )
    stats = series.statistics(con, series.FIT, DASHBOARD, MONTH, "t")
    assert stats.values == (("R-squared", 0.95), ("MAPE %", 3.2))
    assert partition.partition_charts(con, series.FIT, DASHBOARD, MONTH)[0].drawn
    _downloads(
        con,
        series.FIT,
        "fit_daily",
        {"Day": ("day", "DATE"), "Actual": ("actual", "DOUBLE"), "Predicted": ("predicted", "DOUBLE")},
        [(d, 10.0 + i, 11.0 + i) for i, d in enumerate(_days())],
        key="fit_daily",
    )
    fit = series.series(con, series.FIT, DASHBOARD, MONTH, partition.FIT_ROLES, "t")
    assert set(fit.values) == {"actual", "predicted"} and len(fit.periods) == 30
    [chart] = partition.partition_charts(con, series.FIT, DASHBOARD, MONTH)
    assert_sensible_png(chart.png)


def test_an_unrecognized_layout_or_no_rows_leaves_the_chart_out_with_a_one_line_note():
    con = duckdb.connect()
    _downloads(
        con,
        series.FIT,
        "stats",
        {"Thing": ("thing", "VARCHAR"), "Other": ("other", "VARCHAR")},
        [("a", "b")],
        key="stats",
    )
    charts = {
        c.name: c
        for c in [
            *partition.partition_charts(con, series.FIT, DASHBOARD, MONTH),
            *partition.partition_charts(con, "compute_insights_overview", DASHBOARD, MONTH, refit=True),
            *partition.partition_charts(con, "compute_spend_summary", DASHBOARD, MONTH),
        ]
    }
    assert set(charts) == {"model_fit", "effects", "refit", "spend"}
    assert not any(c.drawn for c in charts.values())
    assert "saw stats (Thing, Other)" in charts["model_fit"].note
    assert all("\n" not in c.note and c.note.startswith(f"{c.name} chart left out") for c in charts.values())
    assert partition.partition_charts(con, "compute_clean_data", DASHBOARD, MONTH) == []  # no chart for this type


def test_a_drawing_error_becomes_a_note(monkeypatch):
    con = duckdb.connect()
    _downloads(
        con,
        series.FIT,
        "stats",
        {"Metric": ("metric", "VARCHAR"), "Value": ("value", "DOUBLE")},
        [("R2", 0.9)],
        key="stats",
    )

    def broken(_data):
        raise RuntimeError("no fonts\nat all")

    monkeypatch.setattr(draw, "statistics_chart", broken)
    [chart] = partition.partition_charts(con, series.FIT, DASHBOARD, MONTH)
    assert not chart.drawn and chart.note == "model_fit chart not drawn: RuntimeError: no fonts at all"


def test_each_drawing_is_a_sensible_png_under_the_limit_even_with_many_channels():
    channels = [f"Channel {i}, with a long & odd label %" for i in range(14)]
    estimates = tuple(Estimate(c, 1.0 + i / 3, 0.5 + i / 4, 2.0 + i / 2) for i, c in enumerate(channels))
    days = tuple(_days(31))
    drawn = [
        draw.effects_chart(Effects(DASHBOARD, MONTH, estimates, estimates)),
        draw.spend_chart(
            Spend(
                DASHBOARD,
                MONTH,
                days,
                {c: tuple(float(i + j) for j in range(31)) for i, c in enumerate(channels)},
                {c: 31.0 * i for i, c in enumerate(channels)},
            )
        ),
        draw.refit_chart(
            [Change("total_roi", c, MONTH, 1.0, 1.1 + i / 10, 0.1 + i / 10) for i, c in enumerate(channels)], "t"
        ),
    ]
    for data in drawn:
        assert_sensible_png(data)


def test_png_falls_back_to_a_lower_resolution_and_fails_past_the_last():
    fig = draw.figure(8, 4)
    ax = fig.add_subplot()
    ax.plot(range(100), [i % 7 for i in range(100)])
    full = draw.png(fig)
    smaller = draw.png(fig, limit=len(full) - 1)
    assert len(smaller) < len(full)
    with pytest.raises(ValueError, match="limit 100"):
        draw.png(fig, limit=100)
