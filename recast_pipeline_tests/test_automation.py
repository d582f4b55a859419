"""Declarative automation: what the sensors record on the model assets requests exactly the due partitions.

The sensors poll the simulator; their events are stored as the daemon stores them; then the
report assets' automation conditions are evaluated as ``recast_automation_sensor`` evaluates them.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from recast_pipeline.recast.catalog import REPORT_TYPES
from recast_pipeline_tests.dagster_helpers import DASHBOARDS, definitions_for

MONTHLY = sorted(name for name, rt in REPORT_TYPES.items() if rt.partitioned_by_month)
PER_DASHBOARD = sorted(name for name, rt in REPORT_TYPES.items() if not rt.partitioned_by_month)


class Automation:
    """One code location, one instance: sensor ticks recorded, conditions evaluated tick by tick."""

    def __init__(self, defs, instance):
        self.defs, self.instance = defs, instance
        self.cursors: dict[str, str | None] = {}
        self.evaluation = dg.evaluate_automation_conditions(defs, instance)  # the first evaluation: a baseline

    def tick(self, sensor: str):
        with dg.build_sensor_context(
            instance=self.instance,
            instance_ref=self.instance.get_ref(),
            cursor=self.cursors.get(sensor),
            definitions=self.defs,
            resources={"recast": self.defs.resources["recast"]},
        ) as context:
            result = self.defs.resolve_sensor_def(sensor).evaluate_tick(context)
        self.cursors[sensor] = result.cursor
        for request in result.dynamic_partitions_requests:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        for event in result.asset_events:
            self.instance.report_runless_asset_event(event)
        return result

    def requested(self) -> dict[str, set]:
        self.evaluation = dg.evaluate_automation_conditions(self.defs, self.instance, cursor=self.evaluation.cursor)
        by_type = {}
        for name in MONTHLY + PER_DASHBOARD:
            partitions = self.evaluation.get_requested_partitions(dg.AssetKey(["recast", name]))
            if partitions:
                by_type[name] = set(partitions)
        return by_type


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def _same_for(types, requested) -> set:
    """The partitions requested, asserting every type of ``types`` got the same ones."""
    values = [requested.get(name, set()) for name in types]
    assert all(v == values[0] for v in values), {n: v for n, v in zip(types, values)}
    return values[0]


def test_a_refresh_requests_the_refreshed_dashboards_partitions_and_nothing_else(
    simulator_factory, tmp_path, instance, monkeypatch
):
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "2")
    sim = simulator_factory()
    automation = Automation(definitions_for(sim, tmp_path), instance)
    automation.tick("recast_model_refresh_sensor")  # first look: each dashboard's deployment first seen
    first = automation.requested()
    assert _same_for(PER_DASHBOARD, first) == set(DASHBOARDS) and not any(name in first for name in MONTHLY)
    assert automation.requested() == {}  # requested once
    automation.tick("recast_model_refresh_sensor")
    assert automation.requested() == {}  # nothing changed on Recast: nothing requested

    sim.refresh_model("revenue")
    automation.tick("recast_model_refresh_sensor")
    requested = automation.requested()
    last = sim.config.data_end.replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    assert _same_for(MONTHLY, requested) == {f"revenue|{before}", f"revenue|{last}"}
    assert _same_for(PER_DASHBOARD, requested) == {"revenue"}
    assert automation.requested() == {}


def test_a_month_the_model_covers_is_requested_once_and_a_waiting_month_is_not(simulator_factory, tmp_path, instance):
    sim = simulator_factory(data_end=dt.date(2026, 9, 15))  # September closed, the model stops mid-month
    automation = Automation(definitions_for(sim, tmp_path), instance)
    automation.tick("recast_month_ready_sensor")
    assert _same_for(MONTHLY, automation.requested()) == {"revenue|2026-08-01", "signups|2026-08-01"}
    automation.tick("recast_month_ready_sensor")
    assert automation.requested() == {}  # September waits for a model that covers it

    later = simulator_factory(data_end=dt.date(2026, 9, 30))  # Recast later: the model now covers September
    automation.defs = definitions_for(later, tmp_path)
    automation.tick("recast_month_ready_sensor")
    assert _same_for(MONTHLY, automation.requested()) == {"revenue|2026-09-01", "signups|2026-09-01"}


def test_the_month_due_is_a_cron_freshness_policy_on_date_based_assets(simulator_factory, tmp_path):
    defs = definitions_for(simulator_factory(), tmp_path)
    specs = {s.key.path[-1]: s for s in defs.resolve_all_asset_specs()}
    assert {name for name, s in specs.items() if s.freshness_policy is not None} == set(MONTHLY)
    policy = specs[MONTHLY[0]].freshness_policy
    assert policy.deadline_cron == "0 9 8 * *"


def test_automation_off_leaves_no_conditions_and_no_automation_sensor(simulator_factory, tmp_path):
    from datetime import date

    from recast_pipeline.orchestration.automation import Automation as Settings
    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
    from recast_pipeline.orchestration.specs import AssetOptions

    defs = build_definitions(
        Partitioning(date(2024, 1, 1)),
        RecastResource(),
        RecastWarehouse(data_dir=str(tmp_path)),
        AssetOptions(automation=Settings(enabled=False)),
    )
    assert all(s.automation_condition is None for s in defs.resolve_all_asset_specs())
    assert sorted(s.name for s in defs.sensors) == ["recast_model_refresh_sensor"]  # still records the model


def test_a_failed_requested_run_is_not_requested_again_until_the_model_changes(
    simulator_factory, tmp_path, instance, monkeypatch
):
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "1")
    sim = simulator_factory()
    defs = definitions_for(sim, tmp_path)
    automation = Automation(defs, instance)
    automation.tick("recast_model_refresh_sensor")
    automation.requested()  # the dashboards' first look
    sim.set_faults(force_status={"compute_spend_summary": "error"})
    sim.refresh_model("revenue")
    automation.tick("recast_model_refresh_sensor")
    [month] = _same_for(MONTHLY, automation.requested())
    spend = dg.AssetKey(["recast", "compute_spend_summary"])
    run = defs.resolve_job_def("recast_monthly_reports_job").execute_in_process(
        instance=instance, partition_key=month, asset_selection=[spend], raise_on_error=False
    )
    assert not run.success
    creates = sim.stats()["creates"]
    for _ in range(2):
        automation.tick("recast_model_refresh_sensor")
        assert automation.requested() == {}
    assert sim.stats()["creates"] == creates  # evaluating created nothing on Recast


def test_after_the_demo_two_ticks_of_every_sensor_request_nothing_and_a_refresh_only_its_dashboard(
    demo_project, simulator_factory, tmp_path, monkeypatch
):
    """The quiet first start: the demo loaded each dashboard's partition and latest covered month from
    the very models the sensors first see, so their first sightings are observations; a refresh still
    requests exactly the refreshed dashboard's partitions."""
    project = demo_project.copy(tmp_path / "project")
    monkeypatch.chdir(project)  # dagster.yaml's storage is relative: .dagster_home/ here
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "1")
    sim = simulator_factory()  # as the demo's: the same dashboards, deployments and model dates
    defs = definitions_for(sim, project / "data")
    sensors = ("recast_model_refresh_sensor", "recast_month_ready_sensor")
    with dg.DagsterInstance.from_config(str(project)) as instance:
        automation = Automation(defs, instance)
        for _ in range(2):
            results = [automation.tick(sensor) for sensor in sensors]
            assert automation.requested() == {}
        first = [e for e in results[0].asset_events] + [e for e in results[1].asset_events]
        assert first == []  # the second ticks record nothing new
        deployment = dg.AssetKey(["recast", "model_deployment"])
        seen = instance.fetch_observations(dg.AssetRecordsFilter(asset_key=deployment), limit=10).records
        assert sorted(r.partition_key for r in seen) == list(DASHBOARDS)  # the UI still shows each sighting
        assert "already loaded from this model" in seen[0].asset_observation.description
        assert not instance.fetch_materializations(deployment, limit=1).records

        sim.refresh_model("revenue")
        automation.tick("recast_model_refresh_sensor")
        requested = automation.requested()
        last = sim.config.data_end.replace(day=1)
        assert _same_for(MONTHLY, requested) == {f"revenue|{last}"}
        assert _same_for(PER_DASHBOARD, requested) == {"revenue"}
