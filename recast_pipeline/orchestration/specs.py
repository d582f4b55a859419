"""The asset specs users see before anything runs: keys, groups, owners, tags, tables, code.

Why their own module: what a spec says is a contract (a snapshot test holds it), and the Recast
component sets the parts a team chooses (key prefix, group, owners, tags, automation) here.
The catalog knows each report type's tables up front, so they are on the spec at definition time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import dagster as dg

from recast_pipeline.landing.naming import LINEAGE_COLUMNS, schema_name, table_identifier
from recast_pipeline.orchestration.automation import Automation
from recast_pipeline.orchestration.model_assets import COVERAGE, DEPLOYMENT
from recast_pipeline.orchestration.notices import quiet_dagster_notices
from recast_pipeline.orchestration.translator import RecastTranslator
from recast_pipeline.recast.catalog import REPORT_TYPES, ReportType

KINDS = {"recast", "duckdb", "parquet"}
IO_MANAGER_KEY = "recast_warehouse_io_manager"
DEFAULT_OWNERS = ("team:marketing-analytics",)
DEFAULT_TAGS = {"source": "recast"}
DEFAULT_INSTANCE = "recast"  # the project's own instance keeps DESIGN.md's names
POOL = "recast_api"  # every report step claims it: one budget against Recast for all instances
LINEAGE_TYPES = {
    "dashboard": "VARCHAR",
    "deployment_id": "BIGINT",
    "model_date": "VARCHAR",
    "partition_key": "VARCHAR",
    "report_id": "BIGINT",
    "download_key": "VARCHAR",
    "loaded_at": "TIMESTAMP WITH TIME ZONE",
}
_PACKAGE = Path(__file__).resolve().parent.parent
CODE = (_PACKAGE / "orchestration" / "assets.py", _PACKAGE / "recast" / "catalog.py")


@dataclass(frozen=True)
class AssetOptions:
    """What one set of Recast assets (one component instance) is called, holds and automates.

    Several instances live in one code location (an agency with several Recast clients): every
    name they register (resource keys, jobs, sensors, schedules, dynamic partitions) is scoped by
    ``name``, by default the key prefix joined with ``_``. The default instance keeps today's names.
    """

    key_prefix: tuple[str, ...] = ("recast",)
    group: str | None = None  # None: one group per catalog area, ``recast_<area>``
    owners: tuple[str, ...] = DEFAULT_OWNERS
    tags: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TAGS))
    name: str = ""  # empty: "_".join(key_prefix)
    report_types: tuple[str, ...] | None = None  # None: every catalog type
    automation: Automation = Automation()
    translator: RecastTranslator = RecastTranslator()
    op_tags: Mapping[str, Any] = field(default_factory=dict)  # tags of the report steps (e.g. for run queue limits)
    pool: str = POOL
    backfill_policy: dg.BackfillPolicy | None = dg.BackfillPolicy.single_run()
    execute: Callable | None = None  # the component's ``execute`` (None: the default materialization)
    jobs: bool = True  # the report jobs and the maintenance job (and so their schedules)
    schedules: bool = True
    sensors: bool = True  # the refresh, month-ready and automation sensors

    def __post_init__(self):
        unknown = [name for name in self.report_types or () if name not in REPORT_TYPES]
        if unknown:
            raise ValueError(
                f"report_types: unknown report type(s) {', '.join(map(repr, unknown))}; known: "
                f"{', '.join(sorted(REPORT_TYPES))}"
            )
        if not re.fullmatch(r"[A-Za-z0-9_]+", self.instance):
            raise ValueError(
                f"name: {self.instance!r} cannot scope Dagster names (letters, digits and _ only); "
                "set `name:` when key_prefix has other characters"
            )
        if self.report_types is not None and not self.report_types:
            raise ValueError("report_types: give at least one report type, or leave it out for all of them")

    @property
    def instance(self) -> str:
        return self.name or "_".join(self.key_prefix)

    def scoped(self, base: str) -> str:
        """``base`` for the default instance; ``<instance>_<base without recast_>`` for the others."""
        return base if self.instance == DEFAULT_INSTANCE else f"{self.instance}_{base.removeprefix('recast_')}"

    @property
    def recast_key(self) -> str:
        return self.scoped("recast")

    @property
    def warehouse_key(self) -> str:
        """``recast_warehouse`` (never plain ``warehouse``: a project adopting us may have its own)."""
        return self.scoped("recast_warehouse")

    @property
    def io_manager_key(self) -> str:
        return self.scoped(IO_MANAGER_KEY)

    def selected(self) -> list[ReportType]:
        """The instance's report types, in catalog order."""
        wanted = set(self.report_types or REPORT_TYPES)
        return [rt for name, rt in REPORT_TYPES.items() if name in wanted]

    def default_key(self, report_type: str) -> dg.AssetKey:
        return dg.AssetKey([*self.key_prefix, report_type])

    def asset_key(self, report_type: str) -> dg.AssetKey:
        """The report type's key as the translator gives it (``recast/<report_type>`` by default)."""
        cache = self.__dict__.setdefault("_keys", {})  # frozen, so not a field: specs are built once per type
        if report_type not in cache:
            cache[report_type] = report_spec(REPORT_TYPES[report_type], None, self).key
        return cache[report_type]

    def group_name(self, report_type: ReportType) -> str:
        return self.group or f"recast_{report_type.group}"

    @property
    def model_group(self) -> str:
        return self.group or "recast_model"


def lineage_schema() -> dg.TableSchema:
    """The columns every table of every report type has (data columns come with each load)."""
    return dg.TableSchema(columns=[dg.TableColumn(name=c, type=LINEAGE_TYPES[c]) for c in LINEAGE_COLUMNS])


def code_references() -> dg.CodeReferencesMetadataValue:
    """The modules that define a report asset (Dagster marks these classes beta: not our users' concern)."""
    with quiet_dagster_notices():
        return dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(path)) for path in CODE]
        )


def report_spec(
    report_type: ReportType, partitions_def: dg.PartitionsDefinition | None, options: AssetOptions, deps=()
) -> dg.AssetSpec:
    """A report type's spec, through the instance's translator; it depends on the model event that makes
    its partitions due. What the pipeline runs on (partitions, IO manager, report type) stays ours."""
    automation = options.automation
    if report_type.partitioned_by_month:
        model, condition, freshness = COVERAGE, automation.monthly_condition(), automation.month_freshness()
    else:
        model, condition, freshness = DEPLOYMENT, automation.dashboard_condition(), None
    schema = schema_name(report_type.name)
    tables = [f"{schema}.{table_identifier(t)}" for t in report_type.tables]
    default = dg.AssetSpec(
        key=options.default_key(report_type.name),
        description=report_type.description,
        group_name=options.group_name(report_type),
        kinds=KINDS,
        owners=list(options.owners),
        tags={**options.tags, "recast/area": report_type.group},
        partitions_def=partitions_def,
        deps=[dg.AssetKey([*options.key_prefix, model]), *deps],
        automation_condition=condition,
        freshness_policy=freshness,
        metadata={
            "recast/report_type": report_type.name,
            "recast/prerendered": report_type.prerendered,
            "recast/schema": schema,
            "recast/tables": dg.MetadataValue.json(tables),
            "dagster/column_schema": lineage_schema(),
            "dagster/code_references": code_references(),
        },
        skippable=True,  # a type Recast cannot run on a dashboard's model is skipped, saying why
    )
    spec = options.translator.get_asset_spec(report_type, default)
    return (
        spec.replace_attributes(partitions_def=partitions_def)
        .merge_attributes(metadata={"recast/report_type": report_type.name})
        .with_io_manager_key(options.io_manager_key)
    )
