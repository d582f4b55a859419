"""Landing on object storage (moto's S3 on loopback): private upload, publish by manifest, no stale
files, nothing published from a failed landing, and the settings that choose it."""

from __future__ import annotations

import json
import uuid

import pytest
from services import s3, s3_server  # noqa: F401 (fixtures)

from recast_pipeline.config import settings
from recast_pipeline.landing.diagnose import MalformedCsvError
from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.landing.object_store import MANIFEST, ObjectStoreArea
from recast_pipeline.landing.s3 import S3Location, S3Settings
from recast_pipeline.orchestration.resources import RecastWarehouse
from recast_pipeline.warehouse.load_types import ReportLoad
from recast_pipeline.warehouse.warehouse import Warehouse

RT, DASH, DEP, MD, KEY = "compute_spend_summary", "revenue", 5716, "2024-05-31", "2024-01-01"
FOLDER = f"{RT}/{{table}}/dashboard={DASH}/partition_key={KEY}"


@pytest.fixture
def area(s3, tmp_path) -> ObjectStoreArea:
    prefix = f"land-{uuid.uuid4().hex[:8]}"
    area = ObjectStoreArea(f"s3://{s3.bucket}/{prefix}/parquet", scratch=tmp_path / "scratch")
    area.test_prefix = f"{prefix}/parquet/"
    return area


def objects(s3, area) -> list[str]:
    """Every object below the area, relative to it (directory markers left out)."""
    return [key[len(area.test_prefix) :] for key in s3.keys(area.test_prefix) if not key.endswith("/")]


def manifest(s3, area, table: str) -> dict:
    body = s3.client().get_object(Bucket=s3.bucket, Key=area.test_prefix + FOLDER.format(table=table) + "/" + MANIFEST)[
        "Body"
    ]
    return json.loads(body.read())


def land(area, tmp_path, files: dict[str, str], report_id=1, publish=True):
    """files: download key -> CSV text (keys ``groups-<x>`` go to table ``groups``, part ``<x>``);
    returns the stage (published unless told)."""
    lineage = Lineage(DASH, DEP, MD, KEY, report_id)
    with area.stage(RT, DASH, KEY) as stage:
        for number, (download_key, text) in enumerate(files.items()):
            path = tmp_path / f"download-{number}.csv"
            path.write_text(text)
            grouped = download_key.startswith("groups-")
            stage.land(
                path,
                download_key=download_key,
                table="groups" if grouped else None,
                parts={"part": download_key[7:]} if grouped else None,
                lineage=lineage,
            )
        if publish:
            stage.publish()
    return stage


def test_publish_uploads_privately_then_switches_the_manifest(s3, area, tmp_path):
    stage = land(
        area, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n", "groups-a": "X\n1\n", "groups-b": "X\n2\n"}
    )
    pid = stage.publish_id
    daily, groups = FOLDER.format(table="tables_daily"), FOLDER.format(table="groups")
    assert objects(s3, area) == sorted(
        [
            f"{groups}/{MANIFEST}",
            f"{groups}/groups-a.{pid}.parquet",
            f"{groups}/groups-b.{pid}.parquet",
            f"{daily}/{MANIFEST}",
            f"{daily}/tables-daily.{pid}.parquet",
        ]
    )  # nothing left under .staging/
    written = manifest(s3, area, "groups")
    assert written["publish_id"] == pid and written["report_id"] == 1
    assert [(f["name"], f["download_key"], f["rows"]) for f in written["files"]] == [
        (f"groups-a.{pid}.parquet", "groups-a", 1),
        (f"groups-b.{pid}.parquet", "groups-b", 1),
    ]
    assert [t.path for t in stage.tables] == [
        f"{area.root}/{daily}/tables-daily.{pid}.parquet",
        f"{area.root}/{groups}/groups-a.{pid}.parquet",
        f"{area.root}/{groups}/groups-b.{pid}.parquet",
    ]
    assert area.live_files(RT, "groups", DASH, KEY) == [t.path for t in stage.tables[1:]]
    assert not stage.directory.exists()  # the local scratch folder is gone too


def test_republish_leaves_exactly_the_new_files_and_retires_dropped_tables(s3, area, tmp_path):
    land(area, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n", "groups-a": "X\n1\n", "groups-b": "X\n2\n"})
    second = land(area, tmp_path, {"groups-a": "X\n5\n"}, report_id=2)
    groups = FOLDER.format(table="groups")
    assert objects(s3, area) == [f"{groups}/{MANIFEST}", f"{groups}/groups-a.{second.publish_id}.parquet"]
    assert manifest(s3, area, "groups")["report_id"] == 2
    assert (
        area.read_manifest(RT, "tables_daily", DASH, KEY) is None
        and area.live_files(RT, "tables_daily", DASH, KEY) == []
    )


def test_a_bad_csv_or_a_failed_publish_leaves_the_live_partition_as_it_was(s3, area, tmp_path, monkeypatch):
    land(area, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n"})
    before = objects(s3, area), manifest(s3, area, "tables_daily")
    with pytest.raises(MalformedCsvError):
        land(area, tmp_path, {"tables-daily": 'Date,Spend\n2024-01-01,"1.5\n'}, report_id=2)
    assert (objects(s3, area), manifest(s3, area, "tables_daily")) == before

    copies = []

    def copy_then_fail(source, destination):  # the upload is done; the second copy into the live folder fails
        if copies:
            raise OSError("AWS Error ACCESS_DENIED during CopyObject operation")
        copies.append(destination)
        area.filesystem.copy_file(source, destination)

    monkeypatch.setattr(area, "_copy", copy_then_fail)
    with pytest.raises(OSError, match="ACCESS_DENIED"):
        land(area, tmp_path, {"groups-a": "X\n1\n", "groups-b": "X\n2\n"}, report_id=3)
    assert len(copies) == 1
    assert (objects(s3, area), manifest(s3, area, "tables_daily")) == before  # copy taken back, private prefix gone
    assert list((tmp_path / "scratch").iterdir()) == []


def test_leftovers_of_killed_publishes_are_swept(s3, area, tmp_path):
    """A private upload abandoned long ago and a copy no manifest lists (killed before its manifest) go."""
    client = s3.client()
    client.put_object(Bucket=s3.bucket, Key=area.test_prefix + ".staging/old-stage/x.parquet", Body=b"x")
    client.put_object(
        Bucket=s3.bucket,
        Key=area.test_prefix + FOLDER.format(table="tables_daily") + "/tables-daily.dead.parquet",
        Body=b"x",
    )
    area.stale_after = area.abandoned_after = 0.0
    stage = land(area, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n"})
    daily = FOLDER.format(table="tables_daily")
    assert objects(s3, area) == [f"{daily}/{MANIFEST}", f"{daily}/tables-daily.{stage.publish_id}.parquet"]


def test_a_fresh_unlisted_file_is_kept_while_its_publish_may_still_be_running(s3, area, tmp_path):
    key = area.test_prefix + FOLDER.format(table="tables_daily") + "/tables-daily.other.parquet"
    s3.client().put_object(Bucket=s3.bucket, Key=key, Body=b"x")
    land(area, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n"})
    assert key in s3.keys(area.test_prefix)


def test_the_warehouse_loads_published_s3_files_and_the_staged_ones_alike(s3, area, tmp_path):
    stage = land(area, tmp_path, {"tables-daily": "Date,Spend\n2024-01-01,1.5\n2024-01-02,2.5\n"})
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=10)
    result = warehouse.load_partition(ReportLoad(1, RT, DASH, DEP, MD, KEY), stage.tables)  # reads s3:// paths
    assert result.rows == 2
    assert result.downloads[0].parquet_path == stage.tables[0].final_path
    assert warehouse.query(f"SELECT sum(spend) FROM {RT}.tables_daily")[1] == [(4.0,)]


def test_s3_urls_are_checked():
    assert S3Location.parse("s3://bucket/a//b/").url == "s3://bucket/a/b"
    for bad in ("s3://Bad_Bucket/x", "s3://bucket/a/../b", "/local/path"):
        with pytest.raises(ValueError):
            S3Location.parse(bad, "RECAST_DATA_DIR")


def test_settings_keep_urls_and_the_ledger_on_local_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("RECAST_DATA_DIR", "s3://bucket/team/data/")
    monkeypatch.delenv("RECAST_LEDGER", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert settings.Settings.from_env().data_dir == "s3://bucket/team/data"
    assert settings.Settings.from_env().parquet_dir == "s3://bucket/team/data/parquet"
    assert settings.join_location("s3://bucket/x/", "client_b") == "s3://bucket/x/client_b"
    assert (
        settings.Settings.from_env().ledger_path
        == tmp_path / "state" / "recast_pipeline" / "ledgers" / "bucket-team-data.sqlite"
    )
    monkeypatch.setenv("RECAST_LEDGER", str(tmp_path / "shared" / "ledger.sqlite"))
    assert settings.Settings.from_env().ledger_path == tmp_path / "shared" / "ledger.sqlite"
    monkeypatch.setenv("RECAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RECAST_LEDGER")
    assert (
        settings.Settings.from_env().ledger_path == tmp_path / "data" / "recast_ledger.sqlite"
    )  # a local data dir: as before


def test_the_resource_picks_the_store_from_the_data_dir(tmp_path):
    assert isinstance(RecastWarehouse(data_dir="s3://bucket/data").landing_area(), ObjectStoreArea)
    assert RecastWarehouse(data_dir="s3://bucket/data").landing_area().root == "s3://bucket/data/parquet"
    local = RecastWarehouse(data_dir=str(tmp_path)).landing_area()
    assert not isinstance(local, ObjectStoreArea) and local.root == tmp_path / "parquet"


def test_an_s3_data_dir_needs_a_warehouse_named(monkeypatch):
    with pytest.raises(ValueError, match="RECAST_WAREHOUSE"):
        RecastWarehouse(data_dir="s3://bucket/data").warehouse()
    monkeypatch.setenv("RECAST_DATA_DIR", "s3://bucket/data")
    monkeypatch.delenv("RECAST_WAREHOUSE", raising=False)
    with pytest.raises(ValueError, match="RECAST_WAREHOUSE"):
        RecastWarehouse.from_env()
    monkeypatch.setenv("RECAST_WAREHOUSE", "ducklake:postgres:dbname=recast host=db")
    assert RecastWarehouse.from_env().data_dir == "s3://bucket/data"


def test_the_keys_never_show(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA_visible_id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "never-show-this-secret")
    found = S3Settings.from_env()
    assert "never-show-this-secret" not in repr(found) + str(found)
    area = ObjectStoreArea("s3://bucket/x")
    assert "never-show-this-secret" not in repr(area)
