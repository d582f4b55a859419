"""Polling around a report's usual finish (issue 12, item 2): fewer polls, seen as early.

A fake clock and a report that finishes at a scripted time; the warehouse side reads medians
from ``recast_meta.reports``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest
from fakes import FakeClock

from recast_pipeline.recast.api_types import Report
from recast_pipeline.recast.polling import ReportPoller, latency_for
from recast_pipeline.warehouse.latency import latency_hints
from recast_pipeline.warehouse.meta import META_SCHEMA
from recast_pipeline.warehouse.warehouse import Warehouse

FORM = {"deployment_id": 5716, "report_type": "compute_spend_summary"}


class FinishesAt:
    """get_report of one report that succeeds once the clock reaches ``finish``; counts polls."""

    def __init__(self, clock: FakeClock, finish: float) -> None:
        self.clock, self.finish, self.polls = clock, finish, 0

    def __call__(self, report_id: int) -> Report:
        self.polls += 1
        done = self.clock.now >= self.finish
        results = {"downloads": [{"key": "tables-daily"}]} if done else None
        return Report.from_json(
            {"id": report_id, "status": "success" if done else "processing", "form": FORM, "results": results}
        )


def _run(latency: float, expected: float | None) -> tuple[int, float]:
    """(polls, seconds between the finish and when it was seen)."""
    clock = FakeClock()
    source = FinishesAt(clock, latency)
    poller = ReportPoller(source, poll_interval=30.0, report_timeout=900.0, clock=clock, sleep=clock.sleep)
    poller.add(1, expected=expected)
    while len(poller):
        poller.poll()
    return source.polls, clock.now - latency


@pytest.mark.parametrize("latency", [9.6, 10.0, 10.4, 180.0 * 0.97, 180.0 * 1.03])
def test_a_report_with_a_known_latency_is_polled_a_few_times_and_seen_within_5_percent(latency):
    expected = 10.0 if latency < 100 else 180.0
    polls, late = _run(latency, expected)
    assert polls <= 5
    assert 0 <= late <= 0.05 * expected + 1e-9
    adaptive_polls, _ = _run(latency, None)
    assert adaptive_polls >= 3 * polls


def test_a_report_slower_than_usual_falls_back_to_the_adaptive_rule():
    polls, late = _run(40.0, expected=10.0)
    adaptive_polls, _ = _run(40.0, None)
    assert late <= 0.1 * 40.0 + 1e-9 and polls <= adaptive_polls + 8  # the window's polls, then as before


def test_hints_prefer_the_dashboard_then_the_type():
    hints = {"compute_spend_summary": 10.0, "compute_spend_summary|revenue": 20.0}
    assert latency_for(hints, "compute_spend_summary", "revenue") == 20.0
    assert latency_for(hints, "compute_spend_summary", "signups") == 10.0
    assert latency_for(hints, "compute_clean_data", "revenue") is None
    assert latency_for(None, "compute_spend_summary") is None


def test_warehouse_gives_median_waits_per_type_and_dashboard(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    assert latency_hints(store) == {}  # no file yet
    now = datetime.now(timezone.utc)
    with duckdb.connect(str(store.path)) as con:
        con.execute(f"CREATE SCHEMA {META_SCHEMA}")
        con.execute(
            f"CREATE TABLE {META_SCHEMA}.reports (report_type VARCHAR, dashboard VARCHAR, "
            "prerendered BOOLEAN, created_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, waited_seconds DOUBLE, "
            "loaded_at TIMESTAMPTZ)"
        )

        def row(report_type, dashboard, ran, waited, prerendered=False):
            finished = None if ran is None else now + timedelta(seconds=ran)
            return (report_type, dashboard, prerendered, now, finished, waited, now)

        # Recast's own run time counts, not our wait (which includes how late we noticed)
        rows = [row("compute_spend_summary", "revenue", ran, ran * 1.2) for ran in (9.0, 10.0, 11.0)]
        rows += [row("compute_spend_summary", "signups", None, waited) for waited in (30.0, 31.0)]  # no timestamps
        rows += [
            row("compute_clean_data", "revenue", 0.0, 0.0, True),
            row("compute_period_summary", "revenue", 5.0, 0.0),
        ]
        con.executemany(f"INSERT INTO {META_SCHEMA}.reports VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    hints = latency_hints(store)
    assert hints == {
        "compute_spend_summary": 11.0,
        "compute_spend_summary|revenue": 10.0,
        "compute_spend_summary|signups": 30.5,
    }
