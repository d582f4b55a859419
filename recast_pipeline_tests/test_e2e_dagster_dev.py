"""End to end: ``dagster dev`` (webserver + daemon) follows a model refresh in the simulator.

The test starts the simulator on loopback and ``dagster dev`` against it in a temporary Dagster
home (the repository's pool settings), restarts ``recast_model_refresh_sensor`` through the
GraphQL API, waits for its first evaluation, refreshes the ``revenue`` dashboard's model (Recast
makes a new deployment for it), and expects the two runs the sensor requests for that dashboard
alone (its dashboard partition, its last covered month) to succeed and the warehouse to hold the
new deployment's rows under the same keys, the no-input types from the new pre-rendered reports.
Bounded in time; the ``dagster dev`` process group is always stopped.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from recast_pipeline_tests.e2e_helpers import DagsterDev, before, graphql_selector, runs

REPO = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
REFRESH_SENSOR = "recast_model_refresh_sensor"
MONTH_SENSOR = "recast_month_ready_sensor"
DEADLINE = 240.0  # seconds for the whole scenario
ACTIVE = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]

pytestmark = pytest.mark.timeout(DEADLINE + 60)

SENSOR_QUERY = """
query ($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) { __typename
  ... on Sensor { sensorState { id status ticks(limit: 20) { status timestamp cursor skipReason runIds error { message } } } }
  ... on PythonError { message } } }
"""
START_SENSOR = """
mutation ($selector: SensorSelector!) { startSensor(sensorSelector: $selector) { __typename
  ... on Sensor { sensorState { status } } ... on PythonError { message } } }
"""
STOP_SENSOR = """
mutation ($id: String!) { stopSensor(id: $id) { __typename
  ... on StopSensorMutationResult { instigationState { status } } ... on PythonError { message } } }
"""


@pytest.fixture
def dagster_dev(simulator_factory, tmp_path):
    sim = simulator_factory(latency=0.3)
    home = tmp_path / "dagster_home"
    home.mkdir()
    repo_settings = yaml.safe_load((REPO / "dagster.yaml").read_text())
    (home / "dagster.yaml").write_text(
        yaml.safe_dump({"concurrency": repo_settings["concurrency"], "telemetry": {"enabled": False}})
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        RECAST_BASE_URL=sim.base_url,
        RECAST_CLIENT_SLUG=sim.client_slug,
        RECAST_PAT=sim.token,
        RECAST_DATA_DIR=str(tmp_path / "data"),
        RECAST_REFRESH_MONTHS="1",
        RECAST_POLL_INTERVAL="0.5",
        RECAST_SENSOR_INTERVAL="2",
    )
    dev = DagsterDev([str(DAGSTER), "dev", "-m", "recast_pipeline.definitions"], home.parent, env, tmp_path / "dagster_dev.log")
    try:
        yield sim, dev, tmp_path / "data" / "warehouse.duckdb"
    finally:
        dev.stop()


def test_refresh_sensor_under_dagster_dev_rematerializes_the_refreshed_partitions(dagster_dev):
    sim, dev, warehouse_path = dagster_dev
    deadline = time.monotonic() + DEADLINE
    dev.wait_ready(deadline)

    # Quiet the month sensor (it may already have requested the last month: that is fine).
    _, month_sensor = graphql_selector(dev, "sensors", MONTH_SENSOR)
    dev.graphql(STOP_SENSOR, id=month_sensor["id"])

    # The refresh sensor ships RUNNING: stop it, then turn it on through the API.
    selector, state = graphql_selector(dev, "sensors", REFRESH_SENSOR)
    assert state["status"] == "RUNNING"
    stopped = dev.graphql(STOP_SENSOR, id=state["id"])["stopSensor"]
    assert stopped["instigationState"]["status"] == "STOPPED", stopped
    started_at = time.time()
    started = dev.graphql(START_SENSOR, selector=selector)["startSensor"]
    assert started["__typename"] == "Sensor" and started["sensorState"]["status"] == "RUNNING", started

    # Its first evaluation after the start records where Recast stands, and requests nothing.
    while True:
        ticks = dev.graphql(SENSOR_QUERY, selector=selector)["sensorOrError"]["sensorState"]["ticks"]
        recorded = [t for t in ticks if t["timestamp"] >= started_at and t["status"] in ("SKIPPED", "SUCCESS") and t["cursor"]]
        failed = [t for t in ticks if t["status"] == "FAILURE"]
        assert not failed, f"sensor tick failed: {failed[0]['error']}\n{dev.tail()}"
        if recorded:
            break
        before(deadline, f"the first evaluation of {REFRESH_SENSOR}\n{dev.tail()}")
        time.sleep(1.0)
    assert not recorded[0]["runIds"]

    refresh = sim.refresh_model("revenue")
    new_deployment = refresh["deployment_id"]
    assert new_deployment != 5716 and refresh["previous_deployment_id"] == 5716
    new_prerendered = set(refresh["prerendered_report_ids"])
    month = sim.config.data_end.replace(day=1).isoformat()  # the last month the model covers

    while True:
        refresh_runs = runs(dev, tags=[{"key": "recast/trigger", "value": "model_refresh"}])
        bad = [r for r in refresh_runs if r["status"] in ("FAILURE", "CANCELED")]
        assert not bad, f"refresh run failed: {bad}\n{dev.tail()}"
        if len(refresh_runs) >= 2 and all(r["status"] == "SUCCESS" for r in refresh_runs):
            break
        before(deadline, f"the refresh runs to succeed (have {[(r['jobName'], r['status']) for r in refresh_runs]})\n{dev.tail()}")
        time.sleep(2.0)
    assert len(refresh_runs) == 2
    tags = sorted(({t["key"]: t["value"] for t in r["tags"]} for r in refresh_runs), key=lambda t: t["dagster/partition"])
    per_dashboard, monthly = tags
    assert per_dashboard["dagster/partition"] == "revenue"
    assert monthly["dagster/partition"] == f"revenue|{month}"
    assert {t["recast/dashboard"] for t in tags} == {"revenue"}  # the refreshed dashboard alone

    while runs(dev, statuses=ACTIVE):  # e.g. a month-close run launched before we stopped its sensor
        before(deadline, "the remaining runs to finish")
        time.sleep(2.0)

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        loaded = con.execute(
            "SELECT report_type, partition_key, report_id FROM recast_meta.reports WHERE dashboard = 'revenue' AND deployment_id = ?",
            [new_deployment],
        ).fetchall()
    by_partition: dict[str, dict[str, int]] = {}
    for report_type, partition_key, report_id in loaded:
        by_partition.setdefault(partition_key, {})[report_type] = report_id
    assert len(by_partition[month]) == 18  # every date-based report type, for the refreshed month
    assert len(by_partition["revenue"]) == 6  # every dashboard-keyed type
    no_input = ["compute_model_configuration", "compute_clean_data", "compute_spike_detail_summary"]
    assert all(by_partition["revenue"][t] in new_prerendered for t in no_input)  # read, not recomputed
