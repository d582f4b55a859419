"""The in-flight limit finds Recast's capacity (issue 12, item 3).

The rule itself is tested with scripted events (no clock, no server); a simulator with a small
capacity and a queue limit then shows a batch finishing without a duplicate or a failure while the
limit comes down from the ceiling. Run times come from what the client observes (issue 19, item 5):
a simulator that holds its reports until the test releases them, read on a fake clock, shows the
limit adapting the same whatever Recast's timestamps mean. Outcomes only: no wall-clock assertions.
"""

from __future__ import annotations

import pytest
from fakes import FakeClock, spend_form

from recast_pipeline.recast.batch import ReportRequest, run_reports
from recast_pipeline.recast.concurrency import SLOWER, InFlightLimit

TYPE = "compute_spend_summary"
START = 16  # a window given below the ceiling, to watch it grow


def test_starts_at_the_ceiling_and_never_exceeds_it():
    """The vendor's advice: create every report first, then poll them together."""
    assert InFlightLimit(64).limit == 64
    assert InFlightLimit(3, window=8.0).limit == 3
    limit = InFlightLimit(10)
    for _ in range(20):
        limit.finished(TYPE, 0.0, 10.0)
    assert limit.limit == 10
    with pytest.raises(ValueError):
        InFlightLimit(0)


def test_grows_by_one_per_report_while_latency_stays_flat():
    limit = InFlightLimit(64, window=START)
    for i in range(START):
        limit.finished(TYPE, 0.0, 10.0 + 0.1 * i)  # one round trip: the window doubles
    assert limit.limit == 2 * START


def test_halves_once_when_reports_queue_then_grows_slowly():
    limit = InFlightLimit(64, window=START)
    limit.finished(TYPE, 0.0, 10.0, running_at=9.0)
    window = limit.limit
    limit.finished(TYPE, 0.0, 20.0, running_at=19.0)  # still running at 19: queued, twice the fastest
    assert limit.limit == window // 2
    limit.finished(TYPE, 0.0, 21.0, running_at=20.0)  # submitted before that cut: no second cut
    assert limit.limit == window // 2
    for _ in range(window // 2):
        limit.finished(TYPE, 30.0, 40.0, running_at=39.0)
    assert limit.limit == window // 2 + 1  # one per round trip now


def test_a_cut_keeps_what_recast_computed_for_us_within_the_last_round_trip():
    """Recast computes 200 at once: 200 finished in one round trip, then one that queued halves 512
    only down to 200, never to half of Recast's throughput (where growing back takes 100 round trips)."""
    limit = InFlightLimit(512)
    for i in range(200):
        limit.finished(TYPE, 0.0, 30.0 + 0.01 * i, running_at=29.0)
    limit.finished(TYPE, 30.0, 90.0, running_at=89.0)  # queued behind a full Recast
    assert limit.limit == 256
    for i in range(200):
        limit.finished(TYPE, 100.0, 130.0 + 0.01 * i, running_at=129.0)
    limit.finished(TYPE, 100.0, 160.0, running_at=159.0)  # submitted after the last cut: cuts again
    assert limit.limit == 201  # the 200 and the queued one, finished within its round trip (not 256 / 2)


def test_a_429_halves_the_limit_down_to_one_at_least():
    limit = InFlightLimit(8)
    for now in range(1, 10):
        limit.rate_limited(float(now))
    assert limit.limit == 1


def test_types_are_judged_against_their_own_fastest_report():
    limit = InFlightLimit(64, window=START)
    limit.finished("fast_type", 0.0, 1.0)
    limit.finished("slow_type", 0.0, 100.0)  # slower type, not a queue
    assert limit.limit == START + 2


def test_a_batch_beyond_recast_capacity_finishes_once_each(simulator_factory, connect):
    sim = simulator_factory(latency=0.2, capacity=2, queue_limit=4)
    client = connect(sim, max_in_flight=16)
    requests = [ReportRequest(key=i, form=spend_form(i)) for i in range(12)]
    outcomes = list(run_reports(client, requests))
    assert sorted(o.request.key for o in outcomes) == list(range(12)) and all(o.ok for o in outcomes)
    stats = sim.stats()
    assert stats["creates"] == 12 and stats["in_flight_peak"] <= 2  # never a duplicate; Recast's capacity held


def test_our_lateness_in_noticing_never_reads_as_congestion():
    limit = InFlightLimit(64, window=START)
    limit.finished(TYPE, 0.0, 10.5, running_at=9.5)
    limit.finished(TYPE, 0.0, 40.0, running_at=10.0)  # seen final late (a busy process); running only until 10
    limit.finished(TYPE, 0.0, 12.0)  # final at its first poll: nothing says it ran long
    assert limit.limit == START + 3 and limit.fastest[TYPE] == 10.5


def test_only_a_report_seen_running_past_slower_times_the_fastest_cuts():
    limit = InFlightLimit(64, window=START)
    limit.finished(TYPE, 0.0, 10.0, running_at=9.0)
    limit.finished(TYPE, 0.0, 30.0, running_at=SLOWER * 10.0)  # at the bound, not past it
    assert limit.limit == START + 2
    limit.finished(TYPE, 0.0, 30.0, running_at=SLOWER * 10.0 + 0.1)
    assert limit.limit == (START + 2) // 2


class _Releases:
    """The client's sleep on a fake clock: at each fake time in ``at``, the simulator (which holds
    every report: an hour's latency) finishes what it computes; at the last one, our process is
    then busy for ``busy`` seconds more before it polls again."""

    def __init__(self, sim, at: list[float], busy: float = 0.0) -> None:
        self.sim, self.at, self.busy, self.clock = sim, list(at), busy, FakeClock()

    def __call__(self, seconds: float) -> None:
        self.clock.sleep(seconds)
        while self.at and self.clock.now >= self.at[0]:
            self.at.pop(0)
            self.sim.finish_reports()
            self.clock.now += 0.0 if self.at else self.busy


def _two_waves(simulator_factory, connect, reading: str, releases: list[float], busy: float = 0.0) -> InFlightLimit:
    """Four reports released at ``releases[0]`` (fake seconds), then the two the grown limit lets in,
    released at ``releases[1]``; returns the limit after the batch."""
    sim = simulator_factory(latency=3600.0, readings={"report_timestamps": reading})
    sleep = _Releases(sim, releases, busy)
    client = connect(sim, clock=sleep.clock, sleep=sleep, poll_interval=1.0, report_timeout=900.0)
    limit = InFlightLimit(64, window=4.0)
    requests = [ReportRequest(i, spend_form(i), force_new=True) for i in range(6)]
    outcomes = list(run_reports(client, requests, limit=limit))
    assert len(outcomes) == 6 and all(o.ok for o in outcomes) and sim.stats()["creates"] == 6
    return limit


READINGS = ["on_finish", "static", "per_poll"]


@pytest.mark.parametrize("reading", READINGS)
def test_the_limit_grows_whatever_recasts_timestamps_mean(simulator_factory, connect, reading):
    """The second wave ran half as long as the first, but our process was busy for 100 s before it
    noticed: no cut, whether ``updated_at`` moved at the finish, never, or on every poll."""
    limit = _two_waves(simulator_factory, connect, reading, releases=[20.0, 30.0], busy=100.0)
    assert limit.limit == 10 and limit.growing_fast  # 4, +1 for each of the six


@pytest.mark.parametrize("reading", READINGS)
def test_a_queued_wave_cuts_the_limit_whatever_recasts_timestamps_mean(simulator_factory, connect, reading):
    """The second wave was still running at three times the first wave's run time: it queued, and
    the limit is cut, also where the timestamps say every report took no time (``static``)."""
    limit = _two_waves(simulator_factory, connect, reading, releases=[20.0, 80.0])
    assert limit.limit == 4 and not limit.growing_fast  # 4 -> 8 after the first wave, halved once


class _Stop(Exception):
    """Raised by the test's sleep: the batch reached its first wait."""


def test_a_create_refused_with_429_lowers_the_limit_and_waits_for_one_of_ours(simulator_factory, connect):
    """Recast holds two reports (capacity 2, queue_limit 2, an hour each: nothing finishes during
    the test). The third create gets 429: the batch cuts its limit and goes polling at once, instead
    of re-sending the create in a backoff loop (where it would neither poll nor land)."""
    sim = simulator_factory(latency=3600.0, capacity=2, queue_limit=2)
    first_wait = []

    def sleep(seconds: float) -> None:
        stats = sim.stats()
        first_wait.append((stats["creates"], stats["statuses"].get("429", 0)))
        raise _Stop

    client = connect(sim, max_in_flight=8, sleep=sleep)
    events = []
    batch = run_reports(
        client,
        [ReportRequest(i, spend_form(i)) for i in range(3)],
        on_event=lambda kind, request, detail: events.append((kind, request.key, detail)),
    )
    with pytest.raises(_Stop):
        next(batch)
    assert first_wait == [(2, 1)]  # two created, one 429, and the first sleep is a poll, not a create retry
    assert [(kind, key) for kind, key, _ in events] == [("submitted", 0), ("submitted", 1), ("deferred", 2)]
    assert "in-flight limit now 4" in events[-1][2]  # halved from the initial 8


def test_a_batch_against_a_full_recast_defers_instead_of_retrying_and_finishes_once_each(simulator_factory, connect):
    sim = simulator_factory(latency=0.3, capacity=2, queue_limit=2)
    client = connect(sim, max_in_flight=8)
    events = []
    outcomes = list(
        run_reports(
            client,
            [ReportRequest(i, spend_form(i)) for i in range(6)],
            on_event=lambda kind, request, detail: events.append(kind),
        )
    )
    assert sorted(o.request.key for o in outcomes) == list(range(6)) and all(o.ok for o in outcomes)
    stats = sim.stats()
    assert stats["creates"] == 6 and stats["in_flight_peak"] <= 2
    # every 429 Recast sent was answered by deferring (never by a create retried while ours computed)
    assert stats["statuses"].get("429", 0) == events.count("deferred")
