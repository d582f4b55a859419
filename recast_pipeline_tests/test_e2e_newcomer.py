"""End to end, the newcomer's path: README's command 1, then the UI over GraphQL.

1. ``recast-pipeline demo`` in a fresh project folder (copies of dagster.yaml and workspace.yaml),
   once per session (``demo_project``): both dashboards load, and the runs stay in the instance.
2. ``dagster dev`` from a copy of that folder with no Recast variables: the demo's partitions show
   as materialized under the same keys, and both sensors skip with a message naming the missing
   variables (no failed tick, no stack trace).
3. ``recast-pipeline dev`` from another copy (one start, shared by the tests below): the UI, its
   daemon and code server on the same instance, pointed at a fresh simulator. The month sensor and
   the automation sensor are stopped in the instance first (``dagster sensor stop``), so the only
   run is the test's own: a partition the demo did not load, launched through GraphQL as the UI's
   "Materialize" does, succeeds. (Automation following a refresh under ``dagster dev`` is
   ``test_e2e_automation.py``.)
4. ``kill`` of ``recast-pipeline dev`` alone (SIGTERM to its process, not its group) stops the UI,
   daemon and code server it started, and frees the UI's port.
Bounded in time; every process group is stopped. The demo runs once for the whole session
(``demo_project``, shared by the xdist workers).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from e2e_helpers import (
    DEMO_TIMEOUT,
    DagsterDev,
    before,
    clean_env,
    free_port,
    graphql_selector,
    launch_partition,
    marked_processes,
    runs,
)

DAGSTER = str(Path(sys.executable).with_name("dagster"))
DEADLINE = 300.0
SPEND = ["recast", "compute_spend_summary"]
REFRESH_SENSOR = "recast_model_refresh_sensor"
MONTH_SENSOR = "recast_month_ready_sensor"
AUTOMATION_SENSOR = "recast_automation_sensor"
SENSORS = (REFRESH_SENSOR, MONTH_SENSOR)
ACTIVE = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]

pytestmark = pytest.mark.timeout(DEMO_TIMEOUT + DEADLINE + 60)

PARTITIONS_QUERY = """
query ($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { __typename
  ... on AssetNode { partitionKeysByDimension { name partitionKeys }
    assetMaterializations(limit: 50) { partition } } } }
"""
SENSOR_QUERY = """
query ($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) { __typename
  ... on Sensor { sensorState { id status
    ticks(limit: 20) { status timestamp cursor skipReason runIds error { message } } } }
  ... on PythonError { message } } }
"""


def _last_demo_month(folder: Path) -> str:
    with duckdb.connect(str(folder / "data" / "warehouse.duckdb"), read_only=True) as con:
        (month,) = con.execute(
            "SELECT max(partition_key) FROM recast_meta.reports WHERE report_type = 'compute_spend_summary'"
        ).fetchone()
    return month


def _ticks(dev: DagsterDev, selector: dict) -> list[dict]:
    return dev.graphql(SENSOR_QUERY, selector=selector)["sensorOrError"]["sensorState"]["ticks"]


def _wait_until_no_run_is_active(dev: DagsterDev, deadline: float) -> None:
    """Runs write the warehouse: read it only when none is queued or running."""
    while runs(dev, statuses=ACTIVE):
        before(deadline, f"the remaining runs to finish\n{dev.tail()}")
        time.sleep(2.0)


def test_demo_loads_both_dashboards_and_leaves_its_runs_for_dagster_dev(demo_project):
    out, err = demo_project.stdout, demo_project.stderr
    assert out.count("recast_monthly_reports_job: success") == 2  # one per dashboard
    assert out.count("recast_dashboard_reports_job: success") == 2
    assert "Loaded 47 report partitions" in out  # signups' model has no context variables: 23 + 24
    assert "compute_context_variable_summary [signups|" in err and "no context variables" in err
    assert "Total ROI per channel" in out and "Paid Social" in out
    assert (demo_project.folder / "data" / "warehouse.duckdb").exists()
    assert any((demo_project.folder / ".dagster_home" / "storage").iterdir())  # runs persisted for `dagster dev`


def test_plain_dagster_dev_shows_the_demos_partitions_and_its_sensors_skip_naming_the_variables(demo_project, tmp_path):
    deadline = time.monotonic() + DEADLINE
    project = demo_project.copy(tmp_path / "project")
    month = _last_demo_month(project)
    plain = DagsterDev([DAGSTER, "dev"], project, clean_env(RECAST_SENSOR_INTERVAL="2"), tmp_path / "dagster_dev.log")
    try:
        plain.wait_ready(deadline)
        node = plain.graphql(PARTITIONS_QUERY, key={"path": SPEND})["assetNodeOrError"]
        dimensions = {d["name"]: d["partitionKeys"] for d in node["partitionKeysByDimension"]}
        assert {"revenue", "signups"} <= set(dimensions["dashboard"]) and month in dimensions["month"]
        assert {f"revenue|{month}", f"signups|{month}"} <= {m["partition"] for m in node["assetMaterializations"]}
        for name in SENSORS:
            selector, _ = graphql_selector(plain, "sensors", name)
            while True:
                ticks = _ticks(plain, selector)
                assert not [t for t in ticks if t["status"] == "FAILURE"], ticks
                skipped = [t for t in ticks if t["status"] == "SKIPPED"]
                if skipped:
                    break
                before(deadline, f"a tick of {name}\n{plain.tail()}")
                time.sleep(1.0)
            assert "RECAST_CLIENT_SLUG" in skipped[0]["skipReason"] and "RECAST_PAT" in skipped[0]["skipReason"]
    finally:
        plain.stop()


class RecastDev:
    """``recast-pipeline dev`` on a copy of the demo's project (its own fresh simulator)."""

    def __init__(self, project: Path, log: Path):
        self.project = project
        self.warehouse = project / "data" / "warehouse.duckdb"
        port, simulator_port = free_port(), free_port()
        self.dev = DagsterDev(
            [
                sys.executable,
                "-m",
                "recast_pipeline.cli.main",
                "dev",
                "--port",
                str(port),
                "--simulator-port",
                str(simulator_port),
                "--latency",
                "0.3",
            ],
            project,
            clean_env(RECAST_SENSOR_INTERVAL="2"),
            log,
            port=port,
        )

    def stop(self) -> None:
        self.dev.stop()


def _stop_sensors_in_the_instance(project: Path) -> None:
    """As the UI's "stop" would, before the daemon first runs them: month-close and first-look runs
    would otherwise queue ahead of this module's run in the one-step ``recast_api`` pool."""
    for sensor in (MONTH_SENSOR, AUTOMATION_SENSOR):
        stop = subprocess.run(
            [sys.executable, "-m", "dagster", "sensor", "stop", sensor, "-w", "workspace.yaml"],
            cwd=project,
            env=clean_env(DAGSTER_HOME=str(project)),
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        assert stop.returncode == 0 and f"Stopped sensor {sensor}" in stop.stdout, stop.stdout + stop.stderr


@pytest.fixture(scope="module")
def recast_dev(demo_project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("recast_dev")
    project = demo_project.copy(folder / "project")
    _stop_sensors_in_the_instance(project)
    started = RecastDev(project, folder / "recast_dev.log")
    try:
        started.dev.wait_ready(time.monotonic() + DEADLINE)
        yield started
    finally:
        started.stop()


def test_recast_pipeline_dev_materializes_a_partition_the_demo_did_not_load(recast_dev):
    dev, deadline = recast_dev.dev, time.monotonic() + DEADLINE
    month = _last_demo_month(recast_dev.project)
    selector, _ = graphql_selector(dev, "sensors", SENSORS[0])
    earlier = f"{int(month[:4]) - 1}{month[4:]}"  # a month the demo did not load
    run_id = launch_partition(
        dev,
        "recast_monthly_reports_job",
        SPEND,
        f"signups|{earlier}",
        selector["repositoryLocationName"],
        selector["repositoryName"],
    )
    while True:
        (run,) = [r for r in runs(dev) if r["runId"] == run_id]
        assert run["status"] not in ("FAILURE", "CANCELED"), dev.tail()
        if run["status"] == "SUCCESS":
            break
        before(deadline, f"the launched run to succeed\n{dev.tail()}")
        time.sleep(1.0)
    _wait_until_no_run_is_active(dev, deadline)
    with duckdb.connect(str(recast_dev.warehouse), read_only=True) as con:
        loaded = con.execute(
            "SELECT dashboard, deployment_id FROM compute_spend_summary.tables_total WHERE partition_key = ? GROUP BY "
            "ALL",
            [earlier],
        ).fetchall()
    assert loaded == [("signups", 5717)]


def test_killing_recast_pipeline_dev_stops_the_ui_it_started(demo_project, tmp_path):
    project = demo_project.copy(tmp_path / "project")
    _stop_sensors_in_the_instance(project)
    started = RecastDev(project, tmp_path / "recast_dev.log")
    dev, deadline = started.dev, time.monotonic() + DEADLINE
    try:
        dev.wait_ready(deadline)
        os.kill(dev.process.pid, signal.SIGTERM)  # `kill <pid>`: this process only, as a process manager would
        dev.process.wait(timeout=DEADLINE)
        while True:  # dagster dev, webserver, daemon, code server (by group and environment) end, without our help
            try:
                os.killpg(dev.process.pid, 0)
            except ProcessLookupError:
                if not marked_processes(dev.marker):
                    break
            before(deadline, f"dagster dev and what it started to stop\n{dev.tail()}")
            time.sleep(0.5)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", dev.port)) != 0  # the UI's port is free
    finally:
        started.stop()
