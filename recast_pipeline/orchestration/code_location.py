"""Assemble one component instance's definitions from its parts (tests and the demo build their own).

Every name an instance registers is scoped by ``AssetOptions.scoped``, so several instances (one
per Recast client) merge into one code location; only the ``recast_api`` pool is shared on purpose.

Nothing here is code-location-wide, so a project that adopts the component keeps its own executor
and resources: our jobs carry their executor (``in_process_executor``: a run of ours is one Recast
step plus its checks, which depend on it, so a process per step only loaded the code location again),
and every resource key is scoped by the instance (``recast``, ``recast_warehouse``, ...). The
``recast_api`` pool holds with either executor: op-level pools are claimed per step.
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
    partitioning: Partitioning,
    recast: RecastResource,
    warehouse: RecastWarehouse,
    options: AssetOptions = AssetOptions(),
) -> dg.Definitions:
    """The Python entry point (tests, embedding); ``RecastComponent`` builds through it too."""
    _refuse_shared_keys(options)
    report_assets = build_report_assets(partitioning, options)
    jobs, schedules, sensors = [], [], []
    if options.jobs:
        report_jobs = build_jobs(report_assets, options)
        maintenance_job, maintenance_schedule = build_maintenance(warehouse, options)
        jobs = [*report_jobs, maintenance_job]
        schedules = [*build_schedules(report_jobs, options), maintenance_schedule] if options.schedules else []
    if options.sensors:
        sensors = build_sensors(partitioning, options, warehouse)  # first sightings ask it what is loaded
        if options.automation.automates_months or options.automation.automates_dashboards:
            sensors.append(
                automation_sensor(options.scoped("recast_automation_sensor"), report_assets, sensor_interval())
            )
    return dg.Definitions(
        assets=[
            *model_specs(partitioning, options.key_prefix, options.model_group, options.owners, options.tags),
            *report_assets,
        ],
        asset_checks=build_report_checks(partitioning, options),
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources={
            options.recast_key: recast,
            options.warehouse_key: warehouse,
            options.io_manager_key: DuckDBWarehouseIOManager.of(warehouse),
        },
    )


def _refuse_shared_keys(options: AssetOptions) -> None:
    """Two report types under one key (a translation that forgot ``{{ report_type }}``) fail naming both."""
    seen: dict[dg.AssetKey, str] = {}
    for report_type in options.selected():
        key = options.asset_key(report_type.name)
        if key in seen:
            raise ValueError(
                f"translation: report types {seen[key]!r} and {report_type.name!r} both get the key "
                f"{key.to_user_string()!r}; give each report type its own key (e.g. with {{{{ report_type }}}})"
            )
        seen[key] = report_type.name
