"""The report assets end to end against the simulator: every type, the warehouse they build, reuse."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from recast_pipeline.recast.catalog import REPORT_TYPES
from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.server import serve_in_thread
from recast_pipeline_tests.conftest import TEST_SIMULATOR_DEFAULTS
from recast_pipeline_tests.dagster_helpers import DASHBOARD_JOB, MONTHLY_JOB, definitions_for, run_job

MONTH = "2026-09-01"
KEY = f"revenue|{MONTH}"
LINEAGE = {"dashboard", "deployment_id", "model_date", "partition_key", "report_id", "download_key", "loaded_at"}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every report asset materialized once: the monthly job for one month, the dashboard job for revenue (5716)."""
    data_dir = tmp_path_factory.mktemp("data")
    with serve_in_thread(SimulatorConfig(**TEST_SIMULATOR_DEFAULTS)) as sim:
        defs = definitions_for(sim, data_dir)
        instance = dg.DagsterInstance.ephemeral()
        monthly = run_job(defs, MONTHLY_JOB, instance=instance, partition_key=KEY)
        per_deployment = run_job(defs, DASHBOARD_JOB, instance=instance, partition_key="revenue")
        yield {
            "sim": sim,
            "defs": defs,
            "instance": instance,
            "data_dir": data_dir,
            "results": (monthly, per_deployment),
            "creates": sim.stats()["creates"],
        }


def _connect(loaded):
    return duckdb.connect(str(loaded["data_dir"] / "warehouse.duckdb"), read_only=True)


def test_every_report_asset_materializes_its_partition(loaded):
    monthly, per_deployment = loaded["results"]
    assert monthly.success and per_deployment.success
    materialized = {
        event.asset_key.path[-1]: event.partition
        for result in loaded["results"]
        for event in result.get_asset_materialization_events()
        for event in [event.event_specific_data.materialization]
    }
    assert set(materialized) == set(REPORT_TYPES)
    for name, partition in materialized.items():
        assert partition == (KEY if REPORT_TYPES[name].partitioned_by_month else "revenue")


def test_every_check_passes(loaded):
    evaluations = [
        event.event_specific_data
        for result in loaded["results"]
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert evaluations, "no asset check ran"
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []
    names = {e.check_name for e in evaluations}
    assert {"downloads_loaded", "no_lost_columns", "tables_have_rows", "daily_spend_matches_total"} <= names


def test_warehouse_layout_types_and_lineage(loaded):
    with _connect(loaded) as con:
        schemas = {row[0] for row in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}
        assert {"recast_meta", "compute_spend_summary", "compute_insights_overview"} <= schemas
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'compute_spend_summary' AND table_name = 'tables_daily'"
            ).fetchall()
        )
        assert types["date"] == "DATE"
        assert types["paid_social"] == "DOUBLE"
        assert LINEAGE <= set(types)
        assert types["deployment_id"] == "BIGINT"
        # one table per key pattern, the variable parts as columns
        rows = con.execute(
            "SELECT DISTINCT effect, metric FROM compute_insights_overview.summaries ORDER BY 1, 2"
        ).fetchall()
        assert len(rows) == 8
        lineage = con.execute(
            "SELECT DISTINCT dashboard, deployment_id, partition_key FROM compute_spend_summary.tables_total"
        ).fetchall()
        assert lineage == [("revenue", 5716, MONTH)]
        assert (
            con.execute(
                "SELECT count(*) FROM compute_clean_data.clean_data WHERE partition_key = 'revenue'"
            ).fetchone()[0]
            > 365
        )


def test_meta_tables_describe_every_load(loaded):
    with _connect(loaded) as con:
        reports = con.execute(
            "SELECT report_type, dashboard, deployment_id, model_date, partition_key, status FROM recast_meta.reports"
        ).fetchall()
        assert {r[0] for r in reports} == set(REPORT_TYPES)
        assert all(r[1:3] == ("revenue", 5716) and r[3] and r[5] == "success" for r in reports)
        downloads = con.execute(
            "SELECT download_key, table_name, row_count, parquet_path FROM recast_meta.downloads "
            "WHERE report_type = 'compute_spend_summary'"
        ).fetchall()
        assert {d[0] for d in downloads} == {"tables-daily", "tables-weekly", "tables-monthly", "tables-total"}
        for _, _, rows, path in downloads:
            assert rows > 0 and path.endswith(".parquet")
        original = con.execute(
            "SELECT original_header FROM recast_meta.columns WHERE schema_name = 'compute_spend_summary' "
            "AND table_name = 'tables_total' AND column_name = 'share_of_spend_pct'"
        ).fetchone()
        assert original == ("Share of Spend %",)


def test_metadata_users_look_at(loaded):
    monthly, _ = loaded["results"]
    [event] = [
        e
        for e in monthly.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["recast", "compute_spend_summary"])
    ]
    metadata = event.event_specific_data.materialization.metadata
    assert metadata["dagster/partition_row_count"].value == sum(metadata["recast/download_rows"].value.values())
    assert metadata["dagster/table_name"].value == "warehouse.compute_spend_summary.tables_daily"
    assert (
        metadata["dagster/row_count"].value
        == metadata["recast/table_rows"].value["warehouse.compute_spend_summary.tables_daily"]
        == 30
    )
    assert set(metadata["recast/table_rows"].value) == {
        f"warehouse.compute_spend_summary.tables_{name}" for name in ("daily", "weekly", "monthly", "total")
    }
    for name in ("daily", "weekly", "monthly", "total"):
        assert metadata[f"recast/column_schema/tables_{name}"].schema.columns
    assert "app.getrecast.com/clients/acme/reports/" in metadata["recast/report_url"].value
    assert metadata["recast/form"].value["start_date"] == MONTH
    assert (metadata["recast/dashboard"].value, metadata["recast/deployment_id"].value) == ("revenue", 5716)
    assert metadata["recast/model_date"].value
    assert '"compute_spend_summary"."tables_daily"' in metadata["recast/duckdb_tables"].value
    assert metadata["dagster/column_schema"].schema.columns
    assert metadata["recast/download_rows"].value[f"{MONTH}: tables-daily"] == 30
    assert "|" in metadata["recast/preview"].value


def test_rerun_reuses_reports_and_replaces_rows(loaded):
    sim, defs, instance = loaded["sim"], loaded["defs"], loaded["instance"]
    with _connect(loaded) as con:
        before = con.execute("SELECT count(*), min(report_id) FROM compute_spend_summary.tables_daily").fetchone()
    creates = sim.stats()["creates"]
    again = run_job(
        defs,
        MONTHLY_JOB,
        instance=instance,
        partition_key=KEY,
        asset_selection=[dg.AssetKey(["recast", "compute_spend_summary"])],
    )
    assert again.success
    assert sim.stats()["creates"] == creates  # the identical fresh report was reused
    with _connect(loaded) as con:
        after = con.execute("SELECT count(*), min(report_id) FROM compute_spend_summary.tables_daily").fetchone()
    assert after == before  # same report, same rows, no duplicates

    forced = run_job(
        defs,
        MONTHLY_JOB,
        instance=instance,
        partition_key=KEY,
        asset_selection=[dg.AssetKey(["recast", "compute_spend_summary"])],
        run_config={"ops": {"recast_monthly_reports": {"config": {"force_new_report": True}}}},
    )
    assert forced.success
    assert sim.stats()["creates"] == creates + 1
    with _connect(loaded) as con:
        count, report_ids = con.execute(
            "SELECT count(*), count(DISTINCT report_id) FROM compute_spend_summary.tables_daily"
        ).fetchone()
    assert (count, report_ids) == (before[0], 1)  # replaced by the new report's rows


def test_token_never_reaches_events_or_metadata(loaded):
    token = loaded["sim"].token
    for result in loaded["results"]:
        for event in result.all_events:
            assert token not in repr(event)
    for key in (dg.AssetKey(["recast", name]) for name in ("compute_spend_summary", "compute_clean_data")):
        records = loaded["instance"].fetch_materializations(key, limit=10).records
        assert records and all(token not in repr(record) for record in records)


def test_spend_check_fails_when_daily_spend_disagrees_with_the_total(loaded, tmp_path):
    import shutil

    from recast_pipeline.orchestration.check_queries import PartitionRef
    from recast_pipeline.orchestration.checks import _spend_totals
    from recast_pipeline.warehouse.warehouse import Warehouse

    copy = tmp_path / "tampered.duckdb"
    shutil.copy(loaded["data_dir"] / "warehouse.duckdb", copy)
    partition = PartitionRef("revenue", MONTH, KEY)
    key = dg.AssetKey(["recast", "compute_spend_summary"])
    assert _spend_totals(Warehouse(copy), key, [partition]).passed
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "UPDATE recast_marts.channel_spend SET spend = spend * 1.1 WHERE channel = 'Display' AND grain = 'total'"
        )
    result = _spend_totals(Warehouse(copy), key, [partition])
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert list(result.metadata["mismatches"].value[KEY]) == ["Display"]
