"""Group 3: the server created the report but the client never saw the answer."""

from __future__ import annotations

import httpx

from recast_pipeline.fetch import FormPlanner, LandedPartition, PartitionJob, fetch_partitions
from recast_pipeline.landing import LandingArea
from recast_pipeline.recast import RecastClient

from .helpers import SLUG, SPEND, Pipeline, failure_text


def _report_ids(pipeline) -> list[int]:
    return [row[0] for row in pipeline.rows("SELECT report_id FROM recast_meta.reports")]


def test_dropped_create_response_is_found_and_resumed_with_one_report_on_the_server(sim, tmp_path):
    sim.set_faults(lost_create_burst=1, lost_create_mode="drop")
    pipeline = Pipeline(sim, tmp_path / "data")
    result = pipeline.run(SPEND, month="2026-09-01")

    assert result.success, failure_text(result)
    stats = sim.stats()
    assert stats["faults"] == {"lost_create": 1}
    assert stats["creates"] == 1  # exactly one report on the server
    [listed] = [r for r in sim.store.listing("compute_spend_summary", False)]
    assert _report_ids(pipeline) == [listed.id]


def test_create_answered_after_the_read_timeout_is_found_and_resumed(sim, tmp_path):
    """Read timeout: the request reached the server, so the client looks before creating again."""
    sim.set_faults(lost_create_burst=1, lost_create_mode="delay", lost_create_delay=3.0)
    timeout = httpx.Timeout(5.0, read=0.5)
    with RecastClient(sim.base_url, SLUG, sim.token, timeout=timeout, poll_interval=0.2, retry_deadline=10) as client:
        form = FormPlanner(client).form("compute_spend_summary", 5716, _month(), {})
        job = PartitionJob("compute_spend_summary", 5716, "2026-09-01", form, label="lost create")
        [result] = list(fetch_partitions(client, LandingArea(tmp_path / "data" / "parquet"), [job]))
    assert isinstance(result, LandedPartition), getattr(result, "error", None)
    result.stage.discard()
    assert sim.stats()["creates"] == 1  # the server is still holding its answer back
    assert not result.reused and result.report.status == "success"


def test_create_lost_and_given_up_then_the_rerun_resumes_that_report(sim, tmp_path):
    sim.set_faults(lost_create_burst=1, lost_create_mode="drop")
    pipeline = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 0.0})  # the step gives up at once
    first = pipeline.run(SPEND, month="2026-09-01")
    assert not first.success
    assert "POST" in failure_text(first) and sim.stats()["creates"] == 1

    second = Pipeline(sim, tmp_path / "data").run(SPEND, month="2026-09-01")
    assert second.success, failure_text(second)
    assert sim.stats()["creates"] == 1  # the re-run found the report the lost create made
    [listed] = sim.store.listing("compute_spend_summary", False)
    assert _report_ids(pipeline) == [listed.id]


def _month():
    from datetime import date

    return date(2026, 9, 1)
