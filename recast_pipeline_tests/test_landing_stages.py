"""Staging and publishing: hive layout, whole-folder replacement, nothing half-published, hostile keys."""

import os
import socket
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from recast_pipeline.landing import atomic_rename
from recast_pipeline.landing.diagnose import MalformedCsvError
from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.landing.local_store import LandingArea

RT, DASH, DEP, MD, KEY = "compute_spend_summary", "revenue", 5716, "2024-05-31", "2024-01-01"


@pytest.fixture
def area(tmp_path):
    return LandingArea(tmp_path / "parquet")


def csv(tmp_path, text="Date,Spend\n2024-01-01,1.5\n", name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def lineage(report_id=1, key=KEY):
    return Lineage(DASH, DEP, MD, key, report_id)


def live_files(area):
    return sorted(str(p.relative_to(area.root)) for p in area.root.rglob("*.parquet") if ".staging" not in p.parts)


def test_publish_uses_the_hive_layout(tmp_path, area):
    with area.stage(RT, DASH, KEY) as stage:
        landed = stage.land(csv(tmp_path), download_key="tables-daily", lineage=lineage())
        grouped = stage.land(
            csv(tmp_path),
            download_key="group_summaries-Paid Social-roi-summary_monthly",
            table="group_summaries",
            parts={"group_name": "Paid Social", "metric": "roi"},
            lineage=lineage(),
        )
        assert landed.path.exists() and not landed.final_path.exists()  # invisible until published
        assert live_files(area) == []
        published = stage.publish()
    assert (
        landed.final_path
        == area.root / RT / "tables_daily" / "dashboard=revenue" / "partition_key=2024-01-01" / "tables-daily.parquet"
    )
    assert [t.path for t in published] == [landed.final_path, grouped.final_path]
    assert all(t.published and t.path.exists() for t in stage.tables)
    assert grouped.table == "group_summaries" and grouped.parts == {"group_name": "Paid Social", "metric": "roi"}
    assert pq.read_table(grouped.final_path).column("group_name").to_pylist() == ["Paid Social"]
    assert [p for p in (area.root / ".staging").iterdir() if p.is_dir()] == []


def test_republish_replaces_the_partition_and_drops_stale_keys_and_tables(tmp_path, area):
    with area.stage(RT, DASH, KEY) as stage:
        for key in ("tables-daily", "tables-weekly"):
            stage.land(csv(tmp_path), download_key=key, lineage=lineage())
        stage.land(
            csv(tmp_path),
            download_key="channel_summaries-TV-summary_table",
            table="channel_summaries",
            parts={"channel": "TV"},
            lineage=lineage(),
        )
        stage.land(
            csv(tmp_path),
            download_key="channel_summaries-Radio-summary_table",
            table="channel_summaries",
            parts={"channel": "Radio"},
            lineage=lineage(),
        )
        stage.publish()
    with area.stage(RT, DASH, "2024-02-01") as other:
        other.land(csv(tmp_path), download_key="tables-weekly", lineage=lineage(key="2024-02-01"))
        other.publish()
    with area.stage(RT, DASH, KEY) as stage:
        stage.land(csv(tmp_path, "Date,Spend\n2024-01-01,9.0\n"), download_key="tables-daily", lineage=lineage(2))
        tv = stage.land(
            csv(tmp_path),
            download_key="channel_summaries-TV-summary_table",
            table="channel_summaries",
            parts={"channel": "TV"},
            lineage=lineage(2),
        )
        stage.publish()
    assert [f for f in live_files(area) if "2024-01-01" in f] == [
        str(tv.final_path.relative_to(area.root)),
        f"{RT}/tables_daily/dashboard=revenue/partition_key=2024-01-01/tables-daily.parquet",
    ]
    assert not (area.root / RT / "tables_weekly" / "dashboard=revenue" / "partition_key=2024-01-01").exists()
    assert (
        area.root / RT / "tables_weekly" / "dashboard=revenue" / "partition_key=2024-02-01"
    ).is_dir()  # other partition kept
    daily = area.root / RT / "tables_daily" / "dashboard=revenue" / "partition_key=2024-01-01" / "tables-daily.parquet"
    assert pq.read_table(daily).column("spend").to_pylist() == [9.0]


def test_error_inside_stage_publishes_nothing(tmp_path, area):
    with area.stage(RT, DASH, KEY) as stage:
        stage.land(csv(tmp_path), download_key="tables-daily", lineage=lineage())
        stage.publish()
    before = live_files(area)
    with pytest.raises(MalformedCsvError):
        with area.stage(RT, DASH, KEY) as stage:
            stage.land(csv(tmp_path, "Date,Spend\n2024-01-01,7\n"), download_key="tables-daily", lineage=lineage(2))
            stage.land(
                csv(tmp_path, "<html>gateway timeout</html>", "bad.csv"),
                download_key="tables-weekly",
                lineage=lineage(2),
            )
    assert live_files(area) == before
    assert [p for p in (area.root / ".staging").iterdir() if p.is_dir()] == []
    daily = area.root / RT / "tables_daily" / "dashboard=revenue" / "partition_key=2024-01-01" / "tables-daily.parquet"
    assert pq.read_table(daily).column("spend").to_pylist() == [1.5]


def test_hostile_keys_stay_inside_the_landing_folder(tmp_path, area):
    keys = ["../../escape", "/etc/passwd", "a'b;DROP TABLE x;--", 'quote"d key', "spaces here", "ünïcödé", "..", "."]
    with area.stage(RT, DASH, "../../evil") as stage:
        landed = [stage.land(csv(tmp_path), download_key=key, lineage=lineage(key="../../evil")) for key in keys]
        stage.publish()
    root = area.root.resolve()
    for item in landed:
        assert item.final_path.resolve().is_relative_to(root) and item.final_path.exists()
    assert len({item.final_path for item in landed}) == len(keys)
    outside = [p for p in tmp_path.rglob("*.parquet") if not p.resolve().is_relative_to(root)]
    assert outside == []


def test_same_logical_names_after_normalization_get_distinct_tables(tmp_path, area):
    with area.stage(RT, DASH, KEY) as stage:
        first = stage.land(csv(tmp_path), download_key="a-b", lineage=lineage())
        second = stage.land(csv(tmp_path), download_key="a b", lineage=lineage())
    assert first.table == "a_b" and second.table.startswith("a_b_") and second.table != first.table


def test_lineage_must_match_the_stage(tmp_path, area):
    with area.stage(RT, DASH, KEY) as stage, pytest.raises(ValueError, match="does not match"):
        stage.land(csv(tmp_path), download_key="k", lineage=lineage(key="2024-02-01"))


def test_stale_staging_folders_of_dead_processes_are_removed(tmp_path, area):
    with area.stage(RT, DASH, KEY):
        pass
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    staging_root = area.root / ".staging"
    owners = {
        "crashed": f"{socket.gethostname()} {finished.stdout.strip()}",
        "no-owner": None,
        "waiting": f"{socket.gethostname()} {os.getpid()}",
        "other-host": "elsewhere 1",
    }
    old = time.time() - 2 * 3600
    for name, owner in owners.items():
        (staging_root / name / "t").mkdir(parents=True)
        (staging_root / name / "t" / "half.parquet").write_bytes(b"PAR1")
        if owner:
            (staging_root / name / ".owner").write_text(owner)
        os.utime(staging_root / name, (old, old))
    (staging_root / "recent").mkdir()
    with area.stage(RT, DASH, KEY):
        pass
    left = {p.name for p in staging_root.iterdir() if p.is_dir()}
    assert {"waiting", "other-host", "recent"} <= left and not {"crashed", "no-owner"} & left
    ancient = time.time() - 3 * 24 * 3600
    os.utime(staging_root / "other-host", (ancient, ancient))
    area.remove_stale_stages()
    assert not (staging_root / "other-host").exists()


def test_landing_a_key_again_replaces_its_file(tmp_path, area):
    with area.stage(RT, DASH, KEY) as stage:
        first = stage.land(csv(tmp_path), download_key="tables-daily", lineage=lineage())
        second = stage.land(csv(tmp_path), download_key="tables-daily", table="daily", lineage=lineage())
        stage.publish()
    assert [t.table for t in stage.tables] == ["daily"] and not first.final_path.exists() and second.final_path.exists()


def test_publish_without_atomic_exchange_still_replaces(tmp_path, area, monkeypatch):
    monkeypatch.setattr(atomic_rename, "_exchange", lambda a, b: False)
    for value in ("1.5", "2.5"):
        with area.stage(RT, DASH, KEY) as stage:
            landed = stage.land(
                csv(tmp_path, f"Date,Spend\n2024-01-01,{value}\n"), download_key="tables-daily", lineage=lineage()
            )
            stage.publish()
    assert pq.read_table(landed.final_path).column("spend").to_pylist() == [2.5]


def test_folders_of_the_deployment_layout_become_dashboard_folders(tmp_path, area):
    old = area.root / RT / "tables_daily" / "deployment_id=5716"
    for key in ("2023-12-01", KEY):
        (old / f"partition_key={key}").mkdir(parents=True)
        (old / f"partition_key={key}" / "tables-daily.parquet").write_bytes(b"old " + key.encode())
    (area.root / RT / "tables_daily" / "dashboard=5716" / f"partition_key={KEY}").mkdir(
        parents=True
    )  # loaded again since
    with area.stage(RT, DASH, KEY):
        pass
    moved = area.root / RT / "tables_daily" / "dashboard=5716"
    assert not old.exists()
    assert (moved / "partition_key=2023-12-01" / "tables-daily.parquet").read_bytes() == b"old 2023-12-01"
    assert not (moved / f"partition_key={KEY}" / "tables-daily.parquet").exists()  # the stale copy is gone


def test_the_files_values_win_over_the_folder_names_in_the_warehouse(tmp_path, area):
    """A dashboard "Revenue EU" lands under dashboard=<safe segment>; its rows keep the real name,
    and a month key stays text (DuckDB would read the folders as hive partitions, the key as a DATE)."""
    from recast_pipeline.warehouse.load_types import ReportLoad
    from recast_pipeline.warehouse.warehouse import Warehouse

    dashboard = "Revenue EU / test"
    with area.stage(RT, dashboard, KEY) as stage:
        landed = stage.land(csv(tmp_path), download_key="tables-daily", lineage=Lineage(dashboard, DEP, MD, KEY, 1))
        assert f"dashboard={dashboard}" not in str(landed.path)  # the folder name is sanitized
        assert {c.name: c.duckdb_type for c in landed.columns}["partition_key"] == "VARCHAR"
        warehouse = Warehouse(tmp_path / "w.duckdb")
        warehouse.load_partition(ReportLoad(1, RT, dashboard, DEP, MD, KEY), stage.tables)
        stage.publish()
    _, rows = warehouse.query("SELECT dashboard, partition_key FROM compute_spend_summary.tables_daily")
    assert rows == [(dashboard, KEY)]
    _, types = warehouse.query(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'tables_daily' AND column_name = "
        "'partition_key'"
    )
    assert types == [("VARCHAR",)]
