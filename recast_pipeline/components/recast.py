"""``RecastComponent``: one Recast client's report assets, configured in a ``defs.yaml``.

Why a component: Dagster users configure integrations (dagster-fivetran, dagster-dlt,
dagster-sling) in YAML, validated by ``dg check defs``. Each instance builds what
``build_definitions`` builds; unset fields fall back to DESIGN.md's environment variables, so the
project's own ``defs/recast/defs.yaml`` stays small. The token reaches Dagster only as an
``EnvVar`` naming the variable that holds it, never as a value shown in the UI.

Several instances in one project (an agency with several Recast clients) each get their own
names (``name``, default: the key prefix joined with ``_``), asset keys, dynamic partitions and
warehouse (default ``<RECAST_DATA_DIR>/<name>/``), and share the ``recast_api`` pool.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Optional

import dagster as dg

from recast_pipeline.config import settings
from recast_pipeline.orchestration.automation import Automation
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME, Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse, refuse_secrets
from recast_pipeline.orchestration.specs import DEFAULT_INSTANCE, DEFAULT_OWNERS, DEFAULT_TAGS, AssetOptions

TOKEN_VARIABLES = ("RECAST_PAT", "API_PAT")


class RecastClientArgs(dg.Model, dg.Resolvable):
    """Which Recast client: give slug and token as ``{{ env.RECAST_CLIENT_SLUG }}``, ``{{ env.RECAST_PAT }}``."""

    client_slug: Optional[str] = None
    token: Optional[str] = None
    base_url: Optional[str] = None


class AutomationArgs(dg.Model, dg.Resolvable):
    """What runs by itself (declarative automation, evaluated by ``<name>_automation_sensor``)."""

    enabled: bool = True
    month_close: bool = True  # a dashboard's closed month, once its model covers it
    refresh: bool = True  # after a model refresh: the recent months and the dashboard partition
    refresh_months: Optional[int] = None  # default: RECAST_REFRESH_MONTHS, else 3


class RecastComponent(dg.Component, dg.Model, dg.Resolvable):
    """Recast report types as partitioned assets (dashboard x month), landed in DuckDB."""

    client: RecastClientArgs = RecastClientArgs()
    dashboards: Optional[list[str]] = None  # default: RECAST_DASHBOARDS, else every active dashboard
    report_types: Optional[list[str]] = None  # default: every report type of the catalog
    key_prefix: list[str] = ["recast"]
    name: Optional[str] = None  # scopes resource keys, jobs, sensors, schedules; default: "_".join(key_prefix)
    group: Optional[str] = None  # default: one group per catalog area
    owners: list[str] = list(DEFAULT_OWNERS)
    tags: dict[str, str] = dict(DEFAULT_TAGS)
    data_dir: Optional[str] = None  # default: RECAST_DATA_DIR (another instance: RECAST_DATA_DIR/<name>)
    warehouse: Optional[str] = None  # default: RECAST_WAREHOUSE (default instance), else <data_dir>/warehouse.duckdb
    partitions_start: Optional[str] = None  # default: RECAST_PARTITIONS_START
    dashboards_partitions: Optional[str] = None  # default: recast_dashboards (another instance: <name>_dashboards)
    automation: AutomationArgs = AutomationArgs()

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        options = AssetOptions(
            key_prefix=tuple(self.key_prefix), group=self.group, owners=tuple(self.owners), tags=dict(self.tags),
            name=self.name or "",
            report_types=tuple(self.report_types) if self.report_types is not None else None,
            automation=Automation(**self.automation.model_dump()),
        )
        warehouse = self._warehouse(options)
        given = {
            "client_slug": self.client.client_slug,
            "token": _token(self.client.token),
            "base_url": self.client.base_url,
            "dashboards": self.dashboards,
            # The create ledger lives beside the instance's data (default instance: RECAST_DATA_DIR, as before).
            "ledger_path": str(settings.Settings.from_env().ledger_path_for(warehouse.data_dir)),
        }
        env = RecastResource.from_env()
        # A new resource, not model_copy: a copied resource keeps the configuration it was built with.
        fields = {name: getattr(env, name) for name in RecastResource.model_fields}
        recast = RecastResource(**{**fields, **{key: value for key, value in given.items() if value is not None}})
        start = date.fromisoformat(self.partitions_start) if self.partitions_start else Partitioning.from_env().start
        dashboards_name = self.dashboards_partitions or options.scoped(DASHBOARDS_PARTITIONS_NAME)
        return build_definitions(Partitioning(start, dashboards_name), recast, warehouse, options)

    def _warehouse(self, options: AssetOptions) -> RecastWarehouse:
        """The instance's landing folder and DuckDB file: its own unless given (RECAST_DATA_DIR/<name> for others)."""
        env = RecastWarehouse.from_env()
        if self.warehouse:
            refuse_secrets(self.warehouse, "the component's warehouse attribute")
        if self.data_dir is not None:
            return RecastWarehouse(data_dir=self.data_dir, warehouse_path=self.warehouse or "")
        if options.instance == DEFAULT_INSTANCE:
            return RecastWarehouse(data_dir=env.data_dir, warehouse_path=self.warehouse or env.warehouse_path)
        return RecastWarehouse(data_dir=settings.join_location(env.data_dir, options.instance), warehouse_path=self.warehouse or "")


def _token(value: Optional[str]):
    """The variable holding the token, as an EnvVar (the UI shows its name); a literal stays a value."""
    if not value:
        return None
    for name in (*TOKEN_VARIABLES, *sorted(os.environ)):
        if os.environ.get(name) == value:
            return dg.EnvVar(name)
    return value
