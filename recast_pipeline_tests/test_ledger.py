"""The create ledger: durable across instances and processes; with it, re-runs and crash-resume
create no second report even when the list hides API reports and names come back absent, and a
lost create that cannot be found fails clearly instead of being re-sent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from vendor_fake import FakeVendor, vendor_clients

from recast_pipeline.recast.errors import LostCreateError
from recast_pipeline.recast.ledger import CreateLedger
from recast_pipeline.recast.reuse import ReportIndex

FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
}


@pytest.fixture
def vendor():
    vendor = FakeVendor(listed=False, names="absent")  # the list never shows API reports
    vendor.add_deployment(5716, "revenue")
    return vendor


@pytest.fixture
def connect(tmp_path):
    with vendor_clients("gr_ledger_token_1") as make:
        yield lambda vendor: make(vendor, ledger=CreateLedger(tmp_path / "ledger.sqlite"))


def test_ledger_records_intent_then_id_and_forgets_only_pending(tmp_path):
    ledger = CreateLedger(tmp_path / "l.sqlite")
    assert ledger.lookup("acme", "abc") is None
    ledger.intend("acme", "abc", "compute_spend_summary", 5716)
    entry = ledger.lookup("acme", "abc")
    assert entry.pending and entry.deployment_id == 5716 and entry.report_type == "compute_spend_summary"
    ledger.record("acme", "abc", 42)
    other = CreateLedger(tmp_path / "l.sqlite")  # another instance on the same file
    assert other.lookup("acme", "abc").report_id == 42 and other.lookup("acme", "abc").created_at is not None
    other.forget("acme", "abc")
    assert ledger.lookup("acme", "abc").report_id == 42  # a recorded id is never forgotten
    assert ledger.lookup("other-client", "abc") is None
    mode = subprocess.run(
        ["sqlite3", str(tmp_path / "l.sqlite"), "PRAGMA journal_mode"], capture_output=True, text=True
    )
    assert mode.returncode != 0 or mode.stdout.strip() == "wal"


def test_rerun_with_hidden_list_and_absent_names_creates_no_second_report(vendor, connect):
    first = connect(vendor).submit(FORM)
    assert not first.reused and vendor.creates == 1
    again = connect(vendor).submit(FORM)  # a new process: only the ledger knows
    assert again.reused and again.report_id == first.report_id and vendor.creates == 1


def test_ledger_hit_costs_no_list(vendor, connect):
    first = connect(vendor).submit(FORM)
    vendor.requests.clear()
    client = connect(vendor)
    deployment = client.get_deployment(5716)
    vendor.requests.clear()
    assert client.submit(FORM, deployment=deployment).report_id == first.report_id
    assert [r.url.path for r in vendor.requests] == [f"/v1/clients/acme/reports/{first.report_id}"]


def test_lost_create_that_cannot_be_found_raises_and_creates_nothing_more(vendor, connect):
    vendor.lose_next_create = True
    with pytest.raises(LostCreateError) as caught:
        connect(vendor).submit(FORM)
    assert "may exist on Recast" in str(caught.value) and vendor.creates == 1
    with pytest.raises(LostCreateError):  # the next run looks once more, then fails the same way
        connect(vendor).submit(FORM)
    assert vendor.creates == 1
    forced = connect(vendor).submit(FORM, force_new=True)
    assert not forced.reused and vendor.creates == 2
    assert connect(vendor).submit(FORM).report_id == forced.report_id and vendor.creates == 2


def test_lost_create_found_later_in_the_list_is_resumed(connect):
    vendor = FakeVendor(listed=True, names="truncated")  # listed, but the tag is cut off
    vendor.add_deployment(5716, "revenue")
    vendor.lose_next_create, vendor.create_status = True, "processing"  # the fake's clock is not ours: running counts
    report_id = connect(vendor).create_report(FORM, label="a long label that pushes the tag past forty characters")
    assert vendor.creates == 1 and report_id in vendor.reports
    assert connect(vendor).submit(FORM).report_id == report_id and vendor.creates == 1


def test_crash_resume_from_another_process(vendor, connect, tmp_path):
    """A process created a report, recorded it and died; the next process resumes it without listing."""
    report_id = vendor.add_report(FORM, status="processing", api=True)
    script = textwrap.dedent(f"""
        from recast_pipeline.recast.ledger import CreateLedger
        from recast_pipeline.recast.fingerprint import form_fingerprint
        ledger = CreateLedger({str(tmp_path / "ledger.sqlite")!r})
        fingerprint = form_fingerprint({FORM!r})
        ledger.intend("acme", fingerprint, "compute_spend_summary", 5716)
        ledger.record("acme", fingerprint, {report_id})
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    submission = connect(vendor).submit(FORM)
    assert submission.reused and submission.report_id == report_id and submission.report.running
    assert vendor.creates == 0 and not [r for r in vendor.requests if r.url.path.endswith("/reports")]


def test_errored_or_stale_ledger_report_is_replaced(vendor, connect):
    first = connect(vendor).submit(FORM)
    vendor.reports[first.report_id]["status"] = "error"
    second = connect(vendor).submit(FORM)
    assert not second.reused and vendor.creates == 2
    vendor.refresh_in_place(5716)
    third = connect(vendor).submit(FORM)
    assert not third.reused and third.report_id != second.report_id and vendor.creates == 3


def test_batch_index_uses_the_ledger_too(vendor, connect):
    client = connect(vendor)
    created = client.submit(FORM)
    assert ReportIndex(connect(vendor)).find(FORM).id == created.report_id
