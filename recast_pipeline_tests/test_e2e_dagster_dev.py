"""End to end: ``dagster dev`` (webserver + daemon) follows a model refresh in the simulator.

The test starts the simulator on loopback and ``dagster dev`` against it in a temporary Dagster
home (the repository's pool settings), restarts ``recast_model_refresh_sensor`` through the
GraphQL API, waits for its first evaluation, refreshes deployment 5716's model, and expects the
two runs the sensor requests (deployment partition ``5716``, the last closed month as a range) to
succeed and the warehouse to hold their partitions, the no-input types from the new pre-rendered
reports. Bounded in time; the ``dagster dev`` process group is always stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.sensors import recent_months

REPO = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
REFRESH_SENSOR = "recast_model_refresh_sensor"
MONTH_CLOSE_SENSOR = "recast_month_close_sensor"
DEADLINE = 240.0  # seconds for the whole scenario
ACTIVE = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]

pytestmark = pytest.mark.timeout(DEADLINE + 60)

SENSORS_QUERY = """
{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
    name location { name } sensors { name sensorState { id selectorId status } } } } } }
"""
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
RUNS_QUERY = """
query ($filter: RunsFilter!) { runsOrError(filter: $filter) { __typename
  ... on Runs { results { runId status jobName tags { key value } } } ... on PythonError { message } } }
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterDev:
    """``dagster dev`` in its own process group, with a small GraphQL client."""

    def __init__(self, home: Path, env: dict[str, str], log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.log = log
        self._log_file = open(log, "wb")
        self.process = subprocess.Popen(
            [str(DAGSTER), "dev", "-m", "recast_pipeline.definitions", "-p", str(self.port), "-h", "127.0.0.1"],
            cwd=home.parent, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.http = httpx.Client(timeout=30.0)

    def graphql(self, query: str, **variables) -> dict:
        response = self.http.post(self.url, json={"query": query, "variables": variables})
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_ready(self, deadline: float) -> None:
        while True:
            assert self.process.poll() is None, f"dagster dev exited:\n{self.tail()}"
            try:
                data = self.graphql(SENSORS_QUERY)["repositoriesOrError"]
                if data["__typename"] == "RepositoryConnection" and data["nodes"]:
                    return
            except (httpx.HTTPError, AssertionError):
                pass
            _before(deadline, "the webserver to load the code location")
            time.sleep(1.0)

    def tail(self, lines: int = 60) -> str:
        self._log_file.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.http.close()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # dagster dev, webserver, daemon, code server, runs
            self.process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # anything left in the group
            except ProcessLookupError:
                pass
            self._log_file.close()


def _before(deadline: float, what: str) -> None:
    assert time.monotonic() < deadline, f"timed out waiting for {what}"


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
        RECAST_DEPLOYMENT_IDS="5716",
        RECAST_DATA_DIR=str(tmp_path / "data"),
        RECAST_REFRESH_MONTHS="1",
        RECAST_POLL_INTERVAL="0.5",
        RECAST_SENSOR_INTERVAL="2",
    )
    dev = DagsterDev(home, env, tmp_path / "dagster_dev.log")
    try:
        yield sim, dev, tmp_path / "data" / "warehouse.duckdb"
    finally:
        dev.stop()


def _selector(dev: DagsterDev, name: str) -> tuple[dict, dict]:
    repositories = dev.graphql(SENSORS_QUERY)["repositoriesOrError"]["nodes"]
    for repository in repositories:
        for sensor in repository["sensors"]:
            if sensor["name"] == name:
                selector = {
                    "repositoryName": repository["name"],
                    "repositoryLocationName": repository["location"]["name"],
                    "sensorName": name,
                }
                return selector, sensor["sensorState"]
    raise AssertionError(f"sensor {name} not found in {repositories}")


def _runs(dev: DagsterDev, **run_filter) -> list[dict]:
    data = dev.graphql(RUNS_QUERY, filter=run_filter)["runsOrError"]
    assert data["__typename"] == "Runs", data
    return data["results"]


def test_refresh_sensor_under_dagster_dev_rematerializes_the_refreshed_partitions(dagster_dev):
    sim, dev, warehouse_path = dagster_dev
    deadline = time.monotonic() + DEADLINE
    dev.wait_ready(deadline)

    # Quiet the month-close sensor (it may already have requested the last month: that is fine).
    _, month_close = _selector(dev, MONTH_CLOSE_SENSOR)
    dev.graphql(STOP_SENSOR, id=month_close["id"])

    # The refresh sensor ships RUNNING: stop it, then turn it on through the API.
    selector, state = _selector(dev, REFRESH_SENSOR)
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
        _before(deadline, f"the first evaluation of {REFRESH_SENSOR}\n{dev.tail()}")
        time.sleep(1.0)
    assert not recorded[0]["runIds"]

    refresh = sim.refresh_model(5716)
    new_prerendered = set(refresh["prerendered_report_ids"])
    month = recent_months(Partitioning((5716,), date(2024, 1, 1)), 1)[0]

    while True:
        runs = _runs(dev, tags=[{"key": "recast/trigger", "value": "model_refresh"}])
        bad = [r for r in runs if r["status"] in ("FAILURE", "CANCELED")]
        assert not bad, f"refresh run failed: {bad}\n{dev.tail()}"
        if len(runs) >= 2 and all(r["status"] == "SUCCESS" for r in runs):
            break
        _before(deadline, f"the refresh runs to succeed (have {[(r['jobName'], r['status']) for r in runs]})\n{dev.tail()}")
        time.sleep(2.0)
    assert len(runs) == 2
    tags = sorted(({t["key"]: t["value"] for t in r["tags"]} for r in runs), key=lambda t: "dagster/partition" in t)
    monthly, per_deployment = tags
    assert per_deployment["dagster/partition"] == "5716"
    assert (monthly["dagster/asset_partition_range_start"], monthly["dagster/asset_partition_range_end"]) == (month, month)

    while _runs(dev, statuses=ACTIVE):  # e.g. a month-close run launched before we stopped its sensor
        _before(deadline, "the remaining runs to finish")
        time.sleep(2.0)

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        loaded = con.execute(
            "SELECT report_type, partition_key, report_id FROM recast_meta.reports WHERE deployment_id = 5716"
        ).fetchall()
    by_partition: dict[str, dict[str, int]] = {}
    for report_type, partition_key, report_id in loaded:
        by_partition.setdefault(partition_key, {})[report_type] = report_id
    assert len(by_partition[month]) == 18  # every date-based report type, for the refreshed month
    assert len(by_partition["5716"]) == 6  # every deployment-keyed type
    no_input = ["compute_model_configuration", "compute_clean_data", "compute_spike_detail_summary"]
    assert all(by_partition["5716"][t] in new_prerendered for t in no_input)  # read, not recomputed
