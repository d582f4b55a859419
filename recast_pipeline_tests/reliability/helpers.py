"""Shared helpers of the reliability suite: a code location over a simulator, runs, snapshots,
child processes that can be killed, and the secret scanner.

Every simulator here uses ``CANARY_TOKEN``; ``leaks`` has the scanners that look for it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable

import dagster as dg
import duckdb
import pyarrow.parquet as pq

from recast_pipeline.cli.local_env import sync_dashboards
from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB
from recast_pipeline.orchestration.partitions import (
    DASHBOARDS_PARTITIONS_NAME,
    PARTITION_RANGE_END_TAG,
    PARTITION_RANGE_START_TAG,
    Partitioning,
)
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

CANARY_TOKEN = "gr_CANARY_d0NotLeak_7f3a9c51e2"
SLUG = "acme"
DEPLOYMENT = 5716
DASHBOARD = "revenue"  # the simulator's dashboard whose active deployment is 5716
DASHBOARDS = ("revenue", "signups")
CHILD_SCRIPT = Path(__file__).with_name("child_run.py")
SPEND = dg.AssetKey(["recast", "compute_spend_summary"])
BASELINE = dg.AssetKey(["recast", "compute_baseline_summary"])
MVB = dg.AssetKey(["recast", "compute_marketing_vs_baseline"])
UNCERTAINTY = dg.AssetKey(["recast", "compute_channel_uncertainty_drivers"])
OP_MONTHLY = "recast_monthly_reports"
OP_DASHBOARD = "recast_dashboard_reports"

# Results of every run, checked for the token when the test ends (see conftest).
RUN_RESULTS: list[dg.ExecuteInProcessResult] = []
CHILD_OUTPUTS: list[str] = []


def range_tags(first: str, last: str) -> dict[str, str]:
    return {PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last}


def dated(month: str, dashboard: str = DASHBOARD) -> str:
    """The Dagster key of a dashboard's month (a key that already names its dashboard is kept)."""
    return month if "|" in month else f"{dashboard}|{month}"


def instance_with_dashboards(instance: dg.DagsterInstance | None = None) -> dg.DagsterInstance:
    """An instance (ephemeral unless given) that knows the simulator's dashboards as partitions."""
    instance = instance or dg.DagsterInstance.ephemeral()
    sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, DASHBOARDS)
    return instance


@dataclass
class Pipeline:
    """The code location over one simulator and one data folder, with fast test settings."""

    sim: Any
    data_dir: Path
    recast: dict[str, Any] = field(default_factory=dict)
    lock_timeout: float = 30.0
    resource: RecastResource | None = None  # instead of one built from ``recast``

    @property
    def defs(self) -> dg.Definitions:
        settings = {
            "client_slug": SLUG,
            "token": self.sim.token,
            "poll_interval": 0.2,
            "retry_deadline": 10.0,
            "ledger_path": str(self.data_dir / "recast_ledger.sqlite"),
            **self.recast,
        }
        resource = self.resource or RecastResource(base_url=self.sim.base_url, **settings)
        warehouse = RecastWarehouse(data_dir=str(self.data_dir), lock_timeout=self.lock_timeout)
        return build_definitions(Partitioning(date(2024, 1, 1)), resource, warehouse)

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    def run(
        self,
        *assets: dg.AssetKey,
        month: str | None = None,
        months: tuple[str, str] | None = None,
        dashboard: str | None = None,
        config: dict[str, Any] | None = None,
        instance: dg.DagsterInstance | None = None,
        tags: dict[str, str] | None = None,
    ) -> dg.ExecuteInProcessResult:
        """One in-process run of the monthly (``month``/``months`` of the ``revenue`` dashboard) or dashboard job."""
        job = DASHBOARD_JOB if dashboard else MONTHLY_JOB
        op = OP_DASHBOARD if dashboard else OP_MONTHLY
        kwargs: dict[str, Any] = {"tags": dict(tags or {})}
        if months:
            kwargs["tags"].update(range_tags(dated(months[0]), dated(months[1])))
        else:
            kwargs["partition_key"] = dashboard or dated(month)
        if assets:
            kwargs["asset_selection"] = list(assets)
        if config:
            kwargs["run_config"] = {"ops": {op: {"config": config}}}
        instance = instance_with_dashboards(instance)
        result = self.defs.resolve_job_def(job).execute_in_process(instance=instance, raise_on_error=False, **kwargs)
        RUN_RESULTS.append(result)
        return result

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse_path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """Everything a user reads about a failed run: step failure messages and their errors."""
    parts = []
    for event in result.all_events:
        if event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE"):
            parts.append(event.message or "")
            error = getattr(event.event_specific_data, "error", None)
            if error is not None:
                parts.append(error.to_string())
    return "\n".join(parts)


def materialized(result: dg.ExecuteInProcessResult) -> set[tuple[str, str]]:
    return {
        (event.asset_key.path[-1], event.partition)
        for event in result.get_asset_materialization_events()
        for event in [event.event_specific_data.materialization]
    }


# -- snapshots ---------------------------------------------------------------------------------

# finished_at is Recast's updated_at, which may move on every read (report_timestamps=per_poll)
VOLATILE = {"loaded_at", "recorded_at", "load_id", "updated_at", "finished_at", "queued_seconds", "waited_seconds"}


def warehouse_snapshot(path: Path, volatile: Iterable[str] = VOLATILE) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns that record when something happened."""
    volatile = set(volatile)
    snapshot = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY "
            "1, 2"
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position",
                    [schema, table],
                ).fetchall()
                if c not in volatile
            ]
            select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
            rows = con.execute(f'SELECT {select} FROM "{schema}"."{table}"').fetchall()
            snapshot[f"{schema}.{table}"] = sorted(rows, key=repr)
    return snapshot


def parquet_files(data_dir: Path) -> dict[str, list[dict]]:
    """Published Parquet files (relative path -> rows without loaded_at, sorted)."""
    root = data_dir / "parquet"
    files = {}
    for path in sorted(root.rglob("*.parquet")):
        relative = path.relative_to(root)
        if relative.parts[0].startswith("."):
            continue
        rows = pq.read_table(path).drop_columns(["loaded_at"]).to_pylist()
        files[str(relative)] = sorted(rows, key=repr)
    return files


def published_parquet(data_dir: Path) -> list[Path]:
    root = data_dir / "parquet"
    return [p for p in root.rglob("*.parquet") if not p.relative_to(root).parts[0].startswith(".")]


# -- fault scripts -----------------------------------------------------------------------------


def when(sim, condition: Callable[[dict], bool], action: Callable[[], Any], timeout: float = 60.0):
    """Run ``action`` in a thread as soon as ``condition(sim.stats())`` holds (a fault script step)."""
    import threading

    done = threading.Event()

    def watch():
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not done.is_set():
                if condition(sim.stats()):
                    action()
                    break
                time.sleep(0.01)
        except Exception:  # the simulator stopped with the test: nothing left to script
            pass
        done.set()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return done


def faulted(stats: dict, fault: str, endpoint: str) -> int:
    return sum(1 for entry in stats["log"] if entry["fault"] == fault and entry["endpoint"] == endpoint)


def served(stats: dict, endpoint: str, status: int = 200) -> int:
    return sum(1 for entry in stats["log"] if entry["endpoint"] == endpoint and entry["status"] == status)


# -- child processes ---------------------------------------------------------------------------


def child_env(sim, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a real deployment would set (``recast_pipeline.definitions`` reads it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_"))}
    env.update(
        RECAST_BASE_URL=sim.base_url,
        RECAST_CLIENT_SLUG=SLUG,
        RECAST_PAT=sim.token,
        RECAST_DATA_DIR=str(data_dir),
        RECAST_POLL_INTERVAL="0.3",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Child:
    """A materialization in a real subprocess (``child_run.py``) that a test may SIGKILL."""

    def __init__(self, sim, data_dir: Path, plan: dict[str, Any], **env: str):
        self.log = data_dir.parent / f"child-{time.monotonic_ns()}.log"
        self._out = open(self.log, "w")
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD_SCRIPT), json.dumps(plan)],
            env=child_env(sim, data_dir, **env),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        text = self.log.read_text()
        CHILD_OUTPUTS.append(text)
        return text

    def wait(self, timeout: float = 120.0) -> dict[str, Any]:
        """The child's final JSON line (it exits 0 on success and 1 on a failed run)."""
        self.process.wait(timeout=timeout)
        self._out.close()
        lines = [line for line in self.output().splitlines() if line.startswith('{"result"')]
        assert lines, f"child exited {self.process.returncode} without a result:\n{self.output()[-4000:]}"
        return json.loads(lines[-1])["result"]

    def kill(self) -> None:
        """SIGKILL: no cleanup handler, no atexit, no finally block runs."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._out.close()
        self.output()

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"child exited {self.process.returncode} before {what}:\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"timed out waiting for {what}:\n{self.output()[-4000:]}")
            time.sleep(0.02)
