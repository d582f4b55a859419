"""Helpers for tests that run the Dagster layer against a simulator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg

from recast_pipeline.cli.local_env import sync_dashboards
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB
from recast_pipeline.orchestration.partitions import (
    DASHBOARDS_PARTITIONS_NAME,
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    Partitioning,
)
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

__all__ = ["DASHBOARD_JOB", "DASHBOARDS", "MONTHLY_JOB", "definitions_for", "range_tags", "run_job"]

DASHBOARDS = ("revenue", "signups")  # the simulator's dashboards (active deployments 5716 and 5717)


def definitions_for(sim, data_dir: Path, **recast_overrides) -> dg.Definitions:
    recast = RecastResource(
        base_url=sim.base_url,
        client_slug=sim.client_slug,
        token=sim.token,
        poll_interval=recast_overrides.pop("poll_interval", 0.2),
        ledger_path=recast_overrides.pop("ledger_path", str(Path(data_dir) / "recast_ledger.sqlite")),
        **recast_overrides,
    )
    return build_definitions(Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=str(data_dir)))


def range_tags(first: str, last: str) -> dict[str, str]:
    return {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}


def run_job(
    defs: dg.Definitions, job_name: str, *, instance=None, dashboards=DASHBOARDS, **kwargs
) -> dg.ExecuteInProcessResult:
    """One in-process run; the instance (ephemeral unless given) knows the simulator's dashboards."""
    instance = instance or dg.DagsterInstance.ephemeral()
    sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, dashboards)
    return defs.resolve_job_def(job_name).execute_in_process(instance=instance, raise_on_error=False, **kwargs)
