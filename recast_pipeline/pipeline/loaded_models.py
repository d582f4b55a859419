"""Which model each partition of the warehouse was last loaded from (no Dagster).

Why: the refresh sensor records a dashboard's deployment when it first sees it, and the month
sensor a dashboard's latest covered month on its first look; automation runs the report partitions
that depend on what they record. Right after ``recast-pipeline demo`` (or on a new Dagster instance
over an existing warehouse) those partitions are already loaded from that very model: running them
again would only repeat the work. The sensors ask here first, and record such a first sighting as
an observation, which the UI shows and automation does not act on.
"""

from __future__ import annotations

from typing import Iterable

import duckdb

from recast_pipeline.pipeline.fetch import not_applicable
from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.catalog import ReportType

LATEST_LOADS = """
SELECT report_type, arg_max(deployment_id, loaded_at), arg_max(coalesce(model_date, ''), loaded_at)
FROM recast_meta.reports WHERE dashboard = ? AND partition_key = ? GROUP BY report_type
"""


def latest_loads(warehouse, dashboard: str, partition_key: str) -> dict[str, tuple[int, str]]:
    """Report type -> (deployment_id, model_date) of its latest load of the partition; empty if none
    (or no warehouse yet)."""
    if not warehouse.exists():
        return {}
    try:
        _, rows = warehouse.query(LATEST_LOADS, [dashboard, partition_key])
    except duckdb.CatalogException:  # a warehouse with nothing loaded yet
        return {}
    return {report_type: (int(deployment_id), model_date) for report_type, deployment_id, model_date in rows}


def loaded_from(loads: dict[str, tuple[int, str]], deployment: Deployment) -> set[str]:
    """The report types whose latest load of the partition came from this deployment and model_date."""
    version = (deployment.id, str(deployment.model_date or ""))
    return {report_type for report_type, loaded in loads.items() if loaded == version}


def is_current(warehouse, dashboard: str, partition_key: str, report_types: Iterable[ReportType], detail) -> bool:
    """Whether every report type Recast can run on this deployment was last loaded, for this partition,
    from this deployment and ``model_date``. ``detail()`` returns the deployment's detail (fetched only
    when the warehouse holds the partition at all)."""
    loads = latest_loads(warehouse, dashboard, partition_key)
    if not loads:
        return False
    deployment: Deployment = detail()
    expected = {rt.name for rt in report_types if not_applicable(rt.name, deployment) is None}
    return bool(expected) and expected <= loaded_from(loads, deployment)
