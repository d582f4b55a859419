"""Dagster's default run launcher, plus the run worker health check run monitoring needs on one machine.

Why: Dagster's ``DefaultRunLauncher`` (runs as subprocesses of the code server, what ``dagster dev``
uses) cannot tell run monitoring whether a run's worker is alive. When the worker dies alone, the
code server notices and marks the run FAILURE; when the code server dies with it (OOM, a kill of
the process tree), nobody does: the run stayed STARTED, holding its ``recast_api`` slot, for good.
This launcher answers the health check from the worker's process id, which every run records in
its "Started process for run (pid: N)" event: a process that is gone means a dead worker, and run
monitoring then marks the run FAILURE (and frees its slot; ``run_retries`` retries it). A worker
on another machine (a remote code server) cannot be checked from here and counts as running.

Use (``dagster.yaml``)::

    run_launcher:
      module: recast_pipeline.orchestration.launcher
      class: LocalRunLauncher
"""

from __future__ import annotations

import json
import os
import socket
from typing import cast

from dagster import DefaultRunLauncher
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG  # where DefaultRunLauncher keeps the code server address

LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}
PID_EVENTS = 50  # the pid event comes first among a run's engine events


class LocalRunLauncher(DefaultRunLauncher):
    """``DefaultRunLauncher`` whose run workers run monitoring can check (same machine only)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run) -> CheckRunHealthResult:
        host = json.loads(run.tags.get(GRPC_INFO_TAG) or "{}").get("host")
        if host not in LOCAL_HOSTS | {socket.gethostname()}:
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker on {host}: not checked from here")
        pid = self._worker_pid(run.run_id)
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "run worker not started yet")
        if _alive(pid):
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, f"run worker process {pid} is running", run_worker_id=str(pid)
            )
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"run worker process {pid} is gone (killed, or its machine restarted)",
            run_worker_id=str(pid),
        )

    def _worker_pid(self, run_id: str) -> int | None:
        records = self._instance.get_records_for_run(
            run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=PID_EVENTS, ascending=True
        ).records
        for record in records:
            event = record.event_log_entry.dagster_event
            data = event.engine_event_data if event is not None else None
            pid = data.metadata.get("pid") if data is not None else None
            if pid is not None and str(pid.value).isdigit():
                return int(cast("int | str", pid.value))  # digits (checked above)
        return None


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True  # no /proc (not Linux): it answered the signal
