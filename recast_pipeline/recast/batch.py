"""Run many report requests at once: reuse or create, bounded in flight, polled together.

Why: a backfill of 24 months must take about one report's latency, not 24 of them, without
flooding Recast. Requests are submitted until the in-flight limit is reached (it adapts to
Recast's capacity, see ``concurrency``, which reads when the poller saw each report running and
final; ``max_in_flight`` is its ceiling); all of them are polled together; each time one finishes
the next request is submitted, and the outcome is yielded at once so the caller can download it
while the others still compute.

A create Recast refuses with ``429`` while reports of ours compute is not waited out in retries
(the step would neither poll nor land meanwhile, and could give the partition up): the limit is
cut, the request goes back to the front of the queue, and nothing more is created until one of
ours finishes (Recast said it holds no more). With nothing of ours in flight the ``429`` is
someone else's load, and the create retries as usual.

One ``ReportIndex`` serves the whole batch (one list pass per report type), so reuse checks cost
no extra listing per partition. A failing request (422, report error, timeout) becomes an
outcome with ``error`` set and the others go on; credential and configuration errors stop all.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable, Iterator, Mapping

from recast_pipeline.recast import errors
from recast_pipeline.recast.api_types import Deployment, Report
from recast_pipeline.recast.concurrency import InFlightLimit
from recast_pipeline.recast.polling import PollResult, latency_for
from recast_pipeline.recast.reuse import ReportIndex

if TYPE_CHECKING:
    from recast_pipeline.recast.client import RecastClient

logger = logging.getLogger("recast_pipeline.recast")

FATAL_ERRORS = (errors.AuthenticationError, errors.ConfigurationError)

EventHandler = Callable[[str, "ReportRequest", str], None]


@dataclass(frozen=True)
class ReportRequest:
    """One report wanted: ``key`` is the caller's handle (a partition key, an index...)."""

    key: Hashable
    form: dict[str, Any]
    label: str | None = None
    force_new: bool = False
    dashboard: str | None = None  # picks the dashboard's own latency hint, where there is one


@dataclass(frozen=True)
class ReportOutcome:
    """How a request ended. Times are the client's clock (``time.monotonic`` by default)."""

    request: ReportRequest
    report: Report | None
    error: Exception | None
    reused: bool
    submitted_at: float
    finished_at: float

    @property
    def ok(self) -> bool:
        return self.error is None and self.report is not None

    @property
    def report_id(self) -> int | None:
        if self.report is not None:
            return self.report.id
        return getattr(self.error, "report_id", None)


@dataclass
class _Pending:
    request: ReportRequest
    reused: bool
    submitted_at: float
    created_at: float = 0.0  # our clock when the create returned: the report's own run starts here


def run_reports(
    client: RecastClient,
    requests: Iterable[ReportRequest],
    *,
    max_in_flight: int | None = None,
    on_event: EventHandler | None = None,
    deployments: Iterable[Deployment] = (),
    latency_hints: Mapping[str, float] | None = None,
    limit: InFlightLimit | None = None,
) -> Iterator[ReportOutcome]:
    """Yield one ``ReportOutcome`` per request, in the order they finish.

    Events passed to ``on_event(kind, request, detail)``: ``submitted``, ``reused``,
    ``deferred`` (its create got ``429``; it is created again once one of ours finished),
    ``finished``, ``failed``. ``deployments``: those the forms name, when the caller holds them
    (their version sets the reuse cutoff without a GET each). ``latency_hints``: usual run times
    by report type (and ``"<type>|<dashboard>"``), so new reports are polled around their finish.
    ``limit``: the in-flight limit to adapt (default: a new one whose ceiling is ``max_in_flight``),
    to carry what it learned from one batch to the next, or to read it afterwards.
    """
    if limit is None:
        ceiling = int(max_in_flight or client.max_in_flight)
        if ceiling < 1:
            raise errors.ConfigurationError("max_in_flight must be at least 1")
        limit = InFlightLimit(ceiling)
    seen_429 = [client.rate_limited_count]

    def note_rate_limits() -> None:
        if client.rate_limited_count > seen_429[0]:
            seen_429[0] = client.rate_limited_count
            limit.rate_limited(client.clock())

    queue = deque(requests)
    index = ReportIndex(client, deployments)
    poller = client.poller()
    waiting: dict[int, list[_Pending]] = {}  # report id -> requests it stands for

    def emit(kind: str, request: ReportRequest, detail: str) -> None:
        logger.info("%s %r: %s", kind, request.key, detail)
        if on_event is not None:
            on_event(kind, request, detail)

    def finish(
        pending: _Pending, report: Report | None, error: Exception | None, polled: PollResult | None = None
    ) -> ReportOutcome:
        outcome = ReportOutcome(pending.request, report, error, pending.reused, pending.submitted_at, client.clock())
        if error is None and not pending.reused and polled is not None:
            seen_final = polled.final_at if polled.final_at is not None else outcome.finished_at
            limit.finished(
                str(pending.request.form.get("report_type")), pending.created_at, seen_final, polled.running_at
            )
        if error is None:
            assert report is not None
            emit("finished", pending.request, f"report {report.id} succeeded with {len(report.downloads)} downloads")
        else:
            emit("failed", pending.request, str(error))
        return outcome

    refused_at: int | None = None  # reports of ours in flight when Recast last refused a create

    while queue or waiting:
        while queue and len(waiting) < limit.limit and (refused_at is None or len(waiting) < refused_at):
            request = queue.popleft()
            pending = _Pending(request, reused=False, submitted_at=client.clock())
            try:
                submission = client.submit(
                    request.form, request.label, request.force_new, index=index, defer_rate_limited=bool(waiting)
                )
            except FATAL_ERRORS:
                raise
            except errors.RateLimitedError as exc:
                note_rate_limits()
                if not waiting:
                    yield finish(pending, None, exc)
                    continue
                queue.appendleft(request)
                refused_at = len(waiting)
                emit(
                    "deferred",
                    request,
                    f"Recast answered 429 with {refused_at} of ours in flight; in-flight limit now {limit.limit}",
                )
                break
            except errors.RecastError as exc:
                yield finish(pending, None, exc)
                continue
            finally:
                note_rate_limits()
            pending.reused, pending.created_at = submission.reused, client.clock()
            report = submission.report
            if submission.reused and report is not None:
                emit("reused", request, f"report {report.id} ({report.status})")
                if report.status == "success":
                    yield finish(pending, report, None)
                    continue
                expected = None  # computing since before this run: its own clock is unknown
            else:
                emit("submitted", request, f"report {submission.report_id}")
                expected = latency_for(latency_hints, request.form.get("report_type"), request.dashboard)
            poller.add(submission.report_id, pending.submitted_at, expected, group=request.form.get("report_type"))
            waiting.setdefault(submission.report_id, []).append(pending)
        results = poller.poll()
        note_rate_limits()
        if results:
            refused_at = None  # one of ours finished: Recast has room again
        for result in results:
            for pending in waiting.pop(result.report_id, []):
                yield finish(pending, result.report, result.error, result)
