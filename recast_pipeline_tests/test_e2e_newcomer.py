"""End to end, the newcomer's path: README's command 1, then the UI over GraphQL.

1. ``recast-pipeline demo`` in a fresh project folder (copies of dagster.yaml and workspace.yaml).
2. ``dagster dev`` from that folder with no Recast variables: the demo's partitions show as
   materialized under the same keys, and both sensors skip with a message naming the missing
   variables (no failed tick, no stack trace).
3. ``recast-pipeline dev``: the UI on the same instance pointed at a fresh simulator; a partition
   the demo did not load is launched through GraphQL, as the UI's "Materialize" does, and succeeds.
Bounded in time; every process group is stopped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from recast_pipeline_tests.e2e_helpers import DagsterDev, before, free_port, graphql_selector, runs

REPO = Path(__file__).resolve().parent.parent
DAGSTER = str(Path(sys.executable).with_name("dagster"))
DEADLINE = 300.0
SPEND = ["recast", "compute_spend_summary"]
SENSORS = ("recast_model_refresh_sensor", "recast_month_ready_sensor")

pytestmark = pytest.mark.timeout(DEADLINE + 60)

PARTITIONS_QUERY = """
query ($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { __typename
  ... on AssetNode { partitionKeysByDimension { name partitionKeys }
    assetMaterializations(limit: 50) { partition } } } }
"""
SENSOR_TICKS = """
query ($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) { __typename
  ... on Sensor { sensorState { status ticks(limit: 5) { status skipReason error { message } } } } } }
"""
LAUNCH = """
mutation ($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_"))}
    return {**env, "RECAST_SENSOR_INTERVAL": "2", **extra}


def test_demo_then_the_ui_shows_its_partitions_skips_sensors_clearly_and_materializes_from_the_simulator(tmp_path):
    deadline = time.monotonic() + DEADLINE
    for name in ("dagster.yaml", "workspace.yaml"):  # what the repository root gives `dagster dev`
        shutil.copy(REPO / name, tmp_path / name)
    demo = subprocess.run(
        [sys.executable, "-m", "recast_pipeline.cli", "demo", "--months", "1", "--latency", "0.3"],
        cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=DEADLINE,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        (month,) = con.execute(
            "SELECT max(partition_key) FROM recast_meta.reports WHERE report_type = 'compute_spend_summary'"
        ).fetchone()

    plain = DagsterDev([DAGSTER, "dev"], tmp_path, _clean_env(), tmp_path / "dagster_dev.log")
    try:
        plain.wait_ready(deadline)
        node = plain.graphql(PARTITIONS_QUERY, key={"path": SPEND})["assetNodeOrError"]
        dimensions = {d["name"]: d["partitionKeys"] for d in node["partitionKeysByDimension"]}
        assert {"revenue", "signups"} <= set(dimensions["dashboard"]) and month in dimensions["month"]
        assert {f"revenue|{month}", f"signups|{month}"} <= {m["partition"] for m in node["assetMaterializations"]}
        for name in SENSORS:
            selector, _ = graphql_selector(plain, "sensors", name)
            while True:
                ticks = plain.graphql(SENSOR_TICKS, selector=selector)["sensorOrError"]["sensorState"]["ticks"]
                assert not [t for t in ticks if t["status"] == "FAILURE"], ticks
                skipped = [t for t in ticks if t["status"] == "SKIPPED"]
                if skipped:
                    break
                before(deadline, f"a tick of {name}\n{plain.tail()}")
                time.sleep(1.0)
            assert "RECAST_CLIENT_SLUG" in skipped[0]["skipReason"] and "RECAST_PAT" in skipped[0]["skipReason"]
    finally:
        plain.stop()

    port = free_port()
    dev = DagsterDev(
        [sys.executable, "-m", "recast_pipeline.cli", "dev", "--port", str(port), "--simulator-port", "0", "--latency", "0.3"],
        tmp_path, _clean_env(), tmp_path / "recast_dev.log", port=port,
    )
    try:
        dev.wait_ready(deadline)
        selector, _ = graphql_selector(dev, "sensors", SENSORS[0])
        earlier = f"{int(month[:4]) - 1}{month[4:]}"  # a month the demo did not load
        params = {
            "selector": {**{k: selector[k] for k in ("repositoryName", "repositoryLocationName")},
                         "jobName": "recast_monthly_reports_job", "assetSelection": [{"path": SPEND}]},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": f"signups|{earlier}"},
                                           {"key": "dagster/partition/dashboard", "value": "signups"},
                                           {"key": "dagster/partition/month", "value": earlier}]},
        }
        launched = dev.graphql(LAUNCH, params=params)["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        while True:
            (run,) = [r for r in runs(dev) if r["runId"] == run_id]
            assert run["status"] not in ("FAILURE", "CANCELED"), dev.tail()
            if run["status"] == "SUCCESS":
                break
            before(deadline, f"the launched run to succeed\n{dev.tail()}")
            time.sleep(1.0)
    finally:
        dev.stop()
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute(
            "SELECT dashboard, deployment_id FROM compute_spend_summary.tables_total WHERE partition_key = ? GROUP BY ALL",
            [earlier],
        ).fetchall()
    assert loaded == [("signups", 5717)]
