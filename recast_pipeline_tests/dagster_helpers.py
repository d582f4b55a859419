"""Helpers for tests that run the Dagster layer against a simulator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.jobs import DEPLOYMENT_JOB, MONTHLY_JOB
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

__all__ = ["DEPLOYMENT_JOB", "MONTHLY_JOB", "definitions_for", "range_tags", "run_job"]


def definitions_for(sim, data_dir: Path, deployment_ids=(5716,), **recast_overrides) -> dg.Definitions:
    recast = RecastResource(
        base_url=sim.base_url,
        client_slug=sim.client_slug,
        token=sim.token,
        poll_interval=recast_overrides.pop("poll_interval", 0.2),
        **recast_overrides,
    )
    return build_definitions(
        Partitioning(tuple(deployment_ids), date(2024, 1, 1)), recast, RecastWarehouse(data_dir=str(data_dir))
    )


def range_tags(first: str, last: str) -> dict[str, str]:
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def run_job(defs: dg.Definitions, job_name: str, *, instance=None, **kwargs) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job_name).execute_in_process(instance=instance, raise_on_error=False, **kwargs)
