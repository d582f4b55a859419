"""The in-flight limit finds Recast's capacity (issue 12, item 3).

The rule itself is tested with scripted events (no clock, no server); a simulator with a small
capacity and a queue limit then shows a batch finishing without a duplicate or a failure while the
limit comes down from the ceiling. Outcomes only: no wall-clock assertions.
"""

from __future__ import annotations

import pytest

from recast_pipeline.recast.batch import ReportRequest, run_reports
from recast_pipeline.recast.concurrency import INITIAL, InFlightLimit

from fakes import spend_form

TYPE = "compute_spend_summary"


def test_starts_at_the_old_cap_and_never_exceeds_the_ceiling():
    assert InFlightLimit(64).limit == INITIAL
    assert InFlightLimit(3).limit == 3
    limit = InFlightLimit(10)
    for _ in range(20):
        limit.finished(TYPE, 0.0, 10.0)
    assert limit.limit == 10
    with pytest.raises(ValueError):
        InFlightLimit(0)


def test_grows_by_one_per_report_while_latency_stays_flat():
    limit = InFlightLimit(64)
    for i in range(INITIAL):
        limit.finished(TYPE, 0.0, 10.0 + 0.1 * i)  # one round trip: the window doubles
    assert limit.limit == 2 * INITIAL


def test_halves_once_when_reports_queue_then_grows_slowly():
    limit = InFlightLimit(64)
    limit.finished(TYPE, 0.0, 10.0)
    window = limit.limit
    limit.finished(TYPE, 0.0, 20.0)  # queued: twice the fastest
    assert limit.limit == window // 2
    limit.finished(TYPE, 0.0, 21.0)  # submitted before that cut: no second cut
    assert limit.limit == window // 2
    for _ in range(window // 2):
        limit.finished(TYPE, 30.0, 40.0)
    assert limit.limit == window // 2 + 1  # one per round trip now


def test_a_429_halves_the_limit_down_to_one_at_least():
    limit = InFlightLimit(8)
    for now in range(1, 10):
        limit.rate_limited(float(now))
    assert limit.limit == 1


def test_types_are_judged_against_their_own_fastest_report():
    limit = InFlightLimit(64)
    limit.finished("fast_type", 0.0, 1.0)
    limit.finished("slow_type", 0.0, 100.0)  # slower type, not a queue
    assert limit.limit == INITIAL + 2


def test_a_batch_beyond_recast_capacity_finishes_once_each(simulator_factory, connect):
    sim = simulator_factory(latency=0.2, capacity=2, queue_limit=4)
    client = connect(sim, max_in_flight=16)
    requests = [ReportRequest(key=i, form=spend_form(i)) for i in range(12)]
    outcomes = list(run_reports(client, requests))
    assert sorted(o.request.key for o in outcomes) == list(range(12)) and all(o.ok for o in outcomes)
    stats = sim.stats()
    assert stats["creates"] == 12 and stats["in_flight_peak"] <= 2  # never a duplicate; Recast's capacity held


def test_recasts_own_run_time_wins_over_our_lateness_in_noticing():
    limit = InFlightLimit(64)
    limit.finished(TYPE, 0.0, 10.0, took=10.0)
    limit.finished(TYPE, 0.0, 30.0, took=10.5)  # we noticed late (busy process); Recast was not slower
    assert limit.limit == INITIAL + 2


def test_a_queued_report_shows_its_queueing_in_recasts_timestamps(simulator_factory, connect):
    sim = simulator_factory(latency=0.2, capacity=1)
    client = connect(sim)
    outcomes = list(run_reports(client, [ReportRequest(i, spend_form(i)) for i in range(2)], max_in_flight=2))
    run_times = sorted(_seconds(o.report) for o in outcomes)
    assert run_times[0] == pytest.approx(0.2, abs=0.05) and run_times[1] >= 0.35  # waited for the first


def _seconds(report) -> float:
    from recast_pipeline.recast.models import parse_timestamp

    return (parse_timestamp(report.updated_at) - parse_timestamp(report.created_at)).total_seconds()


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
        client, [ReportRequest(i, spend_form(i)) for i in range(3)], on_event=lambda kind, request, detail: events.append((kind, request.key, detail))
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
    outcomes = list(run_reports(client, [ReportRequest(i, spend_form(i)) for i in range(6)],
                                on_event=lambda kind, request, detail: events.append(kind)))
    assert sorted(o.request.key for o in outcomes) == list(range(6)) and all(o.ok for o in outcomes)
    stats = sim.stats()
    assert stats["creates"] == 6 and stats["in_flight_peak"] <= 2
    # every 429 Recast sent was answered by deferring (never by a create retried while ours computed)
    assert stats["statuses"].get("429", 0) == events.count("deferred")
