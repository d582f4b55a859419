"""Group 3: the server created the report but the client never saw the answer."""

from __future__ import annotations

import httpx
import pytest

from recast_pipeline.landing.local_store import LandingArea
from recast_pipeline.pipeline.fetch import FormPlanner, LandedPartition, PartitionJob, fetch_partitions
from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.errors import LostCreateError
from recast_pipeline.recast.ledger import CreateLedger

from .helpers import BASELINE, SLUG, SPEND, Pipeline, failure_text


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
    [listed] = [r for r in sim.store.made("compute_spend_summary")]
    assert _report_ids(pipeline) == [listed.id]


def test_create_answered_after_the_read_timeout_is_found_and_resumed(sim, tmp_path):
    """Read timeout: the request reached the server, so the client looks before creating again."""
    sim.set_faults(lost_create_burst=1, lost_create_mode="delay", lost_create_delay=3.0)
    timeout = httpx.Timeout(5.0, read=0.5)
    with RecastClient(sim.base_url, SLUG, sim.token, timeout=timeout, poll_interval=0.2, retry_deadline=10) as client:
        deployment = client.get_deployment(5716)
        form = FormPlanner(client).form("compute_spend_summary", deployment, _month(), {})
        job = PartitionJob(
            "compute_spend_summary", "revenue", 5716, deployment.model_date, "2026-09-01", form, label="lost create"
        )
        [result] = list(fetch_partitions(client, LandingArea(tmp_path / "data" / "parquet"), [job]))
    assert isinstance(result, LandedPartition), getattr(result, "error", None)
    result.stage.discard()
    assert sim.stats()["creates"] == 1  # the server is still holding its answer back
    assert not result.reused and result.report.status == "success"


def test_create_lost_and_given_up_then_the_rerun_resumes_that_report(sim, tmp_path):
    """The answer is lost and Recast does not list the report yet: the client gives up saying so, the ledger
    keeps the intent, and the re-run picks the report up once it is listed."""
    sim.set_faults(lost_create_burst=1, lost_create_mode="drop")
    sim.set_readings(unlisted_reports="hidden")
    with RecastClient(
        sim.base_url,
        SLUG,
        sim.token,
        retry_deadline=0.0,
        ledger=CreateLedger(tmp_path / "data" / "recast_ledger.sqlite"),
    ) as client:
        deployment = client.get_deployment(5716)
        form = FormPlanner(client).form("compute_spend_summary", deployment, _month(), {})
        with pytest.raises(LostCreateError):
            client.create_report(form)
    assert sim.stats()["creates"] == 1

    sim.set_readings(unlisted_reports="listed")
    second = Pipeline(sim, tmp_path / "data").run(SPEND, month="2026-09-01")
    assert second.success, failure_text(second)
    assert sim.stats()["creates"] == 1  # the re-run found the report the lost create made
    [listed] = sim.store.made("compute_spend_summary")
    assert _report_ids(Pipeline(sim, tmp_path / "data")) == [listed.id]


UNFRIENDLY = {"unlisted_reports": "hidden", "names": "absent"}


def test_reruns_create_nothing_new_when_the_list_hides_api_reports_and_names_are_absent(sim, tmp_path):
    sim.set_readings(**UNFRIENDLY)
    pipeline = Pipeline(sim, tmp_path / "data")
    assert pipeline.run(SPEND, BASELINE, month="2026-09-01").success
    assert sim.stats()["creates"] == 2
    again = pipeline.run(SPEND, BASELINE, month="2026-09-01")
    assert again.success, failure_text(again)
    assert sim.stats()["creates"] == 2  # the ledger named both reports: nothing was created twice


def test_a_lost_create_that_cannot_be_found_fails_clearly_and_is_never_sent_again(sim, tmp_path):
    sim.set_readings(**UNFRIENDLY)
    sim.set_faults(lost_create_burst=1, lost_create_mode="drop")
    pipeline = Pipeline(sim, tmp_path / "data")
    first = pipeline.run(SPEND, month="2026-09-01")
    assert not first.success
    text = failure_text(first)
    assert "may exist on Recast" in text and "not sent again" in text, text
    assert sim.stats()["creates"] == 1
    second = pipeline.run(SPEND, month="2026-09-01")  # a re-run does not guess either
    assert not second.success and sim.stats()["creates"] == 1
    forced = pipeline.run(SPEND, month="2026-09-01", config={"force_new_report": True})
    assert forced.success, failure_text(forced)  # the user's explicit choice creates a new one
    assert sim.stats()["creates"] == 2


def _month():
    from datetime import date

    return date(2026, 9, 1)
