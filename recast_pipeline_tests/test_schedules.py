"""Schedules request the right partitions; the refresh sensor's interval comes from the environment."""

from __future__ import annotations

from datetime import date, datetime, timezone

import dagster as dg
import pytest

from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

MONDAY_6AM = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)


def _defs(tmp_path):
    recast = RecastResource(base_url="http://127.0.0.1:9", client_slug="acme", token="gr_unused")
    return build_definitions(Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=str(tmp_path)))


def _tick(defs, name, dashboards):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("recast_dashboards", list(dashboards))
        with dg.build_schedule_context(
            instance=instance, repository_def=defs.get_repository_def(), scheduled_execution_time=MONDAY_6AM
        ) as context:
            return defs.resolve_schedule_def(name).evaluate_tick(context)


@pytest.mark.parametrize("dashboards", [("revenue",), ("revenue", "signups")])
def test_weekly_schedule_requests_every_dashboard_partition(tmp_path, dashboards):
    data = _tick(_defs(tmp_path), "recast_dashboard_reports_schedule", dashboards)
    assert [(r.partition_key, r.run_key) for r in data.run_requests] == [
        (d, f"weekly:2026-11-02:{d}") for d in dashboards
    ]


def test_weekly_schedule_skips_saying_why_without_dashboards(tmp_path):
    data = _tick(_defs(tmp_path), "recast_dashboard_reports_schedule", ())
    assert not data.run_requests and "No dashboards known yet" in data.skip_message


@pytest.mark.parametrize(
    "dashboards, keys",
    [(("revenue",), ["revenue|2026-10-01"]), (("revenue", "signups"), ["revenue|2026-10-01", "signups|2026-10-01"])],
)
def test_monthly_schedule_requests_the_month_that_closed(tmp_path, dashboards, keys):
    data = _tick(_defs(tmp_path), "recast_monthly_reports_schedule", dashboards)
    assert sorted(r.partition_key for r in data.run_requests) == keys


def test_schedules_ship_stopped_and_sensors_and_automation_running(tmp_path):
    defs = _defs(tmp_path)
    assert {s.name: s.default_status for s in defs.schedules} == {
        "recast_monthly_reports_schedule": dg.DefaultScheduleStatus.STOPPED,
        "recast_dashboard_reports_schedule": dg.DefaultScheduleStatus.STOPPED,
        "recast_maintenance_schedule": dg.DefaultScheduleStatus.STOPPED,  # on by default for a DuckLake only
    }
    assert {s.name: s.default_status for s in defs.sensors} == {
        "recast_model_refresh_sensor": dg.DefaultSensorStatus.RUNNING,
        "recast_month_ready_sensor": dg.DefaultSensorStatus.RUNNING,
        "recast_automation_sensor": dg.DefaultSensorStatus.RUNNING,
    }
    automation = defs.resolve_sensor_def("recast_automation_sensor")
    assert isinstance(automation, dg.AutomationConditionSensorDefinition)


def test_refresh_sensor_interval_comes_from_the_environment(tmp_path, monkeypatch):
    sensor = lambda: next(s for s in _defs(tmp_path).sensors if s.name == "recast_model_refresh_sensor")  # noqa: E731
    monkeypatch.delenv("RECAST_SENSOR_INTERVAL", raising=False)
    assert sensor().minimum_interval_seconds == 60
    monkeypatch.setenv("RECAST_SENSOR_INTERVAL", "5")
    assert sensor().minimum_interval_seconds == 5
    monkeypatch.setenv("RECAST_SENSOR_INTERVAL", "0")
    with pytest.raises(ValueError, match="RECAST_SENSOR_INTERVAL must be a positive integer"):
        sensor()
