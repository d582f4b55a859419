"""Sensors that keep the warehouse following Recast: model refreshes and closed months.

A new pre-rendered report is Recast's visible sign that a deployment's model was refitted, which
changes past periods' numbers. The refresh sensor then re-requests the last months of every
date-based asset and every deployment-keyed asset; for the five no-input types the materialization
reuses the fresh pre-rendered report (identical form) instead of computing a new one.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timezone
from typing import Sequence

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from recast_pipeline.orchestration.partitions import DEPLOYMENTS_PARTITIONS_NAME, Partitioning
from recast_pipeline.orchestration.resources import RecastResource
from recast_pipeline.recast.client import RecastClient

DEFAULT_REFRESH_MONTHS = 3


def refresh_months() -> int:
    """RECAST_REFRESH_MONTHS: how many recent months a model refresh re-materializes (default 3)."""
    value = os.environ.get("RECAST_REFRESH_MONTHS") or str(DEFAULT_REFRESH_MONTHS)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"RECAST_REFRESH_MONTHS must be a positive integer, got {value!r}")
    return int(value)


def newest_prerendered(client: RecastClient) -> dict[int, int]:
    """Per deployment, the id of its newest pre-rendered report (ids grow with creation)."""
    newest: dict[int, int] = {}
    for report in client.iter_reports(include_prerendered=True):
        if report.prerendered and report.deployment_id is not None:
            newest[report.deployment_id] = max(report.id, newest.get(report.deployment_id, 0))
    return newest


def recent_months(partitioning: Partitioning, count: int, today: date | None = None) -> list[str]:
    """The last ``count`` closed monthly partition keys, oldest first."""
    keys = partitioning.months.get_partition_keys(current_time=_as_datetime(today))
    return keys[-count:]


def _as_datetime(today: date | None) -> datetime | None:
    return datetime(today.year, today.month, today.day, tzinfo=timezone.utc) if today else None


def _deployments(context, partitioning: Partitioning) -> list[int]:
    if partitioning.deployment_ids:
        return list(partitioning.deployment_ids)
    return [int(key) for key in context.instance.get_dynamic_partitions(DEPLOYMENTS_PARTITIONS_NAME)]


def refresh_requests(
    partitioning: Partitioning,
    monthly_keys: Sequence[dg.AssetKey],
    deployment_keys: Sequence[dg.AssetKey],
    deployment_id: int,
    marker: int,
    months: Sequence[str],
) -> list[dg.RunRequest]:
    """One run for the recent months (a single-run range) and one for the deployment's partition."""
    requests = [
        dg.RunRequest(
            run_key=f"model-refresh:{deployment_id}:{marker}:deployment",
            asset_selection=list(deployment_keys),
            partition_key=str(deployment_id),
            tags={"recast/trigger": "model_refresh", "recast/deployment_id": str(deployment_id)},
        )
    ]
    if months:
        first, last = (partitioning.dated_key(deployment_id, date.fromisoformat(m)) for m in (months[0], months[-1]))
        requests.append(
            dg.RunRequest(
                run_key=f"model-refresh:{deployment_id}:{marker}:months:{months[0]}..{months[-1]}",
                asset_selection=list(monthly_keys),
                tags={
                    ASSET_PARTITION_RANGE_START_TAG: first,
                    ASSET_PARTITION_RANGE_END_TAG: last,
                    "recast/trigger": "model_refresh",
                    "recast/deployment_id": str(deployment_id),
                },
            )
        )
    return requests


def build_sensors(partitioning: Partitioning, report_assets: Sequence[dg.AssetsDefinition]) -> list:
    monthly_asset, deployment_asset = report_assets
    monthly_keys, deployment_keys = sorted(monthly_asset.keys), sorted(deployment_asset.keys)

    @dg.sensor(
        name="recast_model_refresh_sensor",
        description="Re-materializes recent months and deployment partitions when Recast refits a model",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=dg.AssetSelection.assets(*report_assets),
    )
    def model_refresh_sensor(context: dg.SensorEvaluationContext, recast: RecastResource):
        seen = {int(k): v for k, v in json.loads(context.cursor or "{}").items()}
        with recast.get_client() as client:
            newest = newest_prerendered(client)
        configured = set(partitioning.deployment_ids) or set(newest)
        newest = {dep: marker for dep, marker in newest.items() if dep in configured}
        dynamic = []
        if not partitioning.deployment_ids:
            known = set(_deployments(context, partitioning))
            missing = sorted(str(d) for d in newest if d not in known)
            if missing:
                dynamic.append(dg.AddDynamicPartitionsRequest(DEPLOYMENTS_PARTITIONS_NAME, missing))
        months = recent_months(partitioning, refresh_months())
        requests = []
        for deployment_id, marker in sorted(newest.items()):
            if deployment_id in seen and marker > seen[deployment_id]:
                requests += refresh_requests(partitioning, monthly_keys, deployment_keys, deployment_id, marker, months)
        cursor = json.dumps({str(k): v for k, v in sorted({**seen, **newest}.items())})
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor, dynamic_partitions_requests=dynamic)
        reason = (
            f"Recorded the current models of deployments {sorted(newest)}; a refresh after this triggers runs"
            if not seen
            else f"No model refresh since the last check (deployments {sorted(newest)})"
        )
        if not newest:
            reason = "No pre-rendered reports found for the configured deployments"
        return dg.SensorResult(skip_reason=reason, cursor=cursor, dynamic_partitions_requests=dynamic)

    @dg.sensor(
        name="recast_month_close_sensor",
        description="Materializes each new month's partition of every date-based report type when the month closes",
        minimum_interval_seconds=3600,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=dg.AssetSelection.assets(monthly_asset),
    )
    def month_close_sensor(context: dg.SensorEvaluationContext):
        latest = partitioning.months.get_last_partition_key()
        if latest is None:
            return dg.SkipReason("No month has closed since RECAST_PARTITIONS_START")
        if context.cursor == latest:
            return dg.SkipReason(f"Month {latest} was already requested")
        deployments = _deployments(context, partitioning)
        if not deployments:
            return dg.SkipReason("No deployments known yet (set RECAST_DEPLOYMENT_IDS or let the refresh sensor find them)")
        requests = [
            dg.RunRequest(
                run_key=f"month-close:{partitioning.dated_key(d, date.fromisoformat(latest))}",
                asset_selection=list(monthly_keys),
                partition_key=partitioning.dated_key(d, date.fromisoformat(latest)),
                tags={"recast/trigger": "month_close"},
            )
            for d in deployments
        ]
        return dg.SensorResult(run_requests=requests, cursor=latest)

    return [model_refresh_sensor, month_close_sensor]
