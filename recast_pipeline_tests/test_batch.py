"""run_reports against the simulator: bounded in flight, polled together, reuse, per-request failures."""

from __future__ import annotations

import logging

import pytest
from conftest import TEST_TOKEN
from fakes import spend_form

from recast_pipeline.recast.batch import ReportRequest, run_reports
from recast_pipeline.recast.errors import AuthenticationError, ReportFailedError, ValidationError


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(latency=0.2, jitter=0.1)


@pytest.fixture(autouse=True)
def token_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    assert not [r for r in caplog.records if TEST_TOKEN in r.getMessage()]


def test_max_in_flight_is_honoured_and_outcomes_stream(sim, connect):
    client = connect(sim)
    requests = [ReportRequest(key=i, form=spend_form(i), label=f"week {i}") for i in range(12)]
    events = []
    outcomes = list(run_reports(client, requests, max_in_flight=3, on_event=lambda *e: events.append(e)))
    assert sorted(o.request.key for o in outcomes) == list(range(12))
    assert all(o.ok and not o.reused and o.report.downloads for o in outcomes)
    assert all(o.submitted_at <= o.finished_at for o in outcomes)
    stats = sim.stats()
    # in flight as the client sees it (deterministic); Recast never computed more than that at once
    assert client_peak(events) == 3 and stats["creates"] == 12 and stats["in_flight_peak"] <= 3
    # the first outcome was handed out before the last request was even submitted
    assert outcomes[0].finished_at <= max(o.submitted_at for o in outcomes)
    assert sorted(kind for kind, _, _ in events) == ["finished"] * 12 + ["submitted"] * 12


def test_default_max_in_flight_comes_from_the_client(sim, connect):
    client = connect(sim, max_in_flight=2)
    events = []
    outcomes = list(
        run_reports(client, [ReportRequest(i, spend_form(i)) for i in range(5)], on_event=lambda *e: events.append(e))
    )
    assert len(outcomes) == 5 and client_peak(events) == 2 and sim.stats()["in_flight_peak"] <= 2


def client_peak(events) -> int:
    """Most reports submitted and not yet finished at once, from the batch's own events."""
    peak = current = 0
    for kind, _, _ in events:
        current += {"submitted": 1, "finished": -1, "failed": -1}.get(kind, 0)
        peak = max(peak, current)
    return peak


def test_a_rerun_reuses_everything_with_one_listing(sim, connect):
    client = connect(sim)
    requests = [ReportRequest(i, spend_form(i)) for i in range(6)]
    first = {o.request.key: o.report.id for o in run_reports(client, requests)}
    sim.reset_stats()
    events = []
    again = list(run_reports(client, requests, on_event=lambda kind, request, detail: events.append(kind)))
    assert {o.request.key: o.report.id for o in again} == first
    assert all(o.reused and o.ok for o in again)
    stats = sim.stats()
    assert "create" not in stats["calls"] and stats["calls"]["list"] == 1
    assert sorted(events) == ["finished"] * 6 + ["reused"] * 6


def test_failures_are_per_request(sim, connect):
    client = connect(sim)
    invalid = {**spend_form(0), "end_date": "2022-01-01"}
    errored = {
        "deployment_id": 5717,
        "report_type": "compute_context_variable_summary",
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
    }
    requests = [
        ReportRequest("invalid", invalid),
        ReportRequest("errored", errored),
        ReportRequest("good", spend_form(1)),
    ]
    failed = []
    outcomes = {
        o.request.key: o
        for o in run_reports(client, requests, on_event=lambda k, r, d: k == "failed" and failed.append((r.key, d)))
    }
    assert isinstance(outcomes["invalid"].error, ValidationError) and outcomes["invalid"].report_id is None
    assert isinstance(outcomes["errored"].error, ReportFailedError)
    assert outcomes["errored"].report_id == outcomes["errored"].error.report_id
    assert outcomes["good"].ok
    assert sorted(key for key, _ in failed) == ["errored", "invalid"]
    assert all(TEST_TOKEN not in detail for _, detail in failed)


def test_identical_requests_in_one_batch_share_one_report(sim, connect):
    client = connect(sim)
    requests = [ReportRequest("x", spend_form(0)), ReportRequest("y", {**spend_form(0), "deployment_id": "5716"})]
    outcomes = list(run_reports(client, requests))
    assert len(outcomes) == 2 and outcomes[0].report.id == outcomes[1].report.id
    assert sim.stats()["creates"] == 1


def test_force_new_creates_even_when_reusable(sim, connect):
    client = connect(sim)
    list(run_reports(client, [ReportRequest(0, spend_form(0))]))
    [outcome] = run_reports(client, [ReportRequest(0, spend_form(0), force_new=True)])
    assert outcome.ok and not outcome.reused and sim.stats()["creates"] == 2


def test_bad_credentials_stop_the_batch(sim, connect):
    client = connect(sim, token="gr_not_the_right_one")
    with pytest.raises(AuthenticationError):
        list(run_reports(client, [ReportRequest(i, spend_form(i)) for i in range(3)]))


def test_rate_limits_during_a_batch_are_absorbed(sim, connect):
    client = connect(sim)
    # a 5xx on a create is ambiguous by design (LostCreateError, tested elsewhere): here only reads get them,
    # so the outcome does not depend on which request the seeded draws happen to hit
    sim.set_faults(
        rate_limit_rate=0.3,
        retry_after=0,
        server_error_rate=0.1,
        server_error_endpoints=["show", "list", "download", "deployments"],
    )
    outcomes = list(run_reports(client, [ReportRequest(i, spend_form(i)) for i in range(8)], max_in_flight=4))
    assert all(o.ok for o in outcomes) and len(outcomes) == 8
    stats = sim.stats()
    assert stats["creates"] == 8 and stats["faults"]
