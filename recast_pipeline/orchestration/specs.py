"""The asset specs users see before anything runs: keys, groups, owners, tags, tables, code.

Why their own module: what a spec says is a contract (a snapshot test holds it), and the Recast
component sets the parts a team chooses (key prefix, group, owners, tags, automation) here.
The catalog knows each report type's tables up front, so they are on the spec at definition time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import dagster as dg

from recast_pipeline.landing.naming import LINEAGE_COLUMNS, schema_name, table_identifier
from recast_pipeline.recast.catalog import ReportType

KINDS = {"recast", "duckdb", "parquet"}
IO_MANAGER_KEY = "recast_warehouse_io_manager"
DEFAULT_OWNERS = ("team:marketing-analytics",)
DEFAULT_TAGS = {"source": "recast"}
LINEAGE_TYPES = {
    "dashboard": "VARCHAR", "deployment_id": "BIGINT", "model_date": "VARCHAR", "partition_key": "VARCHAR",
    "report_id": "BIGINT", "download_key": "VARCHAR", "loaded_at": "TIMESTAMP WITH TIME ZONE",
}
_PACKAGE = Path(__file__).resolve().parent.parent
CODE = (_PACKAGE / "orchestration" / "assets.py", _PACKAGE / "recast" / "catalog.py")


@dataclass(frozen=True)
class AssetOptions:
    """What one set of Recast assets is called and who owns it (defaults: the project's own)."""

    key_prefix: tuple[str, ...] = ("recast",)
    group: str | None = None  # None: one group per catalog area, ``recast_<area>``
    owners: tuple[str, ...] = DEFAULT_OWNERS
    tags: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TAGS))
    automation_condition: dg.AutomationCondition | None = None

    def asset_key(self, report_type: str) -> dg.AssetKey:
        return dg.AssetKey([*self.key_prefix, report_type])

    def group_name(self, report_type: ReportType) -> str:
        return self.group or f"recast_{report_type.group}"


def lineage_schema() -> dg.TableSchema:
    """The columns every table of every report type has (data columns come with each load)."""
    return dg.TableSchema(columns=[dg.TableColumn(name=c, type=LINEAGE_TYPES[c]) for c in LINEAGE_COLUMNS])


def code_references() -> dg.CodeReferencesMetadataValue:
    """The modules that define a report asset (Dagster marks these classes beta: not our users' concern)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(path)) for path in CODE]
        )


def report_spec(
    report_type: ReportType, partitions_def: dg.PartitionsDefinition, options: AssetOptions, deps=()
) -> dg.AssetSpec:
    schema = schema_name(report_type.name)
    tables = [f"{schema}.{table_identifier(t)}" for t in report_type.tables]
    return dg.AssetSpec(
        key=options.asset_key(report_type.name),
        description=report_type.description,
        group_name=options.group_name(report_type),
        kinds=KINDS,
        owners=list(options.owners),
        tags={**options.tags, "recast/area": report_type.group},
        partitions_def=partitions_def,
        deps=list(deps),
        automation_condition=options.automation_condition,
        metadata={
            "recast/report_type": report_type.name,
            "recast/prerendered": report_type.prerendered,
            "recast/schema": schema,
            "recast/tables": dg.MetadataValue.json(tables),
            "dagster/column_schema": lineage_schema(),
            "dagster/code_references": code_references(),
        },
        skippable=True,  # a type Recast cannot run on a dashboard's model is skipped, saying why
    ).with_io_manager_key(IO_MANAGER_KEY)
