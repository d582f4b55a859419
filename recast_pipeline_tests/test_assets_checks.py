"""Asset checks run on their own: a job of checks alone evaluates what the warehouse holds.

Also from a materialization (the checks follow the asset in the same run, for its partitions),
and they fail when the warehouse is tampered with after the load.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.server import serve_in_thread
from recast_pipeline_tests.conftest import TEST_SIMULATOR_DEFAULTS
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, definitions_for, run_job

SPEND = dg.AssetKey(["recast", "compute_spend_summary"])
MONTHS = ("2026-08-01", "2026-09-01")
BLOCKING = {"downloads_loaded", "daily_spend_matches_total"}


def _evaluations(result) -> list:
    return [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]


def _checks_only(defs: dg.Definitions) -> dg.Definitions:
    job = dg.define_asset_job("spend_checks_only", selection=dg.AssetSelection.checks_for_assets(SPEND))
    return dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    with serve_in_thread(SimulatorConfig(**TEST_SIMULATOR_DEFAULTS)) as sim:
        defs = _checks_only(definitions_for(sim, data_dir))
        instance = dg.DagsterInstance.ephemeral()
        results = [
            run_job(defs, MONTHLY_JOB, instance=instance, partition_key=f"revenue|{month}", asset_selection=[SPEND])
            for month in MONTHS
        ]
        yield {"defs": defs, "instance": instance, "data_dir": data_dir, "results": results}


def test_checks_run_after_a_materialization_for_its_partition(materialized):
    for result in materialized["results"]:
        assert result.success
        evaluations = _evaluations(result)
        assert {e.check_name for e in evaluations} == {
            "downloads_loaded",
            "no_lost_columns",
            "tables_have_rows",
            "daily_spend_matches_total",
        }
        assert all(e.passed for e in evaluations)
        assert all(
            e.metadata["partitions_checked"].value == 1 for e in evaluations if "partitions_checked" in e.metadata
        )


def test_blocking_checks_are_declared_blocking(materialized):
    specs = {
        spec.name: spec
        for checks_def in materialized["defs"].asset_checks or []
        for spec in checks_def.check_specs
        if spec.asset_key == SPEND
    }
    assert {name for name, spec in specs.items() if spec.blocking} == BLOCKING


def test_a_job_of_checks_alone_records_a_result_for_each_without_materializing(materialized):
    result = run_job(materialized["defs"], "spend_checks_only", instance=materialized["instance"])
    assert result.success
    assert not result.get_asset_materialization_events()
    evaluations = {e.check_name: e for e in _evaluations(result)}
    assert set(evaluations) == {"downloads_loaded", "no_lost_columns", "tables_have_rows", "daily_spend_matches_total"}
    assert all(e.passed for e in evaluations.values())
    assert evaluations["downloads_loaded"].metadata["partitions_checked"].value == len(MONTHS)
    assert evaluations["daily_spend_matches_total"].metadata["partitions_compared"].value == len(MONTHS)


def test_checks_alone_fail_when_the_warehouse_lost_rows(materialized, tmp_path):
    with duckdb.connect(str(materialized["data_dir"] / "warehouse.duckdb")) as con:
        con.execute(
            f"DELETE FROM compute_spend_summary.tables_daily WHERE partition_key = '{MONTHS[0]}' AND date > DATE "
            f"'{MONTHS[0]}' + 20"
        )
        con.execute(
            f"DELETE FROM recast_marts.channel_spend WHERE partition_key = '{MONTHS[0]}' AND grain = 'daily' "
            f"AND period_start > DATE '{MONTHS[0]}' + 20"
        )  # the spend check reads the mart
    result = run_job(materialized["defs"], "spend_checks_only", instance=materialized["instance"])
    evaluations = {e.check_name: e for e in _evaluations(result)}
    assert not evaluations["downloads_loaded"].passed
    assert any(
        f"revenue|{MONTHS[0]}: tables-daily" in m for m in evaluations["downloads_loaded"].metadata["missing"].value
    )
    assert not evaluations["daily_spend_matches_total"].passed
    assert f"revenue|{MONTHS[0]}" in evaluations["daily_spend_matches_total"].metadata["mismatches"].value


def test_checks_alone_on_an_empty_warehouse_say_nothing_is_loaded(tmp_path):
    with serve_in_thread(SimulatorConfig(**TEST_SIMULATOR_DEFAULTS)) as sim:
        defs = _checks_only(definitions_for(sim, tmp_path))
        result = run_job(defs, "spend_checks_only")
    evaluations = _evaluations(result)
    assert len(evaluations) == 4
    assert all(not e.passed and e.severity == dg.AssetCheckSeverity.WARN for e in evaluations)
