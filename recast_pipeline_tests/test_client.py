"""RecastClient against the simulator over loopback: endpoints, pagination, retries, safe creates,
reuse, waiting on many reports, downloads, secrecy. Short latencies; retry sleeps are recorded,
not slept, wherever no polling is involved."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import httpx
import pytest
from conftest import TEST_TOKEN
from fakes import FakeClock, spend_form

from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.errors import (
    AuthenticationError,
    IncompleteDownloadError,
    LostCreateError,
    NotFoundError,
    RecastError,
    ReportFailedError,
    ServerError,
    TransportError,
    ValidationError,
)
from recast_pipeline.recast.fingerprint import form_fingerprint, parse_tag
from recast_pipeline.recast.forms import build_form

SPEND = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
}


@pytest.fixture
def client(simulator, connect) -> RecastClient:
    return connect(simulator)


@pytest.fixture(autouse=True)
def token_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        assert TEST_TOKEN not in text, record


def no_token(error: BaseException) -> BaseException:
    assert TEST_TOKEN not in str(error) and TEST_TOKEN not in repr(error) and TEST_TOKEN not in repr(vars(error))
    return error


# -- endpoints ------------------------------------------------------------------------------------------


def test_deployments_and_kpis(client, simulator):
    deployments = client.list_deployments()
    assert tuple(d.id for d in deployments) == (5715, 5716, 5717)  # 5715: revenue's older, inactive model
    assert simulator.deployment_ids == (5716, 5717)
    assert {name: d.id for name, d in client.active_deployments().items()} == {"revenue": 5716, "signups": 5717}
    main = client.get_deployment(5716)
    assert "Branded Search" in main.lower_funnel_channels and main.spend_channels
    assert client.get_deployment(5717).lower_funnel_channels == ()
    kpis = client.list_kpis()
    assert kpis and all(set(k.deployment_ids) <= {5715, 5716, 5717} for k in kpis)
    assert client.get_kpi(kpis[0].id) == kpis[0]
    with pytest.raises(NotFoundError):
        client.get_deployment(999)


def test_create_show_wait_download(client, simulator, tmp_path):
    report_id = client.create_report(SPEND, label="spend 2024-01")
    shown = client.get_report(report_id)
    assert shown.form == SPEND and shown.name == f"spend 2024-01 [rp:{form_fingerprint(SPEND)}]"
    assert shown.status in ("ready", "processing")
    report = client.wait([report_id])[report_id]
    assert report.status == "success"
    assert {d.key for d in report.downloads} == {"tables-daily", "tables-weekly", "tables-monthly", "tables-total"}
    for download in report.downloads:
        dest = tmp_path / f"{download.key}.csv"
        size = client.download(report_id, download.key, dest)
        assert size == dest.stat().st_size > 0
        assert b"," in dest.read_bytes().splitlines()[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{d.key}.csv" for d in report.downloads)
    assert simulator.stats()["creates"] == 1


def test_download_key_with_spaces_is_one_path_segment(client, tmp_path):
    deployment = client.get_deployment(5716)
    form = build_form("compute_grouped_channel_summaries", deployment, month="2024-01-01")
    report_id = client.create_report(form)
    report = client.wait([report_id])[report_id]
    keys = [d.key for d in report.downloads if " " in d.key]
    assert keys, "expected keys with spaces (group names)"
    assert client.download(report_id, keys[0], tmp_path / "g.csv") > 0


def test_download_of_unknown_key_is_not_found(client, tmp_path):
    report_id = client.create_report(SPEND)
    client.wait([report_id])
    with pytest.raises(NotFoundError):
        client.download(report_id, "no such/key", tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_truncated_download_is_retried_and_complete(client, simulator, tmp_path):
    report_id = client.create_report(SPEND)
    client.wait([report_id])
    client.download(report_id, "tables-daily", tmp_path / "clean.csv")
    simulator.set_faults(truncate_burst=1)
    client.download(report_id, "tables-daily", tmp_path / "retried.csv")
    assert (tmp_path / "retried.csv").read_bytes() == (tmp_path / "clean.csv").read_bytes()
    assert simulator.stats()["faults"].get("truncate") == 1


def test_always_truncated_download_raises_and_keeps_the_old_file(simulator, connect, tmp_path):
    client = connect(simulator, retry_deadline=0.3)
    report_id = client.create_report(SPEND)
    client.wait([report_id])
    dest = tmp_path / "t.csv"
    dest.write_text("previous good copy")
    simulator.set_faults(truncate_rate=1.0)
    with pytest.raises((IncompleteDownloadError, TransportError)) as caught:
        client.download(report_id, "tables-daily", dest)
    no_token(caught.value)
    assert dest.read_text() == "previous good copy" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]


# -- listing -------------------------------------------------------------------------------------------------


def test_iter_reports_walks_every_page(client, simulator):
    ids = [client.create_report(spend_form(i)) for i in range(7)]
    simulator.reset_stats()
    listed = list(client.iter_reports(per_page=3))
    assert sorted(r.id for r in listed) == sorted(ids)
    assert simulator.stats()["calls"]["list"] == 3
    assert all(parse_tag(r.name) for r in listed) and not any(r.prerendered for r in listed)
    everything = list(client.iter_reports(include_prerendered=True, per_page=10))
    prerendered = [r for r in everything if r.prerendered]
    assert prerendered and len(everything) == len(ids) + len(prerendered)
    assert [r.id for r in client.iter_reports("compute_model_configuration")] == []
    only = list(client.iter_reports("compute_model_configuration", include_prerendered=True))
    assert only and {r.report_type for r in only} == {"compute_model_configuration"}


# -- retry rules ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["seconds", "http-date"])
def test_429_honours_retry_after_in_both_forms(simulator, connect, fmt):
    recorder = FakeClock()
    client = connect(simulator, sleep=recorder.sleep)
    simulator.set_faults(rate_limit_burst=1, retry_after=3, retry_after_format=fmt)
    assert [d.id for d in client.list_deployments()] == [5715, 5716, 5717]
    assert len(recorder.sleeps) == 1
    if fmt == "seconds":
        assert recorder.sleeps == [3.0]
    else:  # whole-second HTTP date: between 2 and 3 s from now
        assert 1.0 <= recorder.sleeps[0] <= 3.0
    assert simulator.stats()["statuses"]["429"] == 1


def test_503_then_success(simulator, connect):
    client = connect(simulator, sleep=FakeClock().sleep)
    simulator.set_faults(server_error_burst=1, server_error_status=503)
    assert client.get_deployment(5716).id == 5716
    stats = simulator.stats()
    assert stats["calls"]["deployments"] == 2 and stats["statuses"]["503"] == 1


def test_404_is_not_retried(client, simulator):
    with pytest.raises(NotFoundError) as caught:
        client.get_report(424242)
    no_token(caught.value)
    assert caught.value.status == 404 and "424242" in caught.value.body
    assert simulator.stats()["calls"]["show"] == 1


def test_422_is_not_retried_and_carries_the_server_messages(client, simulator):
    bad = {**SPEND, "end_date": "2023-12-01", "channels": ["No Such Channel"]}
    bad["report_type"] = "compute_daily_spend_vs_KPI"
    with pytest.raises(ValidationError) as caught:
        client.create_report(bad)
    no_token(caught.value)
    assert any("end_date" in m for m in caught.value.messages)
    assert any("No Such Channel" in m for m in caught.value.messages)
    stats = simulator.stats()
    assert stats["calls"]["create"] == 1 and stats["creates"] == 0


def test_retry_deadline_reached(simulator, connect):
    recorder = FakeClock()
    client = connect(simulator, sleep=recorder.sleep, clock=recorder, retry_deadline=5.0, backoff_cap=1.0)
    simulator.set_faults(server_error_rate=1.0, server_error_endpoints=["show"])
    with pytest.raises(ServerError) as caught:
        client.get_report(1001)
    no_token(caught.value)
    assert recorder.now <= 5.0 and "gave up after" in str(caught.value)
    assert simulator.stats()["calls"]["show"] == len(recorder.sleeps) + 1 > 2


def test_wrong_token_is_an_authentication_error_not_retried(simulator, connect):
    wrong = "gr_wrong_token_456"
    client = connect(simulator, token=wrong)
    with pytest.raises(AuthenticationError) as caught:
        client.list_deployments()
    assert wrong not in str(caught.value) and caught.value.status == 401
    assert simulator.stats()["statuses"]["401"] == 1


# -- creates are never duplicated --------------------------------------------------------------------


def test_lost_create_response_dropped_connection_makes_no_duplicate(client, simulator, caplog):
    simulator.set_faults(lost_create_burst=1, lost_create_mode="drop")
    report_id = client.create_report(SPEND)
    assert simulator.stats()["creates"] == 1
    assert any("outcome unknown" in r.getMessage() for r in caplog.records)
    assert client.get_report(report_id).form == SPEND


def test_lost_create_response_read_timeout_makes_no_duplicate(simulator, connect):
    client = connect(simulator, timeout=httpx.Timeout(5.0, read=0.3))
    simulator.set_faults(lost_create_burst=1, lost_create_mode="delay", lost_create_delay=1.0)
    report_id = client.create_report(SPEND)
    assert simulator.stats()["creates"] == 1
    assert client.get_report(report_id).form == SPEND


def test_5xx_on_create_looks_and_does_not_create_again(client, simulator):
    simulator.set_faults(server_error_burst=1, server_error_status=502, server_error_endpoints=["create"])
    with pytest.raises(LostCreateError) as caught:
        client.create_report(SPEND)
    no_token(caught.value)
    stats = simulator.stats()
    assert stats["creates"] == 0 and stats["calls"]["create"] == 1 and stats["calls"]["list"] >= 1
    assert client.create_report(SPEND, label="after checking") and simulator.stats()["creates"] == 1


def test_429_on_create_is_resent(simulator, connect):
    client = connect(simulator, sleep=FakeClock().sleep)
    simulator.set_faults(rate_limit_burst=1, rate_limit_endpoints=["create"])
    client.create_report(SPEND)
    stats = simulator.stats()
    assert stats["creates"] == 1 and stats["calls"]["create"] == 2 and "list" not in stats["calls"]


# -- reuse ---------------------------------------------------------------------------------------------------


def test_find_reusable_miss_in_flight_and_success(simulator_factory, connect):
    simulator = simulator_factory(latency=1.0)  # long enough to see the report in flight
    client = connect(simulator)
    assert client.find_reusable(SPEND) is None
    other = spend_form(3, deployment_id=5717)
    report_id = client.create_report(SPEND)
    other_id = client.create_report(other)
    in_flight = client.find_reusable(SPEND)
    assert in_flight is not None and in_flight.id == report_id and in_flight.running
    client.wait([report_id, other_id])
    done = client.find_reusable(SPEND)
    assert done.id == report_id and done.status == "success" and done.downloads
    assert client.find_reusable({**SPEND, "end_date": "2024-02-01"}) is None
    assert client.find_reusable(other).id == other_id
    # refreshes (new deployment or in place) are covered with vendor-shaped deployments in test_client_reuse.py


def test_submit_reuses_and_force_new_creates(client, simulator):
    first = client.submit(SPEND, label="mine")
    again = client.submit({**SPEND, "deployment_id": "5716"})
    assert (first.reused, again.reused, again.report_id) == (False, True, first.report_id)
    forced = client.submit(SPEND, force_new=True)
    assert not forced.reused and forced.report_id != first.report_id
    assert simulator.stats()["creates"] == 2


def test_errored_reports_are_never_reused(client):
    form = {
        "deployment_id": 5717,
        "report_type": "compute_context_variable_summary",
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
    }  # 5717 has no context variables
    report_id = client.create_report(form)
    with pytest.raises(ReportFailedError) as caught:
        client.wait([report_id])
    no_token(caught.value)
    assert caught.value.report_id == report_id and caught.value.form == form
    assert client.find_reusable(form) is None


def test_prerendered_report_reused_for_no_input_types(client, simulator):
    form = {"deployment_id": 5716, "report_type": "compute_model_configuration"}
    submission = client.submit(form)
    assert submission.reused and submission.report.prerendered and submission.report.status == "success"
    assert simulator.stats()["creates"] == 0


def test_prerendered_report_reused_only_when_its_inputs_match(client):
    dashboard = next(r for r in client.iter_reports("compute_spend_summary", include_prerendered=True) if r.prerendered)
    form = client.get_report(dashboard.id).form
    assert client.find_reusable(form).id == dashboard.id
    assert client.find_reusable({**form, "end_date": "2024-01-31", "start_date": "2024-01-01"}) is None


def test_untagged_identical_report_made_in_the_ui_is_reused(client, simulator):
    response = httpx.post(
        f"{simulator.base_url}/v1/clients/{simulator.client_slug}/reports",
        json={"name": "Q1 spend from the UI", "show_in_ui": True, "form": SPEND},
        headers={"Authorization": f"Bearer {simulator.token}"},
    )
    ui_id = response.json()["id"]
    assert client.find_reusable(SPEND).id == ui_id
    assert client.find_reusable({**SPEND, "end_date": "2024-01-30"}) is None


# -- waiting -------------------------------------------------------------------------------------------------


def test_wait_on_30_reports_at_once(client, simulator):
    ids = [client.create_report(spend_form(i, deployment_id=5716 + i % 2)) for i in range(30)]
    progress = []
    reports = client.wait(ids, on_progress=lambda r: progress.append((r.id, r.status)))
    assert list(reports) == ids
    assert all(r.status == "success" and r.downloads for r in reports.values())
    assert {i for i, status in progress if status == "success"} == set(ids)
    assert simulator.stats()["calls"]["show"] < 30 * 8  # polled together, not hammered


def test_iter_completed_yields_while_others_compute(simulator_factory, connect):
    sim = simulator_factory(latency=0.3, jitter=0.25)
    client = connect(sim)
    ids = [client.create_report(spend_form(i)) for i in range(6)]
    finished = [r.id for r in client.iter_completed(ids)]
    assert sorted(finished) == sorted(ids)


def test_report_timeout(simulator_factory, connect):
    sim = simulator_factory(latency=5.0)
    client = connect(sim, report_timeout=0.3, poll_interval=0.1)
    report_id = client.create_report(SPEND)
    with pytest.raises(RecastError) as caught:
        client.wait([report_id])
    assert type(caught.value).__name__ == "ReportTimeoutError" and caught.value.report_id == report_id


# -- secrecy and imports -----------------------------------------------------------------------------------


def test_token_absent_from_repr_and_error_texts(client):
    assert TEST_TOKEN not in repr(client)
    errors = []
    for call in (lambda: client.get_report(1), lambda: client.create_report({"report_type": "x"})):
        try:
            call()
        except RecastError as exc:
            errors.append(no_token(exc))
    assert len(errors) == 2 and all(json.dumps(vars(e), default=str).find(TEST_TOKEN) < 0 for e in errors)


def test_importing_the_api_layer_does_not_import_dagster():
    code = (
        "import sys; import recast_pipeline.recast, recast_pipeline.recast.batch, recast_pipeline.recast.client;"
        "bad = [m for m in sys.modules if m == 'dagster' or m.startswith('dagster.')]; print(bad); sys.exit(1 if bad "
        "else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
