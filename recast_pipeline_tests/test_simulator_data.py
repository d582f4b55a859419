"""The simulator's synthetic data: deterministic, and tables that agree with each other."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest

from recast_pipeline.simulator.config import SimulatorConfig, default_data_end
from recast_pipeline.simulator.csvout import iter_csv, render_csv
from recast_pipeline.simulator.reporttypes import TYPES, dashboard_form
from recast_pipeline.simulator.state import Store

WINDOW = {"start_date": "2024-01-10", "end_date": "2024-04-20"}  # partial weeks and months at both ends


@pytest.fixture(scope="module")
def store():
    return Store(SimulatorConfig(latency=0, jitter=0, seed=7, data_end=dt.date(2025, 6, 30)))


def table(store, report_type: str, key: str, deployment_id: int = 5716, **fields) -> list[dict]:
    report = store.create({"deployment_id": deployment_id, "report_type": report_type, **fields}, None)
    spec = next(d for d in store.downloads(report) if d.key == key)
    return list(csv.DictReader(io.StringIO(render_csv(spec.make_table()).decode())))


def num(value: str) -> float:
    return math.nan if value == "NA" else float(value)


def test_default_data_end_is_last_day_of_previous_month():
    assert default_data_end(dt.date(2025, 3, 15)) == dt.date(2025, 2, 28)
    assert default_data_end(dt.date(2024, 1, 1)) == dt.date(2023, 12, 31)
    assert SimulatorConfig().data_end == default_data_end()
    assert SimulatorConfig(data_end="2025-01-31").data_end == dt.date(2025, 1, 31)
    with pytest.raises(ValueError):
        SimulatorConfig(data_end="2023-02-01")


def test_two_years_and_more_of_daily_data(store):
    md = store.model(5716)
    assert md.first_date == dt.date(2023, 1, 1) and md.last_date == dt.date(2025, 6, 30)
    assert len(md.spend) == 6 and len(md.dates) > 730


@pytest.mark.parametrize("deployment_id", [5716, 5717])
def test_daily_spend_sums_to_weekly_monthly_and_total(store, deployment_id):
    daily = table(store, "compute_spend_summary", "tables-daily", deployment_id, **WINDOW)
    weekly = table(store, "compute_spend_summary", "tables-weekly", deployment_id, **WINDOW)
    monthly = table(store, "compute_spend_summary", "tables-monthly", deployment_id, **WINDOW)
    total = table(store, "compute_spend_summary", "tables-total", deployment_id, **WINDOW)
    channels = [row["Channel"] for row in total]
    assert daily[0]["Date"] == "2024-01-10" and daily[-1]["Date"] == "2024-04-20" and len(daily) == 102
    for row in daily:
        assert sum(num(row[c]) for c in channels) == pytest.approx(num(row["Total Spend ($)"]), abs=0.011)
    for channel in channels:
        from_daily = sum(num(row[channel]) for row in daily)
        total_row = next(r for r in total if r["Channel"] == channel)
        assert from_daily == pytest.approx(num(total_row["Spend ($)"]), abs=0.01)
        assert sum(num(r[channel]) for r in monthly) == pytest.approx(from_daily, abs=0.01)
        assert sum(num(r["Spend ($)"]) for r in weekly if r["Channel"] == channel) == pytest.approx(
            from_daily, abs=0.01
        )
        for month in monthly:
            in_month = [r for r in daily if r["Date"][:7] == month["Month"][:7]]
            assert sum(num(r[channel]) for r in in_month) == pytest.approx(num(month[channel]), abs=0.01)
    assert [m["Month"] for m in monthly] == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
    assert weekly[0]["Week Start"] == "2024-01-08"  # the Monday of the first (partial) week
    assert sum(num(r["Share of Spend %"]) for r in total) == pytest.approx(100, abs=0.05)


def test_impact_over_spend_is_roi(store):
    impacts = table(store, "compute_insights_overview", "summaries-direct-impact_unshifted", **WINDOW)
    rois = table(store, "compute_insights_overview", "summaries-direct-roi", **WINDOW)
    total_impacts = table(store, "compute_insights_overview", "summaries-total-impact_unshifted", **WINDOW)
    total_rois = table(store, "compute_insights_overview", "summaries-total-roi", **WINDOW)
    for impact, roi, timpact, troi in zip(impacts, rois, total_impacts, total_rois):
        spend = num(impact["Spend ($)"])
        assert num(impact["Median"]) / spend == pytest.approx(num(roi["Median"]), rel=1e-3)
        assert num(timpact["Median"]) / spend == pytest.approx(num(troi["Median"]), rel=1e-3)
        assert num(roi["5%"]) < num(roi["Median"]) < num(roi["95%"])
    # total vs. direct moves credit between channels, never creates it
    assert sum(num(r["Median"]) for r in impacts) == pytest.approx(
        sum(num(r["Median"]) for r in total_impacts), rel=1e-4
    )
    lf = next(r for r in total_rois if r["Channel"] == "Branded Search")
    assert num(lf["Median"]) < num(next(r for r in rois if r["Channel"] == "Branded Search")["Median"])


def test_grouped_and_upper_funnel_rois_match_their_impacts(store):
    groups = [{"name": "TV & Audio", "channels": ["Linear TV", "Podcasts, Audio"]}]
    common = dict(**WINDOW, channel_groups=groups, include_lower_funnel_effects="false")
    impact = table(
        store, "compute_grouped_channel_summaries", "group_summaries-TV & Audio-impact-summary_monthly", **common
    )
    roi = table(store, "compute_grouped_channel_summaries", "group_summaries-TV & Audio-roi-summary_monthly", **common)
    for i, r in zip(impact, roi):
        assert num(i["Median"]) / num(i["Spend ($)"]) == pytest.approx(num(r["Median"]), rel=1e-3)
    monthly_spend = sum(num(r["Spend ($)"]) for r in impact)
    total = table(
        store, "compute_grouped_channel_summaries", "group_summaries-TV & Audio-impact-summary_total", **common
    )
    assert num(total[0]["Spend ($)"]) == pytest.approx(monthly_spend, abs=0.02)
    details = table(
        store, "compute_upper_funnel_details", "channel_summaries-Display-summary_table", **WINDOW, channels=["Display"]
    )
    for row in details:
        assert num(row["Direct Impact"]) / num(row["Spend ($)"]) == pytest.approx(num(row["Direct ROI"]), rel=1e-3)


def test_spend_tables_agree_across_report_types(store):
    total = {r["Channel"]: num(r["Spend ($)"]) for r in table(store, "compute_spend_summary", "tables-total", **WINDOW)}
    overview = {
        r["Channel"]: num(r["Spend ($)"])
        for r in table(store, "compute_insights_overview", "summaries-direct-roi", **WINDOW)
    }
    assert overview == total


def test_same_seed_same_numbers_other_seed_other_numbers():
    def csv_text(seed: int) -> str:
        s = Store(SimulatorConfig(seed=seed, data_end=dt.date(2025, 6, 30)))
        report = s.create({"deployment_id": 5716, "report_type": "compute_spend_summary", **WINDOW}, None)
        return render_csv(s.downloads(report)[0].make_table()).decode()

    assert csv_text(7) == csv_text(7) != csv_text(8)


def test_clean_data_rows_panel_streams_with_many_columns():
    s = Store(SimulatorConfig(clean_data_rows=25_000, data_end=dt.date(2025, 6, 30)))
    for deployment_id in (5716, 5717):
        report = s.create({"deployment_id": deployment_id, "report_type": "compute_clean_data"}, None)
        table_ = s.downloads(report)[0].make_table()
        assert table_.big
        chunks = iter_csv(table_)
        first = next(chunks)
        rows = list(csv.reader(io.StringIO(first)))
        header = rows[0]
        assert len(header) >= 10 and header[:3] == ["Date", "Geo", "Population"]
        lines = first.count("\n") + sum(chunk.count("\n") for chunk in chunks)
        assert lines == 25_001
        assert all(len(r) == len(header) for r in rows) and {r[-1] for r in rows[1:]} <= {"TRUE", "FALSE"}


def test_default_clean_data_is_the_national_daily_series(store):
    rows = table(store, "compute_clean_data", "clean_data", 5716)
    assert len(rows) == len(store.model(5716).dates) and "Podcasts, Audio Spend ($)" in rows[0]


@pytest.mark.parametrize(
    "window",
    [
        ("2025-06-15", "2025-08-31"),
        ("2026-01-01", "2026-02-01"),
        ("2022-01-01", "2022-02-01"),
        ("2023-01-01", "2023-01-02"),
    ],
)
def test_windows_beyond_the_data_give_clipped_or_empty_tables(store, window):
    for report_type in TYPES:
        form = dashboard_form(report_type, store.model(5716))
        for start, end in (("start_date", "end_date"), ("previous_start_date", "previous_end_date")):
            if start in form:
                form.update({start: window[0], end: window[1]})
        report = store.create(form, None)
        for spec in store.downloads(report):
            text = render_csv(spec.make_table()).decode()
            assert text.count("\n") >= 1, (report_type, spec.key)
    daily = table(store, "compute_spend_summary", "tables-daily", start_date=window[0], end_date=window[1])
    assert all(window[0] <= row["Date"] <= min(window[1], "2025-06-30") for row in daily)


def test_dashboard_forms_pass_the_servers_own_validation(store):
    from recast_pipeline.simulator.validation import validate_create

    for deployment_id in (5716, 5717):
        for report_type in TYPES:
            form = dashboard_form(report_type, store.model(deployment_id))
            assert validate_create({"form": form}, store.registry)[0] == form
