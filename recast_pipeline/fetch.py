"""Run many Recast reports at once and land every download of each as staged Parquet.

This is the engine under the Dagster assets, the demo and the benchmarks (no Dagster here):
forms are all built and validated before the first request that creates anything, reports are
submitted up to the in-flight cap and polled together, and each finished report's downloads are
fetched and converted on a small thread pool while the others keep computing.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, Sequence

from recast_pipeline.landing import LandingArea, Lineage, Stage
from recast_pipeline.recast.batch import ReportOutcome, ReportRequest, run_reports
from recast_pipeline.recast.catalog import ALIASES, parse_download_key
from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.errors import NotFoundError
from recast_pipeline.recast.forms import build_form, form_from_report, validate_form
from recast_pipeline.recast.models import Deployment, Report

DOWNLOAD_WORKERS = 4


@dataclass(frozen=True)
class PartitionJob:
    """One report to run: a report type for one deployment and partition."""

    report_type: str
    deployment_id: int
    partition_key: str  # as stored in the warehouse: the month (YYYY-MM-01) or the deployment id
    form: Mapping[str, Any]
    label: str
    force_new: bool = False
    tag: Any = None  # the caller's own handle (e.g. the Dagster partition key)


@dataclass
class LandedPartition:
    """A finished report whose downloads are staged as Parquet, ready to load and publish."""

    job: PartitionJob
    report: Report
    reused: bool
    stage: Stage
    queued_seconds: float
    waited_seconds: float
    landed_seconds: float


@dataclass
class FailedPartition:
    job: PartitionJob
    error: BaseException
    report_id: int | None = None


@dataclass
class FormPlanner:
    """Builds validated forms, fetching each deployment (and each source report) once."""

    client: RecastClient
    _deployments: dict[int, Deployment] = field(default_factory=dict)
    _reports: dict[int, Report] = field(default_factory=dict)

    def deployment(self, deployment_id: int) -> Deployment:
        if deployment_id not in self._deployments:
            self._deployments[deployment_id] = self.client.get_deployment(deployment_id)
        return self._deployments[deployment_id]

    def form(
        self,
        report_type: str,
        deployment_id: int,
        month,
        overrides: Mapping[str, Any],
        from_report_id: int | None = None,
    ) -> dict[str, Any]:
        deployment = self.deployment(deployment_id)
        if from_report_id is not None:
            if from_report_id not in self._reports:
                try:
                    self._reports[from_report_id] = self.client.get_report(from_report_id)
                except NotFoundError as exc:
                    raise ValueError(f"from_report_id {from_report_id}: no such report on Recast ({exc})") from None
            overrides = {**overrides, "deployment_id": deployment_id}
            form = form_from_report(self._reports[from_report_id], overrides, month=month)
            if _canonical_type(form.get("report_type")) != _canonical_type(report_type):
                raise ValueError(
                    f"from_report_id {from_report_id} is a {form.get('report_type')} report, not {report_type}"
                )
        else:
            form = build_form(report_type, deployment, month=month, overrides=overrides)
        validate_form(form, deployment)
        return form


def fetch_partitions(
    client: RecastClient,
    area: LandingArea,
    jobs: Sequence[PartitionJob],
    *,
    max_in_flight: int | None = None,
    on_event: Callable[[str, PartitionJob, str], None] | None = None,
) -> Iterator[LandedPartition | FailedPartition]:
    """Yield each job's result as soon as its report is finished and landed."""
    started = time.monotonic()
    requests = [ReportRequest(key=i, form=dict(j.form), label=j.label, force_new=j.force_new) for i, j in enumerate(jobs)]

    def relay(kind: str, request: ReportRequest, detail: str) -> None:
        if on_event is not None:
            on_event(kind, jobs[request.key], detail)

    with ThreadPoolExecutor(DOWNLOAD_WORKERS, thread_name_prefix="recast-download") as pool:
        pending: dict[Future, tuple[PartitionJob, ReportOutcome]] = {}
        for outcome in run_reports(client, requests, max_in_flight=max_in_flight, on_event=relay):
            job = jobs[outcome.request.key]
            if outcome.error is not None or outcome.report is None:
                yield FailedPartition(job, outcome.error or RuntimeError("no report"), _report_id(outcome))
            else:
                future = pool.submit(_land, client, area, job, outcome, started)
                pending[future] = (job, outcome)
            yield from _collect(pending, block=False)
        while pending:
            yield from _collect(pending, block=True)


def _collect(pending: dict, block: bool) -> Iterator[LandedPartition | FailedPartition]:
    if not pending:
        return
    done, _ = wait(list(pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
    for future in done:
        job, outcome = pending.pop(future)
        error = future.exception()
        yield FailedPartition(job, error, outcome.report.id) if error else future.result()


def _land(
    client: RecastClient,
    area: LandingArea,
    job: PartitionJob,
    outcome: ReportOutcome,
    started: float,
) -> LandedPartition:
    report = outcome.report
    begun = time.monotonic()
    lineage = Lineage(
        deployment_id=job.deployment_id,
        partition_key=job.partition_key,
        report_id=report.id,
        loaded_at=datetime.now(timezone.utc),
    )
    stage = area.stage(job.report_type, job.deployment_id, job.partition_key)
    # CSVs go inside the stage's own folder: a process killed mid-landing leaves them only where
    # the stale-stage sweep of a later run removes them, never as litter beside the Parquet.
    folder = stage.directory / ".downloads"
    try:
        folder.mkdir()
        for index, download in enumerate(report.downloads):
            csv_path = folder / f"{index}.csv"
            client.download(report.id, download.key, csv_path)
            parts = parse_download_key(job.report_type, download.key)
            stage.land(csv_path, download_key=download.key, table=parts.table, parts=parts.parts, lineage=lineage)
            csv_path.unlink()
    except BaseException:
        stage.discard()
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return LandedPartition(
        job=job,
        report=report,
        reused=outcome.reused,
        stage=stage,
        queued_seconds=max(0.0, outcome.submitted_at - started),
        waited_seconds=max(0.0, outcome.finished_at - outcome.submitted_at),
        landed_seconds=time.monotonic() - begun,
    )


def _canonical_type(name: object) -> object:
    return ALIASES.get(str(name), name)


def _report_id(outcome: ReportOutcome) -> int | None:
    if outcome.report is not None:
        return outcome.report.id
    return getattr(outcome.error, "report_id", None)

