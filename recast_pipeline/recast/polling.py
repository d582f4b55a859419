"""Poll many reports together until each is final, with an adaptive interval and per-report deadlines.

Why adaptive: the simulator finishes in a second and Recast in minutes; a fixed 30 s poll wastes
half a minute on the fast ones, a fixed short poll hammers the API on the slow ones. Each report
is polled every ``first_interval`` at first, then every tenth of the time it has been running, up
to ``poll_interval``: a finished report is seen at most ~10% (and at most ``poll_interval``) late,
which is what keeps a backfill close to latency x ceil(reports / cap), and the number of polls
grows only with the logarithm of the run time (about 50 for a 5-minute report). Reports due at
about the same time are polled in the same round, so one sleep serves them all.

With a latency hint (the report type's usual run time E, learned from earlier runs), the first
poll waits until 0.9 E and polls every 5% of E until 1.25 E, then falls back to the adaptive
rule: about four polls for a report that finishes as usual, seen at most 5% of E late. Without a
hint, the first report of a ``group`` (a report type) seen final is one: the others of its group
that have run about as long are polled at once, and later ones around that time, so reports
submitted together are seen finished together, not each a tenth of its run time late.

A poll that fails transiently (rate limit, 5xx, network, after the session's own retries) is not
a report failure: the report is polled again later, until its own deadline.

Each result says when, on the poller's clock, the report was last seen running and first seen
final: its run time lies between the two (``concurrency`` measures Recast's load from them).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

from recast_pipeline.recast import errors
from recast_pipeline.recast.api_types import RUNNING_STATUSES, Report

logger = logging.getLogger("recast_pipeline.recast")

RELATIVE_INTERVAL = 0.1  # next poll after this fraction of the report's run time so far
MAX_FIRST_INTERVAL = 0.5
WINDOW_START, WINDOW_STEP, WINDOW_END = 0.9, 0.05, 1.25  # fractions of the expected run time
MIN_WINDOW_STEP = 0.05  # seconds: even a very fast report type is not polled more often than this
TRANSIENT_ERRORS = (errors.RateLimitedError, errors.ServerError, errors.TransportError)


def latency_for(hints: Mapping[str, float] | None, report_type: object, dashboard: object = None) -> float | None:
    """The expected run time of a report: its dashboard's own figure, else the type's, else None."""
    if not hints:
        return None
    for key in (f"{report_type}|{dashboard}" if dashboard is not None else None, str(report_type)):
        seconds = hints.get(key) if key is not None else None
        if seconds is not None and seconds > 0:
            return float(seconds)
    return None


def first_interval(poll_interval: float) -> float:
    """The first wait after submission: 0.5 s or a tenth of the steady interval, whichever is smaller."""
    return min(MAX_FIRST_INTERVAL, poll_interval / 10)


@dataclass(frozen=True)
class PollResult:
    """A report that reached an end: ``error`` is None exactly when ``report`` succeeded.

    ``running_at``: when the last poll that saw it running was sent (None: none did); ``final_at``:
    when the poll that saw it final returned (None: it did not end by a poll, e.g. a timeout)."""

    report_id: int
    report: Report | None
    error: errors.RecastError | None
    running_at: float | None = None
    final_at: float | None = None


@dataclass
class _Watch:
    report_id: int
    deadline: float
    interval: float
    next_due: float
    started: float
    expected: float | None = None  # the usual run time of this report's type, when known
    status: str = ""
    last_error: str | None = None  # the failure of the latest poll, None once a poll succeeds
    running_at: float | None = None  # when the last poll that saw it running was sent
    group: object = None  # reports expected to take about as long (a report type)


class ReportPoller:
    """A changing set of reports being polled; ``poll()`` sleeps until some are due and polls them."""

    def __init__(
        self,
        get_report: Callable[[int], Report],
        *,
        poll_interval: float,
        report_timeout: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_progress: Callable[[Report], None] | None = None,
    ) -> None:
        if poll_interval <= 0 or report_timeout <= 0:
            raise ValueError("poll_interval and report_timeout must be positive")
        self._get_report = get_report
        self.poll_interval = poll_interval
        self.report_timeout = report_timeout
        self.first_interval = first_interval(poll_interval)
        self._clock = clock
        self._sleep = sleep
        self._on_progress = on_progress
        self._watches: dict[int, _Watch] = {}
        self._learned: dict[object, float] = {}  # a group's run time, from its first report seen final

    def __len__(self) -> int:
        return len(self._watches)

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._watches

    def add(
        self, report_id: int, submitted_at: float | None = None, expected: float | None = None, group: object = None
    ) -> None:
        """Watch a report; its deadline is ``report_timeout`` after ``submitted_at`` (default: now).

        ``expected``: its usual run time in seconds (see ``latency_for``), to poll around its finish;
        without one, the first report of its ``group`` seen final sets it."""
        if report_id in self._watches:
            return
        start = self._clock() if submitted_at is None else submitted_at
        if expected is None:
            expected = self._learned.get(group)  # what the group's first report seen final took, if one was
        watch = _Watch(report_id, start + self.report_timeout, self.first_interval, start, start, expected, group=group)
        watch.interval = self._interval(watch, 0.0)
        watch.next_due = min(start + watch.interval, watch.deadline)
        self._watches[report_id] = watch

    def poll(self) -> list[PollResult]:
        """Sleep until the earliest report is due, poll every report due by then, return the final ones."""
        if not self._watches:
            return []
        wake = min(w.next_due for w in self._watches.values())
        delay = wake - self._clock()
        if delay > 0:
            self._sleep(delay)
        horizon = max(self._clock(), wake) + self.first_interval
        finished = []
        for watch in [w for w in self._watches.values() if w.next_due <= horizon]:
            result = self._poll_one(watch)
            if result is not None:
                del self._watches[watch.report_id]
                finished.append(result)
                if result.report is not None and result.final_at is not None:
                    self._learn(watch.group, result.final_at - watch.started)
        return finished

    def _learn(self, group: object, seconds: float) -> None:
        """A group's first report seen final: its run time is the group's expected one from now on."""
        if group is None or group in self._learned:
            return
        self._learned[group] = seconds
        now = self._clock()
        for watch in self._watches.values():
            if watch.group == group and watch.expected is None:
                watch.expected = seconds
                running = now - watch.started
                due = now if running >= WINDOW_START * seconds else now + self._interval(watch, running)
                watch.next_due = min(watch.next_due, due, watch.deadline)

    def _poll_one(self, watch: _Watch) -> PollResult | None:
        report_id, asked = watch.report_id, self._clock()
        try:
            report = self._get_report(report_id)
        except TRANSIENT_ERRORS as exc:
            logger.warning("polling report %s failed for now, will retry: %s", report_id, exc)
            watch.last_error = exc.message
            return self._reschedule(watch)
        except (errors.AuthenticationError, errors.ConfigurationError):
            raise
        except errors.RecastError as exc:
            return PollResult(report_id, None, exc)
        watch.last_error = None
        if report.status != watch.status:
            watch.status = report.status
            logger.info("report %s is %s", report_id, report.status)
            if self._on_progress is not None:
                self._on_progress(report)
        seen = dict(running_at=watch.running_at, final_at=self._clock())
        if report.status == "success":
            return PollResult(report_id, report, None, **seen)
        if report.status == "error":
            return PollResult(report_id, report, errors.ReportFailedError(report_id, report.form, report.name), **seen)
        if report.status not in RUNNING_STATUSES:
            return PollResult(report_id, report, errors.UnknownStatusError(report_id, report.status), **seen)
        watch.running_at = asked
        return self._reschedule(watch)

    def _reschedule(self, watch: _Watch) -> PollResult | None:
        now = self._clock()
        if now >= watch.deadline:
            error = errors.ReportTimeoutError(watch.report_id, self.report_timeout, watch.status, watch.last_error)
            return PollResult(watch.report_id, None, error)
        watch.interval = self._interval(watch, now - watch.started)
        watch.next_due = min(now + watch.interval, watch.deadline)
        return None

    def _interval(self, watch: _Watch, running: float) -> float:
        """Seconds until the next poll of a report that has been running ``running`` seconds."""
        adaptive = min(self.poll_interval, max(self.first_interval, RELATIVE_INTERVAL * running))
        expected = watch.expected
        if expected is None or running >= WINDOW_END * expected:
            return adaptive
        if running < WINDOW_START * expected - self.first_interval:
            return WINDOW_START * expected - running  # nothing to see before the usual finish
        return min(adaptive, max(MIN_WINDOW_STEP, WINDOW_STEP * expected))


def iter_completed(poller: ReportPoller) -> Iterator[PollResult]:
    """Every result of ``poller`` as it happens, until nothing is left to watch."""
    while len(poller):
        yield from poller.poll()
