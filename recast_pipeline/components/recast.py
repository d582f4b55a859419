"""``RecastComponent``: one Recast client's report assets, configured in a ``defs.yaml``.

Why a component: Dagster users configure integrations (dagster-fivetran, dagster-dlt,
dagster-sling) in YAML, validated by ``dg check defs``. Each instance builds what
``build_definitions`` builds; unset fields fall back to DESIGN.md's environment variables, so the
project's own ``defs/recast/defs.yaml`` stays small. The token reaches Dagster only as an
``EnvVar`` naming the variable that holds it, never as a value shown in the UI.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Optional

import dagster as dg

from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME, Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.specs import DEFAULT_OWNERS, DEFAULT_TAGS, AssetOptions

TOKEN_VARIABLES = ("RECAST_PAT", "API_PAT")


class RecastClientArgs(dg.Model, dg.Resolvable):
    """Which Recast client: give slug and token as ``{{ env.RECAST_CLIENT_SLUG }}``, ``{{ env.RECAST_PAT }}``."""

    client_slug: Optional[str] = None
    token: Optional[str] = None
    base_url: Optional[str] = None


class RecastComponent(dg.Component, dg.Model, dg.Resolvable):
    """Recast report types as partitioned assets (dashboard x month), landed in DuckDB."""

    client: RecastClientArgs = RecastClientArgs()
    dashboards: Optional[list[str]] = None  # default: RECAST_DASHBOARDS, else every active dashboard
    key_prefix: list[str] = ["recast"]
    group: Optional[str] = None  # default: one group per catalog area
    owners: list[str] = list(DEFAULT_OWNERS)
    tags: dict[str, str] = dict(DEFAULT_TAGS)
    data_dir: Optional[str] = None  # default: RECAST_DATA_DIR
    warehouse: Optional[str] = None  # default: RECAST_WAREHOUSE, else <data_dir>/warehouse.duckdb
    partitions_start: Optional[str] = None  # default: RECAST_PARTITIONS_START
    dashboards_partitions: str = DASHBOARDS_PARTITIONS_NAME

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        env = RecastResource.from_env()
        recast = env.model_copy(
            update={
                key: value
                for key, value in {
                    "client_slug": self.client.client_slug,
                    "token": _token(self.client.token),
                    "base_url": self.client.base_url,
                    "dashboards": self.dashboards,
                }.items()
                if value is not None
            }
        )
        warehouse = RecastWarehouse.from_env()
        if self.data_dir is not None:
            warehouse = RecastWarehouse(data_dir=self.data_dir, warehouse_path=self.warehouse or "")
        elif self.warehouse is not None:
            warehouse = RecastWarehouse(data_dir=warehouse.data_dir, warehouse_path=self.warehouse)
        start = date.fromisoformat(self.partitions_start) if self.partitions_start else Partitioning.from_env().start
        options = AssetOptions(
            key_prefix=tuple(self.key_prefix), group=self.group, owners=tuple(self.owners), tags=dict(self.tags)
        )
        return build_definitions(Partitioning(start, self.dashboards_partitions), recast, warehouse, options)


def _token(value: Optional[str]):
    """The variable holding the token, as an EnvVar (the UI shows its name); a literal stays a value."""
    if not value:
        return None
    for name in (*TOKEN_VARIABLES, *sorted(os.environ)):
        if os.environ.get(name) == value:
            return dg.EnvVar(name)
    return value
