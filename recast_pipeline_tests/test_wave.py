"""A month close across dashboards in one wave (issue 23): one run per month spanning the due dashboards,
every report of it submitted before any finishes; a type Recast skips for one dashboard passes over its
partition; one dashboard's failed report keeps the others' partitions.

Asserted from what the simulator saw and from Dagster's event log, never from wall-clock times.
"""

from __future__ import annotations

import threading
import time

import dagster as dg
import duckdb
import pytest

from recast_pipeline.orchestration.automation import wave_run_requests
from recast_pipeline.orchestration.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, definitions_for, range_tags, run_job
from recast_pipeline_tests.test_automation import MONTHLY, Automation

CONTEXT = dg.AssetKey(["recast", "compute_context_variable_summary"])  # signups has no context variables
SPEND = dg.AssetKey(["recast", "compute_spend_summary"])
FIT = dg.AssetKey(["recast", "compute_in_sample_model_fit"])
MONTH = "2026-09-01"
WAVE = range_tags(f"revenue|{MONTH}", f"signups|{MONTH}")  # both dashboards, in the recast_dashboards order


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        yield instance


def _wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_a_month_close_of_several_dashboards_is_one_run_for_the_month(simulator_factory, tmp_path, instance):
    sim = simulator_factory(readings={"dashboards": 3})  # their models all cover the same last month
    defs = definitions_for(sim, tmp_path)
    automation = Automation(defs, instance)
    automation.tick("recast_month_ready_sensor")
    dashboards = instance.get_dynamic_partitions("recast_dashboards")
    assert len(dashboards) == 3
    requested = automation.requested()
    [month] = {key.split("|")[1] for key in requested[MONTHLY[0]]}
    assert all(requested[name] == {f"{d}|{month}" for d in dashboards} for name in MONTHLY)

    assert defs.resolve_sensor_def("recast_automation_sensor").emit_backfills  # a wave: one backfill, not a run per key
    [run] = wave_run_requests(defs, instance, automation.evaluation)
    assert run.tags[PARTITION_RANGE_START_TAG] == f"{dashboards[0]}|{month}"
    assert run.tags[PARTITION_RANGE_END_TAG] == f"{dashboards[-1]}|{month}"
    assert {key.path[-1] for key in run.asset_selection} == set(MONTHLY)


def test_dashboards_not_due_split_the_wave_and_are_never_run(simulator_factory, tmp_path, instance, monkeypatch):
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "1")
    sim = simulator_factory(readings={"dashboards": 4})
    defs = definitions_for(sim, tmp_path)
    automation = Automation(defs, instance)
    automation.tick("recast_model_refresh_sensor")
    automation.requested()  # first sight of each dashboard (their dashboard partitions)
    dashboards = instance.get_dynamic_partitions("recast_dashboards")
    refreshed = [dashboards[0], dashboards[2]]  # a gap: dashboards[1] is not due
    for dashboard in refreshed:
        sim.refresh_model(dashboard)
    automation.tick("recast_model_refresh_sensor")
    automation.requested()
    runs = wave_run_requests(defs, instance, automation.evaluation)
    monthly = sorted(
        (r.tags[PARTITION_RANGE_START_TAG], r.tags[PARTITION_RANGE_END_TAG])
        for r in runs
        if PARTITION_RANGE_START_TAG in r.tags and "|" in r.tags[PARTITION_RANGE_START_TAG]
    )
    assert [start.split("|")[0] for start, end in monthly] == refreshed and all(s == e for s, e in monthly)


def test_every_dashboards_report_of_the_wave_is_created_before_any_finishes(simulator_factory, tmp_path):
    sim = simulator_factory(latency=0.05)
    types = [SPEND, FIT]
    sim.set_faults(force_status={key.path[-1]: "processing" for key in types})  # nothing finishes until released
    defs = definitions_for(sim, tmp_path, max_in_flight=8)
    seen = []

    def release_once_all_are_created() -> None:
        try:
            _wait_until(lambda: sim.stats()["creates"] >= 4)
            seen.append(sorted((r.deployment_id, r.report_type) for r in sim.store.made()))
        finally:
            sim.clear_faults()

    releaser = threading.Thread(target=release_once_all_are_created, daemon=True)
    releaser.start()
    result = run_job(defs, MONTHLY_JOB, tags=WAVE, asset_selection=types)
    releaser.join(timeout=60)
    assert result.success
    assert seen == [sorted((d, key.path[-1]) for d in (5716, 5717) for key in types)]  # both dashboards, held together
    assert sim.stats()["creates"] == 4
    steps = [
        e for e in result.all_events if e.event_type_value == "STEP_START" and e.step_key == "recast_monthly_reports"
    ]
    assert len(steps) == 1


def _checks(result) -> dict:
    """(asset, check) -> passed, for the checks that can block (severity ERROR)."""
    return {
        (e.asset_key.path[-1], e.check_name): e.passed
        for e in (ev.event_specific_data for ev in result.all_events if ev.event_type_value == "ASSET_CHECK_EVALUATION")
        if e.severity == dg.AssetCheckSeverity.ERROR
    }


def test_a_type_skipped_for_one_dashboard_passes_over_it_and_the_others_checks_pass(simulator_factory, tmp_path):
    defs = definitions_for(
        simulator_factory(), tmp_path
    )  # signups has no context variables: Recast cannot compute CONTEXT
    result = run_job(defs, MONTHLY_JOB, tags=WAVE, asset_selection=[CONTEXT, SPEND])
    assert result.success
    materialized = {
        (e.asset_key, e.partition): e.materialization.metadata for e in result.get_asset_materialization_events()
    }
    assert (
        "no context variables" in materialized[(CONTEXT, f"signups|{MONTH}")]["recast/skipped"].value
    )  # nothing loaded, says why
    assert "recast/skipped" not in materialized[(CONTEXT, f"revenue|{MONTH}")]
    checks = _checks(result)
    assert checks and all(checks.values()), checks
    assert {check for asset, check in checks if asset == CONTEXT.path[-1]} == {"downloads_loaded"}
    skipped = [
        e.event_specific_data.asset_observation for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert [(o.asset_key, o.partition) for o in skipped] == [(CONTEXT, f"signups|{MONTH}")]


def test_one_dashboards_failed_report_keeps_the_others_partitions_and_names_it(
    simulator_factory, tmp_path, monkeypatch
):
    monkeypatch.setattr("recast_pipeline.pipeline.fetch.not_applicable", lambda report_type, deployment: None)
    monkeypatch.setattr("recast_pipeline.pipeline.fetch.validate_form", lambda form, deployment: None)
    defs = definitions_for(simulator_factory(), tmp_path)  # Recast now computes (and fails) signups' context report
    result = run_job(defs, MONTHLY_JOB, tags=WAVE, asset_selection=[CONTEXT, SPEND])
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = str(failure.event_specific_data.error)
    assert f"compute_context_variable_summary [signups|{MONTH}]" in text and "revenue|" not in text
    materialized = {(e.asset_key, e.partition) for e in result.get_asset_materialization_events()}
    assert {p for k, p in materialized if k == CONTEXT} == {f"revenue|{MONTH}"}
    assert {p for k, p in materialized if k == SPEND} == {f"revenue|{MONTH}", f"signups|{MONTH}"}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute(
            "SELECT DISTINCT dashboard, partition_key FROM recast_meta.reports "
            "WHERE report_type = 'compute_context_variable_summary'"
        ).fetchall()
    assert loaded == [("revenue", MONTH)]


def test_a_single_partition_of_a_type_recast_skips_is_recorded_with_nothing_loaded_and_its_checks_run(
    simulator_factory, tmp_path
):
    defs = definitions_for(simulator_factory(), tmp_path)
    result = run_job(defs, MONTHLY_JOB, partition_key=f"signups|{MONTH}", asset_selection=[CONTEXT, SPEND])
    assert result.success
    [context] = [e for e in result.get_asset_materialization_events() if e.asset_key == CONTEXT]
    assert "no context variables" in context.materialization.metadata["recast/skipped"].value
    checks = _checks(result)
    assert checks and all(checks.values()), checks  # the checks step runs: no output of the run was skipped
    assert (SPEND.path[-1], "downloads_loaded") in checks
