"""Refresh detection under every documented reading, and month readiness (no Dagster, no server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from recast_pipeline.recast.api_types import Deployment, Report
from recast_pipeline.recast.model_watch import (
    ModelVersion,
    WatchState,
    detect_refreshes,
    prerendered_refreshes,
    ready_months,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def deployment(id_, dashboard, model_date="2026-11-01", updated_at="2026-11-01T00:00:00Z") -> Deployment:
    return Deployment.from_json(
        {"id": id_, "dashboard_slug": dashboard, "active": True, "model_date": model_date, "updated_at": updated_at}
    )


def report(id_, prerendered=True, deployment_id=5716, created_at="2026-11-30T12:00:00Z") -> Report:
    return Report.from_json(
        {
            "id": id_,
            "name": "x",
            "report_type": "compute_clean_data",
            "status": "success",
            "prerendered": prerendered,
            "form": {"deployment_id": deployment_id, "report_type": "compute_clean_data"},
            "created_at": created_at,
            "updated_at": created_at,
        }
    )


@dataclass
class FakeClient:
    """The report list, newest first, counting the rows read and the details fetched."""

    rows: list[Report]
    read: int = 0
    details: list[int] = field(default_factory=list)

    def iter_reports(self, **_):
        for row in self.rows:
            self.read += 1
            yield row

    def get_report(self, report_id):
        self.details.append(report_id)
        return next(r for r in self.rows if r.id == report_id)


def test_first_look_records_every_dashboard_and_triggers_nothing():
    state = WatchState()
    current = {"revenue": deployment(5716, "revenue"), "signups": deployment(5717, "signups")}
    assert detect_refreshes(state, current, NOW) == []
    assert state.versions["revenue"] == ModelVersion(5716, "2026-11-01", "2026-11-01T00:00:00Z")
    assert WatchState.parse(state.serialize()) == state


def test_a_new_deployment_for_the_dashboard_is_a_refresh_of_that_dashboard_alone():
    state = WatchState()
    detect_refreshes(state, {"revenue": deployment(5716, "revenue"), "signups": deployment(5717, "signups")}, NOW)
    refreshed = detect_refreshes(
        state, {"revenue": deployment(5718, "revenue", "2026-11-30"), "signups": deployment(5717, "signups")}, NOW
    )
    assert [(r.dashboard, r.previous.deployment_id, r.current.deployment_id) for r in refreshed] == [
        ("revenue", 5716, 5718)
    ]
    assert "replaced 5716" in refreshed[0].reason
    assert detect_refreshes(state, {"revenue": deployment(5718, "revenue", "2026-11-30")}, NOW) == []


def test_a_refit_in_place_is_a_refresh_by_model_date_or_updated_at():
    state = WatchState()
    detect_refreshes(state, {"revenue": deployment(5716, "revenue")}, NOW)
    by_date = detect_refreshes(state, {"revenue": deployment(5716, "revenue", "2026-11-30")}, NOW)
    assert len(by_date) == 1 and "in place" in by_date[0].reason
    by_update = detect_refreshes(
        state, {"revenue": deployment(5716, "revenue", "2026-11-30", "2026-11-30T09:00:00Z")}, NOW
    )
    assert len(by_update) == 1 and by_update[0].marker != by_date[0].marker


def test_new_prerendered_reports_are_read_down_to_the_last_id_seen_only():
    history = [report(i, prerendered=i % 3 == 0, created_at="2026-01-01T00:00:00Z") for i in range(3000, 1000, -1)]
    client = FakeClient([report(3003), report(3002, prerendered=False), *history])
    state = WatchState()
    current = {"revenue": deployment(5716, "revenue")}
    detect_refreshes(state, current, NOW - timedelta(days=1))
    prerendered_refreshes(client, state, current, [])
    assert state.prerendered_id == 3003 and client.read == 1  # first look: where Recast stands
    client.rows.insert(0, report(3004))
    client.read = 0
    refreshes = prerendered_refreshes(client, state, current, [])
    assert [r.dashboard for r in refreshes] == ["revenue"] and "3004" in refreshes[0].reason
    assert client.read == 2 and client.details == [3004]  # not the account's history


def test_prerendered_reports_of_a_refresh_already_seen_trigger_nothing_more():
    client = FakeClient([report(3001, created_at=NOW.isoformat())])
    state = WatchState(prerendered_id=3000)
    current = {"revenue": deployment(5718, "revenue", "2026-11-30")}
    state.versions["revenue"] = ModelVersion(5716)
    assert len(detect_refreshes(state, current, NOW)) == 1
    assert prerendered_refreshes(client, state, current, []) == []
    assert state.prerendered_id == 3001


def test_new_prerendered_reports_are_stamped_by_created_at_not_by_a_moving_updated_at():
    """Under a reading where ``updated_at`` moves on every read it is always "now": a re-render of the
    refresh already seen must still be recognized by when it was made."""
    rerender = Report.from_json(
        {**report(3001, created_at=NOW.isoformat()).raw, "updated_at": (NOW + timedelta(hours=5)).isoformat()}
    )
    state = WatchState(prerendered_id=3000, seen_at={"revenue": NOW.isoformat()})
    state.versions["revenue"] = ModelVersion.of(deployment(5716, "revenue"))
    client = FakeClient([rerender])
    assert prerendered_refreshes(client, state, {"revenue": deployment(5716, "revenue")}, []) == []
    assert client.details == []  # told apart without a GET


def test_a_list_that_is_not_newest_first_is_not_read_to_the_end():
    client = FakeClient([report(10), report(3004), *[report(i) for i in range(3003, 1000, -1)]])
    state = WatchState(prerendered_id=5)
    prerendered_refreshes(client, state, {"revenue": deployment(5716, "revenue")}, [])
    assert client.read == 2


def test_a_month_is_ready_when_the_model_data_covers_its_last_day():
    closed = ["2026-08-01", "2026-09-01", "2026-10-01"]
    assert ready_months(closed, date(2026, 10, 31)) == closed
    assert ready_months(closed, date(2026, 10, 30)) == closed[:2]
    assert ready_months(closed, date(2026, 9, 30)) == closed[:2]
    assert ready_months(closed, date(2026, 7, 31)) == []
    assert ready_months(closed, None) == closed
