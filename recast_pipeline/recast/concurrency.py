"""How many reports to keep computing at once, found in flight (no Dagster, no clock of its own).

Why: Recast's capacity is unknown. Too few reports in flight and a backfill takes several times
longer than it could; too many and they only queue on Recast's side (or get ``429``). The vendor's
advice is to create every report first and poll them together, so the window starts at the ceiling
(the configured ``max_in_flight``, never exceeded). It comes down like TCP's congestion window:
halved when a report took clearly longer than the fastest of its type (it queued) or when Recast
answered ``429``, at most once per round trip (only reports submitted after the last cut may cut
again), and then grows by one per round trip. A cut never goes below what Recast demonstrably
computes for us at once: the reports of ours it finished within the last round trip (the
bandwidth-delay product), so a capacity of hundreds is not halved to half its throughput.

Run times are measured from what the client observes, never read from Recast's ``created_at`` /
``updated_at`` (the vendor does not say what they mean; ``updated_at`` may never move, or move on
every poll). A report's run time lies between the last poll that still saw it running and the first
that saw it final, both counted from its create. A type's fastest is the least upper bound seen,
and a report counts as queued only when its lower bound exceeds ``SLOWER`` x that fastest, so our
own lateness in noticing (a busy process, a long poll interval) never reads as congestion.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

SLOWER = 1.5  # a report this much slower than the fastest of its type queued on Recast's side


@dataclass
class InFlightLimit:
    """The adaptive limit; feed it every finished report (``finished``) and every ``429`` (``rate_limited``)."""

    ceiling: int
    window: float = 0.0  # where it starts: the ceiling unless given
    growing_fast: bool = True  # a window given below the ceiling doubles per round trip until the first cut
    last_cut: float = float("-inf")
    fastest: dict[str, float] = field(default_factory=dict)
    finishes: deque = field(default_factory=deque)  # when each report of ours was seen final, oldest first

    def __post_init__(self) -> None:
        if self.ceiling < 1:
            raise ValueError("the in-flight ceiling must be at least 1")
        self.window = float(self.ceiling) if self.window <= 0 else min(self.window, self.ceiling)

    @property
    def limit(self) -> int:
        return max(1, min(self.ceiling, int(self.window)))

    def finished(self, kind: str, submitted_at: float, finished_at: float, running_at: float | None = None) -> None:
        """A report we created finished. Our clock: ``submitted_at`` when its create returned,
        ``running_at`` the last poll that still saw it running (None: none did), ``finished_at`` the
        first poll that saw it final."""
        upper = finished_at - submitted_at
        lower = 0.0 if running_at is None else max(0.0, running_at - submitted_at)
        fastest = self.fastest.get(kind)
        self.fastest[kind] = upper if fastest is None else min(fastest, upper)
        self.finishes.append(finished_at)
        while self.finishes[0] < finished_at - max(self.fastest.values()):  # older than any round trip
            self.finishes.popleft()
        if fastest is not None and lower > SLOWER * fastest:
            self._cut(submitted_at, finished_at, round_trip=fastest)
            return
        self.window = min(float(self.ceiling), self.window + (1.0 if self.growing_fast else 1.0 / self.window))

    def rate_limited(self, now: float) -> None:
        """Recast refused a request with ``429``: too much at once."""
        self._cut(now, now, round_trip=min(self.fastest.values(), default=0.0))

    def _cut(self, submitted_at: float, now: float, round_trip: float) -> None:
        if submitted_at < self.last_cut:
            return  # in flight before the last cut: that cut already answered it
        computed_at_once = sum(1 for at in self.finishes if now - round_trip <= at <= now)
        self.window = max(1.0, self.window / 2, float(min(computed_at_once, self.ceiling)))
        self.growing_fast = False
        self.last_cut = now
