"""A run worker killed with SIGKILL while its report computes on Recast (as OOM or a reboot would)
no longer blocks the pipeline: under ``dagster dev`` with the repository's dagster.yaml, the run is
marked FAILURE, the monitoring daemon frees its ``recast_api`` slot, the run queued behind it starts
and succeeds, and the crashed run's automatic retry resumes the same Recast report (the create
ledger) instead of creating another one.

The instance settings are the shipped ones, with the daemon's poll interval and the slot grace
period shortened to a second so the test does not wait half a minute twice. The report is held in
flight by the simulator (``force_status: processing``) until the worker is dead: no race to win.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from e2e_helpers import REPO, DagsterDev, before, clean_env, launch_partition, runs

from recast_pipeline.cli.local_env import sync_dashboards

DAGSTER = str(Path(sys.executable).with_name("dagster"))
DEADLINE = 240.0
SPEND = ["recast", "compute_spend_summary"]
RUN_QUERY = """
query ($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status
  eventConnection(afterCursor: null) { events { __typename ... on MessageEvent { message } } } } } }
"""
# The project's code location without declarative automation: only the test's runs use the pool.
LOCATION = """
from recast_pipeline.orchestration.automation import Automation
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.specs import AssetOptions

defs = build_definitions(Partitioning.from_env(), RecastResource.from_env(), RecastWarehouse.from_env(),
                         AssetOptions(automation=Automation(enabled=False)))
"""

pytestmark = pytest.mark.timeout(DEADLINE + 120)


def test_the_shipped_instance_settings_monitor_runs_free_slots_and_retry_crashes():
    for name in ("dagster.yaml", "dagster.postgres.yaml"):
        settings = yaml.safe_load((REPO / name).read_text())
        monitoring, retries = settings["run_monitoring"], settings["run_retries"]
        assert monitoring["enabled"] and monitoring["free_slots_after_run_end_seconds"] > 0, name
        assert monitoring["start_timeout_seconds"] > 0 and monitoring["cancel_timeout_seconds"] > 0, name
        assert retries == {"enabled": True, "max_retries": 1, "retry_on_asset_or_op_failure": False}, name


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    settings = yaml.safe_load((REPO / "dagster.yaml").read_text())
    settings["run_monitoring"].update(poll_interval_seconds=1, free_slots_after_run_end_seconds=1)
    (project / "dagster.yaml").write_text(yaml.safe_dump(settings))
    (project / "location.py").write_text(LOCATION)
    (project / "workspace.yaml").write_text(
        yaml.safe_dump(
            {"load_from": [{"python_file": {"relative_path": "location.py", "location_name": "recast_pipeline"}}]}
        )
    )
    return project


def _run(dev: DagsterDev, run_id: str) -> dict:
    return dev.graphql(RUN_QUERY, runId=run_id)["runOrError"]


def _wait(dev: DagsterDev, deadline: float, what: str, ready) -> object:
    while True:
        value = ready()
        if value:
            return value
        before(deadline, f"{what}\n{dev.tail()}")
        time.sleep(0.5)


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return int(stat.read().rsplit(b")", 1)[1].split()[1])


@pytest.mark.parametrize("with_code_server", [False, True], ids=["worker", "worker_and_code_server"])
def test_a_killed_run_worker_frees_the_pool_and_its_retry_resumes_the_same_report(
    with_code_server, simulator_factory, tmp_path
):
    """``worker_and_code_server``: the code server that would have reported the dead worker dies first;
    run monitoring's health check (``LocalRunLauncher``) finds the worker gone and fails the run."""
    deadline = time.monotonic() + DEADLINE
    sim = simulator_factory()
    sim.set_faults(force_status={"compute_spend_summary": "processing"})  # held in flight until released
    project = _project(tmp_path)
    env = clean_env(
        DAGSTER_HOME=str(project),
        RECAST_BASE_URL=sim.base_url,
        RECAST_CLIENT_SLUG=sim.client_slug,
        RECAST_PAT=sim.token,
        RECAST_DATA_DIR=str(project / "data"),
        RECAST_POLL_INTERVAL="0.3",
        RECAST_SENSOR_INTERVAL="3600",
    )
    previous = os.getcwd()
    os.chdir(project)  # dagster.yaml's storage is relative to the working folder
    try:
        with dg.DagsterInstance.from_config(str(project)) as instance:
            sync_dashboards(instance, "recast_dashboards", ["revenue", "signups"])
    finally:
        os.chdir(previous)
    month = sim.config.data_end.replace(day=1).isoformat()
    dev = DagsterDev([DAGSTER, "dev", "-w", "workspace.yaml"], project, env, tmp_path / "dagster_dev.log")
    try:
        dev.wait_ready(deadline)
        crashed = launch_partition(dev, "recast_monthly_reports_job", SPEND, f"revenue|{month}")
        _wait(dev, deadline, "the crashed run's report to be in flight", lambda: sim.stats()["creates"] == 1)
        _wait(dev, deadline, "the crashed run to hold the recast_api slot", lambda: _holders(dev) == [crashed])
        started = _wait(
            dev,
            deadline,
            "the run worker's pid",
            lambda: [
                e["message"]
                for e in _run(dev, crashed)["eventConnection"]["events"]
                if e.get("message", "").startswith("Started process for run")
            ],
        )
        pid = int(re.search(r"pid: (\d+)", started[0]).group(1))
        if with_code_server:
            # The gRPC server that started the worker dies first, so it cannot report the worker's death:
            # run monitoring's health check does. Without a code server no run can start until it is
            # back (dagster dev does not restart it): the run must end and give its slot back.
            os.kill(_parent(pid), signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
            _wait(
                dev, deadline, "the crashed run to be marked FAILURE", lambda: _run(dev, crashed)["status"] == "FAILURE"
            )
            _wait(dev, deadline, "the crashed run's slot to be freed", lambda: _holders(dev) == [])
            return
        queued = launch_partition(
            dev, "recast_monthly_reports_job", SPEND, f"signups|{month}"
        )  # waits for the recast_api slot
        os.kill(pid, signal.SIGKILL)
        _wait(dev, deadline, "the crashed run to be marked FAILURE", lambda: _run(dev, crashed)["status"] == "FAILURE")
        sim.set_faults(force_status={})  # Recast finishes the report the crashed run had created
        _wait(dev, deadline, "the queued run to succeed", lambda: _status(dev, queued, deadline) == "SUCCESS")
        retry = _wait(
            dev,
            deadline,
            "the crashed run's retry",
            lambda: [r for r in runs(dev) if {"key": "dagster/parent_run_id", "value": crashed} in r["tags"]],
        )
        _wait(dev, deadline, "the retry to succeed", lambda: _status(dev, retry[0]["runId"], deadline) == "SUCCESS")
        assert sim.stats()["creates"] == 2  # revenue's (once: the retry resumed it) and signups'
    finally:
        dev.stop()


POOL_QUERY = '{ instance { concurrencyLimit(concurrencyKey: "recast_api") { claimedSlots { runId } } } }'


def _holders(dev: DagsterDev) -> list[str]:
    """The runs holding a ``recast_api`` slot, as the UI's concurrency page shows them."""
    return [slot["runId"] for slot in dev.graphql(POOL_QUERY)["instance"]["concurrencyLimit"]["claimedSlots"]]


def _status(dev: DagsterDev, run_id: str, deadline: float) -> str:
    status = _run(dev, run_id)["status"]
    assert status not in ("FAILURE", "CANCELED"), dev.tail()
    return status
