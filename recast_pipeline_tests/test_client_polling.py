"""ReportPoller and RecastClient.wait/iter_completed with a fake clock and scripted statuses."""

from __future__ import annotations

import pytest
from fakes import FakeClock

from recast_pipeline.recast import errors
from recast_pipeline.recast.api_types import Report
from recast_pipeline.recast.polling import ReportPoller, first_interval

FORM = {"deployment_id": 5716, "report_type": "compute_spend_summary"}


def report(report_id: int, status: str) -> Report:
    results = {"downloads": [{"key": "tables-daily"}]} if status == "success" else None
    return Report.from_json({"id": report_id, "status": status, "form": FORM, "results": results})


class Statuses:
    """get_report that reports ``success`` once a report has been polled ``polls_needed[id]`` times."""

    def __init__(self, polls_needed: dict[int, int], final: str = "success") -> None:
        self.polls_needed = polls_needed
        self.final = final
        self.polls: dict[int, int] = {}

    def __call__(self, report_id: int) -> Report:
        self.polls[report_id] = self.polls.get(report_id, 0) + 1
        done = self.polls[report_id] >= self.polls_needed[report_id]
        return report(report_id, self.final if done else ("ready" if self.polls[report_id] == 1 else "processing"))


def make_poller(get_report, clock, poll_interval=30.0, report_timeout=900.0, **kwargs) -> ReportPoller:
    return ReportPoller(
        get_report, poll_interval=poll_interval, report_timeout=report_timeout, clock=clock, sleep=clock.sleep, **kwargs
    )


def drain(poller: ReportPoller):
    results = []
    while len(poller):
        results.extend(poller.poll())
    return results


def test_first_interval_is_short():
    assert first_interval(30.0) == 0.5
    assert first_interval(1.0) == 0.1


def test_interval_grows_with_the_run_time_up_to_poll_interval():
    clock = FakeClock()
    poller = make_poller(Statuses({1: 60}), clock, poll_interval=30.0)
    poller.add(1)
    [result] = drain(poller)
    assert result.error is None and result.report.status == "success"
    assert clock.sleeps[0] == pytest.approx(0.5)
    assert all(b >= a - 1e-9 for a, b in zip(clock.sleeps, clock.sleeps[1:]))
    assert clock.sleeps[-1] == pytest.approx(30.0) and max(clock.sleeps) <= 30.0


def test_a_finished_report_is_seen_at_most_a_tenth_of_its_run_time_late():
    clock = FakeClock()
    poller = make_poller(Statuses({1: 10**6}), clock, poll_interval=30.0)
    poller.add(1)
    for _ in range(60):
        before = clock.now
        poller.poll()
        assert clock.now - before <= max(0.5, 0.1 * before) + 1e-9
    assert clock.now > 300  # ~60 polls cover a 5-minute report


def test_many_reports_are_polled_in_the_same_rounds():
    clock = FakeClock()
    statuses = Statuses({i: 1 + i % 4 for i in range(30)})
    poller = make_poller(statuses, clock)
    for i in range(30):
        poller.add(i)
    results = drain(poller)
    assert sorted(r.report_id for r in results) == list(range(30))
    assert len(clock.sleeps) == 4  # one sleep per round serves all 30


def test_error_status_fails_with_report_id_and_form():
    clock = FakeClock()
    poller = make_poller(Statuses({1: 2}, final="error"), clock)
    poller.add(1)
    [result] = drain(poller)
    assert isinstance(result.error, errors.ReportFailedError)
    assert result.error.report_id == 1 and result.error.form == FORM
    assert "compute_spend_summary" in str(result.error) and "error" in str(result.error)


def test_unknown_status_is_not_treated_as_running():
    clock = FakeClock()
    poller = make_poller(Statuses({1: 1}, final="queued_for_gpu"), clock)
    poller.add(1)
    [result] = drain(poller)
    assert isinstance(result.error, errors.UnknownStatusError)
    assert result.error.report_status == "queued_for_gpu" and "queued_for_gpu" in str(result.error)


def test_each_report_has_its_own_deadline():
    clock = FakeClock()
    poller = make_poller(Statuses({1: 10**6, 2: 10**6}), clock, poll_interval=10.0, report_timeout=100.0)
    poller.add(1)
    clock.now = 50.0
    poller.add(2)
    first = drain_one(poller)
    assert first.report_id == 1 and isinstance(first.error, errors.ReportTimeoutError)
    assert clock.now == pytest.approx(100.0)
    second = drain_one(poller)
    assert second.report_id == 2 and clock.now == pytest.approx(150.0)
    assert second.error.deadline == 100.0 and "RECAST_REPORT_TIMEOUT" in str(second.error)


def drain_one(poller):
    while True:
        results = poller.poll()
        if results:
            assert len(results) == 1
            return results[0]


def test_transient_poll_failures_are_retried_not_fatal():
    clock = FakeClock()
    calls = []

    def flaky(report_id):
        calls.append(report_id)
        if len(calls) <= 2:
            raise errors.ServerError("Recast server error (HTTP 503)", method="GET", path="/r", status=503)
        return report(report_id, "success")

    poller = make_poller(flaky, clock)
    poller.add(1)
    [result] = drain(poller)
    assert result.error is None and len(calls) == 3


def test_a_vanished_report_fails_alone_but_bad_credentials_stop_everything():
    clock = FakeClock()

    def lookup(report_id):
        if report_id == 1:
            raise errors.NotFoundError("Not found", status=404)
        return report(report_id, "success")

    poller = make_poller(lookup, clock)
    poller.add(1)
    poller.add(2)
    results = {r.report_id: r for r in drain(poller)}
    assert isinstance(results[1].error, errors.NotFoundError) and results[2].error is None

    def denied(report_id):
        raise errors.AuthenticationError("denied", status=401)

    poller = make_poller(denied, clock)
    poller.add(1)
    with pytest.raises(errors.AuthenticationError):
        drain(poller)


def test_on_progress_called_on_each_status_change():
    clock = FakeClock()
    seen = []
    poller = make_poller(Statuses({1: 5}), clock, on_progress=lambda r: seen.append(r.status))
    poller.add(1)
    drain(poller)
    assert seen == ["ready", "processing", "success"]


class FakeClient:
    """Just enough of RecastClient to use its real wait/iter_completed."""

    from recast_pipeline.recast.client import RecastClient as _Real

    poller = _Real.poller
    iter_completed = _Real.iter_completed
    wait = _Real.wait

    def __init__(self, get_report) -> None:
        self.get_report = get_report
        self.clock = FakeClock()
        self.sleep = self.clock.sleep
        self.poll_interval = 30.0
        self.report_timeout = 900.0


def test_wait_returns_every_report_in_the_order_asked():
    client = FakeClient(Statuses({i: 1 + (7 * i) % 5 for i in range(30)}))
    reports = client.wait(range(30))
    assert list(reports) == list(range(30))
    assert all(r.status == "success" and r.downloads for r in reports.values())


def test_wait_raises_report_failed():
    client = FakeClient(Statuses({1: 1, 2: 3}, final="error"))
    with pytest.raises(errors.ReportFailedError) as caught:
        client.wait([1, 2])
    assert caught.value.report_id == 1


def test_iter_completed_yields_as_each_finishes():
    client = FakeClient(Statuses({1: 6, 2: 1, 3: 3}))
    assert [r.id for r in client.iter_completed([1, 2, 3])] == [2, 3, 1]


def test_the_first_report_of_a_type_seen_final_sets_when_the_others_are_polled():
    """Reports submitted a second apart drift onto different poll rounds; once one is seen final,
    the others of its type that ran as long are polled at once, and a later one near that time."""
    clock = FakeClock()
    done_at = {1: 60.0, 2: 61.0, 3: 100.0}  # 3 of another type: unaffected

    def get_report(report_id):
        return report(report_id, "success" if clock.now >= done_at[report_id] else "processing")

    poller = make_poller(get_report, clock)
    poller.add(1, 0.0, group="spend")
    poller.add(2, 1.0, group="spend")
    poller.add(3, 0.0, group="other")
    seen = {}
    while 1 not in seen:
        seen.update({r.report_id: clock.now for r in poller.poll()})
    first = seen[1]
    while 2 not in seen:
        seen.update({r.report_id: clock.now for r in poller.poll()})
    assert seen[2] - 61.0 <= 0.05 * first + 1e-9  # within 5% of the learned run time, not a tenth of 61 s
    poller.add(4, clock.now, group="spend")
    done_at[4] = clock.now + 62.0  # about as long as the first
    while 4 not in seen:
        seen.update({r.report_id: clock.now for r in poller.poll()})
    assert seen[4] - done_at[4] <= 0.05 * first + 1e-9
