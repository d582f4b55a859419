"""Group 1: bursts of 429 during create, poll and download, in both Retry-After forms."""

from __future__ import annotations

import re

import pytest

from recast_pipeline.recast import errors
from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.forms import build_form, month_window

from .helpers import SLUG, SPEND, Pipeline, failure_text, faulted, when

RETRY_LINE = re.compile(r"(GET|POST) (\S+): 429, retry \d+ in ([\d.]+)s")


def _retry_delays(caplog) -> list[tuple[str, float]]:
    found = []
    for record in caplog.records:
        match = RETRY_LINE.search(record.getMessage())
        if match:
            found.append((match.group(2), float(match.group(3))))
    return found


@pytest.mark.parametrize("retry_format", ["seconds", "http-date"])
def test_429_bursts_on_create_poll_and_download_complete_with_one_report(sim_factory, tmp_path, caplog, retry_format):
    sim = sim_factory(latency=1.2)
    sim.set_faults(rate_limit_endpoints=["create"], rate_limit_burst=2, retry_after=1, retry_after_format=retry_format)
    # fault script: once create has had its 429s, rate-limit the polls; then the downloads
    when(
        sim,
        lambda s: faulted(s, "rate_limit", "create") >= 2,
        lambda: sim.set_faults(rate_limit_endpoints=["show"], rate_limit_burst=1),
    )
    when(
        sim,
        lambda s: faulted(s, "rate_limit", "show") >= 1,
        lambda: sim.set_faults(rate_limit_endpoints=["download"], rate_limit_burst=1),
    )

    result = Pipeline(sim, tmp_path / "data").run(SPEND, month="2026-09-01")

    assert result.success, failure_text(result)
    stats = sim.stats()
    assert [faulted(stats, "rate_limit", e) for e in ("create", "show", "download")] == [2, 1, 1]
    assert stats["creates"] == 1  # a 429 on create is refused before anything is created: re-sent, never doubled
    delays = _retry_delays(caplog)
    assert len(delays) == 4
    for _, delay in delays:  # the server's Retry-After (1 s; an HTTP date has 1 s resolution), not a guess
        assert (delay == 1.0) if retry_format == "seconds" else (0.0 <= delay <= 2.0)
    times = {}
    for entry in stats["log"]:  # and the client really waited that long before the next call
        if entry["fault"] == "rate_limit":
            times[entry["endpoint"]] = entry["time"]
        elif entry["endpoint"] in times and retry_format == "seconds":
            assert entry["time"] - times.pop(entry["endpoint"]) >= 0.9


def test_retry_after_is_honoured_up_to_the_cap(sim):
    """A Retry-After of an hour is waited only up to the 120 s cap (fake clock: the test takes ms)."""
    now, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    sim.set_faults(rate_limit_endpoints=["create"], rate_limit_burst=1, retry_after=3600)
    with RecastClient(sim.base_url, SLUG, sim.token, retry_deadline=300, sleep=sleep, clock=lambda: now[0]) as client:
        form = build_form("compute_spend_summary", client.get_deployment(5716), window=month_window(_month()))
        client.create_report(form)
    assert slept == [120.0] and sim.stats()["creates"] == 1


def test_retry_after_past_the_deadline_fails_the_step_at_once_saying_so(sim, tmp_path):
    sim.set_faults(rate_limit_endpoints=["create"], rate_limit_burst=1, retry_after=3600)
    result = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 5}).run(SPEND, month="2026-09-01")
    assert not result.success
    text = failure_text(result)
    assert "HTTP 429" in text and "asked to wait 3600 s" in text and "retry deadline of 5 s" in text
    assert "compute_spend_summary" in text and "no report" in text
    assert sim.stats()["creates"] == 0
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_rate_limit_outlasting_the_deadline_is_a_typed_error(sim):
    sim.set_faults(rate_limit_rate=1.0, rate_limit_endpoints=["show"], retry_after=1)
    with RecastClient(sim.base_url, SLUG, sim.token, retry_deadline=1.5) as client:
        with pytest.raises(errors.RateLimitedError) as caught:
            client.get_report(1)
    assert caught.value.retry_after == 1.0 and caught.value.status == 429


def _month():
    from datetime import date

    return date(2026, 9, 1)
