"""Group 12: the token appears nowhere a person, a log shipper or a backup could read it.

Every test of this suite already runs with ``CANARY_TOKEN`` and fails if it shows up in a log
record, a Dagster event, a child's output or a file under its tmp folder (``conftest``). These
tests add the demo end to end (README's command, persistent Dagster instance included; its own
simulator's token is the canary there), the decoded contents of Parquet and DuckDB, and the
objects a user may print.
"""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef
from dagster_shared.serdes import serialize_value
from e2e_helpers import DEMO_TIMEOUT

from recast_pipeline.orchestration.resources import RecastResource
from recast_pipeline.simulator.config import SimulatorConfig

from .helpers import BASELINE, CANARY_TOKEN, CHILD_OUTPUTS, SPEND, Pipeline, failure_text
from .leaks import leaks_in_duckdb, leaks_in_files, leaks_in_parquet

DEMO_TOKEN = SimulatorConfig().token  # the token the demo's own simulator serves, and the pipeline sends


@pytest.mark.timeout(DEMO_TIMEOUT + 120)  # the first user of ``demo_project`` runs the demo (or waits for it)
def test_demo_end_to_end_leaks_the_token_nowhere(demo_project, tmp_path, monkeypatch):
    """README's command 1 as a newcomer runs it (``demo_project``), searched for its simulator's token."""
    project = demo_project.copy(tmp_path / "project")
    output = demo_project.stdout + demo_project.stderr
    CHILD_OUTPUTS.append(output)
    assert "Loaded" in demo_project.stdout  # the demo really ran end to end

    assert DEMO_TOKEN not in output  # stdout, stderr: progress, Dagster's console log, the summary
    assert leaks_in_files(project, DEMO_TOKEN) == []  # raw bytes: Parquet, DuckDB, Dagster's SQLite storage, logs
    assert leaks_in_parquet(project / "data" / "parquet", DEMO_TOKEN) == []  # decoded (compression hides bytes)
    assert leaks_in_duckdb(project / "data" / "warehouse.duckdb", DEMO_TOKEN) == []  # every text value, decoded

    # the scanners do find text that is there (the job name in Dagster's storage, a channel in the data)
    assert any(".dagster_home" in p for p in leaks_in_files(project, "recast_monthly_reports_job"))
    assert leaks_in_parquet(project / "data" / "parquet", "Paid Social")
    assert leaks_in_duckdb(project / "data" / "warehouse.duckdb", "Paid Social")

    monkeypatch.chdir(project)  # the instance's storage paths are relative to the project folder
    with dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(project / ".dagster_home"), config_dir=str(project))
    ) as instance:
        runs = instance.get_runs()
        assert len(runs) == 4  # two dashboards, each a monthly and a dashboard run
        for run in runs:
            assert DEMO_TOKEN not in serialize_value(run)  # run config, tags
            for record in instance.all_logs(run.run_id):  # every event: messages, metadata, errors
                assert DEMO_TOKEN not in serialize_value(record)


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
