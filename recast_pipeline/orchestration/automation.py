"""Declarative automation of the report assets: when a month is due, and what a model refresh re-runs.

Why declarative: the UI then shows, per partition, *why* it was requested (which model event
updated which dependency) instead of a sensor's opaque run request. Recast must still be polled to
learn about refreshes and coverage, so the sensors only *report* what they see, as events of two
external assets (``orchestration/model_assets.py``); the conditions here turn those events into
runs, through one automation-condition sensor per component instance, on by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Sequence

import dagster as dg

# A closed month is due by the 8th of the next month, 09:00 UTC: Recast refits weekly, so a model
# covering the month exists by then. Later, the asset's freshness shows FAIL: the month is overdue.
MONTH_DUE_CRON = "0 9 8 * *"
MONTH_DUE_WINDOW = timedelta(days=7, hours=9)  # a load from the 1st on counts for that deadline


@dataclass(frozen=True)
class Automation:
    """What the component automates (all on by default); ``enabled: false`` turns every part off."""

    enabled: bool = True
    month_close: bool = True  # a dashboard's closed month, once its model covers it
    refresh: bool = True  # after a model refresh: the dashboard's recent months and its dashboard partition
    refresh_months: int | None = None  # None: RECAST_REFRESH_MONTHS (default 3)

    def __post_init__(self):
        if self.refresh_months is not None and self.refresh_months < 1:
            raise ValueError(f"automation.refresh_months must be a positive integer, got {self.refresh_months!r}")

    @property
    def automates_months(self) -> bool:
        return self.enabled and (self.month_close or self.refresh)

    @property
    def automates_dashboards(self) -> bool:
        return self.enabled and self.refresh

    def monthly_condition(self) -> dg.AutomationCondition | None:
        """Date-based types: a month the model newly covers, or one a refresh recomputed."""
        return report_condition("model covers or refreshed this month") if self.automates_months else None

    def dashboard_condition(self) -> dg.AutomationCondition | None:
        """Dashboard-keyed types: a dashboard whose deployment was first seen or refreshed."""
        return report_condition("model deployment first seen or refreshed") if self.automates_dashboards else None

    def month_freshness(self) -> dg.FreshnessPolicy | None:
        """When a month's partition is due (shown as the asset's freshness in the UI)."""
        if not (self.enabled and self.month_close):
            return None
        return month_due_policy()


@cache
def month_due_policy() -> dg.FreshnessPolicy:
    """One policy for every date-based type: each construction samples ~20 years of cron ticks to validate it."""
    return dg.FreshnessPolicy.cron(deadline_cron=MONTH_DUE_CRON, lower_bound_delta=MONTH_DUE_WINDOW)


def report_condition(label: str) -> dg.AutomationCondition:
    """Request a partition once per update of its model dependency, never while it is running.

    ``since_last_handled`` makes one model event one request: a failed run is not re-requested in a
    loop, only the next model event requests the partition again.
    """
    return (
        dg.AutomationCondition.any_deps_updated()
        .since_last_handled()
        .with_label("model dependency updated since last run")
        & ~dg.AutomationCondition.in_progress()
    ).with_label(label)


def automation_sensor(
    name: str, report_assets: Sequence[dg.AssetsDefinition], interval: int
) -> dg.AutomationConditionSensorDefinition:
    """Evaluates the report assets' conditions; RUNNING by default (Dagster's own default sensor ships STOPPED)."""
    return dg.AutomationConditionSensorDefinition(
        name,
        minimum_interval_seconds=interval,
        target=dg.AssetSelection.assets(*report_assets),
        default_status=dg.DefaultSensorStatus.RUNNING,
        run_tags={"recast/trigger": "automation"},
        # What is due in one evaluation becomes one backfill, which Dagster runs by the assets'
        # BackfillPolicy.single_run(): one run per partition-key range, grouped along the dimension
        # with fewer distinct keys (a month close: one run per month spanning the due dashboards that
        # are contiguous in the recast_dashboards order; gaps split it, partitions not due are never
        # added). A lone due partition stays a plain run. The run's checks pass over the partitions it
        # skipped (a type Recast cannot compute on one dashboard's model), see checks.py.
        emit_backfills=True,
        description="Runs report partitions whose model dependency changed: a month the model now covers, or a refresh",
    )


def wave_run_requests(
    defs: dg.Definitions, instance: dg.DagsterInstance, requested: dg.EvaluateAutomationConditionsResult
) -> list:
    """The runs Dagster's backfill daemon launches for what one automation evaluation requested: per
    partitions definition and backfill policy, one run per partition-key range (Dagster's own function).
    For running a tick's wave in process (tests, ``benchmarks/wave.py``); production leaves it to the daemon."""
    from dagster._core.definitions.automation_tick_evaluation_context import build_run_requests_with_backfill_policies
    from dagster._core.definitions.events import AssetKeyPartitionKey
    from dagster._core.definitions.partitions.context import partition_loading_context

    graph = defs.resolve_asset_graph()
    partitions = [
        AssetKeyPartitionKey(key, partition)
        for key in sorted(graph.materializable_asset_keys, key=str)
        for partition in requested.get_requested_partitions(key) or ()
    ]
    with partition_loading_context(dynamic_partitions_store=instance):  # as the daemon: the dashboards are dynamic
        return list(build_run_requests_with_backfill_policies(partitions, graph, instance))
