"""Sensors that keep the warehouse following Recast: model refreshes and closed months.

A new pre-rendered report is Recast's visible sign that a deployment's model was refitted, which
changes past periods' numbers. The refresh sensor then re-requests the last months of every
date-based asset and every deployment-keyed asset; for the five no-input types the materialization
reuses the fresh pre-rendered report (identical form) instead of computing a new one.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from typing import Sequence

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from recast_pipeline.orchestration.partitions import DEPLOYMENTS_PARTITIONS_NAME, Partitioning
from recast_pipeline.orchestration.resources import RecastResource
from recast_pipeline.recast.client import RecastClient

DEFAULT_REFRESH_MONTHS = 3
DEFAULT_SENSOR_INTERVAL = 60


def _positive_int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def refresh_months() -> int:
    """RECAST_REFRESH_MONTHS: how many recent months a model refresh re-materializes (default 3)."""
    return _positive_int("RECAST_REFRESH_MONTHS", DEFAULT_REFRESH_MONTHS)


def sensor_interval() -> int:
    """RECAST_SENSOR_INTERVAL: seconds between refresh-sensor evaluations (default 60, one list pass each)."""
    return _positive_int("RECAST_SENSOR_INTERVAL", DEFAULT_SENSOR_INTERVAL)


def refreshed_deployments(client: RecastClient, after_id: int | None) -> tuple[int, dict[int, int]]:
    """The newest pre-rendered report id, and per deployment the newest one created after ``after_id``.

    List rows carry no form, so only the new rows are read in full (a refresh adds a handful);
    the first evaluation (``after_id`` None) just records where Recast stands.
    """
    newest_id, refreshed = after_id or 0, {}
    for row in client.iter_reports(include_prerendered=True):
        if not row.prerendered:
            continue
        newest_id = max(newest_id, row.id)
        if after_id is not None and row.id > after_id:
            deployment_id = client.get_report(row.id).deployment_id
            if deployment_id is not None:
                refreshed[deployment_id] = max(row.id, refreshed.get(deployment_id, 0))
    return newest_id, refreshed


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


def _new_deployment_partitions(context, partitioning: Partitioning, client: RecastClient) -> list:
    """With no RECAST_DEPLOYMENT_IDS, every deployment the API lists becomes a partition."""
    if partitioning.deployment_ids:
        return []
    known = set(context.instance.get_dynamic_partitions(DEPLOYMENTS_PARTITIONS_NAME))
    missing = sorted(str(d.id) for d in client.list_deployments() if str(d.id) not in known)
    return [dg.AddDynamicPartitionsRequest(DEPLOYMENTS_PARTITIONS_NAME, missing)] if missing else []


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
        minimum_interval_seconds=sensor_interval(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=dg.AssetSelection.assets(*report_assets),
    )
    def model_refresh_sensor(context: dg.SensorEvaluationContext, recast: RecastResource):
        after_id = int(context.cursor) if context.cursor else None
        with recast.get_client() as client:
            newest_id, refreshed = refreshed_deployments(client, after_id)
            dynamic = _new_deployment_partitions(context, partitioning, client)
        if partitioning.deployment_ids:
            refreshed = {d: m for d, m in refreshed.items() if d in partitioning.deployment_ids}
        months = recent_months(partitioning, refresh_months())
        requests = [
            request
            for deployment_id, marker in sorted(refreshed.items())
            for request in refresh_requests(partitioning, monthly_keys, deployment_keys, deployment_id, marker, months)
        ]
        cursor = str(newest_id)
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor, dynamic_partitions_requests=dynamic)
        if after_id is None:
            reason = f"Recorded Recast's newest pre-rendered report ({newest_id}); a model refresh after it triggers runs"
        else:
            reason = f"No model refresh of the configured deployments since pre-rendered report {after_id}"
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
