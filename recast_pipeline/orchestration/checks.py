"""Asset checks of every report asset: what the warehouse holds, per partition.

Why their own definitions (not ``check_specs`` of the report multi-assets): a run that selects
only checks (the UI's "Execute checks", or a job of checks) must evaluate them too, and without
waiting for the ``recast_api`` pool. In a partitioned run they check the run's partitions, right
after the materialization; otherwise every partition the warehouse holds. They read
``recast_meta`` and the tables themselves, so a check fails when the warehouse disagrees with
what the load recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Sequence

import dagster as dg

from recast_pipeline.orchestration.check_queries import (
    SPEND_REPORT_TYPE,
    PartitionRef,
    compare_spend,
    downloads_by_partition,
    loaded_partitions,
)
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastWarehouse
from recast_pipeline.recast.catalog import ReportType

if TYPE_CHECKING:
    from recast_pipeline.warehouse.warehouse import Warehouse

DOWNLOADS_LOADED = "downloads_loaded"
TABLES_HAVE_ROWS = "tables_have_rows"
NO_LOST_COLUMNS = "no_lost_columns"
DAILY_SPEND_MATCHES_TOTAL = "daily_spend_matches_total"
SKIPPED_METADATA = "recast/skipped"  # on an observation of a partition the run skipped: why Recast cannot compute it


def check_specs(report_type: ReportType, asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    specs = [
        dg.AssetCheckSpec(
            DOWNLOADS_LOADED,
            asset=asset_key,
            blocking=True,
            description="Every partition has its report loaded, each download with the rows the load recorded",
        ),
        dg.AssetCheckSpec(
            NO_LOST_COLUMNS, asset=asset_key, description="No table lost columns since its previous load"
        ),
    ]
    if report_type.expects_data:
        specs.append(dg.AssetCheckSpec(TABLES_HAVE_ROWS, asset=asset_key, description="Every loaded table has rows"))
    if report_type.name == SPEND_REPORT_TYPE:
        specs.append(
            dg.AssetCheckSpec(
                DAILY_SPEND_MATCHES_TOTAL,
                asset=asset_key,
                blocking=True,
                description="Daily spend sums to the total per partition",
            )
        )
    return specs


def build_report_checks(
    name: str,
    report_types: dict[dg.AssetKey, ReportType],
    partitioning: Partitioning,
    dated: bool,
    warehouse_key: str = "recast_warehouse",
) -> dg.AssetChecksDefinition:
    """One subsettable check definition per report multi-asset (its partition keys read one way)."""

    @dg.multi_asset_check(
        name=f"{name}_checks",
        specs=[spec for key, rt in report_types.items() for spec in check_specs(rt, key)],
        can_subset=True,
        description="Checks what the warehouse holds for the run's partitions, or for every loaded partition",
        required_resource_keys={warehouse_key},  # one warehouse per component instance
    )
    def report_checks(context):  # no annotations: this module postpones them
        warehouse: RecastWarehouse = getattr(context.resources, warehouse_key)
        op = context.op_execution_context
        keys = op.partition_keys if (op.has_partition_key or op.has_partition_key_range) else None
        db = warehouse.warehouse()
        skipped = _skipped_in_run(op.instance, op.run_id) if keys is not None else {}
        with db.one_reader():  # every check of the step on one connection
            for asset_key in sorted({k.asset_key for k in context.selected_asset_check_keys}, key=str):
                wanted = {k.name for k in context.selected_asset_check_keys if k.asset_key == asset_key}
                passed_over = skipped.get(asset_key, {})
                checked = None if keys is None else [k for k in keys if k not in passed_over]
                if passed_over and not checked:  # Recast cannot compute this type for any partition of the run
                    yield from _all_skipped(report_types[asset_key], asset_key, passed_over, wanted)
                    continue
                refs = _refs(db, report_types[asset_key], partitioning, dated, checked)
                for result in evaluate(db, report_types[asset_key], asset_key, refs):
                    if result.check_name in wanted:
                        yield result

    return report_checks


def _skipped_in_run(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetKey, dict[str, str]]:
    """Partitions the run's report step skipped (a type Recast cannot compute on a dashboard's model), per asset:
    in a run spanning dashboards they are not "not loaded", and another dashboard's checks still pass."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_OBSERVATION).records
    skipped: dict[dg.AssetKey, dict[str, str]] = {}
    for record in records:
        observation = record.event_log_entry.asset_observation
        if observation is not None and observation.partition and SKIPPED_METADATA in observation.metadata:
            reason = str(observation.metadata[SKIPPED_METADATA].value)
            skipped.setdefault(observation.asset_key, {})[observation.partition] = reason
    return skipped


def _all_skipped(
    report_type: ReportType, asset_key: dg.AssetKey, skipped: dict[str, str], wanted
) -> Iterator[dg.AssetCheckResult]:
    for spec in check_specs(report_type, asset_key):
        if spec.name in wanted:
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=spec.name,
                passed=True,
                metadata={"skipped": dg.MetadataValue.json(skipped)},
                description="Recast cannot compute this report type for the run's partitions (skipped, see metadata)",
            )


def _refs(db: Warehouse, report_type: ReportType, partitioning, dated: bool, keys) -> list[PartitionRef]:
    if keys is None:
        return loaded_partitions(db, report_type.name)
    refs = []
    for key in keys:
        target = partitioning.resolve(key, dated)
        refs.append(PartitionRef(target.dashboard, target.storage_key, key))
    return refs


def evaluate(
    db: Warehouse, report_type: ReportType, asset_key: dg.AssetKey, refs: Sequence[PartitionRef]
) -> Iterator[dg.AssetCheckResult]:
    """Every check of one asset over ``refs``. A check that cannot evaluate (no partition to look at,
    a warehouse it cannot read) says so as a warning: only what it finds wrong can block."""
    import duckdb

    from recast_pipeline.warehouse.errors import WarehouseError

    done = set()
    try:
        for result in _evaluate(db, report_type, asset_key, refs):
            done.add(result.check_name)
            yield result
    except (WarehouseError, duckdb.Error, OSError) as exc:
        for name in [spec.name for spec in check_specs(report_type, asset_key) if spec.name not in done]:
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=name,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"Could not evaluate: {type(exc).__name__}: {exc}",
            )


def _evaluate(db, report_type, asset_key, refs) -> Iterator[dg.AssetCheckResult]:
    loaded = downloads_by_partition(db, report_type.name, refs)
    checked = {"partitions_checked": len(refs)}
    if not refs:
        for name in [spec.name for spec in check_specs(report_type, asset_key)]:
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=name,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="No partition of this asset is loaded in the warehouse yet",
                metadata=checked,
            )
        return
    missing = [f"{ref.tag}: not loaded" for ref in refs if ref not in loaded]
    missing += [
        f"{ref.tag}: {d.key} has {d.actual} of {d.recorded} rows"
        for ref, ds in loaded.items()
        for d in ds
        if d.actual != d.recorded
    ]
    yield dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=DOWNLOADS_LOADED,
        passed=not missing,
        metadata={
            **checked,
            "missing": dg.MetadataValue.json(missing),
            "loaded": sum(len(ds) for ds in loaded.values()),
        },
    )
    tables = sorted({d.table for ds in loaded.values() for d in ds})
    yield _lost_columns(db, report_type, asset_key, tables, checked)
    if report_type.expects_data:
        empty = [f"{ref.tag}: {d.key}" for ref, ds in loaded.items() for d in ds if not d.recorded]
        empty += [f"{ref.tag}: no downloads" for ref, ds in loaded.items() if not ds]
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=TABLES_HAVE_ROWS,
            passed=not empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={**checked, "empty": dg.MetadataValue.json(empty)},
        )
    if report_type.name == SPEND_REPORT_TYPE:
        yield _spend_totals(db, asset_key, refs, loaded)


def _lost_columns(db: Warehouse, report_type, asset_key, tables, checked) -> dg.AssetCheckResult:
    lost = {}
    for table in tables:
        history = db.column_history(report_type.name, table, limit=2)
        if len(history) == 2:
            gone = sorted(set(history[1].columns) - set(history[0].columns))
            if gone:
                lost[table] = gone
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=NO_LOST_COLUMNS,
        passed=not lost,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**checked, "lost": dg.MetadataValue.json(lost), "tables": len(tables)},
    )


def _spend_totals(db: Warehouse, asset_key, refs: Sequence, loaded=None) -> dg.AssetCheckResult:
    """Per partition and channel: daily spend vs the total, from ``recast_marts.channel_spend``.

    Blocks only a real mismatch. A partition whose spend tables no mart could read (an unknown
    layout, a download Recast left out) or that is not loaded is a warning naming what was seen."""
    mismatches, unreadable = {}, {}
    for ref in refs:
        if loaded is not None and ref not in loaded:
            unreadable[str(ref.tag)] = ["not loaded"]
            continue
        comparison = compare_spend(db, ref.dashboard, ref.partition_key)
        if comparison.mismatches:
            mismatches[str(ref.tag)] = comparison.mismatches
        if comparison.unreadable:
            unreadable[str(ref.tag)] = comparison.unreadable
    metadata = {
        "mismatches": dg.MetadataValue.json(mismatches),
        "unreadable": dg.MetadataValue.json(unreadable),
        "partitions_compared": len(refs) - len(unreadable),
    }
    if mismatches:
        return dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=DAILY_SPEND_MATCHES_TOTAL,
            passed=False,
            description="Daily spend does not sum to the total",
            metadata=metadata,
        )
    if not unreadable:
        return dg.AssetCheckResult(
            asset_key=asset_key, check_name=DAILY_SPEND_MATCHES_TOTAL, passed=True, metadata=metadata
        )
    description = "Could not compare daily and total spend: " + "; ".join(
        f"{tag}: {', '.join(reasons)}" for tag, reasons in unreadable.items()
    )
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=DAILY_SPEND_MATCHES_TOTAL,
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata=metadata,
    )
