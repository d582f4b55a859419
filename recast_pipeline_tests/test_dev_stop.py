"""Stopping ``recast-pipeline dev`` while a run is in flight leaves nothing behind: no process of its
group or carrying its environment, and the run ends CANCELED instead of STARTED forever.

The simulator holds the run's report in flight (a latency of minutes); the run is launched over
GraphQL as the UI's "Materialize" does. Processes are found by process group and by a marker
variable the test harness sets (every process started from ``recast-pipeline dev`` inherits it), never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
from e2e_helpers import REPO, DagsterDev, before, clean_env, free_port, launch_partition, marked_processes, runs

from recast_pipeline.cli.dev_stop import session_processes

DEADLINE = 240.0
STOPPED_WITHIN = 60.0  # a bound for the test; the command's own budget is 30 s (dev_stop.STOP_BUDGET)
SPEND = ["recast", "compute_spend_summary"]
LOGS = """
query ($runId: ID!) { logsForRun(runId: $runId) { __typename ... on EventConnection { events { __typename
  ... on MessageEvent { message } } } } }
"""

pytestmark = pytest.mark.timeout(DEADLINE + STOPPED_WITHIN + 60)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds processes through /proc")
def test_sighup_to_recast_pipeline_dev_with_a_run_in_flight_stops_everything_and_cancels_the_run(tmp_path):
    deadline = time.monotonic() + DEADLINE
    project = tmp_path / "project"
    project.mkdir()
    for name in ("dagster.yaml", "workspace.yaml"):
        shutil.copy(REPO / name, project / name)
    port = free_port()
    # RECAST_DASHBOARDS names no dashboard: the sensors stay quiet, the test's run is the only one
    env = clean_env(RECAST_DASHBOARDS="no_such_dashboard", RECAST_SENSOR_INTERVAL="3600")
    dev = DagsterDev(
        [
            sys.executable,
            "-m",
            "recast_pipeline.cli.main",
            "dev",
            "--port",
            str(port),
            "--simulator-port",
            str(free_port()),
            "--latency",
            "600",
        ],
        project,
        env,
        tmp_path / "recast_dev.log",
        port=port,
    )
    try:
        dev.wait_ready(deadline)
        month = "2025-06-01"
        run_id = launch_partition(dev, "recast_monthly_reports_job", SPEND, f"revenue|{month}")
        while not any(
            ": submitted" in (e.get("message") or "") for e in dev.graphql(LOGS, runId=run_id)["logsForRun"]["events"]
        ):
            before(deadline, f"the run's report to be submitted\n{dev.tail()}")
            time.sleep(0.5)
        assert [r["status"] for r in runs(dev) if r["runId"] == run_id] == ["STARTED"]
        assert (
            len(marked_processes(dev.marker)) >= 4
        )  # recast-pipeline dev, dagster dev, webserver, daemon, code server, run worker

        os.kill(dev.process.pid, signal.SIGHUP)  # a closed terminal
        dev.process.wait(timeout=STOPPED_WITHIN)
        while _group_alive(dev.process.pid) or marked_processes(
            dev.marker
        ):  # exited ones may linger a moment as zombies
            before(deadline, f"every process to be gone: {marked_processes(dev.marker)}\n{dev.tail()}")
            time.sleep(0.2)
        assert "Stopping: canceling this session's runs" in dev.tail(200)
    finally:
        dev.stop()
    previous = os.getcwd()
    os.chdir(project)  # dagster.yaml's storage is relative to the working folder
    try:
        with dg.DagsterInstance.from_config(str(project)) as instance:
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.CANCELED
    finally:
        os.chdir(previous)


def test_session_processes_finds_processes_by_their_environment(monkeypatch):
    import subprocess

    marker = uuid.uuid4().hex
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        env={**os.environ, "RECAST_PIPELINE_DEV_SESSION": marker},
    )
    try:
        assert session_processes(marker) == [child.pid]
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    assert session_processes(marker) == []
