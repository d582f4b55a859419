"""The Recast model as two external assets the report assets depend on, and the events that update them.

Why assets: a model refresh, or a month the model now covers, is what makes a report partition
due. As external assets updated by the polling sensors, each event is visible in the UI (data
version ``deployment:model_date:updated_at``, the model's data end, and why), and declarative
automation requests exactly the report partitions that depend on the updated partition:

- ``<prefix>/model_deployment``, per dashboard: the deployment that stands for it (first seen, or refreshed);
- ``<prefix>/model_coverage``, per dashboard x month: a closed month the model covers, recorded when it
  first does and again when a refresh recomputes it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dagster as dg

from recast_pipeline.orchestration.partitions import DASHBOARD_DIMENSION, MONTH_DIMENSION, Partitioning
from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.model_watch import ModelVersion

DEPLOYMENT, COVERAGE = "model_deployment", "model_coverage"
DATA_VERSION_TAG = "dagster/data_version"  # Dagster's documented tag for an event's data version


def model_specs(partitioning: Partitioning, key_prefix, group: str, owners, tags) -> list[dg.AssetSpec]:
    common: dict[str, Any] = dict(group_name=group, kinds={"recast"}, owners=list(owners), tags=dict(tags))
    return [
        dg.AssetSpec(
            [*key_prefix, DEPLOYMENT],
            partitions_def=partitioning.dashboards,
            **common,
            description="The Recast deployment that stands for each dashboard; updated by the refresh sensor "
            "when it is first seen and on every model refresh (the dashboard-keyed reports follow it)",
        ),
        dg.AssetSpec(
            [*key_prefix, COVERAGE],
            partitions_def=partitioning.dated,
            **common,
            description="Closed months each dashboard's model covers; updated by the month sensor when the model "
            "first covers a month and by the refresh sensor for the months a refresh recomputes",
        ),
    ]


def data_version(deployment: Deployment) -> str:
    version = ModelVersion.of(deployment)
    return f"{version.deployment_id}:{version.model_date}:{version.updated_at}"


def _metadata(deployment: Deployment, why: str) -> dict:
    return {
        "deployment_id": deployment.id,
        "model_date": str(deployment.model_date or ""),
        "data_end": str(deployment.end_date or "unknown"),
        "why": why,
    }


def deployment_event(
    key_prefix, dashboard: str, deployment: Deployment, why: str, *, due: bool = True
) -> dg.AssetMaterialization | dg.AssetObservation:
    """A materialization makes the dependent report partitions due; ``due=False`` records the same
    reading as an observation (shown in the UI, not acted on by automation): already loaded from it."""
    event = dg.AssetMaterialization if due else dg.AssetObservation
    return event(
        [*key_prefix, DEPLOYMENT],
        partition=dashboard,
        description=why,
        metadata=_metadata(deployment, why),
        tags={DATA_VERSION_TAG: data_version(deployment)},
    )


def coverage_event(
    key_prefix, dashboard: str, month: str | date, deployment: Deployment, why: str, *, due: bool = True
) -> dg.AssetMaterialization | dg.AssetObservation:
    key = dg.MultiPartitionKey({DASHBOARD_DIMENSION: dashboard, MONTH_DIMENSION: str(month)})
    event = dg.AssetMaterialization if due else dg.AssetObservation
    return event(
        [*key_prefix, COVERAGE],
        partition=key,
        description=why,
        metadata=_metadata(deployment, why),
        tags={DATA_VERSION_TAG: data_version(deployment)},
    )


def recorded_version(instance: dg.DagsterInstance, key_prefix, dashboard: str, month: str) -> str | None:
    """The data version last recorded for a dashboard's month (None: never), so one event is reported once."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey([*key_prefix, COVERAGE]), asset_partitions=[Partitioning.dated_key(dashboard, month)]
        ),
        limit=1,
    ).records
    if not records:
        return None
    materialization = records[0].asset_materialization
    assert materialization is not None  # fetch_materializations returns materialization records only
    # no tags at all: reported by hand (e.g. from the UI), with no data version: not ours
    return (materialization.tags or {}).get(DATA_VERSION_TAG)
