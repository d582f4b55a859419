"""``recast_maintenance_job`` and its weekly schedule: keep the warehouse and landing folder compact.

Why a job of its own (no asset): maintenance changes how the data is stored, never what it says,
so it materializes nothing. The schedule starts on for a DuckLake (a lake gains files and a
snapshot per load, ``warehouse/maintenance.py``) and off for the local file, where it only
checkpoints; either can be launched from the UI. The landing folder loses staging folders whose
process is gone (``remove_stale_stages``).
"""

from __future__ import annotations

import dagster as dg

from recast_pipeline.orchestration.resources import RecastWarehouse
from recast_pipeline.orchestration.specs import AssetOptions

MAINTENANCE_JOB = "recast_maintenance_job"
MAINTENANCE_SCHEDULE = "recast_maintenance_schedule"
WEEKLY = "0 4 * * 0"  # Sundays 04:00 UTC, away from the monthly and Monday runs


def build_maintenance(
    warehouse: RecastWarehouse, options: AssetOptions = AssetOptions()
) -> tuple[dg.JobDefinition, dg.ScheduleDefinition]:
    from recast_pipeline.warehouse.options import is_ducklake

    key = options.warehouse_key

    @dg.op(
        name=options.scoped("recast_warehouse_maintenance"),
        required_resource_keys={key},
        description="DuckLake: merge small files, expire old snapshots, delete unreferenced files; "
        "DuckDB file: checkpoint; landing folder: remove staging of dead processes",
    )
    def maintain(context):  # no annotation: this module postpones them, and Dagster reads it
        resource: RecastWarehouse = getattr(context.resources, key)
        report = resource.warehouse().maintain()
        stale = resource.landing_area().remove_stale_stages()
        context.log.info(
            f"{report.target}: {', '.join(report.actions) or 'nothing to do'}; "
            f"{len(stale)} stale staging folder(s) removed"
        )
        counts = {name: value for name, value in vars(report).items() if isinstance(value, int)}
        return dg.Output(
            None,
            metadata={
                "target": report.target,
                "actions": dg.MetadataValue.json(list(report.actions)),
                "stale_staging_removed": len(stale),
                **counts,
            },
        )

    @dg.job(
        name=options.scoped(MAINTENANCE_JOB),
        description="Compact the warehouse and sweep the landing folder",
        executor_def=dg.in_process_executor,
    )
    def maintenance_job():
        maintain()

    lake = is_ducklake(warehouse.warehouse_path)
    schedule = dg.ScheduleDefinition(
        name=options.scoped(MAINTENANCE_SCHEDULE),
        cron_schedule=WEEKLY,
        job=maintenance_job,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING if lake else dg.DefaultScheduleStatus.STOPPED,
        description="Sundays 04:00 UTC: recast_maintenance_job (on by default for a DuckLake, off for the DuckDB file)",
    )
    return maintenance_job, schedule
