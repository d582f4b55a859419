"""Group 7: reports that end in ``error`` or an unknown status; sensors do not loop on them."""

from __future__ import annotations

import contextlib

import dagster as dg
import pytest
from dagster._core.storage.tags import RUN_KEY_TAG, SENSOR_NAME_TAG

from .helpers import BASELINE, SPEND, Pipeline, failure_text, instance_with_dashboards

MONTH = "2026-09-01"
REFRESH_SENSOR = "recast_model_refresh_sensor"


@pytest.mark.parametrize("status, says", [("error", "finished with status 'error'"),
                                          ("cancelled", "unknown status 'cancelled'")])
def test_failed_or_unknown_status_fails_the_step_with_report_id_and_form(sim, tmp_path, status, says):
    sim.set_faults(force_status={"compute_spend_summary": status})
    pipeline = Pipeline(sim, tmp_path / "data")
    result = pipeline.run(SPEND, BASELINE, month=MONTH)

    assert not result.success
    [report] = sim.store.made("compute_spend_summary")
    text = failure_text(result)
    assert f"report {report.id}" in text and says in text
    assert "'start_date': '2026-09-01'" in text and "'end_date': '2026-09-30'" in text  # the form, to fix or re-run
    assert sim.stats()["creates"] == 2
    loaded = {t for (t,) in pipeline.rows("SELECT report_type FROM recast_meta.reports")}
    assert loaded == {"compute_baseline_summary"}  # the healthy asset of the run still landed


def _evaluate(defs, name, instance, cursor):
    """One tick as the daemon runs it: the sensor with its resources, within its code location."""
    with dg.build_sensor_context(
        instance=instance, instance_ref=instance.get_ref(), cursor=cursor, definitions=defs,
        resources={"recast": defs.resources["recast"]},
    ) as context:
        return defs.resolve_sensor_def(name).evaluate_tick(context)


@pytest.fixture
def stack():
    with contextlib.ExitStack() as stack:
        yield stack


def test_refresh_sensor_does_not_re_request_a_run_that_failed(sim, tmp_path, monkeypatch, stack):
    monkeypatch.setenv("RECAST_REFRESH_MONTHS", "1")
    pipeline = Pipeline(sim, tmp_path / "data")
    defs = pipeline.defs
    instance = stack.enter_context(dg.instance_for_test())

    first = _evaluate(defs, REFRESH_SENSOR, instance, None)  # records where Recast stands
    assert first.run_requests == [] and first.cursor
    sim.set_faults(force_status={"compute_spend_summary": "error"})
    sim.refresh_model("revenue")
    second = _evaluate(defs, REFRESH_SENSOR, instance, first.cursor)
    monthly = next(r for r in second.run_requests if SPEND in r.asset_selection)

    # launch the requested run the way the daemon would: its tags plus the run key
    run = defs.resolve_job_def("recast_monthly_reports_job").execute_in_process(
        instance=instance, asset_selection=[SPEND, BASELINE], raise_on_error=False,
        tags={**monthly.tags, RUN_KEY_TAG: monthly.run_key, SENSOR_NAME_TAG: REFRESH_SENSOR},
    )
    assert not run.success
    [stored] = instance.get_runs(filters=dg.RunsFilter(tags={RUN_KEY_TAG: monthly.run_key}))
    assert stored.status == dg.DagsterRunStatus.FAILURE
    creates = sim.stats()["creates"]

    third = _evaluate(defs, REFRESH_SENSOR, instance, second.cursor)
    fourth = _evaluate(defs, REFRESH_SENSOR, instance, third.cursor)
    for later in (third, fourth):
        assert later.run_requests == []  # the failure made no pre-rendered report: nothing re-triggers
        assert monthly.run_key not in {r.run_key for r in later.run_requests}
    assert sim.stats()["creates"] == creates  # and evaluating created nothing on Recast


def test_month_ready_sensor_requests_each_dashboards_month_once(sim, tmp_path, stack):
    defs = Pipeline(sim, tmp_path / "data").defs
    instance = instance_with_dashboards(stack.enter_context(dg.instance_for_test()))
    first = _evaluate(defs, "recast_month_ready_sensor", instance, None)
    second = _evaluate(defs, "recast_month_ready_sensor", instance, first.cursor)
    month = sim.config.data_end.replace(day=1).isoformat()
    assert sorted(r.partition_key for r in first.run_requests) == [f"revenue|{month}", f"signups|{month}"]
    assert second.run_requests == []
