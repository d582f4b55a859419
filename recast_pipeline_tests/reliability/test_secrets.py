"""Group 12: the token appears nowhere a person, a log shipper or a backup could read it.

Every test of this suite already runs with ``CANARY_TOKEN`` and fails if it shows up in a log
record, a Dagster event, a child's output or a file under its tmp folder (``conftest``). These
tests add the demo end to end (persistent Dagster instance included), the decoded contents of
Parquet and DuckDB, and the objects a user may print.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from dagster_shared.serdes import serialize_value

from recast_pipeline.orchestration.resources import RecastResource

from .helpers import BASELINE, CANARY_TOKEN, CHILD_OUTPUTS, SPEND, Pipeline, failure_text
from .leaks import leaks_in_duckdb, leaks_in_files, leaks_in_parquet

REPO = Path(__file__).resolve().parents[2]
DEMO = textwrap.dedent(
    """
    import functools, os, sys
    import recast_pipeline.demo as demo
    demo.SimulatorConfig = functools.partial(demo.SimulatorConfig, token=os.environ["CANARY_TOKEN"])
    from recast_pipeline.cli import main
    sys.exit(main(["demo", "--months", "1", "--latency", "0.3", "--data-dir", "data"]))
    """
)


def test_demo_end_to_end_leaks_the_token_nowhere(tmp_path, monkeypatch):
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "DAGSTER_", "API_PAT"))}
    env["CANARY_TOKEN"] = CANARY_TOKEN
    done = subprocess.run([sys.executable, "-c", DEMO], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    output = done.stdout + done.stderr
    CHILD_OUTPUTS.append(output)
    assert done.returncode == 0, output[-3000:]
    assert "Loaded" in done.stdout  # the demo really ran end to end

    assert CANARY_TOKEN not in output  # stdout, stderr: progress, Dagster's console log, the summary
    assert leaks_in_files(tmp_path) == []  # raw bytes: Parquet, DuckDB, Dagster's SQLite storage, logs
    assert leaks_in_parquet(tmp_path / "data" / "parquet") == []  # decoded (compression hides bytes)
    assert leaks_in_duckdb(tmp_path / "data" / "warehouse.duckdb") == []  # every text value, decoded

    # the scanners do find text that is there (the job name in Dagster's storage, a channel in the data)
    assert any(".dagster_home" in p for p in leaks_in_files(tmp_path, "recast_monthly_reports_job"))
    assert leaks_in_parquet(tmp_path / "data" / "parquet", "Paid Social")
    assert leaks_in_duckdb(tmp_path / "data" / "warehouse.duckdb", "Paid Social")

    monkeypatch.chdir(tmp_path)  # the instance's storage paths are relative to the project folder
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path / ".dagster_home"),
                                                          config_dir=str(tmp_path))) as instance:
        runs = instance.get_runs()
        assert len(runs) == 4  # two dashboards, each a monthly and a dashboard run
        for run in runs:
            assert CANARY_TOKEN not in serialize_value(run)  # run config, tags
            for record in instance.all_logs(run.run_id):  # every event: messages, metadata, errors
                assert CANARY_TOKEN not in serialize_value(record)


def test_failures_and_metadata_of_real_runs_never_show_the_token(sim, tmp_path):
    pipeline = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 0.5})
    ok = pipeline.run(SPEND, BASELINE, month="2026-09-01")
    assert ok.success
    sim.set_faults(server_error_rate=1.0, server_error_endpoints=["download"], force_status={})
    sim.refresh_model(5716)
    failed = pipeline.run(SPEND, month="2026-09-01")
    assert not failed.success and CANARY_TOKEN not in failure_text(failed)
    for result in (ok, failed):
        for event in result.all_events:
            assert CANARY_TOKEN not in serialize_value(event)
    assert leaks_in_duckdb(pipeline.warehouse_path) == []
    assert leaks_in_parquet(pipeline.data_dir / "parquet") == []


def test_objects_a_user_may_print_hide_the_token(sim):
    resource = RecastResource(base_url=sim.base_url, client_slug="acme", token=CANARY_TOKEN)
    client = resource.get_client()
    try:
        for shown in (repr(resource), str(resource), repr(client), str(client)):
            assert CANARY_TOKEN not in shown
    finally:
        client.close()
