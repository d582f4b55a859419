"""RecastClient against vendor-shaped answers (``vendor_fake.FakeVendor`` over ``httpx.MockTransport``):
pagination whatever ``per_page`` the server allows, deployments and UUID KPIs, redirected downloads
that never carry the token to the object store, stringified read-back forms."""

from __future__ import annotations

import logging

import httpx
import pytest
from vendor_fake import SIGNATURE, FakeVendor, vendor_clients

from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.errors import ExpiredLinkError
from recast_pipeline.recast.forms import form_from_report

TOKEN = "gr_vendor_secret_token_9"
FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
}


@pytest.fixture
def connect():
    with vendor_clients(TOKEN) as connect:
        yield connect


@pytest.fixture(autouse=True)
def no_secrets_logged(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        text = record.getMessage()
        assert TOKEN not in text and SIGNATURE not in text, text


def lists(vendor, path_end):
    return [r for r in vendor.requests if r.method == "GET" and r.url.path.endswith(path_end)]


# -- pagination -------------------------------------------------------------------------------------------


def test_silent_per_page_cap_is_read_to_the_end(connect):
    vendor = FakeVendor(max_per_page=10)
    ids = {vendor.add_report(dict(FORM, end_date=f"2024-01-{d:02d}")) for d in range(2, 27)}
    client = connect(vendor)
    assert {r.id for r in client.iter_reports(per_page=100)} == ids
    assert len(lists(vendor, "/reports")) == 3  # 25 rows, 10 a page


def test_list_without_pagination_block_uses_the_row_count(connect):
    rows = [{"id": i, "status": "success"} for i in range(1, 8)]

    def answer(request):
        page = int(request.url.params["page"])
        return httpx.Response(200, json={"data": rows[(page - 1) * 3 : page * 3]})  # capped at 3, says nothing

    client = connect(answer)
    assert [r.id for r in client.iter_reports()] == list(range(1, 8))


def test_a_server_that_ignores_page_does_not_loop_forever(connect):
    calls = []

    def answer(request):
        calls.append(request)
        return httpx.Response(200, json={"data": [{"id": 1}, {"id": 2}], "pagination": {"total_pages": 50}})

    assert [r.id for r in connect(answer).iter_reports()] == [1, 2]
    assert len(calls) == 2


# -- deployments and KPIs ---------------------------------------------------------------------------------


def test_deployments_summaries_detail_and_active_per_dashboard(connect):
    vendor = FakeVendor(max_per_page=2)
    vendor.add_deployment(5715, "revenue", active=False, model_date="2024-02-29")
    vendor.add_deployment(5716, "revenue", contextual_variable_defaults={"price": 1.0, "awareness": 0.2})
    vendor.add_deployment(5717, "signups", contextual_variable_defaults={})
    vendor.add_deployment(5720, None, active=True)
    client = connect(vendor)
    summaries = client.list_deployments()
    assert [d.id for d in summaries] == [5715, 5716, 5717, 5720]
    assert not any(d.has_detail for d in summaries) and summaries[1].version == (5716, "2024-05-31")
    assert [d.id for d in client.list_deployments(dashboard_slug="revenue")] == [5715, 5716]
    active = client.active_deployments()
    assert {k: d.id for k, d in active.items()} == {"5720": 5720, "revenue": 5716, "signups": 5717}
    detail = client.get_deployment(5716)
    assert detail.has_detail and detail.context_variables == ("price", "awareness")
    assert str(detail.end_date) == "2024-05-31" and detail.dashboard == "revenue" and detail.active is True
    assert client.get_deployment(5717).context_variables == ()


def test_several_active_deployments_newest_model_date_wins():
    rows = [
        Deployment.from_json({"id": i, "dashboard_slug": "d", "active": a, "model_date": m})
        for i, a, m in [(1, True, "2024-05-01"), (2, True, "2024-04-01"), (3, "false", "2024-09-01")]
    ]
    from recast_pipeline.recast.client import active_by_dashboard

    assert active_by_dashboard(rows)["d"].id == 1
    assert active_by_dashboard([Deployment.from_json({"id": 9, "dashboard_slug": "x", "active": False})]) == {}


def test_deployments_listed_with_id_and_name_only_each_count_keyed_by_id():
    from recast_pipeline.recast.client import active_by_dashboard

    thin = [Deployment.from_json({"id": i, "name": f"model {i}"}) for i in (5716, 5715, 5717)]
    assert {k: d.id for k, d in active_by_dashboard(thin).items()} == {"5715": 5715, "5716": 5716, "5717": 5717}
    slugged = [
        Deployment.from_json(row)
        for row in (
            {"id": 1, "dashboard_slug": "d"},  # does not say: counts
            {"id": 2, "dashboard_slug": "e"},
            {"id": 3, "dashboard_slug": "e", "active": True},
            {"id": 4, "dashboard_slug": "e", "active": "false"},
        )
    ]
    assert {k: d.id for k, d in active_by_dashboard(slugged).items()} == {"d": 1, "e": 3}  # marked active wins


def test_kpi_ids_are_uuid_strings(connect):
    vendor = FakeVendor()
    client = connect(vendor)
    [kpi] = client.list_kpis()
    assert kpi.id == "6f1c2a9e-3b7d-4c1e-9a55-0d2f8e7b1c01" and kpi.deployment_ids == (5716,)
    assert client.get_kpi(kpi.id) == kpi
    assert vendor.requests[-1].url.path.endswith(f"/kpis/{kpi.id}")


# -- redirected downloads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, location",
    [(302, "absolute"), (307, "absolute"), (303, "protocol-relative"), (301, "absolute"), (308, "protocol-relative")],
)
def test_redirected_download_never_sends_the_token_to_the_store(connect, tmp_path, status, location):
    vendor = FakeVendor(downloads="redirect", redirect_status=status, location=location)
    report_id = vendor.add_report(FORM)
    dest = tmp_path / "daily.csv"
    assert connect(vendor).download(report_id, "tables-daily", dest) == dest.stat().st_size > 0
    assert dest.read_bytes().startswith(b"date,spend")
    assert vendor.store_auth_seen == 0 and len(vendor.store_requests) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["daily.csv"]


def test_same_origin_redirect_keeps_the_token(connect, tmp_path):
    seen = []

    def answer(request):
        seen.append((request.url.path, request.headers.get("Authorization")))
        if "downloads" in request.url.path:
            return httpx.Response(302, headers={"Location": "/blobs/abc.csv"})
        return httpx.Response(200, content=b"a,b\n1,2\n")

    connect(answer).download(7, "tables-daily", tmp_path / "t.csv")
    assert [p for p, _ in seen] == ["/v1/clients/acme/reports/7/downloads/tables-daily", "/blobs/abc.csv"]
    assert all(auth == f"Bearer {TOKEN}" for _, auth in seen)


def test_expired_link_is_refreshed_from_the_api(connect, tmp_path):
    vendor = FakeVendor(downloads="redirect")
    report_id = vendor.add_report(FORM)
    vendor.expired_uses = 1
    connect(vendor).download(report_id, "tables-daily", tmp_path / "t.csv")
    assert len(lists(vendor, "/downloads/tables-daily")) == 2 and len(vendor.store_requests) == 2
    assert vendor.store_auth_seen == 0


def test_link_that_stays_expired_fails_naming_the_key_not_the_signature(connect, tmp_path):
    vendor = FakeVendor(downloads="redirect")
    report_id = vendor.add_report(FORM)
    vendor.expired_uses = 99
    with pytest.raises(ExpiredLinkError) as caught:
        connect(vendor).download(report_id, "tables-daily", tmp_path / "t.csv")
    text = str(caught.value)
    assert "'tables-daily'" in text and "store.test/bucket" in text and SIGNATURE not in text and "403" in text
    assert len(lists(vendor, "/downloads/tables-daily")) == 3 and list(tmp_path.iterdir()) == []


def test_endless_redirects_are_bounded(connect, tmp_path):
    loop = lambda request: httpx.Response(302, headers={"Location": "https://store.test/again"})  # noqa: E731
    with pytest.raises(Exception, match="redirected the download more than"):
        connect(loop).download(7, "k", tmp_path / "t.csv")


# -- stringified read-back forms ------------------------------------------------------------------------------


def test_stringified_form_is_normalized_and_reused(connect):
    vendor = FakeVendor(scalars="strings", names="absent")
    vendor.add_deployment(5716, "revenue")
    curves = {
        "deployment_id": 5716,
        "report_type": "compute_spend_response_curves",
        "date": "2024-03-31",
        "num_days": 14,
        "channels": ["TV"],
    }
    ui_id = vendor.add_report(curves, name="curves from the UI")
    client = connect(vendor)
    shown = client.get_report(ui_id)
    assert shown.form["num_days"] == "14" and shown.form["deployment_id"] == "5716"
    resubmitted = form_from_report(shown)
    assert resubmitted["num_days"] == 14 and resubmitted["deployment_id"] == 5716
    submission = client.submit(curves)
    assert submission.reused and submission.report_id == ui_id and vendor.creates == 0
