"""recast_maintenance_job: compacts the warehouse and sweeps dead staging, from the UI or its weekly schedule."""

from __future__ import annotations

import os
from datetime import date

import dagster as dg

from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, definitions_for, run_job

RECAST = RecastResource(base_url="http://127.0.0.1:9", client_slug="acme", token="gr_unused")


def _schedule(warehouse: RecastWarehouse) -> dg.ScheduleDefinition:
    defs = build_definitions(Partitioning(date(2024, 1, 1)), RECAST, warehouse)
    return defs.resolve_schedule_def("recast_maintenance_schedule")


def test_the_weekly_schedule_is_on_for_a_lake_and_off_for_the_file(tmp_path):
    lake = _schedule(
        RecastWarehouse(data_dir=str(tmp_path), warehouse_path=f"ducklake:{tmp_path / 'catalog.ducklake'}")
    )
    local = _schedule(RecastWarehouse(data_dir=str(tmp_path)))
    assert lake.default_status == dg.DefaultScheduleStatus.RUNNING and lake.cron_schedule == "0 4 * * 0"
    assert local.default_status == dg.DefaultScheduleStatus.STOPPED and local.job_name == "recast_maintenance_job"


def test_the_job_checkpoints_the_file_and_removes_staging_of_dead_processes(simulator, tmp_path):
    defs = definitions_for(simulator, tmp_path)
    loaded = run_job(
        defs,
        MONTHLY_JOB,
        partition_key="revenue|2026-09-01",
        asset_selection=[dg.AssetKey(["recast", "compute_spend_summary"])],
    )
    assert loaded.success
    dead = tmp_path / "parquet" / ".staging" / "crashed-stage"
    dead.mkdir(parents=True)
    (dead / "part.parquet").write_bytes(b"half")
    os.utime(dead, (0, 0))  # old, and no owner file: its process is gone
    result = defs.resolve_job_def("recast_maintenance_job").execute_in_process()
    assert result.success and not dead.exists()
    [output] = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    metadata = output.event_specific_data.metadata
    assert metadata["target"].value == "file" and metadata["stale_staging_removed"].value == 1
    assert metadata["actions"].value == ["checkpoint"]
