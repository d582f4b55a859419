"""Backfill efficiency as a design property: reports of a run are in flight together, up to the cap.

Everything is asserted from what the simulator saw (reports created, most in flight at once) and
from Dagster's event log, never from wall-clock times.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from recast_pipeline.landing.local_store import LandingArea
from recast_pipeline.pipeline.fetch import LandedPartition, PartitionJob, fetch_partitions
from recast_pipeline.recast.client import RecastClient
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, definitions_for, range_tags, run_job

REPO = Path(__file__).resolve().parent.parent
TYPES = [
    "compute_spend_summary",
    "compute_marketing_vs_baseline",
    "compute_in_sample_model_fit",
    "compute_baseline_summary",
]
KEYS = [dg.AssetKey(["recast", t]) for t in TYPES]
RECAST_STEP = "recast_monthly_reports"  # the pooled step; its asset checks run in a step of their own
MONTHS = ("revenue|2026-07-01", "revenue|2026-09-01")  # three months of one dashboard


@pytest.mark.parametrize("cap, expected_peak", [(5, 5), (32, 12)])  # the limit starts at the cap
def test_one_run_submits_every_report_up_to_the_cap_and_waits_for_them_together(
    simulator_factory, tmp_path, cap, expected_peak
):
    sim = simulator_factory(latency=0.05)
    sim.set_faults(force_status={t: "processing" for t in TYPES})  # nothing finishes until released
    defs = definitions_for(sim, tmp_path, max_in_flight=cap)
    seen = []

    def release_once_the_limit_is_in_flight() -> None:
        try:
            _wait_until(lambda: sim.stats()["creates"] >= expected_peak)
            seen.append(sim.stats()["creates"])  # while held, the scheduler stops exactly at its limit
        finally:
            sim.clear_faults()

    releaser = threading.Thread(target=release_once_the_limit_is_in_flight, daemon=True)
    releaser.start()
    result = run_job(defs, MONTHLY_JOB, tags=range_tags(*MONTHS), asset_selection=KEYS)
    releaser.join(timeout=60)
    assert result.success
    assert seen == [expected_peak] and expected_peak == min(cap, 12)
    assert sim.stats()["creates"] == 12  # 4 types x 3 months, one report each
    steps = [
        e for e in result.all_events if e.event_type_value == "STEP_START" and e.step_key == "recast_monthly_reports"
    ]
    assert len(steps) == 1  # one step waits for all of them: no slot or process per report (the checks step follows)


def _form(month: str, report_type: str = "compute_spend_summary") -> dict:
    end = {"2026-07-01": "2026-07-31", "2026-08-01": "2026-08-31", "2026-09-01": "2026-09-30"}[month]
    return {"deployment_id": 5716, "report_type": report_type, "start_date": month, "end_date": end}


def _job(month: str, form: dict) -> PartitionJob:
    return PartitionJob(form["report_type"], "revenue", 5716, None, month, form, label=f"backfill test {month}")


def _jobs(months, report_type: str = "compute_spend_summary"):
    return [_job(m, _form(m, report_type)) for m in months]


def _wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_reports_keep_being_polled_and_replaced_while_the_caller_holds_a_result(simulator_factory, tmp_path):
    """Dagster loads a finished asset before it asks for the next result; Recast must not wait for that."""
    sim = simulator_factory(latency=0.2)
    months = ["2026-07-01", "2026-08-01", "2026-09-01"]
    jobs = _jobs(months) + [
        _job(j.partition_key, {**j.form, "end_date": j.form["end_date"][:-2] + "20"}) for j in _jobs(months)
    ]
    with RecastClient(sim.base_url, sim.client_slug, sim.token, poll_interval=0.1) as client:
        events = []
        results = fetch_partitions(
            client,
            LandingArea(tmp_path / "parquet"),
            jobs,
            max_in_flight=2,
            on_event=lambda kind, job, detail: events.append(kind),
        )
        first = next(results)
        # while we hold the first result, the other five are created, polled and landed anyway
        _wait_until(lambda: sim.stats()["creates"] == 6 and sim.stats()["in_flight"] == 0)
        rest = list(results)
    assert all(isinstance(r, LandedPartition) for r in [first, *rest]) and len(rest) == 5
    in_flight = [events[:i].count("submitted") - events[:i].count("finished") for i in range(len(events) + 1)]
    assert max(in_flight) == 2 and sim.stats()["in_flight_peak"] <= 2  # the cap, as the client kept it


def _scheduler_running() -> bool:
    return any(t.name == "recast-scheduler" and t.is_alive() for t in threading.enumerate())


def test_closing_the_results_early_submits_nothing_more(simulator_factory, tmp_path):
    sim = simulator_factory(latency=0.05)
    held = "compute_marketing_vs_baseline"
    sim.set_faults(force_status={held: "processing"})  # its reports compute until the test releases them
    area = LandingArea(tmp_path / "parquet")
    jobs = _jobs(["2026-07-01"]) + _jobs(["2026-08-01", "2026-09-01"], held)
    with RecastClient(sim.base_url, sim.client_slug, sim.token, poll_interval=0.05) as client:
        results = fetch_partitions(client, area, jobs, max_in_flight=1)
        first = next(results)  # the scheduler has submitted the second report (the cap is 1), and it is held
        _wait_until(lambda: sim.stats()["creates"] == 2)
        results.close()  # what Dagster does when the step fails or is terminated
        first.stage.discard()
        sim.clear_faults()  # the held report finishes: a scheduler that went on would now submit the third
        _wait_until(lambda: not _scheduler_running())
    assert sim.stats()["creates"] == 2  # the first, and the one already submitted: nothing after the close
    staging = area.root / ".staging"
    assert not staging.exists() or not [p for p in staging.iterdir() if p.is_dir()]


CHILD = r"""
import json, sys, time
from datetime import date
import dagster as dg
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, range_tags

spec = json.loads(sys.argv[1])
recast = RecastResource(base_url=spec["base_url"], client_slug=spec["slug"], token=dg.EnvVar("RECAST_PAT"),
                        poll_interval=0.2, max_in_flight=spec["cap"])
defs = build_definitions(Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=spec["data_dir"]))
job = defs.resolve_job_def(MONTHLY_JOB)
selection = [dg.AssetKey(["recast", t]) for t in spec["types"]]
with dg.DagsterInstance.get() as instance:
    print("ready", flush=True)
    sys.stdin.readline()
    result = job.execute_in_process(instance=instance, tags=range_tags(*spec["months"]), asset_selection=selection,
                                    raise_on_error=False)
print(json.dumps({"success": result.success, "run_id": result.run_id}), flush=True)
"""


def test_the_recast_pool_keeps_concurrent_runs_within_the_cap(simulator_factory, tmp_path):
    """Two runs of one instance (a backfill's, two sensors') share one in-flight budget through the pool.

    The second run asks for its slot once the first holds it, as runs launched by a run coordinator do (a run
    worker takes seconds to start). Dagster's SQLite storage cannot lock the slot row, so two steps claiming in
    the same millisecond may both get it; Postgres storage (dagster.postgres.yaml) locks it.
    """
    sim = simulator_factory(latency=0.5)
    home = tmp_path / "dagster_home"
    home.mkdir()
    repo_settings = yaml.safe_load((REPO / "dagster.yaml").read_text())
    (home / "dagster.yaml").write_text(yaml.safe_dump({"concurrency": repo_settings["concurrency"]}))
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:  # storage once, not racing
        instance.add_dynamic_partitions("recast_dashboards", ["revenue"])
        # the pool's limit row, made once here rather than by whichever run process claims a slot first
        instance.event_log_storage.initialize_concurrency_limit_to_default("recast_api")
    env = {**os.environ, "DAGSTER_HOME": str(home), "RECAST_PAT": sim.token, "PYTHONPATH": str(REPO)}
    common = dict(base_url=sim.base_url, slug=sim.client_slug, cap=4, data_dir=str(tmp_path / "data"))
    specs = [
        dict(common, types=TYPES[:2], months=["revenue|2026-07-01", "revenue|2026-08-01"]),
        dict(common, types=TYPES[2:], months=["revenue|2026-07-01", "revenue|2026-08-01"]),
    ]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(spec)],
            env=env,
            cwd=REPO,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for spec in specs
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
            _wait_until(lambda: sim.stats()["creates"] > 0)  # the first run's step holds the slot: it submitted
        outcomes = [json.loads(child.stdout.readlines()[-1]) for child in children]
        for child in children:
            assert child.wait(timeout=120) == 0
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    assert all(o["success"] for o in outcomes)
    stats = sim.stats()
    assert stats["creates"] == 8  # 2 runs x 2 types x 2 months
    assert stats["in_flight_peak"] == 4  # one run's cap, never both runs' reports at once
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS}
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        windows = sorted(
            (min(times), max(times))
            for o in outcomes
            for times in [
                [e.timestamp for e in instance.all_logs(o["run_id"], of_type=kinds) if e.step_key == RECAST_STEP]
            ]
        )
    assert windows[0][1] <= windows[1][0]  # the second run's Recast step started after the first ended
