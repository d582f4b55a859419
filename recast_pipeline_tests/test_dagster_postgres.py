"""``dagster.postgres.yaml``: Dagster's instance in Postgres, as a deployment on several machines runs it.

The file as shipped becomes ``$DAGSTER_HOME/dagster.yaml``, its ``DAGSTER_PG_*`` variables point at
a local Postgres on loopback; one partition is materialized through that instance, and a second
instance made from the same configuration (another machine) sees the run, the materialization,
the dashboards and the ``recast_api`` pool with its limit of one step: all of it lives in Postgres.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
from services import postgres  # noqa: F401 (fixture)

from recast_pipeline.cli.local_env import sync_dashboards
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME, Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.specs import POOL

CONFIG = Path(__file__).resolve().parents[1] / "dagster.postgres.yaml"
SPEND = dg.AssetKey(["recast", "compute_spend_summary"])


def test_the_instance_in_postgres_materializes_and_another_machine_sees_runs_and_the_pool(
    postgres, simulator, tmp_path, monkeypatch
):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(CONFIG, home / "dagster.yaml")
    database = postgres.create_database()
    for name, value in {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres.port),
        "DAGSTER_PG_USER": postgres.user,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": database,
    }.items():
        monkeypatch.setenv(name, value)

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, ["revenue", "signups"])
        recast = RecastResource(
            base_url=simulator.base_url, client_slug=simulator.client_slug, token=simulator.token, poll_interval=0.2
        )
        defs = build_definitions(
            Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=str(tmp_path / "data"))
        )
        result = defs.resolve_job_def("recast_monthly_reports_job").execute_in_process(
            instance=instance, partition_key="revenue|2026-07-01", asset_selection=[SPEND], raise_on_error=False
        )
        assert result.success

    with dg.DagsterInstance.from_config(str(home)) as elsewhere:  # another machine, same configuration
        assert [run.run_id for run in elsewhere.get_runs()] == [result.run_id]
        latest = elsewhere.get_latest_materialization_event(SPEND)
        assert latest is not None and latest.dagster_event.partition == "revenue|2026-07-01"
        assert elsewhere.get_dynamic_partitions(DASHBOARDS_PARTITIONS_NAME) == ["revenue", "signups"]
        pool = elsewhere.event_log_storage.get_concurrency_info(POOL)
        assert (pool.slot_count, pool.claimed_slots) == (1, [])  # one Recast step at a time, across machines
