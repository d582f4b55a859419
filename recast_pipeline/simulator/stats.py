"""Counters and a request log that tests read through ``GET /_admin/stats``.

Reports in flight are counted from the reports' own run intervals (created until final), so the
peak is exact even though statuses are computed lazily. The log keeps method, path, query, status,
endpoint and injected fault of each API request; never headers, so never the token.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any

LOG_LIMIT = 20_000


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._creates = 0
            self._calls: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._log: deque[dict[str, Any]] = deque(maxlen=LOG_LIMIT)
            self._requests_now = 0
            self._requests_peak = 0
            self._intervals: dict[int, tuple[float, float]] = {}  # report id -> (started, ends)
            self._seen_late: dict[int, float] = {}  # report id -> seconds from its finish to the first show of it

    def request_started(self) -> None:
        with self._lock:
            self._requests_now += 1
            self._requests_peak = max(self._requests_peak, self._requests_now)

    def request_finished(
        self, method: str, path: str, query: str, status: int, endpoint: str, fault: str | None
    ) -> None:
        with self._lock:
            self._requests_now -= 1
            self._calls[endpoint] += 1
            self._statuses[str(status)] += 1
            if fault:
                self._faults[fault] += 1
            self._log.append(
                {
                    "method": method,
                    "path": path,
                    "query": query,
                    "status": status,
                    "endpoint": endpoint,
                    "fault": fault,
                    "time": round(time.time(), 3),
                }
            )

    def report_created(self, report_id: int, started: float, duration: float) -> None:
        with self._lock:
            self._creates += 1
            self._intervals[report_id] = (started, started + duration)

    def report_finished_early(self, report_id: int, ended: float) -> None:
        """A test released the report (``finish_reports``): its interval ends now, not when planned."""
        with self._lock:
            if report_id in self._intervals:
                self._intervals[report_id] = (self._intervals[report_id][0], ended)

    def report_seen_final(self, report_id: int, late: float) -> None:
        """A show answered a final status: how long after the report finished (first time only)."""
        with self._lock:
            self._seen_late.setdefault(report_id, max(0.0, late))

    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            intervals = list(self._intervals.values())
            data = {
                "creates": self._creates,
                "seen_late": dict(self._seen_late),
                "calls": dict(self._calls),
                "statuses": dict(self._statuses),
                "faults": dict(self._faults),
                "requests_in_flight": self._requests_now,
                "requests_in_flight_peak": self._requests_peak,
                "log": list(self._log),
            }
        data["in_flight"] = sum(1 for start, end in intervals if start <= now < end)
        data["in_flight_peak"] = _peak(intervals)
        return data


def _peak(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one moment (an end at t closes before a start at t opens)."""
    events = sorted([(s, 1) for s, e in intervals if e > s] + [(e, -1) for s, e in intervals if e > s])
    best = current = 0
    for _, delta in events:
        current += delta
        best = max(best, current)
    return best
