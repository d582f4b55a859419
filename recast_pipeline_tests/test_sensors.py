"""The refresh and month-ready sensors against the simulator, under both readings of a refresh, and
with deployments shown by id and name only (dashboards named by their ids).

They request no runs themselves: they record what Recast did as events of the model assets
(``recast/model_deployment`` per dashboard, ``recast/model_coverage`` per dashboard x month), and
declarative automation requests the reports (``test_automation.py``).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from recast_pipeline_tests.dagster_helpers import DASHBOARDS, definitions_for

REFRESH = "recast_model_refresh_sensor"
MONTH_READY = "recast_month_ready_sensor"
DEPLOYMENT = dg.AssetKey(["recast", "model_deployment"])
COVERAGE = dg.AssetKey(["recast", "model_coverage"])


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def _tick(defs, name, instance, cursor=None):
    with dg.build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        cursor=cursor,
        definitions=defs,
        resources={"recast": defs.resources["recast"]},
    ) as context:
        return defs.resolve_sensor_def(name).evaluate_tick(context)


def _events(result, key):
    return sorted((str(e.partition), e.tags["dagster/data_version"]) for e in result.asset_events if e.asset_key == key)


@pytest.mark.parametrize("refresh", ["new_deployment", "in_place"])
def test_a_refresh_records_that_dashboard_alone_under_the_same_keys(
    simulator_factory, tmp_path, instance, refresh, monkeypatch
):
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "2")
    sim = simulator_factory(readings={"refresh": refresh})
    defs = definitions_for(sim, tmp_path)
    first = _tick(defs, REFRESH, instance)
    assert first.run_requests == [] and "Recorded where Recast stands" in first.skip_message
    assert sorted(first.dynamic_partitions_requests[0].partition_keys) == list(DASHBOARDS)
    assert [p for p, _ in _events(first, DEPLOYMENT)] == list(DASHBOARDS)  # first seen: visible in the UI
    assert _events(first, COVERAGE) == []
    quiet = _tick(defs, REFRESH, instance, first.cursor)
    assert quiet.run_requests == [] and quiet.asset_events == [] and "No model refresh" in quiet.skip_message

    done = sim.refresh_model("revenue")
    second = _tick(defs, REFRESH, instance, first.cursor)
    assert second.run_requests == [] and "revenue" in second.skip_message
    [(dashboard, version)] = _events(second, DEPLOYMENT)
    assert dashboard == "revenue" and version.startswith(f"{done['deployment_id']}:")
    last = sim.config.data_end.replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    assert _events(second, COVERAGE) == [(f"revenue|{before}", version), (f"revenue|{last}", version)]
    why = next(e for e in second.asset_events if e.asset_key == DEPLOYMENT).metadata["why"].value
    assert why.startswith("model refresh: ")
    assert _tick(defs, REFRESH, instance, second.cursor).asset_events == []  # one refresh, recorded once


def test_without_credentials_both_sensors_skip_naming_the_variables(tmp_path, instance, monkeypatch):
    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

    for name in ("RECAST_CLIENT_SLUG", "RECAST_PAT", "API_PAT"):
        monkeypatch.delenv(name, raising=False)
    defs = build_definitions(
        Partitioning(dt.date(2024, 1, 1)), RecastResource.from_env(), RecastWarehouse(data_dir=str(tmp_path))
    )
    for name in (REFRESH, MONTH_READY):
        result = _tick(defs, name, instance)
        assert not result.run_requests
        assert "RECAST_CLIENT_SLUG" in result.skip_message and "RECAST_PAT" in result.skip_message


def test_a_month_waits_until_the_model_covers_it_and_the_skip_says_why(simulator_factory, tmp_path, instance):
    sim = simulator_factory(data_end=dt.date(2026, 9, 15))  # September is closed, but the model stops mid-month
    defs = definitions_for(sim, tmp_path)
    first = _tick(defs, MONTH_READY, instance)
    assert first.run_requests == []
    assert [p for p, _ in _events(first, COVERAGE)] == ["revenue|2026-08-01", "signups|2026-08-01"]
    for event in first.asset_events:
        instance.report_runless_asset_event(event)
    second = _tick(defs, MONTH_READY, instance, first.cursor)
    assert second.asset_events == []
    assert (
        "revenue: 2026-08-01 recorded; 2026-09-01 waits: the model's data ends 2026-09-15 (deployment 5716)"
        in second.skip_message
    )


def test_a_month_a_refresh_already_recorded_is_not_recorded_twice(simulator_factory, tmp_path, instance, monkeypatch):
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "1")
    sim = simulator_factory()
    defs = definitions_for(sim, tmp_path)
    first = _tick(defs, REFRESH, instance)
    sim.refresh_model("revenue")
    refreshed = _tick(defs, REFRESH, instance, first.cursor)
    for event in refreshed.asset_events:
        instance.report_runless_asset_event(event)
    month = _tick(defs, MONTH_READY, instance)
    assert [p for p, _ in _events(month, COVERAGE)] == [f"signups|{sim.config.data_end.replace(day=1)}"]


def test_with_deployments_shown_by_id_and_name_the_sensors_name_dashboards_by_id(simulator_factory, tmp_path, instance):
    sim = simulator_factory(readings={"deployment_fields": "id_name"})
    defs = definitions_for(sim, tmp_path)
    first = _tick(defs, REFRESH, instance)
    ids = ["5715", "5716", "5717"]  # every listed deployment counts, keyed by its id
    assert sorted(first.dynamic_partitions_requests[0].partition_keys) == ids
    assert [p for p, _ in _events(first, DEPLOYMENT)] == ids
    quiet = _tick(defs, REFRESH, instance, first.cursor)
    assert quiet.asset_events == [] and "No model refresh" in quiet.skip_message
    new_id = sim.refresh_model("revenue")["deployment_id"]  # a new deployment: a new dashboard, first seen
    second = _tick(defs, REFRESH, instance, quiet.cursor)
    assert [p for p, _ in _events(second, DEPLOYMENT)] == [str(new_id)]
    assert str(new_id) in second.dynamic_partitions_requests[0].partition_keys
    month = _tick(defs, MONTH_READY, instance)
    last = sim.config.data_end.replace(day=1)
    assert {f"5716|{last}", f"5717|{last}", f"{new_id}|{last}"} <= {p for p, _ in _events(month, COVERAGE)}


@pytest.mark.parametrize("fields", ["full", "id_name"])
def test_a_quiet_month_tick_reads_no_deployment_detail_it_already_read(simulator_factory, tmp_path, instance, fields):
    """The cursor keeps what a tick read of each model: with versions in the list rows, a quiet tick reads no
    detail; with ids and names only, it reads the details of the models a closed month still waits for."""
    sim = simulator_factory(readings={"dashboards": 4, "deployment_fields": fields})  # client-004's model trails
    defs = definitions_for(sim, tmp_path)
    first = _tick(defs, MONTH_READY, instance)
    for event in first.asset_events:
        instance.report_runless_asset_event(event)
    sim.reset_stats()
    quiet = _tick(defs, MONTH_READY, instance, first.cursor)
    assert quiet.asset_events == [] and quiet.skip_message == first.skip_message
    waiting = quiet.skip_message.count(" waits: ")
    assert waiting >= 1, quiet.skip_message
    assert sim.stats()["calls"]["deployments"] == 1 + (waiting if fields == "id_name" else 0)  # the list, then details
