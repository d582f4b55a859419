"""Assemble one component instance's definitions from its parts (tests and the demo build their own).

Every name an instance registers is scoped by ``AssetOptions.scoped``, so several instances (one
per Recast client) merge into one code location; only the ``recast_api`` pool is shared on purpose.

Runs execute their steps in the run's own process (``in_process_executor``). A run of ours is one
Recast step plus its checks, which depend on it, so nothing ran in parallel anyway; Dagster's
default executor started a process per step, each loading this code location again (seconds per
run). The ``recast_api`` pool still holds: op-level pools are claimed per step by either executor.
"""

from __future__ import annotations

import dagster as dg

from recast_pipeline.orchestration.assets import build_report_assets, build_report_checks
from recast_pipeline.orchestration.automation import automation_sensor
from recast_pipeline.orchestration.io_manager import DuckDBWarehouseIOManager
from recast_pipeline.orchestration.jobs import build_jobs
from recast_pipeline.orchestration.maintenance import build_maintenance
from recast_pipeline.orchestration.model_assets import model_specs
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.schedules import build_schedules
from recast_pipeline.orchestration.sensors import build_sensors, sensor_interval
from recast_pipeline.orchestration.specs import AssetOptions


def build_definitions(
    partitioning: Partitioning, recast: RecastResource, warehouse: RecastWarehouse, options: AssetOptions = AssetOptions()
) -> dg.Definitions:
    """The Python entry point (tests, embedding); ``RecastComponent`` builds through it too."""
    report_assets = build_report_assets(partitioning, options)
    jobs = build_jobs(report_assets, options)
    sensors = build_sensors(partitioning, options, warehouse)  # first sightings ask it what is loaded
    if options.automation.automates_months or options.automation.automates_dashboards:
        sensors.append(automation_sensor(options.scoped("recast_automation_sensor"), report_assets, sensor_interval()))
    maintenance_job, maintenance_schedule = build_maintenance(warehouse, options)
    return dg.Definitions(
        executor=dg.in_process_executor,  # the same object for every instance, so their Definitions merge
        assets=[*model_specs(partitioning, options.key_prefix, options.model_group, options.owners, options.tags), *report_assets],
        asset_checks=build_report_checks(partitioning, options),
        jobs=[*jobs, maintenance_job],
        schedules=[*build_schedules(jobs, options), maintenance_schedule],
        sensors=sensors,
        resources={
            options.recast_key: recast,
            options.warehouse_key: warehouse,
            options.io_manager_key: DuckDBWarehouseIOManager.of(warehouse),
        },
    )
