"""One asset per Recast report type, built from the catalog as two subsettable multi-assets.

Why multi-assets: a run that materializes many report types and months must submit all their
reports first and wait for them together (one report's latency, not the sum). One step per
partitions definition does exactly that; ``can_subset`` keeps every report type its own asset in
the UI, and ``BackfillPolicy.single_run`` turns a backfill of many months into that one step.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, List, Sequence

import dagster as dg

from recast_pipeline.orchestration import checks
from recast_pipeline.orchestration.metadata import failure_summary, partition_rows, report_metadata, warehouse_metadata
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.run_config import form_overrides, run_config_class
from recast_pipeline.orchestration.specs import AssetOptions, report_spec
from recast_pipeline.recast.catalog import ReportType

if TYPE_CHECKING:  # the run's machinery is imported when a step runs, not when the code location loads
    from recast_pipeline.pipeline.fetch import PartitionJob

SKIPPED = checks.SKIPPED_METADATA
MONTHLY_ASSETS, DASHBOARD_ASSETS = "recast_monthly_reports", "recast_dashboard_reports"


def asset_key(report_type: str) -> dg.AssetKey:
    """The project's default key of a report type: ``recast/<report_type>``."""
    return AssetOptions().asset_key(report_type)


def _split(options: AssetOptions) -> list[tuple[str, list[ReportType], bool]]:
    """(op name, report types, dated) of each multi-asset the instance's report types need."""
    selected = options.selected()
    monthly = [rt for rt in selected if rt.partitioned_by_month]
    per_dashboard = [rt for rt in selected if not rt.partitioned_by_month]
    parts = [(options.scoped(MONTHLY_ASSETS), monthly, True), (options.scoped(DASHBOARD_ASSETS), per_dashboard, False)]
    return [part for part in parts if part[1]]


def build_report_assets(
    partitioning: Partitioning, options: AssetOptions = AssetOptions(), deps=()
) -> List[dg.AssetsDefinition]:
    """The monthly multi-asset then the dashboard-keyed one (either left out when no type of it is selected)."""
    return [
        _reports_multi_asset(name, types, partitioning, dated, options, deps) for name, types, dated in _split(options)
    ]


def build_report_checks(
    partitioning: Partitioning, options: AssetOptions = AssetOptions()
) -> List[dg.AssetChecksDefinition]:
    """The checks of both multi-assets, as their own (subsettable) definitions."""
    return [
        checks.build_report_checks(
            name,
            {options.asset_key(rt.name): rt for rt in types},
            partitioning,
            dated=dated,
            warehouse_key=options.warehouse_key,
        )
        for name, types, dated in _split(options)
    ]


def _reports_multi_asset(
    name: str, report_types: Sequence[ReportType], partitioning: Partitioning, dated: bool, options: AssetOptions, deps
) -> dg.AssetsDefinition:
    partitions_def = partitioning.dated if dated else partitioning.dashboards
    run_config = run_config_class("".join(p.title() for p in name.split("_")) + "Config", list(report_types))
    by_key = {options.asset_key(rt.name): rt for rt in report_types}

    @dg.multi_asset(
        name=name,
        specs=[report_spec(rt, partitions_def, options, deps) for rt in report_types],
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=options.backfill_policy,
        pool=options.pool,  # one budget against Recast (``recast_api``), shared by every component instance
        op_tags=dict(options.op_tags) or None,
        required_resource_keys={options.recast_key, options.warehouse_key},  # scoped per instance
    )
    def materialize_reports(context: dg.AssetExecutionContext, config: run_config) -> Iterator:  # pyright: ignore[reportInvalidTypeForm]  # a class made per component: Dagster reads it here
        step = ReportStep(
            recast=getattr(context.resources, options.recast_key),
            warehouse=getattr(context.resources, options.warehouse_key),
            config=config,
            selected=[by_key[key] for key in sorted(context.selected_asset_keys, key=str) if key in by_key],
            partitioning=partitioning,
            dated=dated,
            options=options,
        )
        execute = options.execute or (lambda context, step: step.run(context))  # the component's, when it has one
        yield from execute(context, step)

    return materialize_reports


@dataclass(frozen=True)
class ReportStep:
    """One run's report step: its resources, run config and selected report types (what ``execute`` gets)."""

    recast: RecastResource
    warehouse: RecastWarehouse
    config: Any
    selected: Sequence[ReportType]
    partitioning: Partitioning
    dated: bool
    options: AssetOptions

    def run(self, context: dg.AssetExecutionContext) -> Iterator:
        """Plan every form, run the reports on Recast together, land them and yield each asset's output."""
        client = self.recast.get_client()
        try:
            skipped: dict[str, dict[str, str]] = defaultdict(dict)
            jobs = _plan_jobs(
                context,
                self.config,
                self.recast.resolver(client),
                self.selected,
                self.partitioning,
                self.dated,
                skipped,
            )
            yield from _run_jobs(context, jobs, client, self.recast, self.warehouse, self.options, skipped)
        finally:
            client.close()


def _plan_jobs(context, config, resolver, selected, partitioning, dated, skipped=None) -> List["PartitionJob"]:
    """Every form of the run, validated before anything is created on Recast.

    Each dashboard is resolved to its current deployment once, when the run starts. ``skipped``
    collects, per report type, the partition keys Recast cannot compute and why."""
    from recast_pipeline.pipeline.fetch import FormPlanner, PartitionJob, not_applicable

    planner = FormPlanner(resolver.client)
    jobs = []
    for report_type in selected:
        inputs = getattr(config, report_type.name)
        for dagster_key in context.partition_keys:
            target = partitioning.resolve(dagster_key, dated)
            deployment = resolver.deployment_for(target.dashboard)
            reason = not_applicable(report_type.name, deployment)
            if reason is not None:
                context.log.warning(f"{report_type.name} [{dagster_key}] skipped: {reason}")
                if skipped is not None:
                    skipped[report_type.name][dagster_key] = reason
                continue
            form = planner.form(
                report_type.name, deployment, target.month, form_overrides(inputs), inputs.from_report_id
            )
            jobs.append(
                PartitionJob(
                    report_type=report_type.name,
                    dashboard=target.dashboard,
                    deployment_id=deployment.id,
                    model_date=deployment.model_date,
                    partition_key=target.storage_key,
                    form=form,
                    label=f"recast_pipeline {report_type.name} {dagster_key}",
                    force_new=config.force_new_report or inputs.force_new_report,
                    tag=dagster_key,
                    channels=deployment.spend_channels,
                )
            )
    context.log.info(f"Planned {len(jobs)} Recast report(s) for {len(selected)} asset(s)")
    return jobs


def _run_jobs(
    context,
    jobs,
    client,
    recast: RecastResource,
    warehouse: RecastWarehouse,
    options: AssetOptions,
    skipped: dict[str, dict[str, str]],
) -> Iterator:
    """Yield each asset's output as soon as all its partitions are landed (its checks run next, on the warehouse).

    A partition Recast cannot compute (``skipped``) is recorded as an observation saying why, and is part of its
    asset's output with nothing loaded: the run's checks pass over it, and still run (a skipped output would skip
    the whole checks step). When one of an asset's reports fails, its landed partitions are loaded and recorded one
    by one (never the failed one), and the run fails naming what failed."""
    from recast_pipeline.orchestration.charts import prewarm as prewarm_charts
    from recast_pipeline.pipeline.fetch import FailedPartition, LandedPartition, PartitionJob, fetch_partitions
    from recast_pipeline.warehouse.latency import latency_hints

    expected = Counter(job.report_type for job in jobs)
    landed: dict[str, list[LandedPartition]] = defaultdict(list)
    failed: dict[str, list[FailedPartition]] = defaultdict(list)

    def log_event(kind: str, job: PartitionJob, detail: str) -> None:
        context.log.info(f"{job.report_type} [{job.tag}]: {kind} {detail}".rstrip())

    for report_type, reasons in skipped.items():
        for tag, reason in reasons.items():  # what a check of this run must not call "not loaded"
            yield dg.AssetObservation(options.asset_key(report_type), partition=tag, metadata={SKIPPED: reason})
        if not expected[report_type]:  # skipped for every partition of the run
            yield _output(context, [], options.asset_key(report_type), reasons, recast.client_slug)
    hints = latency_hints(warehouse.warehouse())  # Recast's past run times: poll near the expected finish
    prewarm_charts(expected)  # matplotlib's import overlaps the wait for Recast, not the first load
    results = fetch_partitions(
        client,
        warehouse.landing_area(),
        jobs,
        max_in_flight=recast.max_in_flight,
        on_event=log_event,
        latency_hints=hints,
    )
    try:
        for result in results:
            report_type = result.job.report_type
            if isinstance(result, FailedPartition):
                context.log.error(f"{report_type} [{result.job.tag}] failed: {result.error}")
                failed[report_type].append(result)
            else:
                landed[report_type].append(result)
            if len(landed[report_type]) + len(failed[report_type]) < expected[report_type]:
                continue
            partitions = sorted(landed.pop(report_type), key=lambda p: str(p.job.tag))
            asset_key = options.asset_key(report_type)
            if failed[report_type]:  # never shown materialized: load and record the landed ones alone
                yield from _materialize_landed(context, partitions, warehouse, asset_key, recast.client_slug)
            else:
                yield _output(context, partitions, asset_key, skipped.get(report_type, {}), recast.client_slug)
    finally:
        for waiting in landed.values():  # an error escaped: nothing staged for this run may linger
            for partition in waiting:
                partition.stage.discard()
    failures = [f for group in failed.values() for f in group]
    if failures:
        raise dg.Failure(description=failure_summary(failures), allow_retries=False)


def _output(context, partitions, asset_key: dg.AssetKey, skipped: dict[str, str], client_slug: str) -> dg.Output:
    """The asset's output for every partition of the run: the landed ones, and the skipped ones saying why."""
    for tag, rows in partition_rows(partitions).items():
        context.add_asset_metadata({"dagster/partition_row_count": rows}, asset_key=asset_key, partition_key=tag)
    for tag, reason in skipped.items():
        metadata = {SKIPPED: reason, "dagster/partition_row_count": 0}
        context.add_asset_metadata(metadata, asset_key=asset_key, partition_key=tag)
    if partitions:
        metadata = report_metadata(partitions, client_slug)
    else:
        metadata = {SKIPPED: "; ".join(sorted(set(skipped.values())))}
    return dg.Output(partitions, output_name=asset_key.to_python_identifier(), metadata=metadata)


def _materialize_landed(
    context, partitions, warehouse: RecastWarehouse, asset_key: dg.AssetKey, client_slug: str
) -> Iterator:
    """Load the partitions of an asset that landed when another of the run failed, as the IO
    manager loads an output, and record each as a materialization of its own partition: one dashboard's failed
    report in a wave of 200 keeps the other 199 (an output would mark every partition of the run materialized)."""
    from recast_pipeline.orchestration.io_manager import load_landed, table_row_counts

    if not partitions:
        return
    db = warehouse.warehouse()
    results = load_landed(db, partitions, context.log)
    table_rows = table_row_counts(db, db.database_name, {load.qualified_name for r in results for load in r.downloads})
    rows = partition_rows(partitions)
    for landed, result in zip(partitions, results):
        tag = str(landed.job.tag)
        metadata = {
            **report_metadata([landed], client_slug),
            **warehouse_metadata([result], [landed], db.database_name, table_rows),
            "dagster/partition_row_count": rows[tag],
        }
        yield dg.AssetMaterialization(asset_key, partition=tag, metadata=metadata)
