"""A run and a sensor tick cost the same requests whatever the account's history (issue 12, item 1).

The simulator is seeded with thousands of old reports (``history_reports``) served ten to a page:
a pipeline that pages through the account's history would make hundreds of list requests more.
Polls (``show``) depend on timing, so they are only bounded; everything else must be equal. Also
where deployments show only their id and name (issue 19): then no refresh time bounds the reuse
lookup, the reuse horizon does (the history is older than it), and dashboards are named by id.
"""

from __future__ import annotations

import contextlib

import dagster as dg
import pytest

from recast_pipeline_tests.dagster_helpers import DASHBOARD_JOB, MONTHLY_JOB, definitions_for, run_job

SPEND = dg.AssetKey(["recast", "compute_spend_summary"])
CONFIG = dg.AssetKey(["recast", "compute_model_configuration"])
REFRESH_SENSOR = "recast_model_refresh_sensor"
HISTORY = 3000
PAGE = 10


def _costs(sim) -> dict[str, int]:
    calls = dict(sim.stats()["calls"])
    sim.reset_stats()
    return calls


def _tick(defs, instance, cursor):
    with dg.build_sensor_context(
        instance=instance,
        instance_ref=instance.get_ref(),
        cursor=cursor,
        definitions=defs,
        resources={"recast": defs.resources["recast"]},
    ) as context:
        return defs.resolve_sensor_def(REFRESH_SENSOR).evaluate_tick(context)


def _scenario(simulator_factory, tmp_path, history: int, fields: str) -> dict[str, dict[str, int]]:
    """Requests of: one partition's run, the same after a refresh, and the sensor's ticks."""
    sim = simulator_factory(
        history_reports=history, latency=0.0, readings={"max_per_page": PAGE, "deployment_fields": fields}
    )
    defs = definitions_for(sim, tmp_path / f"h{history}")
    revenue = "revenue" if fields == "full" else "5716"
    dashboards = ("revenue", "signups") if fields == "full" else ("5715", "5716", "5717")
    costs = {}
    with contextlib.ExitStack() as stack:
        instance = stack.enter_context(dg.instance_for_test())
        sim.reset_stats()
        first = _tick(defs, instance, None)
        costs["first tick"] = _costs(sim)
        assert run_job(
            defs, MONTHLY_JOB, partition_key=f"{revenue}|2026-09-01", asset_selection=[SPEND], dashboards=dashboards
        ).success
        costs["partition run"] = _costs(sim)
        quiet = _tick(defs, instance, first.cursor)
        costs["quiet tick"] = _costs(sim)
        sim.refresh_model("revenue")
        assert _tick(defs, instance, quiet.cursor).asset_events  # the refresh, recorded for automation
        costs["tick after a refresh"] = _costs(sim)
        assert run_job(
            defs, MONTHLY_JOB, partition_key=f"{revenue}|2026-09-01", asset_selection=[SPEND], dashboards=dashboards
        ).success
        costs["partition run after a refresh"] = _costs(sim)
        assert run_job(
            defs, DASHBOARD_JOB, partition_key=revenue, asset_selection=[CONFIG], dashboards=dashboards
        ).success
        costs["dashboard run (pre-rendered)"] = _costs(sim)
    return costs


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fields", ["full", "id_name"])
def test_runs_and_ticks_cost_the_same_requests_with_thousands_of_old_reports(simulator_factory, tmp_path, fields):
    empty = _scenario(simulator_factory, tmp_path, 0, fields)
    full = _scenario(simulator_factory, tmp_path, HISTORY, fields)
    for step, calls in empty.items():
        without_polls = {k: v for k, v in full[step].items() if k != "show"}
        assert without_polls == {k: v for k, v in calls.items() if k != "show"}, step
        assert full[step].get("show", 0) <= calls.get("show", 0) + 6, step  # polls only: timing, not history
    assert empty["partition run"].get("list", 0) <= 2
    print(*(f"{step}: {calls}" for step, calls in full.items()), sep="\n")
