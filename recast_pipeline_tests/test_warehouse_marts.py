"""recast_marts: the same rows whether Recast sent a download wide or long; unknown layouts lose nothing.

The CSV texts here are written by the test in each layout (no expectation comes from the simulator).
"""

from __future__ import annotations

import dagster as dg
import pytest
from warehouse_loads import area, load, rows, warehouse  # noqa: F401 (fixtures)

from recast_pipeline.orchestration.check_queries import PartitionRef
from recast_pipeline.orchestration.checks import DAILY_SPEND_MATCHES_TOTAL, evaluate
from recast_pipeline.recast.catalog import resolve

CHANNELS = ("Paid Social", "Podcasts, Audio", "Affiliate & Partners")
DAYS = ("2024-01-01", "2024-01-02")
SPEND = {
    ("2024-01-01", "Paid Social"): 10.5,
    ("2024-01-01", "Podcasts, Audio"): 0.0,
    ("2024-01-01", "Affiliate & Partners"): 2.25,
    ("2024-01-02", "Paid Social"): 4.5,
    ("2024-01-02", "Podcasts, Audio"): 7.0,
    ("2024-01-02", "Affiliate & Partners"): 1.75,
}
TOTAL = {c: sum(v for (_, ch), v in SPEND.items() if ch == c) for c in CHANNELS}
ESTIMATES = {
    "Paid Social": (1.9, 1.8, 1.2, 2.6),
    "Podcasts, Audio": (3.1, 3.0, 1.5, 5.0),
    "Affiliate & Partners": (0.6, 0.5, 0.1, 1.1),
}


def q(text: str) -> str:
    return f'"{text}"' if "," in text else text


def spend_files(layout: str, upper: bool = False) -> dict:
    h = str.upper if upper else str
    if layout == "wide":
        daily = (
            ",".join([h("Date"), *(q(h(c)) for c in CHANNELS), h("Total Spend ($)")])
            + "\n"
            + "".join(
                ",".join([d, *(str(SPEND[d, c]) for c in CHANNELS), str(sum(SPEND[d, c] for c in CHANNELS))]) + "\n"
                for d in DAYS
            )
        )
        total = (
            ",".join([h("Metric"), *(q(h(c)) for c in CHANNELS)])
            + "\n"
            + ",".join(["Spend ($)", *(str(TOTAL[c]) for c in CHANNELS)])
            + "\n"
            + ",".join(["Days With Spend", "2", "1", "2"])
            + "\n"
        )
    else:
        daily = f"{h('Date')},{h('Channel')},{h('Spend ($)')}\n" + "".join(
            f"{d},{q(c)},{SPEND[d, c]}\n" for d, c in SPEND
        )
        total = f"{h('Channel')},{h('Spend ($)')},{h('Days With Spend')}\n" + "".join(
            f"{q(c)},{TOTAL[c]},2\n" for c in CHANNELS
        )
    return {"tables-daily": daily, "tables-total": total}


def insights_files(layout: str) -> dict:
    if layout == "wide":
        names = ("Mean", "Median", "5%", "95%")
        body = (
            ",".join(["Metric", *(q(c) for c in CHANNELS)])
            + "\n"
            + "".join(",".join([n, *(str(ESTIMATES[c][i]) for c in CHANNELS)]) + "\n" for i, n in enumerate(names))
        )
    else:
        body = "Channel,Spend ($),Mean,Median,5%,95%\n" + "".join(
            f"{q(c)},100.0,{','.join(map(str, ESTIMATES[c]))}\n" for c in CHANNELS
        )
    return {"summaries-total-roi": (body, "summaries", {"effect": "total", "metric": "roi"})}


def marts(warehouse):
    spend = rows(
        warehouse,
        "SELECT dashboard, deployment_id, model_date, partition_key, grain, period_start, channel, spend "
        "FROM recast_marts.channel_spend ORDER BY ALL",
    )
    effects = rows(
        warehouse,
        "SELECT dashboard, partition_key, effect, metric, channel, mean, median, p05, p95 "
        "FROM recast_marts.channel_effects ORDER BY ALL",
    )
    return spend, effects


def load_both(area, warehouse, tmp_path, layout, upper=False):
    load(area, warehouse, tmp_path, spend_files(layout, upper), channels=CHANNELS)
    load(
        area,
        warehouse,
        tmp_path,
        insights_files(layout),
        report_type="compute_insights_overview",
        report_id=2,
        channels=CHANNELS,
    )


def spend_check(warehouse):
    refs = [PartitionRef("revenue", "2024-01-01", "revenue|2024-01-01")]
    key = dg.AssetKey(["recast", "compute_spend_summary"])
    return {r.check_name: r for r in evaluate(warehouse, resolve("compute_spend_summary"), key, refs)}[
        DAILY_SPEND_MATCHES_TOTAL
    ]


@pytest.mark.parametrize("layout,upper", [("long", False), ("wide", False), ("long", True), ("wide", True)])
def test_marts_hold_the_same_rows_in_either_layout(area, warehouse, tmp_path, layout, upper):
    load_both(area, warehouse, tmp_path, layout, upper)
    spend, effects = marts(warehouse)
    daily = sorted((d, c, v) for (d, c), v in SPEND.items())
    assert [(str(r[5]), r[6], r[7]) for r in spend if r[4] == "daily"] == daily
    assert sorted((r[6], r[7]) for r in spend if r[4] == "total") == sorted(TOTAL.items())
    assert {r[:4] for r in spend} == {("revenue", 5716, "2024-05-31", "2024-01-01")}
    assert [(r[4], *r[5:]) for r in effects] == sorted((c, *ESTIMATES[c]) for c in CHANNELS)
    assert {r[2:4] for r in effects} == {("total", "roi")}
    layouts = dict(rows(warehouse, "SELECT download_key, layout FROM recast_meta.downloads"))
    assert layouts == {"tables-daily": layout, "tables-total": layout, "summaries-total-roi": layout}
    check = spend_check(warehouse)
    assert check.passed and check.severity == dg.AssetCheckSeverity.ERROR


def test_an_unknown_layout_loses_nothing_and_the_check_only_warns(area, warehouse, tmp_path):
    files = {
        "tables-daily": "When,Where,How Much\n2024-01-01,x,1\n",
        "tables-total": spend_files("long")["tables-total"],
    }
    result = load(area, warehouse, tmp_path, files, channels=CHANNELS)
    assert (
        result.layouts == {"tables-daily": "other", "tables-total": "long"} and "When" in result.unread["tables-daily"]
    )
    assert rows(warehouse, "SELECT count(*) FROM compute_spend_summary.tables_daily") == [(1,)]
    assert rows(
        warehouse, "SELECT layout, layout_note FROM recast_meta.downloads WHERE download_key = 'tables-daily'"
    ) == [("other", result.unread["tables-daily"])]
    check = spend_check(warehouse)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "tables-daily: layout other" in check.description and "When, Where, How Much" in check.description
    assert "Paid Social" in check.description  # what was expected


def test_a_real_mismatch_still_blocks(area, warehouse, tmp_path):
    files = spend_files("long")
    files["tables-total"] = files["tables-total"].replace(f"Paid Social,{TOTAL['Paid Social']}", "Paid Social,99.0")
    load(area, warehouse, tmp_path, files, channels=CHANNELS)
    check = spend_check(warehouse)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["mismatches"].value == {"revenue|2024-01-01": {"Paid Social": {"daily": 15.0, "total": 99.0}}}


def test_a_refit_moves_mart_rows_to_history_and_a_reload_does_not(area, warehouse, tmp_path):
    load_both(area, warehouse, tmp_path, "long")
    load_both(area, warehouse, tmp_path, "long")  # the same model version again: replaced, no history
    assert rows(warehouse, "SELECT count(*) FROM recast_marts.channel_spend_history") == [(0,)]
    load(area, warehouse, tmp_path, spend_files("wide"), channels=CHANNELS, model_date="2024-06-30", report_id=3)
    history = rows(
        warehouse, "SELECT DISTINCT model_date, superseded_at IS NOT NULL FROM recast_marts.channel_spend_history"
    )
    assert history == [("2024-05-31", True)]
    assert rows(warehouse, "SELECT DISTINCT model_date FROM recast_marts.channel_spend") == [("2024-06-30",)]
    assert rows(warehouse, "SELECT count(*) FROM recast_marts.channel_effects_history") == [
        (0,)
    ]  # its type was not re-loaded
