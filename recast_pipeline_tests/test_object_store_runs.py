"""Dagster runs with ``RECAST_DATA_DIR=s3://...`` (moto on loopback): each partition lands once, a
refresh leaves exactly the new files, a damaged download changes nothing, no key leaks anywhere."""

from __future__ import annotations

import json
import uuid
from datetime import date

import dagster as dg
import pytest
from dagster_helpers import MONTHLY_JOB, run_job
from dagster_shared.serdes import serialize_value
from services import S3_KEYS, s3, s3_server  # noqa: F401 (fixtures)

from recast_pipeline.landing.object_store import MANIFEST
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.warehouse.warehouse import Warehouse

SPEND = dg.AssetKey(["recast", "compute_spend_summary"])
SCHEMA, DASH, MONTH = "compute_spend_summary", "revenue", "2026-09-01"
SECRET = S3_KEYS["AWS_SECRET_ACCESS_KEY"]


@pytest.fixture(params=["file"])
def pipeline(request, s3, simulator, tmp_path):
    """The code location over the simulator, landing on S3, loading into a DuckDB file (or a DuckLake,
    catalog file and data on S3: same landing, but each of its ~30 attaches per run costs ~0.5 s here,
    so ``@pytest.mark.parametrize("pipeline", ["ducklake"], indirect=True)`` runs it on demand)."""
    prefix = f"runs-{uuid.uuid4().hex[:8]}"
    warehouse = (
        str(tmp_path / "warehouse.duckdb") if request.param == "file" else f"ducklake:{tmp_path / 'lake.ducklake'}"
    )
    resource = RecastWarehouse(
        data_dir=f"s3://{s3.bucket}/{prefix}",
        warehouse_path=warehouse,
        ducklake_data_path=f"s3://{s3.bucket}/{prefix}-lake/" if request.param == "ducklake" else "",
        lock_timeout=30,
    )
    recast = RecastResource(
        base_url=simulator.base_url,
        client_slug=simulator.client_slug,
        token=simulator.token,
        poll_interval=0.2,
        ledger_path=str(tmp_path / "ledger.sqlite"),
    )
    return Runs(s3, simulator, prefix, resource, build_definitions(Partitioning(date(2024, 1, 1)), recast, resource))


class Runs:
    def __init__(self, s3, sim, prefix, resource, defs):
        self.s3, self.sim, self.prefix, self.resource, self.defs = s3, sim, prefix, resource, defs
        self.results: list[dg.ExecuteInProcessResult] = []

    def run(self) -> dg.ExecuteInProcessResult:
        result = run_job(self.defs, MONTHLY_JOB, partition_key=f"{DASH}|{MONTH}", asset_selection=[SPEND])
        self.results.append(result)
        return result

    def objects(self) -> dict[str, bytes]:
        client = self.s3.client()
        return {
            key: client.get_object(Bucket=self.s3.bucket, Key=key)["Body"].read()
            for key in self.s3.keys(self.prefix + "/")
            if not key.endswith("/")
        }

    def partition(self) -> dict[str, tuple[dict, set[str]]]:
        """Per table folder: (its manifest, the files in the folder beside it)."""
        folders: dict[str, set[str]] = {}
        objects = self.objects()
        for key in objects:
            folder, name = key.rsplit("/", 1)
            folders.setdefault(folder, set()).add(name)
        return {
            folder.split("/")[-3]: (json.loads(objects[f"{folder}/{MANIFEST}"]), names - {MANIFEST})
            for folder, names in folders.items()
            if folder.endswith(f"dashboard={DASH}/partition_key={MONTH}")
        }

    def warehouse(self) -> Warehouse:
        return self.resource.warehouse()


def test_a_partition_lands_once_and_a_refresh_leaves_exactly_the_new_files(pipeline, capfd, tmp_path):
    assert pipeline.run().success
    first = pipeline.partition()
    assert set(first) == {"tables_daily", "tables_weekly", "tables_monthly", "tables_total"}
    metadata = pipeline.results[0].get_asset_materialization_events()[0].materialization.metadata
    assert metadata["recast/preview"].value.startswith("| ")  # read back from S3 for the UI
    check_lands_once(pipeline, first)

    pipeline.sim.refresh_model(5716)  # a new model version: the next run makes a new report
    assert pipeline.run().success
    second = pipeline.partition()
    check_lands_once(pipeline, second)
    assert {m["report_id"] for m, _ in second.values()} != {m["report_id"] for m, _ in first.values()}
    assert not any(name in files for _, files in second.values() for _, old in first.values() for name in old)
    assert [key for key in pipeline.objects() if f"/{MANIFEST}" not in key and not key.endswith(".parquet")] == []

    # no key anywhere: Dagster's events and run record, the process's output, the bucket, local files
    # (ledger, warehouse)
    leaks = [
        event.event_type_value for r in pipeline.results for event in r.all_events if SECRET in serialize_value(event)
    ]
    leaks += [r.run_id for r in pipeline.results if SECRET in serialize_value(r.dagster_run)]
    output = capfd.readouterr()
    leaks += ["stdout/stderr"] if SECRET in output.out + output.err else []
    leaks += [key for key, body in pipeline.objects().items() if SECRET.encode() in body]
    leaks += [str(path) for path in tmp_path.rglob("*") if path.is_file() and SECRET.encode() in path.read_bytes()]
    assert leaks == []


def check_lands_once(pipeline, partition):
    """Every folder holds exactly its manifest's files; the warehouse holds their rows, once, and
    records the very URLs the manifests list."""
    listed = set()
    for table, (manifest, files) in partition.items():
        assert files == {item["name"] for item in manifest["files"]}
        folder = f"s3://{pipeline.s3.bucket}/{pipeline.prefix}/parquet/{SCHEMA}/{table}/dashboard={DASH}/partition_key={MONTH}"
        listed |= {f"{folder}/{item['name']}" for item in manifest["files"]}
    tables = sorted(partition)
    _, held = pipeline.warehouse().query(  # one query: each opens the warehouse afresh
        " UNION ALL ".join(
            f"SELECT '{table}', count(*), list(DISTINCT report_id), "
            f"(SELECT list(parquet_path) FROM recast_meta.downloads WHERE table_name = '{table}' AND partition_key = "
            f"'{MONTH}') "
            f"FROM {SCHEMA}.{table} WHERE dashboard = '{DASH}' AND partition_key = '{MONTH}'"
            for table in tables
        )
    )
    for table, rows, report_ids, paths in held:
        manifest = partition[table][0]
        assert rows == sum(item["rows"] for item in manifest["files"]) > 0
        assert report_ids == [manifest["report_id"]]
        assert set(paths) == {p for p in listed if f"/{table}/" in p}


def test_a_damaged_download_leaves_the_live_partition_and_manifest_untouched(pipeline):
    assert pipeline.run().success
    before = pipeline.objects()
    _, before_rows = pipeline.warehouse().query(f"SELECT count(*), list(DISTINCT report_id) FROM {SCHEMA}.tables_daily")
    pipeline.sim.refresh_model(5716)
    pipeline.sim.set_faults(malformed_mode="bad_quote")
    result = pipeline.run()
    assert not result.success
    assert pipeline.objects() == before  # nothing uploaded, nothing left under .staging/
    assert (
        pipeline.warehouse().query(f"SELECT count(*), list(DISTINCT report_id) FROM {SCHEMA}.tables_daily")[1]
        == before_rows
    )


def test_an_s3_data_dir_without_a_warehouse_fails_naming_recast_warehouse(s3, simulator, tmp_path, monkeypatch):
    recast = RecastResource(
        base_url=simulator.base_url,
        client_slug=simulator.client_slug,
        token=simulator.token,
        poll_interval=0.2,
        ledger_path=str(tmp_path / "ledger.sqlite"),
    )
    defs = build_definitions(
        Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=f"s3://{s3.bucket}/nowhere")
    )
    result = run_job(defs, MONTHLY_JOB, partition_key=f"{DASH}|{MONTH}", asset_selection=[SPEND])
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "RECAST_WAREHOUSE" in str(failure.event_specific_data.error)
    assert simulator.store.made("compute_spend_summary") == []  # failed before creating anything on Recast
    assert s3.keys("nowhere/") == []
