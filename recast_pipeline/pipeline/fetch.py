"""Run many Recast reports at once and land every download of each as staged Parquet.

This is the engine under the Dagster assets, the demo and the benchmarks (no Dagster here):
forms are all built and validated before the first request that creates anything, reports are
submitted up to the in-flight cap and polled together on a scheduler thread, and each finished
report's downloads are fetched and converted on a small thread pool while the others keep computing.
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Mapping, Sequence

from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.landing.stage import LandingStore, Stage
from recast_pipeline.recast.api_types import Deployment, Report
from recast_pipeline.recast.batch import ReportOutcome, ReportRequest, run_reports
from recast_pipeline.recast.catalog import ALIASES, parse_download_key
from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.errors import NotFoundError
from recast_pipeline.recast.forms import build_form, form_from_report, validate_form
from recast_pipeline.recast.validation import CONTEXT_VARIABLE_FIELD, CONTEXT_VARIABLE_REPORT

DOWNLOAD_WORKERS = 4


@dataclass(frozen=True)
class PartitionJob:
    """One report to run: a report type for one dashboard's partition, on the deployment resolved for it."""

    report_type: str
    dashboard: str
    deployment_id: int
    model_date: str | None
    partition_key: str  # as stored in the warehouse: the month (YYYY-MM-01) or the dashboard
    form: Mapping[str, Any]
    label: str
    force_new: bool = False
    tag: Any = None  # the caller's own handle (e.g. the Dagster partition key)
    channels: tuple[str, ...] = ()  # the deployment's spend channel labels (how the warehouse reads wide tables)


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
    seen_final_at: datetime | None = None  # our clock (UTC) when the report was first seen finished


@dataclass
class FailedPartition:
    job: PartitionJob
    error: BaseException
    report_id: int | None = None


@dataclass
class FormPlanner:
    """Builds validated forms for a deployment's detail, fetching each source report once."""

    client: RecastClient
    _reports: dict[int, Report] = field(default_factory=dict)

    def form(
        self,
        report_type: str,
        deployment: Deployment,
        month,
        overrides: Mapping[str, Any],
        from_report_id: int | None = None,
    ) -> dict[str, Any]:
        deployment_id = deployment.id
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


def not_applicable(report_type: str, deployment: Deployment) -> str | None:
    """Why Recast cannot run ``report_type`` on this deployment (it would end in ``error``), or None."""
    if _canonical_type(report_type) == CONTEXT_VARIABLE_REPORT and deployment.raw.get(CONTEXT_VARIABLE_FIELD) == {}:
        return (
            f"deployment {deployment.id} ({deployment.dashboard}) has no context variables "
            f"({CONTEXT_VARIABLE_FIELD} is empty)"
        )
    return None


def fetch_partitions(
    client: RecastClient,
    area: LandingStore,
    jobs: Sequence[PartitionJob],
    *,
    max_in_flight: int | None = None,
    on_event: Callable[[str, PartitionJob, str], None] | None = None,
    latency_hints: Mapping[str, float] | None = None,
) -> Iterator[LandedPartition | FailedPartition]:
    """Yield each job's result as soon as its report is finished and landed.

    Submitting and polling run on a thread of their own: however long the caller spends on a
    result (Dagster loads it into DuckDB and runs its checks before asking for the next), finished
    reports are still noticed on time and replaced by the next ones. ``on_event`` is called on the
    caller's thread. Closing the generator early stops submitting further reports.
    ``latency_hints``: usual run times (``recast_pipeline.warehouse.latency.latency_hints``).
    """
    started = time.monotonic()
    requests = [
        ReportRequest(key=i, form=dict(j.form), label=j.label, force_new=j.force_new, dashboard=j.dashboard)
        for i, j in enumerate(jobs)
    ]
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    pool = ThreadPoolExecutor(DOWNLOAD_WORKERS, thread_name_prefix="recast-download")
    scheduler = threading.Thread(
        target=_schedule,
        args=(client, area, jobs, requests, max_in_flight, started, pool, inbox, stop, latency_hints),
        name="recast-scheduler",
        daemon=True,
    )
    scheduler.start()
    try:
        received, expected = 0, None
        while expected is None or received < expected:
            kind, *payload = inbox.get()
            if kind == "event":
                if on_event is not None:
                    on_event(*payload)
            elif kind == "result":
                received += 1
                yield payload[0]
            elif kind == "end":
                expected = payload[0]
            else:  # "error": credentials or configuration, fatal for every job
                raise payload[0]
    finally:
        stop.set()  # the scheduler creates nothing more; it ends at its next outcome
        pool.shutdown(wait=True, cancel_futures=True)
        _discard_unclaimed(inbox)


def _discard_unclaimed(inbox: queue.SimpleQueue) -> None:
    """Staged partitions nobody will load (the caller stopped early) are removed now."""
    while True:
        try:
            kind, *payload = inbox.get_nowait()
        except queue.Empty:
            return
        if kind == "result" and isinstance(payload[0], LandedPartition):
            payload[0].stage.discard()


def _schedule(client, area, jobs, requests, max_in_flight, started, pool, inbox, stop, hints) -> None:
    """The scheduler thread: run the reports, hand finished ones to the landing pool, report back."""
    results = 0

    def relay(kind: str, request: ReportRequest, detail: str) -> None:
        inbox.put(("event", kind, jobs[request.key], detail))

    def landed(future: Future, job: PartitionJob, outcome: ReportOutcome) -> None:
        if future.cancelled():
            return
        error = future.exception()
        inbox.put(("result", FailedPartition(job, error, _report_id(outcome)) if error else future.result()))

    try:
        for outcome in run_reports(client, requests, max_in_flight=max_in_flight, on_event=relay, latency_hints=hints):
            if stop.is_set():
                return
            job = jobs[outcome.request.key]
            results += 1
            if outcome.error is not None or outcome.report is None:
                inbox.put(
                    ("result", FailedPartition(job, outcome.error or RuntimeError("no report"), _report_id(outcome)))
                )
            else:
                future = pool.submit(_land, client, area, job, outcome, started)
                future.add_done_callback(lambda f, job=job, outcome=outcome: landed(f, job, outcome))
        inbox.put(("end", results))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
        if not stop.is_set():
            inbox.put(("error", exc))


def _land(
    client: RecastClient,
    area: LandingStore,
    job: PartitionJob,
    outcome: ReportOutcome,
    started: float,
) -> LandedPartition:
    report = outcome.report
    assert report is not None  # only outcomes with a report are landed (_schedule)
    begun = time.monotonic()
    seen_final = datetime.now(timezone.utc) - timedelta(seconds=max(0.0, client.clock() - outcome.finished_at))
    lineage = Lineage(
        dashboard=job.dashboard,
        deployment_id=job.deployment_id,
        model_date=job.model_date,
        partition_key=job.partition_key,
        report_id=report.id,
        loaded_at=datetime.now(timezone.utc),
    )
    stage = area.stage(job.report_type, job.dashboard, job.partition_key)
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
        seen_final_at=seen_final,
    )


def _canonical_type(name: object) -> object:
    return ALIASES.get(str(name), name)


def _report_id(outcome: ReportOutcome) -> int | None:
    if outcome.report is not None:
        return outcome.report.id
    return getattr(outcome.error, "report_id", None)
