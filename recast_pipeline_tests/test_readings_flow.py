"""The demo's flow end to end under every reading of what Recast's documentation leaves open.

For each group of knob values of the simulator: both dashboards load a month of date-based types
(one with dynamic download keys) and their dashboard-keyed pre-rendered types; a re-run creates
nothing; the pre-rendered types are read, never computed; after a model refresh the refreshed
dashboard's partition is replaced by the new model's rows under the same key. The object store
never sees the token.

Three groups cover every value of every knob: the four values ``unfriendly()`` leaves out; all
unfriendly ones with the reports listed (so that the pipeline finds its own reports in pages of
10, without names, with forms read back as strings, which a hidden list would mask); and all
unfriendly ones.
"""

from __future__ import annotations

import duckdb
import pytest

import dagster as dg
from recast_pipeline.simulator import Readings
from recast_pipeline_tests.dagster_helpers import DASHBOARD_JOB, DASHBOARDS, MONTHLY_JOB, definitions_for, run_job

MONTH = "2026-09-01"
MONTHLY = ["compute_spend_summary", "compute_channel_uncertainty_drivers"]  # fixed keys, dynamic keys
PRERENDERED = ["compute_clean_data", "compute_model_configuration"]
KNOBS = {
    "in_place_refit,truncated_names,rails_422,307": {"refresh": "in_place", "names": "truncated", "error_body": "rails",
                                                     "downloads": "redirect", "redirect_status": 307},
    "all_unfriendly_but_listed": Readings.unfriendly().replace(unlisted_reports="listed").as_dict(),
    "all_unfriendly": Readings.unfriendly().as_dict(),
}


def _keys(names):
    return [dg.AssetKey(["recast", name]) for name in names]


def _materialize(defs, instance) -> None:
    for dashboard in DASHBOARDS:
        for job, key, names in ((MONTHLY_JOB, f"{dashboard}|{MONTH}", MONTHLY), (DASHBOARD_JOB, dashboard, PRERENDERED)):
            result = run_job(defs, job, instance=instance, partition_key=key, asset_selection=_keys(names))
            assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]


def _rows(data_dir, sql):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("knobs", list(KNOBS.values()), ids=list(KNOBS))
def test_the_flow_holds_under_each_reading(simulator_factory, tmp_path, knobs):
    sim = simulator_factory(latency=0.05, readings=knobs)
    defs = definitions_for(sim, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    _materialize(defs, instance)
    loaded = _rows(tmp_path, "SELECT dashboard, report_type, deployment_id, prerendered FROM recast_meta.reports ORDER BY 1, 2")
    assert [(d, t) for d, t, _, _ in loaded] == sorted((d, t) for d in DASHBOARDS for t in MONTHLY + PRERENDERED)
    assert {d: i for d, _, i, _ in loaded} == {"revenue": 5716, "signups": 5717}
    assert all(prerendered for _, t, _, prerendered in loaded if t in PRERENDERED)  # read, not recomputed
    creates = sim.stats()["creates"]
    assert creates == 2 * len(MONTHLY)

    again = run_job(defs, MONTHLY_JOB, instance=instance, partition_key=f"revenue|{MONTH}", asset_selection=_keys(MONTHLY))
    assert again.success and sim.stats()["creates"] == creates  # a re-run: nothing new on Recast, no duplicate rows
    assert _rows(tmp_path, "SELECT count(DISTINCT report_id) FROM compute_spend_summary.tables_total") == [(2,)]

    refresh = sim.refresh_model("revenue")
    result = run_job(defs, MONTHLY_JOB, instance=instance, partition_key=f"revenue|{MONTH}", asset_selection=_keys(MONTHLY[:1]))
    assert result.success
    assert _rows(tmp_path, "SELECT DISTINCT dashboard, deployment_id, partition_key FROM compute_spend_summary.tables_total ORDER BY 1") == [
        ("revenue", refresh["deployment_id"], MONTH), ("signups", 5717, MONTH)
    ]
    assert sim.object_store_stats()["authorization_seen"] == 0
