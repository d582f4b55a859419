"""``RecastComponent``: one Recast client's report assets, configured in a ``defs.yaml``.

Why a component: Dagster users configure integrations (dagster-fivetran, dagster-dlt,
dagster-sling) in YAML, validated by ``dg check defs``. Each instance builds what
``build_definitions`` builds; unset fields fall back to DESIGN.md's environment variables (read by
``config.settings``), so a ``defs.yaml`` stays small. The token reaches Dagster only as an ``EnvVar``
naming the variable that holds it (``token_env``), never as a value shown in the UI.

Adoptable by another project: the component sets no executor and scopes every resource key by its
instance name, so it sits beside a project's own executor and ``warehouse`` resource. Like the
anchors it offers ``translation:`` (each report asset's spec), ``op:`` (pool, tags, backfill
policy), switches for its jobs, schedules and sensors, and an overridable ``execute``.

Several instances in one project (an agency with several Recast clients) each get their own
names (``name``, default: the key prefix joined with ``_``), asset keys, dynamic partitions and
warehouse (default ``<data dir>/<name>/``), and share the ``recast_api`` pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import dagster as dg
from dagster.components.resolved.core_models import OpSpec
from dagster.components.utils.translation import TranslationFn, TranslationFnResolver

from recast_pipeline.components.scaffolder import RecastScaffolder
from recast_pipeline.config.settings import DEFAULT_DATA_DIR, TOKEN_VARIABLES, Settings, join_location
from recast_pipeline.orchestration.assets import ReportStep
from recast_pipeline.orchestration.automation import Automation
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME, Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse, refuse_secrets
from recast_pipeline.orchestration.specs import DEFAULT_INSTANCE, DEFAULT_OWNERS, DEFAULT_TAGS, POOL, AssetOptions
from recast_pipeline.orchestration.translator import RecastTranslator
from recast_pipeline.recast.catalog import ReportType


class RecastClientArgs(dg.Model, dg.Resolvable):
    """Which Recast client, and which environment variable holds its token."""

    client_slug: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="The client slug of /v1/clients/{slug}/... (default: RECAST_CLIENT_SLUG)",
            examples=["acme", "{{ env('ACME_CLIENT_SLUG') }}"],
        ),
    ] = None
    token_env: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="The environment variable holding the Recast token (default RECAST_PAT, else API_PAT); "
            "Dagster reads it when a run starts, the UI shows only this name",
            examples=["RECAST_PAT", "ACME_RECAST_PAT"],
        ),
    ] = None
    token: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="A literal token, for a local simulator only (the UI would show it): use token_env"
        ),
    ] = None
    base_url: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="The API root (default RECAST_BASE_URL, else https://api.getrecast.com)",
            examples=["https://api.getrecast.com"],
        ),
    ] = None


class AutomationArgs(dg.Model, dg.Resolvable):
    """What runs by itself (declarative automation, evaluated by ``<name>_automation_sensor``)."""

    enabled: Annotated[bool, dg.Resolver.default(description="Evaluate the automation conditions at all")] = True
    month_close: Annotated[
        bool, dg.Resolver.default(description="Materialize a dashboard's closed month once its model covers it")
    ] = True
    refresh: Annotated[
        bool,
        dg.Resolver.default(description="After a model refresh: the recent months and the dashboard partition again"),
    ] = True
    refresh_months: Annotated[
        Optional[int],
        dg.Resolver.default(
            description="Months a refresh re-materializes (default RECAST_REFRESH_MONTHS, else 3)", examples=[3]
        ),
    ] = None


def _translation_scope(report_type: ReportType) -> dict:
    """What a ``translation:`` template sees besides ``spec``: the report type and its catalog area."""
    return {"report_type": report_type.name, "area": report_type.group}


def _translation_resolver() -> TranslationFnResolver:
    resolver = TranslationFnResolver(template_vars_for_translation_fn=_translation_scope)
    resolver.description = (
        "Changes each report asset's spec (key, group, tags, owners, metadata...); "
        "templates see report_type, area and spec"
    )
    resolver.examples = [{"key": "marketing/recast/{{ report_type }}", "tags": {"area": "{{ area }}"}}]
    return resolver


@dg.scaffold_with(RecastScaffolder)
class RecastComponent(dg.Component, dg.Model, dg.Resolvable):
    """Recast report types as partitioned assets (dashboard x month), landed in DuckDB."""

    client: Annotated[RecastClientArgs, dg.Resolver.default(description="Which Recast client and token")] = (
        RecastClientArgs()
    )
    dashboards: Annotated[
        Optional[list[str]],
        dg.Resolver.default(
            description="Dashboards to load (default RECAST_DASHBOARDS, else every active one)",
            examples=[["revenue", "signups"]],
        ),
    ] = None
    report_types: Annotated[
        Optional[list[str]],
        dg.Resolver.default(
            description="Report types to load (default: all 24 of the catalog)",
            examples=[["compute_spend_summary", "compute_insights_overview"]],
        ),
    ] = None
    key_prefix: Annotated[
        list[str], dg.Resolver.default(description="Prefix of every asset key", examples=[["recast"]])
    ] = ["recast"]
    name: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="Scopes resource keys, jobs, sensors, schedules (default: key_prefix joined with _)"
        ),
    ] = None
    group: Annotated[
        Optional[str], dg.Resolver.default(description="One group for every asset (default: one per catalog area)")
    ] = None
    owners: Annotated[list[str], dg.Resolver.default(description="Owners of every asset")] = list(DEFAULT_OWNERS)
    tags: Annotated[dict[str, str], dg.Resolver.default(description="Tags of every asset")] = dict(DEFAULT_TAGS)
    data_dir: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="Landing folder or s3://bucket/prefix (default RECAST_DATA_DIR, else <project root>/data; "
            "another instance: <that>/<name>)"
        ),
    ] = None
    warehouse: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="DuckDB file, ducklake:<catalog> or md:<database> (default RECAST_WAREHOUSE for the "
            "default instance, else <data_dir>/warehouse.duckdb)"
        ),
    ] = None
    partitions_start: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="First monthly partition, YYYY-MM-DD (default RECAST_PARTITIONS_START)", examples=["2024-01-01"]
        ),
    ] = None
    dashboards_partitions: Annotated[
        Optional[str],
        dg.Resolver.default(
            description="Name of the dynamic dashboards partitions (default recast_dashboards, or <name>_dashboards)"
        ),
    ] = None
    automation: Annotated[AutomationArgs, dg.Resolver.default(description="What runs by itself")] = AutomationArgs()
    translation: Optional[Annotated[TranslationFn[ReportType], _translation_resolver()]] = None
    op: Annotated[
        Optional[OpSpec],
        dg.Resolver.default(description="The report steps' pool (default recast_api), tags and backfill policy"),
    ] = None
    jobs: Annotated[
        bool, dg.Resolver.default(description="Define the report jobs and the maintenance job (and so their schedules)")
    ] = True
    schedules: Annotated[
        bool, dg.Resolver.default(description="Define the monthly, weekly and maintenance schedules")
    ] = True
    sensors: Annotated[
        bool, dg.Resolver.default(description="Define the refresh, month-ready and automation sensors")
    ] = True

    def execute(self, context: dg.AssetExecutionContext, step: ReportStep) -> Iterator:
        """What a report step does; override it to wrap the materialization (``yield from super().execute(...)``)."""
        yield from step.run(context)

    def get_translator(self) -> RecastTranslator:
        """The translator of this instance's report assets: ``translation:`` applied to the default spec."""
        return _ComponentTranslator(self.translation)

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        env = Settings.from_env()
        op = self.op or OpSpec()
        options = AssetOptions(
            key_prefix=tuple(self.key_prefix),
            group=self.group,
            owners=tuple(self.owners),
            tags=dict(self.tags),
            name=self.name or "",
            report_types=tuple(self.report_types) if self.report_types is not None else None,
            automation=Automation(**self.automation.model_dump()),
            translator=self.get_translator(),
            op_tags=dict(op.tags or {}),
            pool=op.pool or POOL,
            backfill_policy=op.backfill_policy or dg.BackfillPolicy.single_run(),
            execute=self.execute,
            jobs=self.jobs,
            schedules=self.jobs and self.schedules,
            sensors=self.sensors,
        )
        warehouse = self._warehouse(options, env, Path(context.project_root))
        given = {
            "client_slug": self.client.client_slug,
            "token": self.client.token or _token(self.client.token_env, env),
            "token_variable": self.client.token_env or env.token_variable,
            "base_url": self.client.base_url,
            "dashboards": self.dashboards,
            # The create ledger lives beside the instance's data (default instance: RECAST_DATA_DIR, as before).
            "ledger_path": str(env.ledger_path_for(warehouse.data_dir)),
        }
        defaults = RecastResource.from_env()
        # A new resource, not model_copy: a copied resource keeps the configuration it was built with.
        fields = {name: getattr(defaults, name) for name in RecastResource.model_fields}
        recast = RecastResource(**{**fields, **{key: value for key, value in given.items() if value is not None}})
        start = date.fromisoformat(self.partitions_start) if self.partitions_start else env.partitions_start
        dashboards_name = self.dashboards_partitions or options.scoped(DASHBOARDS_PARTITIONS_NAME)
        return build_definitions(Partitioning(start, dashboards_name), recast, warehouse, options)

    def _warehouse(self, options: AssetOptions, env: Settings, project_root: Path) -> RecastWarehouse:
        """The instance's landing folder and DuckDB file: its own unless given (<data dir>/<name> for others)."""
        if self.warehouse:
            refuse_secrets(self.warehouse, "the component's warehouse attribute")
        if self.data_dir is not None:
            return RecastWarehouse(data_dir=self.data_dir, warehouse_path=self.warehouse or "")
        default = RecastWarehouse.from_env()
        # Without RECAST_DATA_DIR the data lives under the project (a folder with a pyproject.toml),
        # wherever the process was started; an installed package without one keeps ./data.
        under_project = (project_root / "pyproject.toml").is_file()
        data_dir = default.data_dir if env.data_dir_given or not under_project else str(project_root / DEFAULT_DATA_DIR)
        if options.instance == DEFAULT_INSTANCE:
            warehouse_path = self.warehouse or (default.warehouse_path if env.warehouse else "")
            return RecastWarehouse(data_dir=data_dir, warehouse_path=warehouse_path)
        return RecastWarehouse(data_dir=join_location(data_dir, options.instance), warehouse_path=self.warehouse or "")


class _ComponentTranslator(RecastTranslator):
    """The default spec, then the component's ``translation:`` (if any)."""

    def __init__(self, translation: Optional[TranslationFn[ReportType]]):
        self.translation = translation

    def get_asset_spec(self, report_type: ReportType, default_spec: dg.AssetSpec) -> dg.AssetSpec:
        spec = super().get_asset_spec(report_type, default_spec)
        return self.translation(spec, report_type) if self.translation is not None else spec


def _token(token_env: Optional[str], env: Settings):
    """An ``EnvVar`` naming the token's variable (RECAST_PAT falls back to API_PAT); None when it is not
    set, so sensors skip naming the variable instead of failing every tick."""
    if not token_env or token_env == TOKEN_VARIABLES[0]:
        return dg.EnvVar(env.token_variable) if env.token else None
    return dg.EnvVar(token_env) if env.is_set(token_env) else None
