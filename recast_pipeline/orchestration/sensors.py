"""Sensors that poll Recast and report what changed as events of the model assets; automation runs the reports.

A refit changes past periods' numbers, and how a refresh shows in the API is not documented, so
the refresh sensor watches every reading (``model_watch``) and records a refreshed dashboard as an
update of ``<prefix>/model_deployment`` (and of the recent months it recomputes in
``<prefix>/model_coverage``). The month sensor records a closed month in ``model_coverage`` when
the active model's data covers it, not when the calendar turns, and says in its skip message why
a month still waits. Declarative automation (``automation.py``) requests the report partitions that
depend on what was recorded. Both sensors add the dashboards they see to the dashboards partitions,
and skip with a message naming the missing variables when no credentials are set.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Sequence

import dagster as dg

from recast_pipeline.config import settings
from recast_pipeline.orchestration.model_assets import coverage_event, data_version, deployment_event, recorded_version
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.specs import AssetOptions
from recast_pipeline.recast.model_watch import (
    ModelVersion,
    WatchState,
    detect_refreshes,
    prerendered_refreshes,
    ready_months,
)

MONTH_SENSOR_INTERVAL = 3600
LOADED_CHECK_TIMEOUT = 5.0  # seconds a tick waits for a DuckDB file a run is loading; then it assumes "not loaded"


def refresh_months() -> int:
    """RECAST_REFRESH_MONTHS: how many recent months a model refresh re-materializes (default 3)."""
    return settings.Settings.from_env().refresh_months


def sensor_interval() -> int:
    """RECAST_SENSOR_INTERVAL: seconds between evaluations of the refresh and automation sensors (default 60)."""
    return settings.Settings.from_env().sensor_interval


def not_configured(recast: RecastResource) -> dg.SkipReason | None:
    """A skip that names the unset variables, instead of failing every tick with a stack trace."""
    if recast.configured:
        return None
    unset = (("RECAST_CLIENT_SLUG", recast.client_slug), (recast.token_variable, recast.token))
    missing = [name for name, value in unset if not value] or ["RECAST_CLIENT_SLUG", recast.token_variable]
    return dg.SkipReason(
        f"Recast is not configured: set {' and '.join(missing)} (see README, 'Pointing at the real Recast API'), "
        "or run `recast-pipeline dev` to use the simulator"
    )


def new_dashboards(context, partitioning: Partitioning, dashboards) -> list:
    """Dashboards Recast has that the instance's ``recast_dashboards`` partitions lack."""
    known = set(context.instance.get_dynamic_partitions(partitioning.dashboards_name))
    missing = sorted(name for name in dashboards if name not in known)
    return [dg.AddDynamicPartitionsRequest(partitioning.dashboards_name, missing)] if missing else []


ALREADY_LOADED = "already loaded from this model: nothing to run (recorded as an observation)"


class LoadedCheck:
    """Asks the warehouse whether a first sighting's report partitions are loaded from that model already
    (``loaded_models``); on any doubt (no warehouse given or yet, the file busy, an error) the answer is
    no, and the sighting makes them due, as before."""

    def __init__(self, context: dg.SensorEvaluationContext, warehouse: RecastWarehouse | None, options: AssetOptions):
        from recast_pipeline.warehouse.warehouse import Warehouse

        self.context, self.options = context, options
        self.warehouse = (
            None
            if warehouse is None
            else Warehouse(
                warehouse.location,
                lock_timeout=LOADED_CHECK_TIMEOUT,
                ducklake_data_path=warehouse.ducklake_data_path or None,
            )
        )

    def current(self, dashboard: str, partition_key: str, *, dated: bool, detail) -> bool:
        from recast_pipeline.pipeline.loaded_models import is_current

        if self.warehouse is None:
            return False
        types = [rt for rt in self.options.selected() if rt.partitioned_by_month == dated]
        try:
            return is_current(self.warehouse, dashboard, partition_key, types, detail)
        except Exception as error:  # noqa: BLE001 - a doubt: the partitions become due, as before
            self.context.log.warning(
                f"Could not read what the warehouse holds for {dashboard} {partition_key}: {error}"
            )
            return False


def build_sensors(
    partitioning: Partitioning, options: AssetOptions = AssetOptions(), warehouse: RecastWarehouse | None = None
) -> list:
    """The refresh sensor (always: the model's history stays visible), and the month sensor when months are
    automated."""
    prefix, automation, resource_key = options.key_prefix, options.automation, options.recast_key
    months_back = automation.refresh_months

    @dg.sensor(
        name=options.scoped("recast_model_refresh_sensor"),
        description="Records each dashboard's deployment when first seen and on every model refresh "
        "(model_deployment), and the recent months a refresh recomputes (model_coverage); "
        "automation re-runs their reports",
        minimum_interval_seconds=sensor_interval(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        required_resource_keys={resource_key},
    )
    def model_refresh_sensor(context: dg.SensorEvaluationContext):
        recast: RecastResource = getattr(context.resources, resource_key)
        skip = not_configured(recast)
        if skip is not None:
            return skip
        state = WatchState.parse(context.cursor)
        first_look = not state.versions
        with recast.get_client() as client:
            resolver = recast.resolver(client)
            current = resolver.selected()
            unseen = [name for name in sorted(current) if name not in state.versions]
            refreshes = detect_refreshes(state, current)
            refreshes += prerendered_refreshes(client, state, current, [r.dashboard for r in refreshes])
            refreshed = {r.dashboard: resolver.deployment_for(r.dashboard) for r in refreshes}
            loaded = LoadedCheck(context, warehouse, options)
            events = []
            for name in unseen:
                first_seen = f"first seen: {ModelVersion.of(current[name]).describe()}"
                if loaded.current(name, name, dated=False, detail=lambda name=name: resolver.deployment_for(name)):
                    events.append(
                        deployment_event(prefix, name, current[name], f"{first_seen}; {ALREADY_LOADED}", due=False)
                    )
                else:
                    events.append(deployment_event(prefix, name, current[name], first_seen))
        closed = partitioning.closed_months()
        for refresh in refreshes:
            deployment = refreshed[refresh.dashboard]
            events.append(deployment_event(prefix, refresh.dashboard, deployment, f"model refresh: {refresh.reason}"))
            if automation.refresh:
                recent = ready_months(closed, deployment.end_date)[-(months_back or refresh_months()) :]
                why = f"model refresh: {refresh.reason}; recomputes this month"
                events += [coverage_event(prefix, refresh.dashboard, month, deployment, why) for month in recent]
            context.log.info(f"Model refresh of dashboard {refresh.dashboard}: {refresh.reason}")
        watched = "; ".join(f"{name}: {v.describe()}" for name, v in sorted(state.versions.items()) if name in current)
        if refreshes:
            reason = "Recorded model refresh(es): " + "; ".join(f"{r.dashboard}: {r.reason}" for r in refreshes)
        elif first_look:
            reason = (
                f"Recorded where Recast stands ({watched or 'no dashboards'}) in model_deployment; automation loads "
                "each "
                "dashboard first seen, and its reports again after every model refresh"
            )
        else:
            reason = f"No model refresh since the last look ({watched or 'no dashboards'})"
        return dg.SensorResult(
            skip_reason=reason,
            asset_events=events,
            cursor=state.serialize(),
            dynamic_partitions_requests=new_dashboards(context, partitioning, current),
        )

    @dg.sensor(
        name=options.scoped("recast_month_ready_sensor"),
        description="Records a closed month in model_coverage once the dashboard's active model covers it; "
        "automation then materializes that month of every date-based report type",
        minimum_interval_seconds=MONTH_SENSOR_INTERVAL,
        default_status=dg.DefaultSensorStatus.RUNNING,
        required_resource_keys={resource_key},
    )
    def month_ready_sensor(context: dg.SensorEvaluationContext):
        recast: RecastResource = getattr(context.resources, resource_key)
        skip = not_configured(recast)
        if skip is not None:
            return skip
        recorded, known = _month_cursor(context.cursor)
        closed = partitioning.closed_months()
        events, notes = [], []
        loaded = LoadedCheck(context, warehouse, options)
        with recast.get_client() as client:
            resolver = recast.resolver(client)
            current = resolver.selected()
            for dashboard in sorted(current):
                model = _known_model(known.get(dashboard), current[dashboard], closed)
                if model is None:  # first look, another deployment or model version, or a month still waits
                    deployment = resolver.deployment_for(dashboard)
                    model = {
                        "id": deployment.id,
                        "version": _list_version(current[dashboard]),
                        "end": deployment.end_date.isoformat() if deployment.end_date else None,
                    }
                known[dashboard] = model
                end_date = date.fromisoformat(model["end"]) if model["end"] else None
                ready = ready_months(closed, end_date)
                waiting = _waiting_month(closed, ready)
                why = f"the model's data ends {end_date} (deployment {model['id']})"
                if not ready:
                    notes.append(f"{dashboard}: no month is covered yet; {why}")
                    continue
                last = recorded.get(dashboard)
                months = [ready[-1]] if last is None else [m for m in ready if m > last]
                if months:  # a month newly covered: the events carry the deployment's detail
                    deployment = resolver.deployment_for(dashboard)
                    version = data_version(deployment)
                for month in months:  # a refresh may have recorded it already under this model version
                    if recorded_version(context.instance, prefix, dashboard, month) != version:
                        covered = f"month closed and covered: {why}"
                        if last is None and loaded.current(dashboard, month, dated=True, detail=lambda d=deployment: d):
                            events.append(
                                coverage_event(
                                    prefix, dashboard, month, deployment, f"{covered}; {ALREADY_LOADED}", due=False
                                )
                            )
                        else:
                            events.append(coverage_event(prefix, dashboard, month, deployment, covered))
                if months:
                    recorded[dashboard] = months[-1]
                notes.append(
                    f"{dashboard}: {recorded[dashboard]} recorded" + (f"; {waiting} waits: {why}" if waiting else "")
                )
        models = {d: m for d, m in known.items() if d in current}
        cursor = json.dumps({"recorded": recorded, "models": models}, sort_keys=True)
        return dg.SensorResult(
            skip_reason="; ".join(notes) or "No dashboards",
            asset_events=events,
            cursor=cursor,
            dynamic_partitions_requests=new_dashboards(context, partitioning, current),
        )

    return [model_refresh_sensor] + ([month_ready_sensor] if automation.enabled and automation.month_close else [])


def _waiting_month(closed: Sequence[str], ready: Sequence[str]) -> str | None:
    """The first closed month the model does not cover yet (None: every closed month is covered)."""
    later = [m for m in closed if not ready or m > ready[-1]]
    return later[0] if later else None


def _month_cursor(cursor: str | None) -> tuple[dict[str, str], dict[str, dict]]:
    """(last month recorded per dashboard, what the last tick read of each dashboard's model); a cursor of
    earlier versions held the months alone."""
    data = json.loads(cursor) if cursor and cursor.startswith("{") else {}
    if isinstance(data.get("recorded"), dict):
        return dict(data["recorded"]), dict(data.get("models") or {})
    return data, {}


def _list_version(row) -> str | None:
    """The model version a deployment list row shows (None: the row shows neither model_date nor updated_at)."""
    if row.model_date is None and row.updated_at is None:
        return None
    return data_version(row)


def _known_model(model: dict | None, row, closed: Sequence[str]) -> dict | None:
    """What the last tick read of a dashboard's model, when it still holds, so a tick costs no detail
    request per dashboard: the same deployment and the same version in the list row; or, when list rows
    show no version (``id`` and ``name`` only), the same deployment whose data already covers every
    closed month (no month can newly become covered for it; a refresh is the refresh sensor's to record)."""
    if model is None or model.get("id") != row.id:
        return None
    version = _list_version(row)
    if version is not None:
        return model if model.get("version") == version else None
    if not (model.get("end") and closed):
        return None
    return model if _waiting_month(closed, ready_months(closed, date.fromisoformat(model["end"]))) is None else None
