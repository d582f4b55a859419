"""Partition definitions of DESIGN.md and the mapping from a partition key to (dashboard, month).

Keys never depend on the environment, on how many dashboards are loaded, or on model refreshes:
the model dimension is the dashboard (a dynamic dimension, ``recast_dashboards``, stored in the
Dagster instance and filled by the sensors, the demo and ``recast-pipeline dashboards sync``).
Date-based report types are ``dashboard × month`` (``revenue|2024-03-01``); the others are keyed
by dashboard (``revenue``). Which deployment a partition was computed on is data, not key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import cached_property

import dagster as dg

from recast_pipeline.config import settings

DASHBOARDS_PARTITIONS_NAME = "recast_dashboards"
MONTH_DIMENSION = "month"
DASHBOARD_DIMENSION = "dashboard"

# Dagster's documented run tags for a single run over a range of partitions (`dagster job launch --tags`).
PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class PartitionTarget:
    """What one Dagster partition means for Recast: which dashboard, which month (if any)."""

    dashboard: str
    month: date | None

    @property
    def storage_key(self) -> str:
        """The ``partition_key`` column stored in the warehouse: the month, or the dashboard."""
        return self.month.isoformat() if self.month else self.dashboard


@dataclass(frozen=True)
class Partitioning:
    """The two partitions definitions of a code location and how to read their keys."""

    start: date
    dashboards_name: str = DASHBOARDS_PARTITIONS_NAME

    @classmethod
    def from_env(cls) -> Partitioning:
        return cls(settings.Settings.from_env().partitions_start)

    @cached_property
    def months(self) -> dg.MonthlyPartitionsDefinition:
        return dg.MonthlyPartitionsDefinition(start_date=self.start.isoformat(), fmt="%Y-%m-%d")

    @cached_property
    def dashboards(self) -> dg.DynamicPartitionsDefinition:
        return dg.DynamicPartitionsDefinition(name=self.dashboards_name)

    @cached_property
    def dated(self) -> dg.MultiPartitionsDefinition:
        return dg.MultiPartitionsDefinition({DASHBOARD_DIMENSION: self.dashboards, MONTH_DIMENSION: self.months})

    def resolve(self, partition_key: str, dated: bool) -> PartitionTarget:
        """Turn a Dagster partition key into a target, with an error that names the bad key."""
        try:
            if not dated:
                if not partition_key or "|" in partition_key:
                    raise ValueError("expected a dashboard name")
                return PartitionTarget(partition_key, None)
            dashboard, sep, month = partition_key.partition("|")  # dimensions sort: dashboard|month
            if not sep or not dashboard:
                raise ValueError("expected '<dashboard>|<YYYY-MM-01>'")
            return PartitionTarget(dashboard, _month(month))
        except ValueError as exc:
            raise ValueError(f"partition key {partition_key!r} is not a Recast partition: {exc}") from None

    @staticmethod
    def dated_key(dashboard: str, month: date | str) -> str:
        """The Dagster key of one dashboard's month (inverse of ``resolve``)."""
        month_key = month if isinstance(month, str) else month.isoformat()
        return f"{dashboard}|{month_key}"

    def closed_months(self, today: date | None = None) -> Sequence[str]:
        """Monthly keys from the start through the last closed month, oldest first."""
        current = None if today is None else datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
        return self.months.get_partition_keys(current_time=current)


def _month(key: str) -> date:
    month = date.fromisoformat(key)
    if month.day != 1:
        raise ValueError("a monthly partition key is the month's first day (YYYY-MM-01)")
    return month
