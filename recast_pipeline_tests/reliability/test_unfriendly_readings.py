"""README's guarantees again, against a Recast that answers every open question the unfriendly way.

``Readings.unfriendly()``: downloads redirected to an object store that refuses the token, reports
created through the API never listed, no ``name`` echoed, read-back forms with numbers and booleans
as strings, 422 bodies as plain text, pages of 10, pre-rendered reports re-run in place, refreshes
as new deployments, ``updated_at`` moving on every read, CSVs long with restyled headers. Every
simulator of this module has them, except deployments shown with id and name only: these
guarantees name the ``revenue`` dashboard and its refresh under the same key, which that reading
turns into dashboards named by deployment id (test_readings_flow, test_sensors and
test_history_costs cover it). The object store must never have seen the token.

Collected here a second time: the suite's guarantee tests whose proof goes through what the
readings change, i.e. finding, reusing or resuming Recast reports (list, names, forms, pages) and
fetching downloads (redirects):
- a re-run gives the same warehouse and creates nothing (reuse: the list, names, forms, pages);
- a run killed while its reports compute resumes the same reports (the ledger, without list or names);
- 429 bursts on create, poll and download (the redirected download), once: the Retry-After form is
  the HTTP client's business, not a reading;
- a report that ends in ``error`` names its report and form (the form Recast reads back as strings);
- a truncated download, through the redirect, fails naming its key and keeps the previous data.
Not again: what happens after the downloads are on disk (a crash inside the load, schema drift),
which no reading reaches; and the test_readings_flow module runs the whole flow under these readings.
"""

from __future__ import annotations

import pytest
from fakes import simulator_pool

from recast_pipeline.simulator.readings import Readings

from . import test_bad_downloads, test_rate_limits, test_report_failures
from .conftest import SIMULATOR_DEFAULTS
from .helpers import SPEND, Pipeline, failure_text
from .test_crash_mid_wait import test_killed_while_reports_compute_then_rerun_resumes_the_same_reports  # noqa: F401
from .test_idempotency import test_same_partition_twice_gives_identical_warehouse_and_parquet  # noqa: F401

MONTH = "2026-09-01"


@pytest.fixture
def sim_factory():
    started = []
    readings = Readings.unfriendly().replace(deployment_fields="full")
    with simulator_pool({**SIMULATOR_DEFAULTS, "readings": readings}) as start:

        def start_and_remember(**overrides):
            sim = start(**overrides)
            started.append(sim)
            return sim

        yield start_and_remember
        for sim in started:  # every download went through the store, and the token never did
            assert sim.object_store_stats()["authorization_seen"] == 0


def test_downloads_arrive_through_the_object_store_without_the_token(sim, tmp_path):
    result = Pipeline(sim, tmp_path / "data").run(SPEND, month=MONTH)
    assert result.success, failure_text(result)
    store = sim.object_store_stats()
    assert store["served"] == 4 and store["authorization_seen"] == 0 and store["forbidden"] == 0


def test_a_refresh_to_a_new_deployment_replaces_the_rows_under_the_same_key_and_keeps_the_old_model(sim, tmp_path):
    pipeline = Pipeline(sim, tmp_path / "data")
    assert pipeline.run(SPEND, month=MONTH).success
    before = pipeline.rows("SELECT DISTINCT deployment_id FROM compute_spend_summary.tables_total")
    refresh = sim.refresh_model("revenue")
    again = pipeline.run(SPEND, month=MONTH)
    assert again.success, failure_text(again)
    assert before == [(5716,)]
    assert pipeline.rows(
        "SELECT DISTINCT dashboard, deployment_id, partition_key FROM compute_spend_summary.tables_total"
    ) == [("revenue", refresh["deployment_id"], MONTH)]
    kept = pipeline.rows("SELECT DISTINCT deployment_id FROM compute_spend_summary_history.tables_total")
    assert kept == [(5716,)]  # the previous model's rows, still queryable
    [event] = again.get_asset_materialization_events()
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["recast/superseded_rows"].value > 0
    assert "| revenue | 2026-09-01 | spend | Paid Social |" in metadata["recast/refit_changes"].value
    assert sim.stats()["creates"] == 2  # one report per model version


def test_a_truncated_redirected_download_fails_naming_the_key_and_keeps_previous_data(sim, tmp_path):
    test_bad_downloads.test_damaged_download_fails_naming_key_and_line_and_keeps_previous_data(
        sim, tmp_path, "truncated"
    )


def test_429_bursts_on_create_poll_and_redirected_download_complete_with_one_report(sim_factory, tmp_path, caplog):
    test_rate_limits.test_429_bursts_on_create_poll_and_download_complete_with_one_report(
        sim_factory, tmp_path, caplog, "seconds"
    )


def test_a_report_that_ends_in_error_fails_the_step_naming_the_report_and_its_form(sim, tmp_path):
    test_report_failures.test_failed_or_unknown_status_fails_the_step_with_report_id_and_form(
        sim, tmp_path, "error", "finished with status 'error'"
    )
