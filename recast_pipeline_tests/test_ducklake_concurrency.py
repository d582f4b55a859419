"""Beyond one machine: runs that share no local folder write one DuckLake at once; a fresh process reads it.

Postgres (the lake's catalog) and an S3 stand-in (its data) run on loopback. Two materializations
start together in two processes, each with its own working directory, ``RECAST_DATA_DIR`` and
``DAGSTER_HOME`` (nothing on local disk is shared, as with runs in separate containers), both
loading the same report type's tables, so their transactions overlap and conflicts are retried.
Then a third process, given only the catalog and the storage settings, reads every partition
exactly once through ``recast-pipeline sql``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from services import pg_database, postgres, s3, s3_server  # noqa: F401 (fixtures)

CHILD = Path(__file__).with_name("lake_child.py")
MONTHS = ("2026-05-01", "2026-06-01", "2026-07-01")
PLANS = [
    {
        "job": "recast_monthly_reports_job",
        "assets": ["compute_spend_summary"],
        "range": [f"{dashboard}|{MONTHS[0]}", f"{dashboard}|{MONTHS[-1]}"],
        "dashboard": dashboard,
    }
    for dashboard in ("revenue", "signups")
]


def _clean_env(**settings: str) -> dict[str, str]:
    """This machine's environment without any pipeline, Dagster or AWS setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_", "AWS_"))}
    return {**env, "PYTHONUNBUFFERED": "1", **settings}


def test_two_runs_from_two_machines_fill_one_ducklake_and_a_third_reads_each_partition_once(
    simulator, pg_database, s3, tmp_path
):
    lake = {
        "RECAST_WAREHOUSE": f"ducklake:postgres:{pg_database}",
        **s3.env,  # endpoint and keys of the object store: storage settings, like a deployment's secret
    }
    data_path = f"s3://{s3.bucket}/{uuid.uuid4().hex[:8]}/"
    go = tmp_path / "go"
    children = []
    for number, plan in enumerate(PLANS):
        home = tmp_path / f"machine-{number}"  # everything this "machine" has on disk
        (home / "dagster_home").mkdir(parents=True)
        env = _clean_env(
            **lake,
            RECAST_DUCKLAKE_DATA_PATH=data_path,
            RECAST_BASE_URL=simulator.base_url,
            RECAST_CLIENT_SLUG=simulator.client_slug,
            RECAST_PAT=simulator.token,
            RECAST_DATA_DIR=str(home / "data"),
            RECAST_POLL_INTERVAL="0.3",
            DAGSTER_HOME=str(home / "dagster_home"),
        )
        log = open(home / "run.log", "w")
        process = subprocess.Popen(
            [sys.executable, str(CHILD), json.dumps({**plan, "go": str(go)})],
            cwd=home,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        children.append((process, log, home / "run.log"))
    go.touch()
    for process, log, path in children:
        process.wait(timeout=240)
        log.close()
        output = path.read_text()
        result = json.loads([line for line in output.splitlines() if line.startswith('{"result"')][-1])["result"]
        assert result["success"], result["failures"] or output[-3000:]

    assert any(key.endswith(".parquet") for key in s3.keys())  # the rows live in the object store
    reader_home = tmp_path / "reader"
    reader_home.mkdir()

    def sql(query: str) -> list[list[str]]:
        done = subprocess.run(
            [sys.executable, "-m", "recast_pipeline.cli.main", "sql", query, "--csv"],
            cwd=reader_home,
            env=_clean_env(**lake),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return list(csv.reader(io.StringIO(done.stdout)))[1:]

    partitions = sql(
        "SELECT dashboard, partition_key, count(*) FROM recast_meta.reports "
        "WHERE report_type = 'compute_spend_summary' GROUP BY ALL ORDER BY ALL"
    )
    assert partitions == [[dashboard, month, "1"] for dashboard in ("revenue", "signups") for month in MONTHS]
    recorded = sql(
        "SELECT schema_name || '.' || table_name, sum(row_count) FROM recast_meta.downloads GROUP BY 1 ORDER BY 1"
    )
    assert recorded
    for table, rows in recorded:  # each table holds exactly the rows the loads recorded: no duplicates, none lost
        per_partition = sql(
            f"SELECT dashboard, partition_key, count(DISTINCT report_id) FROM {table} GROUP BY ALL ORDER BY ALL"
        )
        assert [row[:2] for row in per_partition] == [[d, m] for d in ("revenue", "signups") for m in MONTHS]
        assert {row[2] for row in per_partition} == {"1"}
        assert sql(f"SELECT count(*) FROM {table}") == [[rows]]
