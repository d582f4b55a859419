"""The DuckDB warehouse IO manager: loads landed reports, hands partitions' tables downstream."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Sequence, cast

import dagster as dg

from recast_pipeline.orchestration.metadata import refit_metadata, warehouse_metadata
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastWarehouse
from recast_pipeline.recast.catalog import resolve

if TYPE_CHECKING:  # a run's types: loading the code location imports neither the fetch machinery nor DuckDB
    from recast_pipeline.pipeline.fetch import LandedPartition
    from recast_pipeline.warehouse.load_types import ReportLoad


def report_load(landed: LandedPartition) -> ReportLoad:
    from recast_pipeline.warehouse.load_types import ReportLoad

    report, job = landed.report, landed.job
    return ReportLoad(
        report_id=report.id,
        report_type=job.report_type,
        dashboard=job.dashboard,
        deployment_id=job.deployment_id,
        model_date=job.model_date,
        partition_key=job.partition_key,
        name=report.name,
        status=report.status,
        prerendered=report.prerendered,
        form=dict(report.form or job.form),
        created_at=report.created_at,
        # when we saw it finished, not Recast's updated_at: what that means is not documented (it may
        # never move, or move on every read)
        finished_at=landed.seen_final_at or report.updated_at,
        queued_seconds=landed.queued_seconds,
        waited_seconds=landed.waited_seconds,
        descriptions={d.key: d.description for d in report.downloads},
        channels=job.channels,
    )


def load_landed(warehouse, partitions: Sequence[LandedPartition], log) -> list:
    """Load each landed partition (one transaction each, one writer connection for all), publishing
    its Parquet right after its commit; the load results."""

    def publish(index: int, result) -> None:
        landed = partitions[index]
        for key, why in result.unread.items():  # never fails the load: the raw table keeps every row
            log.warning(f"{landed.job.tag}: recast_marts could not read download {key!r}: {why}")
        landed.stage.publish()

    try:
        return warehouse.load_partitions([(report_load(p), p.stage.tables) for p in partitions], on_loaded=publish)
    finally:  # a failed load (busy file, schema conflict) leaves no staged copies behind
        for landed in partitions:
            landed.stage.discard()


def table_row_counts(warehouse, database: str, qualified_names) -> dict[str, int]:
    """Rows of each table now, all partitions, as ``database.schema.table``.

    One query for all tables: every ``query`` opens its own read connection to the file."""
    names = sorted(qualified_names)
    if not names:
        return {}
    _, [counts] = warehouse.query("SELECT " + ", ".join(f"(SELECT count(*) FROM {name})" for name in names))
    return {f"{database}.{name.replace(chr(34), '')}": rows for name, rows in zip(names, counts)}


def add_partition_charts(context: dg.OutputContext, warehouse, results, partitions) -> None:
    """Each partition's charts on its own materialization (``orchestration.charts``); a chart that
    cannot be drawn is a note, and an error here is a warning: the load already succeeded."""
    from recast_pipeline.orchestration.charts import partition_chart_metadata

    try:
        by_partition = partition_chart_metadata(warehouse, results, partitions)
    except Exception as error:  # noqa: BLE001 - charts never fail a run
        context.log.warning(f"charts not drawn: {type(error).__name__}: {error}")
        return
    if not context.has_asset_partitions:
        return
    for partition_key, entries in by_partition.items():
        if partition_key in context.asset_partition_keys:
            context.step_context.add_asset_metadata(entries, asset_key=context.asset_key, partition_key=partition_key)


_WAREHOUSE_FIELDS = tuple(RecastWarehouse.model_fields)  # the IO manager carries the warehouse's settings, all of them


class DuckDBWarehouseIOManager(dg.ConfigurableIOManager):
    """Each partition's load is one DuckDB transaction; its Parquet is published right after.

    It repeats ``RecastWarehouse``'s fields rather than nesting the resource: Dagster initializes
    nested resources through a deprecated context attribute (``InitResourceContext.dagster_run``).
    """

    # pydantic takes a FieldInfo as the field's definition (default and description); typed Any like Field()
    data_dir: str = cast(Any, RecastWarehouse.model_fields["data_dir"])
    warehouse_path: str = cast(Any, RecastWarehouse.model_fields["warehouse_path"])
    ducklake_data_path: str = cast(Any, RecastWarehouse.model_fields["ducklake_data_path"])
    lock_timeout: float = cast(Any, RecastWarehouse.model_fields["lock_timeout"])

    @classmethod
    def of(cls, warehouse: RecastWarehouse) -> DuckDBWarehouseIOManager:
        return cls(**{name: getattr(warehouse, name) for name in _WAREHOUSE_FIELDS})

    @property
    def _warehouse(self) -> RecastWarehouse:
        return RecastWarehouse(**{name: getattr(self, name) for name in _WAREHOUSE_FIELDS})

    def handle_output(self, context: dg.OutputContext, obj: Sequence[LandedPartition]) -> None:
        warehouse = self._warehouse.warehouse()
        results = load_landed(warehouse, obj, context.log)
        database = warehouse.database_name
        with warehouse.one_reader():  # the output's metadata and charts read on one connection
            table_rows = table_row_counts(
                warehouse, database, {load.qualified_name for r in results for load in r.downloads}
            )
            context.add_output_metadata(
                {**warehouse_metadata(results, obj, database, table_rows), **refit_metadata(warehouse, results)}
            )
            add_partition_charts(context, warehouse, results, obj)

    def load_input(self, context: dg.InputContext) -> Any:
        """One partition: ``{table: DataFrame}``; several: ``{partition_key: {table: DataFrame}}``."""
        upstream = context.upstream_output.definition_metadata if context.upstream_output else None
        # the spec's report type (a translator may have renamed the key); else the default key's last part
        report_type = str((upstream or {}).get("recast/report_type") or context.asset_key.path[-1])
        rt = resolve(report_type)
        dated = bool(rt and rt.partitioned_by_month)
        partitioning = Partitioning(start=date.min)  # start: irrelevant to reading keys
        warehouse = self._warehouse.warehouse()
        keys = context.asset_partition_keys if context.has_asset_partitions else []
        tables = {}
        for key in keys:
            target = partitioning.resolve(key, dated)
            tables[key] = warehouse.read_partition(report_type, target.dashboard, target.storage_key)
        return tables[keys[0]] if len(keys) == 1 else tables
