"""Partition definitions of DESIGN.md and the mapping from a partition key to (deployment, period).

One deployment configured: date-based report types are monthly (``2024-01-01``), the others are
keyed by the deployment id (``5716``). Several deployments: date-based types get a two-dimensional
key (``deployment`` × ``month``, shown by Dagster as ``5716|2024-01-01``) and the others one key per
deployment. No deployment configured: the deployment dimension is dynamic (``recast_deployments``)
and is filled from the API by the deployment sensor or ``recast-pipeline deployments sync``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date

import dagster as dg

from recast_pipeline import settings

DEPLOYMENTS_PARTITIONS_NAME = "recast_deployments"
MONTH_DIMENSION = "month"
DEPLOYMENT_DIMENSION = "deployment"


@dataclass(frozen=True)
class PartitionTarget:
    """What one Dagster partition means for Recast: which deployment, which month (if any)."""

    deployment_id: int
    month: date | None

    @property
    def storage_key(self) -> str:
        """The ``partition_key`` column stored in the warehouse: the month, or the deployment id."""
        return self.month.isoformat() if self.month else str(self.deployment_id)


@dataclass(frozen=True)
class Partitioning:
    """The two partitions definitions of a code location and how to read their keys."""

    deployment_ids: tuple[int, ...]
    start: date

    @classmethod
    def from_env(cls) -> "Partitioning":
        return cls(settings.deployment_ids(), settings.partitions_start())

    @cached_property
    def months(self) -> dg.MonthlyPartitionsDefinition:
        return dg.MonthlyPartitionsDefinition(start_date=self.start.isoformat(), fmt="%Y-%m-%d")

    @cached_property
    def deployments(self) -> dg.PartitionsDefinition:
        if self.deployment_ids:
            return dg.StaticPartitionsDefinition([str(i) for i in self.deployment_ids])
        return dg.DynamicPartitionsDefinition(name=DEPLOYMENTS_PARTITIONS_NAME)

    @cached_property
    def dated(self) -> dg.PartitionsDefinition:
        if len(self.deployment_ids) == 1:
            return self.months
        return dg.MultiPartitionsDefinition({MONTH_DIMENSION: self.months, DEPLOYMENT_DIMENSION: self.deployments})

    def resolve(self, partition_key: str, dated: bool) -> PartitionTarget:
        """Turn a Dagster partition key into a target, with an error that names the bad key."""
        try:
            if not dated:
                return PartitionTarget(deployment_id=int(partition_key), month=None)
            if len(self.deployment_ids) == 1:
                return PartitionTarget(self.deployment_ids[0], _month(partition_key))
            deployment, sep, month = partition_key.partition("|")  # dimensions sort: deployment|month
            if not sep:
                raise ValueError("expected '<deployment>|<month>'")
            return PartitionTarget(int(deployment), _month(month))
        except ValueError as exc:
            raise ValueError(f"partition key {partition_key!r} is not a Recast partition: {exc}") from None

    def dated_key(self, deployment_id: int, month: date) -> str:
        """The Dagster key of one deployment's month (inverse of ``resolve``)."""
        if len(self.deployment_ids) == 1:
            return month.isoformat()
        return f"{deployment_id}|{month.isoformat()}"


def _month(key: str) -> date:
    month = date.fromisoformat(key)
    if month.day != 1:
        raise ValueError("a monthly partition key is the month's first day (YYYY-MM-01)")
    return month
