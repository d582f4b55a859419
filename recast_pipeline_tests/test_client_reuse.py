"""Reuse follows the model version: never a report of another (inactive, older) deployment, never
one computed before the deployment's latest refresh, pre-rendered reports re-run in place count
from their ``updated_at`` (unless it moves on every read); and the lookup reads the newest-first
list only down to the cutoff, or, for a deployment that does not say when it was refreshed, down to
the reuse horizon."""

from __future__ import annotations

from datetime import timedelta

import pytest
from vendor_fake import FakeVendor, vendor_clients

from recast_pipeline.recast.api_types import Report
from recast_pipeline.recast.batch import ReportRequest, run_reports
from recast_pipeline.recast.ledger import CreateLedger
from recast_pipeline.recast.reuse import ReportIndex, computed_at

FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
}
CONFIG = {"deployment_id": 5716, "report_type": "compute_model_configuration"}


@pytest.fixture
def connect():
    with vendor_clients("gr_reuse_token_1") as connect:
        yield connect


def list_requests(vendor):
    return [r for r in vendor.requests if r.method == "GET" and r.url.path.endswith("/reports")]


def test_report_of_an_inactive_older_deployment_is_not_reused(connect):
    vendor = FakeVendor()
    vendor.add_deployment(5715, "revenue", active=False, model_date="2024-02-29")
    vendor.add_report({**FORM, "deployment_id": 5715}, name="same inputs, old model")
    vendor.add_deployment(5716, "revenue")
    assert connect(vendor).find_reusable(FORM) is None


def test_report_created_before_an_in_place_refresh_is_not_reused(connect):
    vendor = FakeVendor()
    vendor.add_deployment(5716, "revenue")
    old = vendor.add_report(FORM, name="from the UI")
    client = connect(vendor)
    assert client.find_reusable(FORM).id == old
    vendor.refresh_in_place(5716)
    assert client.find_reusable(FORM) is None
    fresh = vendor.add_report(FORM, name="after the refresh")
    assert client.find_reusable(FORM).id == fresh


def test_prerendered_report_rerun_in_place_counts_from_updated_at(connect):
    vendor = FakeVendor()
    vendor.add_deployment(5716, "revenue")
    dashboard = vendor.add_report(CONFIG, prerendered=True)
    for i in range(30):  # history after it pushes it far down the list
        vendor.add_report({**FORM, "end_date": f"2024-02-{i % 28 + 1:02d}"})
    vendor.refresh_in_place(5716)
    client = connect(vendor)
    assert client.find_reusable(CONFIG) is None
    vendor.reports[dashboard]["updated_at"] = vendor.tick()  # Recast re-ran it in place
    submission = client.submit(CONFIG)
    assert submission.reused and submission.report_id == dashboard and vendor.creates == 0


def test_lookup_stops_paging_at_the_cutoff(connect):
    vendor = FakeVendor(max_per_page=10)
    vendor.add_deployment(5716, "revenue")
    for i in range(300):  # the account's history, all before the model's latest version
        vendor.add_report({**FORM, "end_date": f"2023-0{i % 9 + 1}-15"}, name=f"old {i}")
    vendor.refresh_in_place(5716)
    recent = [vendor.add_report({**FORM, "end_date": f"2024-01-{d:02d}"}) for d in range(10, 25)]
    client = connect(vendor)
    deployment = client.get_deployment(5716)
    vendor.requests.clear()
    assert client.find_reusable({**FORM, "end_date": "2024-01-12"}, deployment=deployment).id == recent[2]
    assert len(list_requests(vendor)) == 2  # 15 fresh rows and the first old one: 2 pages of 10, not 32
    index = ReportIndex(client, [deployment])  # one index serves a batch: the list is read once
    assert index.find(FORM) is None and index.find({**FORM, "end_date": "2024-01-13"}).id == recent[3]
    assert len(list_requests(vendor)) == 4
    assert not [r for r in vendor.requests if "/deployments" in r.url.path]


def test_a_list_that_is_not_newest_first_is_read_whole(connect):
    vendor = FakeVendor(max_per_page=10, order="oldest")
    vendor.add_deployment(5716, "revenue")
    for i in range(25):
        vendor.add_report({**FORM, "end_date": f"2023-0{i % 9 + 1}-15"}, name=f"old {i}")
    vendor.refresh_in_place(5716)
    fresh = vendor.add_report(FORM, name="newest, listed last")
    assert connect(vendor).find_reusable(FORM).id == fresh
    assert len(list_requests(vendor)) == 3


def test_batch_with_deployments_given_reuses_without_deployment_gets(connect):
    vendor = FakeVendor()
    deployment_json = vendor.add_deployment(5716, "revenue")
    client = connect(vendor)
    requests = [ReportRequest(i, {**FORM, "end_date": f"2024-01-{20 + i}"}) for i in range(3)]
    from recast_pipeline.recast.api_types import Deployment

    deployments = [Deployment.from_json(deployment_json)]
    first = {o.request.key: o.report.id for o in run_reports(client, requests, deployments=deployments)}
    again = list(run_reports(client, requests, deployments=deployments))
    assert {o.request.key: o.report.id for o in again} == first and all(o.reused for o in again)
    assert vendor.creates == 3 and not [r for r in vendor.requests if "/deployments" in r.url.path]


def test_index_reads_the_deployment_once_when_not_given(connect):
    vendor = FakeVendor()
    vendor.add_deployment(5716, "revenue")
    index = ReportIndex(connect(vendor))
    for day in (10, 11, 12):
        index.find({**FORM, "end_date": f"2024-01-{day}"})
    assert len([r for r in vendor.requests if "/deployments/5716" in r.url.path]) == 1


# -- what updated_at means is not documented ----------------------------------------------------------


class MovingTimestamps(FakeVendor):
    """A vendor whose reports show a new ``updated_at`` on every read (``report_timestamps=per_poll``)."""

    def _report_view(self, report: dict, full: bool) -> dict:
        return {**super()._report_view(report, full), "updated_at": self.tick(1)}


def test_computed_at_trusts_updated_at_only_where_it_holds_still():
    def pre(created, updated, status="success"):
        return Report.from_json(
            {"id": 1, "status": status, "prerendered": True, "created_at": created, "updated_at": updated}
        )

    created, later, latest = "2024-06-01T00:00:00Z", "2024-06-02T00:00:00Z", "2024-06-02T00:00:05Z"
    assert computed_at(pre(created, created)).isoformat().startswith("2024-06-01")  # static: never moves
    assert computed_at(pre(created, later), pre(created, later)).isoformat().startswith("2024-06-02")  # re-run
    assert computed_at(pre(created, latest), pre(created, later)).isoformat().startswith("2024-06-01")  # moves per read
    assert computed_at(pre(created, latest), pre(created, later, "processing")).isoformat().startswith("2024-06-02")


def test_a_prerendered_report_whose_updated_at_moves_on_every_read_is_not_taken_for_a_rerun(connect):
    vendor = MovingTimestamps()
    vendor.add_deployment(5716, "revenue")
    stale = vendor.add_report(CONFIG, prerendered=True)  # made on the model before the refresh
    vendor.refresh_in_place(5716)
    client = connect(vendor)
    assert client.find_reusable(CONFIG) is None  # its updated_at is always "now": it says nothing
    submission = client.submit(CONFIG)
    assert not submission.reused and submission.report_id != stale and vendor.creates == 1


# -- deployments that do not say when they were refreshed ---------------------------------------------


def thin_deployment(vendor: FakeVendor, deployment_id: int) -> None:
    """A deployment shown with its id, name, labels and dates only (``deployment_fields=id_name``)."""
    row = vendor.add_deployment(deployment_id, None)
    for key in ("dashboard_slug", "active", "model_date", "created_at", "updated_at"):
        del row[key]


def test_without_a_refresh_time_the_list_is_read_down_to_the_horizon_only(connect):
    vendor = FakeVendor(max_per_page=10)
    thin_deployment(vendor, 5716)
    for i in range(300):  # the account's history
        vendor.add_report({**FORM, "end_date": f"2023-0{i % 9 + 1}-15"}, name=f"old {i}")
    old_same = vendor.add_report(FORM, name="same inputs, three weeks old")
    vendor.tick(timedelta(days=20).total_seconds())
    recent = [vendor.add_report({**FORM, "end_date": f"2024-01-{d:02d}"}) for d in range(10, 25)]
    index = ReportIndex(connect(vendor), now=lambda: vendor.now)  # the default horizon: 14 days
    vendor.requests.clear()
    assert index.find({**FORM, "end_date": "2024-01-12"}).id == recent[2]
    assert index.find(FORM) is None  # older than the horizon: read at the page's end, still not reused
    assert len(list_requests(vendor)) == 2  # 15 recent rows and the first old one: 2 pages of 10, not 32
    wider = ReportIndex(connect(vendor, reuse_horizon_days=30), now=lambda: vendor.now)
    assert wider.find(FORM).id == old_same


def test_without_a_refresh_time_no_input_types_read_no_deeper_than_the_horizon(connect):
    vendor = FakeVendor(max_per_page=10)
    thin_deployment(vendor, 5716)
    vendor.add_report(CONFIG, prerendered=True)  # rendered when the deployment appeared, long ago
    for _ in range(30):
        vendor.add_report({**CONFIG, "deployment_id": 5717})
    vendor.tick(timedelta(days=20).total_seconds())
    for _ in range(12):
        vendor.add_report({**CONFIG, "deployment_id": 5717})
    vendor.requests.clear()
    assert ReportIndex(connect(vendor), now=lambda: vendor.now).find(CONFIG) is None
    assert len(list_requests(vendor)) == 2  # not the 5 pages down to the pre-rendered report


def test_without_a_refresh_time_the_ledger_still_finds_ours_however_old(connect, tmp_path):
    vendor = FakeVendor()
    thin_deployment(vendor, 5716)
    client = connect(vendor, ledger=CreateLedger(tmp_path / "ledger.sqlite"))
    created = client.submit(FORM)
    vendor.tick(timedelta(days=60).total_seconds())
    vendor.requests.clear()
    assert ReportIndex(client, now=lambda: vendor.now).find(FORM).id == created.report_id
    assert list_requests(vendor) == [] and vendor.creates == 1
