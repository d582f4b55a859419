"""Sensors that keep the warehouse following Recast: model refreshes, and months the model covers.

A refit changes past periods' numbers, and how a refresh shows in the API is not documented, so
the refresh sensor watches every reading (``model_watch``) and re-requests the refreshed
dashboard alone: its recent months and its dashboard-keyed partition, under the same keys. The
month sensor requests a month when the active model's data covers it, not when the calendar
turns, and says in its skip message why a month still waits. Both add the dashboards they see to
the ``recast_dashboards`` partitions, and skip with a message naming the missing variables when
no credentials are set.
"""

from __future__ import annotations

import json
import os
from typing import Sequence

import dagster as dg

from recast_pipeline import settings
from recast_pipeline.model_watch import Refresh, WatchState, detect_refreshes, prerendered_refreshes, ready_months
from recast_pipeline.orchestration.partitions import PARTITION_RANGE_END_TAG, PARTITION_RANGE_START_TAG, Partitioning
from recast_pipeline.orchestration.resources import RecastResource

DEFAULT_REFRESH_MONTHS = 3
DEFAULT_SENSOR_INTERVAL = 60
MONTH_SENSOR_INTERVAL = 3600


def _positive_int(name: str, default: int) -> int:
    value = os.environ.get(name) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def refresh_months() -> int:
    """RECAST_REFRESH_MONTHS: how many recent months a model refresh re-materializes (default 3)."""
    return _positive_int("RECAST_REFRESH_MONTHS", DEFAULT_REFRESH_MONTHS)


def sensor_interval() -> int:
    """RECAST_SENSOR_INTERVAL: seconds between refresh-sensor evaluations (default 60)."""
    return _positive_int("RECAST_SENSOR_INTERVAL", DEFAULT_SENSOR_INTERVAL)


def not_configured(recast: RecastResource) -> dg.SkipReason | None:
    """A skip that names the unset variables, instead of failing every tick with a stack trace."""
    if recast.configured:
        return None
    missing = settings.credentials_missing() or ("RECAST_CLIENT_SLUG", "RECAST_PAT")
    return dg.SkipReason(
        f"Recast is not configured: set {' and '.join(missing)} (see README, 'Pointing at the real Recast API'), "
        "or run `recast-pipeline dev` to use the simulator"
    )


def new_dashboards(context, partitioning: Partitioning, dashboards) -> list:
    """Dashboards Recast has that the instance's ``recast_dashboards`` partitions lack."""
    known = set(context.instance.get_dynamic_partitions(partitioning.dashboards_name))
    missing = sorted(name for name in dashboards if name not in known)
    return [dg.AddDynamicPartitionsRequest(partitioning.dashboards_name, missing)] if missing else []


def month_run(
    partitioning: Partitioning, monthly_keys, dashboard: str, months: Sequence[str], run_key: str, tags: dict
) -> dg.RunRequest:
    """One run over a dashboard's months: a single-run range (or one partition)."""
    first, last = partitioning.dated_key(dashboard, months[0]), partitioning.dated_key(dashboard, months[-1])
    if first == last:
        return dg.RunRequest(run_key=run_key, asset_selection=list(monthly_keys), partition_key=first, tags=tags)
    range_tags = {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}
    return dg.RunRequest(run_key=run_key, asset_selection=list(monthly_keys), tags={**tags, **range_tags})


def refresh_requests(
    partitioning: Partitioning, monthly_keys, dashboard_keys, refresh: Refresh, months: Sequence[str]
) -> list[dg.RunRequest]:
    """The refreshed dashboard alone: its partition of the dashboard-keyed assets and its recent months."""
    tags = {
        "recast/trigger": "model_refresh",
        "recast/dashboard": refresh.dashboard,
        "recast/deployment_id": str(refresh.current.deployment_id),
        "recast/refresh": refresh.reason[:200],
    }
    base = f"model-refresh:{refresh.dashboard}:{refresh.marker}"
    requests = [
        dg.RunRequest(
            run_key=f"{base}:dashboard", asset_selection=list(dashboard_keys), partition_key=refresh.dashboard, tags=tags
        )
    ]
    if months:
        requests.append(month_run(partitioning, monthly_keys, refresh.dashboard, months, f"{base}:months", tags))
    return requests


def build_sensors(partitioning: Partitioning, report_assets: Sequence[dg.AssetsDefinition]) -> list:
    monthly_asset, dashboard_asset = report_assets
    monthly_keys, dashboard_keys = sorted(monthly_asset.keys), sorted(dashboard_asset.keys)

    @dg.sensor(
        name="recast_model_refresh_sensor",
        description="Re-materializes a dashboard's recent months and its dashboard partition when Recast refreshes its model",
        minimum_interval_seconds=sensor_interval(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=dg.AssetSelection.assets(*report_assets),
    )
    def model_refresh_sensor(context: dg.SensorEvaluationContext, recast: RecastResource):
        skip = not_configured(recast)
        if skip is not None:
            return skip
        state = WatchState.parse(context.cursor)
        first_look = not state.versions
        with recast.get_client() as client:
            resolver = recast.resolver(client)
            current = resolver.selected()
            refreshes = detect_refreshes(state, current)
            refreshes += prerendered_refreshes(client, state, current, [r.dashboard for r in refreshes])
            closed = partitioning.closed_months()
            months = {
                r.dashboard: ready_months(closed, resolver.deployment_for(r.dashboard).end_date)[-refresh_months():]
                for r in refreshes
            }
        requests = [
            request
            for refresh in refreshes
            for request in refresh_requests(partitioning, monthly_keys, dashboard_keys, refresh, months[refresh.dashboard])
        ]
        dynamic = new_dashboards(context, partitioning, current)
        if requests:
            for refresh in refreshes:
                context.log.info(f"Model refresh of dashboard {refresh.dashboard}: {refresh.reason}")
            return dg.SensorResult(run_requests=requests, cursor=state.serialize(), dynamic_partitions_requests=dynamic)
        watched = "; ".join(f"{name}: {v.describe()}" for name, v in sorted(state.versions.items()) if name in current)
        if first_look:
            reason = f"Recorded where Recast stands ({watched or 'no dashboards'}); a model refresh after this triggers runs"
        else:
            reason = f"No model refresh since the last look ({watched or 'no dashboards'})"
        return dg.SensorResult(skip_reason=reason, cursor=state.serialize(), dynamic_partitions_requests=dynamic)

    @dg.sensor(
        name="recast_month_ready_sensor",
        description="Materializes a month of every date-based report type once the dashboard's active model covers it",
        minimum_interval_seconds=MONTH_SENSOR_INTERVAL,
        default_status=dg.DefaultSensorStatus.RUNNING,
        asset_selection=dg.AssetSelection.assets(monthly_asset),
    )
    def month_ready_sensor(context: dg.SensorEvaluationContext, recast: RecastResource):
        skip = not_configured(recast)
        if skip is not None:
            return skip
        requested: dict[str, str] = json.loads(context.cursor) if (context.cursor or "").startswith("{") else {}
        closed = partitioning.closed_months()
        requests, notes = [], []
        with recast.get_client() as client:
            resolver = recast.resolver(client)
            current = resolver.selected()
            for dashboard in sorted(current):
                deployment = resolver.deployment_for(dashboard)
                ready = ready_months(closed, deployment.end_date)
                waiting = _waiting_month(closed, ready)
                why = f"the model's data ends {deployment.end_date} (deployment {deployment.id})"
                if not ready:
                    notes.append(f"{dashboard}: no month is covered yet; {why}")
                    continue
                last = requested.get(dashboard)
                months = [ready[-1]] if last is None else [m for m in ready if m > last]
                if months:
                    run_key = f"month-ready:{dashboard}:{months[0]}..{months[-1]}"
                    tags = {"recast/trigger": "month_ready", "recast/dashboard": dashboard}
                    requests.append(month_run(partitioning, monthly_keys, dashboard, months, run_key, tags))
                    requested[dashboard] = months[-1]
                else:
                    notes.append(f"{dashboard}: {last} requested" + (f"; {waiting} waits: {why}" if waiting else ""))
        dynamic = new_dashboards(context, partitioning, current)
        cursor = json.dumps(requested, sort_keys=True)
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor, dynamic_partitions_requests=dynamic)
        return dg.SensorResult(skip_reason="; ".join(notes) or "No dashboards", cursor=cursor, dynamic_partitions_requests=dynamic)

    return [model_refresh_sensor, month_ready_sensor]


def _waiting_month(closed: Sequence[str], ready: Sequence[str]) -> str | None:
    """The first closed month the model does not cover yet (None: every closed month is covered)."""
    later = [m for m in closed if not ready or m > ready[-1]]
    return later[0] if later else None
