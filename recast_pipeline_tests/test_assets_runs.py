"""Runs with their own simulator: partition ranges in one run, per-type inputs, failures."""

from __future__ import annotations

import threading
import time

import dagster as dg
import duckdb

from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, definitions_for, range_tags, run_job

SPEND = dg.AssetKey(["recast", "compute_spend_summary"])
UPPER = dg.AssetKey(["recast", "compute_upper_funnel_details"])


def _rows(data_dir, sql):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _run_with_inputs(defs, asset, inputs):
    """One September partition of ``asset`` with per-type inputs in the run config."""
    run_config = {"ops": {"recast_monthly_reports": {"config": inputs}}}
    return run_job(
        defs, MONTHLY_JOB, partition_key="revenue|2026-09-01", asset_selection=[asset], run_config=run_config
    )


def test_a_partition_range_runs_as_one_run_with_reports_in_flight_together(simulator_factory, tmp_path):
    sim = simulator_factory(latency=3600.0)  # held: no report finishes until the test releases it
    defs = definitions_for(sim, tmp_path, max_in_flight=8)
    outcome: dict[str, dg.ExecuteInProcessResult] = {}
    run = threading.Thread(
        target=lambda: outcome.setdefault(
            "result",
            run_job(
                defs,
                MONTHLY_JOB,
                tags=range_tags("revenue|2026-05-01", "revenue|2026-10-01"),
                asset_selection=[SPEND, UPPER],
            ),
        )
    )
    run.start()
    try:
        deadline = time.monotonic() + 300
        while sim.stats()["in_flight"] < 8 and run.is_alive():  # waits for a state, not for a clock
            assert time.monotonic() < deadline, sim.stats()["in_flight"]
            run.join(0.05)
        assert sim.stats()["in_flight"] == 8  # submitted together up to the cap, not one after another
    finally:
        while run.is_alive():  # release whatever is held until the run ends (the other 4 as they come)
            sim.finish_reports()
            run.join(0.05)
    assert outcome["result"].success
    stats = sim.stats()
    assert stats["creates"] == 12
    assert stats["in_flight_peak"] == 8  # never more than the cap
    months = _rows(tmp_path, "SELECT DISTINCT partition_key FROM compute_spend_summary.tables_total ORDER BY 1")
    assert [m for (m,) in months] == [f"2026-{m:02d}-01" for m in range(5, 11)]


def test_per_type_inputs_reach_the_form(simulator, tmp_path):
    defs = definitions_for(simulator, tmp_path)
    config = {"compute_upper_funnel_details": {"channels": ["Paid Social", "Linear TV"]}}
    result = _run_with_inputs(defs, UPPER, config)
    assert result.success
    channels = _rows(tmp_path, "SELECT DISTINCT channel FROM compute_upper_funnel_details.channel_summaries ORDER BY 1")
    assert channels == [("Linear TV",), ("Paid Social",)]


def test_a_bad_channel_fails_before_any_report_is_created(simulator, tmp_path):
    defs = definitions_for(simulator, tmp_path)
    config = {"compute_upper_funnel_details": {"channels": ["Radio"]}}
    result = _run_with_inputs(defs, UPPER, config)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "channels" in failure.message or "Radio" in str(failure.event_specific_data.error)
    assert simulator.stats()["creates"] == 0


def test_from_report_id_starts_from_an_existing_reports_form(simulator, tmp_path):
    defs = definitions_for(simulator, tmp_path)
    with simulator.http_client() as http:
        source = http.post(
            "/reports",
            json={
                "name": "made in the UI",
                "show_in_ui": True,
                "form": {
                    "deployment_id": 5716,
                    "report_type": "compute_upper_funnel_details",
                    "start_date": "2025-01-01",
                    "end_date": "2025-01-31",
                    "channels": ["Display"],
                },
            },
        ).json()["id"]
    config = {"compute_upper_funnel_details": {"from_report_id": source}}
    result = _run_with_inputs(defs, UPPER, config)
    assert result.success
    channels = _rows(
        tmp_path, "SELECT DISTINCT channel, partition_key FROM compute_upper_funnel_details.channel_summaries"
    )
    assert channels == [("Display", "2026-09-01")]  # the source's channels, the partition's dates


def test_a_failed_report_fails_the_step_naming_it_and_loads_nothing_of_that_asset(simulator_factory, tmp_path):
    sim = simulator_factory()
    sim.set_faults(force_status={"compute_baseline_summary": "error"})
    defs = definitions_for(sim, tmp_path)
    context = dg.AssetKey(["recast", "compute_baseline_summary"])
    result = run_job(defs, MONTHLY_JOB, partition_key="revenue|2026-09-01", asset_selection=[context, SPEND])
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = str(failure.event_specific_data.error)
    assert "compute_baseline_summary" in text and "report" in text
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == {SPEND}  # the healthy asset still landed
    assert not (tmp_path / "parquet" / "compute_baseline_summary").exists()
