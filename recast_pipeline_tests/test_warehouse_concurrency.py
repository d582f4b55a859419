"""Real processes against one DuckDB file: parallel writers, an analyst's open connection, a crash."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from recast_pipeline.landing.landed_types import Lineage
from recast_pipeline.landing.local_store import LandingArea
from recast_pipeline.warehouse.errors import WarehouseBusyError
from recast_pipeline.warehouse.load_types import ReportLoad
from recast_pipeline.warehouse.warehouse import Warehouse

DEP = 5716

LOADER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from recast_pipeline.landing.local_store import LandingArea
    from recast_pipeline.landing.landed_types import Lineage
    from recast_pipeline.warehouse.load_types import ReportLoad
    from recast_pipeline.warehouse.warehouse import Warehouse
    from recast_pipeline.warehouse import warehouse as module

    args = json.loads(sys.argv[1])
    if args.get("hang_inside_transaction"):
        real = module.meta.record_report
        def hang(*a, **k):
            real(*a, **k)
            print("inside", flush=True)
            time.sleep(60)
        module.meta.record_report = hang
    go = Path(args["go"]) if args.get("go") else None
    while go is not None and not go.exists():
        time.sleep(0.01)
    area = LandingArea(args["parquet"])
    warehouse = Warehouse(args["warehouse"], lock_timeout=60)
    with area.stage(args["report_type"], "revenue", args["key"]) as stage:
        lineage = Lineage("revenue", 5716, None, args["key"], args["report_id"])
        stage.land(args["csv"], download_key="tables-daily", lineage=lineage)
        report = ReportLoad(args["report_id"], args["report_type"], "revenue", 5716, None, args["key"])
        result = warehouse.load_partition(report, stage.tables)
        stage.publish()
    print(json.dumps({"rows": result.rows}), flush=True)
    """
)

HOLDER = textwrap.dedent(
    """
    import sys, time
    import duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    con.execute("SELECT count(*) FROM recast_meta.reports").fetchall()
    print("ready", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    """
)

PIPELINE_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from recast_pipeline.warehouse.lock import Deadline, writer_lock
    with writer_lock(Path(sys.argv[1]), Deadline(10)):
        print("ready", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def csv_file(tmp_path, rows=2000, name="daily.csv", value=1.5):
    path = tmp_path / name
    path.write_text("Date,Channel,Spend\n" + "".join(f"2024-01-{1 + i % 28:02d},TV,{value}\n" for i in range(rows)))
    return path


def spawn(code, *args):
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for(process, word="ready"):
    line = process.stdout.readline()
    assert line.strip() == word, process.stderr.read()


def load_here(tmp_path, warehouse, key="2024-01-01", report_id=1, value=1.5):
    area = LandingArea(tmp_path / "parquet")
    with area.stage("compute_spend_summary", "revenue", key) as stage:
        stage.land(
            csv_file(tmp_path, 10, f"{report_id}.csv", value),
            download_key="tables-daily",
            lineage=Lineage("revenue", DEP, None, key, report_id),
        )
        result = warehouse.load_partition(
            ReportLoad(report_id, "compute_spend_summary", "revenue", DEP, None, key), stage.tables
        )
        stage.publish()
    return result


def test_four_processes_load_different_partitions_into_one_file(tmp_path):
    source = csv_file(tmp_path)
    go = tmp_path / "go"
    jobs = [
        ("compute_spend_summary", "2024-01-01"),
        ("compute_spend_summary", "2024-02-01"),
        ("compute_baseline_summary", "2024-01-01"),
        ("compute_baseline_summary", "2024-02-01"),
    ]
    processes = [
        spawn(
            LOADER,
            json.dumps(
                {
                    "parquet": str(tmp_path / "parquet"),
                    "warehouse": str(tmp_path / "w.duckdb"),
                    "csv": str(source),
                    "report_type": report_type,
                    "key": key,
                    "report_id": number,
                    "go": str(go),
                }
            ),
        )
        for number, (report_type, key) in enumerate(jobs, start=1)
    ]
    go.touch()
    outcomes = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], [err for _, err in outcomes]
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for report_type, _ in jobs:
        counts = warehouse.query(
            f"SELECT partition_key, count(*) FROM {report_type}.tables_daily GROUP BY 1 ORDER BY 1"
        )[1]
        assert counts == [("2024-01-01", 2000), ("2024-02-01", 2000)]
    assert warehouse.query("SELECT count(*) FROM recast_meta.reports")[1] == [(4,)]


def test_open_reader_in_another_process_is_waited_out(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=60)
    load_here(tmp_path, warehouse)
    holder = spawn(HOLDER, warehouse.path, 1.5)
    try:
        wait_for(holder)
        result = load_here(tmp_path, warehouse, report_id=2, value=2.5)
    finally:
        holder.communicate(timeout=30)
    assert result.lock_wait_seconds > 0 and holder.returncode == 0
    assert warehouse.query("SELECT DISTINCT report_id, spend FROM compute_spend_summary.tables_daily")[1] == [(2, 2.5)]


def test_busy_file_gives_up_naming_the_holding_process(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=0.3)
    load_here(tmp_path, warehouse)
    holder = spawn(HOLDER, warehouse.path, 30)
    try:
        wait_for(holder)
        with pytest.raises(WarehouseBusyError) as caught:
            load_here(tmp_path, warehouse, report_id=2, value=2.5)
    finally:
        holder.kill()
        holder.communicate()
    assert f"process {holder.pid}" in str(caught.value) and caught.value.waited_seconds >= 0.3
    assert warehouse.query("SELECT DISTINCT report_id FROM compute_spend_summary.tables_daily")[1] == [(1,)]


def test_pipeline_writer_lock_timeout_names_the_other_pipeline_process(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=0.3)
    holder = spawn(PIPELINE_HOLDER, warehouse.path, 30)
    try:
        wait_for(holder)
        with pytest.raises(WarehouseBusyError) as caught:
            load_here(tmp_path, warehouse)
    finally:
        holder.kill()
        holder.communicate()
    assert f"pipeline process {holder.pid}" in str(caught.value)


def test_process_killed_inside_the_load_leaves_the_previous_data(tmp_path):
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout=30)
    load_here(tmp_path, warehouse)
    loader = spawn(
        LOADER,
        json.dumps(
            {
                "parquet": str(tmp_path / "parquet"),
                "warehouse": str(warehouse.path),
                "csv": str(csv_file(tmp_path, value=9.5)),
                "report_type": "compute_spend_summary",
                "key": "2024-01-01",
                "report_id": 2,
                "hang_inside_transaction": True,
            }
        ),
    )
    wait_for(loader, "inside")  # rows deleted and inserted, not committed
    os.kill(loader.pid, signal.SIGKILL)
    loader.communicate()
    assert warehouse.query("SELECT report_id, count(*), max(spend) FROM compute_spend_summary.tables_daily GROUP BY 1")[
        1
    ] == [(1, 10, 1.5)]
    assert warehouse.query("SELECT report_id FROM recast_meta.reports")[1] == [(1,)]
    result = load_here(tmp_path, warehouse, report_id=3, value=3.5)  # the lock died with the process
    assert result.replaced_rows == 10
    assert warehouse.query("SELECT DISTINCT report_id, spend FROM compute_spend_summary.tables_daily")[1] == [(3, 3.5)]
