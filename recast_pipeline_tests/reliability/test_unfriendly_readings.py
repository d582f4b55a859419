"""README's guarantees again, against a Recast that answers every open question the unfriendly way.

``Readings.unfriendly()``: downloads redirected to an object store that refuses the token, reports
created through the API never listed, no ``name`` echoed, read-back forms with numbers and booleans
as strings, 422 bodies as plain text, pages of 10, pre-rendered reports re-run in place, refreshes
as new deployments. The guarantee tests below are the suite's own, collected here a second time
with this module's simulator; the object store must never have seen the token.
"""

from __future__ import annotations

import pytest

from fakes import simulator_pool
from recast_pipeline.simulator import Readings

from .conftest import SIMULATOR_DEFAULTS
from .helpers import SPEND, Pipeline, failure_text
from . import test_bad_downloads, test_crash_mid_load
from .test_crash_mid_wait import test_killed_while_reports_compute_then_rerun_resumes_the_same_reports  # noqa: F401
from .test_idempotency import test_same_partition_twice_gives_identical_warehouse_and_parquet  # noqa: F401
from .test_rate_limits import test_429_bursts_on_create_poll_and_download_complete_with_one_report  # noqa: F401
from .test_report_failures import test_failed_or_unknown_status_fails_the_step_with_report_id_and_form  # noqa: F401
from .test_schema_drift import (  # noqa: F401
    test_added_dropped_and_retyped_columns_evolve_the_table_or_fail_clearly_without_losing_rows,
)

MONTH = "2026-09-01"


@pytest.fixture
def sim_factory():
    started = []
    with simulator_pool({**SIMULATOR_DEFAULTS, "readings": Readings.unfriendly()}) as start:

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
    assert pipeline.rows("SELECT DISTINCT dashboard, deployment_id, partition_key FROM compute_spend_summary.tables_total") == [
        ("revenue", refresh["deployment_id"], MONTH)
    ]
    kept = pipeline.rows("SELECT DISTINCT deployment_id FROM compute_spend_summary_history.tables_total")
    assert kept == [(5716,)]  # the previous model's rows, still queryable
    [event] = again.get_asset_materialization_events()
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["recast/superseded_rows"].value > 0
    assert "| revenue | 2026-09-01 | spend | Paid Social |" in metadata["recast/refit_changes"].value
    assert sim.stats()["creates"] == 2  # one report per model version


def test_a_truncated_redirected_download_fails_naming_the_key_and_keeps_previous_data(sim, tmp_path):
    test_bad_downloads.test_damaged_download_fails_naming_key_and_line_and_keeps_previous_data(sim, tmp_path, "truncated")


def test_killed_inside_the_load_leaves_the_old_partition_and_the_rerun_completes(sim, tmp_path):
    test_crash_mid_load.test_killed_mid_load_leaves_old_or_new_never_half_and_the_rerun_completes(
        sim, tmp_path, "inside_load"
    )
