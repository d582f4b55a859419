"""The run launcher's health check: a run whose worker process is gone is reported FAILED to run
monitoring (which marks the run FAILURE and frees its pool slot), also when the code server that
would have noticed died with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dagster as dg
from dagster._core.events import EngineEventData
from dagster._core.launcher import WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

from recast_pipeline.orchestration.launcher import LocalRunLauncher

LAUNCHER = {"run_launcher": {"module": "recast_pipeline.orchestration.launcher", "class": "LocalRunLauncher"}}


@dg.op
def noop():
    return None


@dg.job
def a_job():
    noop()


def _run_with_worker(instance, pid: int | None, host: str | None = "localhost"):
    tags = {GRPC_INFO_TAG: json.dumps({"host": host, "port": 4266})} if host is not None else {}
    run = instance.create_run_for_job(a_job, tags=tags)
    if pid is not None:
        instance.report_engine_event(f"Started process for run (pid: {pid}).", run, EngineEventData.in_process(pid))
    return run


def test_a_gone_worker_is_failed_a_live_one_running_a_remote_one_unchecked():
    worker = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    with dg.instance_for_test(overrides=LAUNCHER) as instance:
        launcher = instance.run_launcher
        assert isinstance(launcher, LocalRunLauncher) and launcher.supports_check_run_worker_health
        run = _run_with_worker(instance, worker.pid)
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
        worker.kill()
        worker.wait(timeout=30)
        health = launcher.check_run_worker_health(run)
        assert health.status == WorkerStatus.FAILED and f"process {worker.pid} is gone" in health.msg
        assert launcher.check_run_worker_health(_run_with_worker(instance, None)).status == WorkerStatus.RUNNING
        remote = _run_with_worker(instance, worker.pid, host="code-server.internal")
        assert launcher.check_run_worker_health(remote).status == WorkerStatus.RUNNING  # another machine's pid
        assert (
            launcher.check_run_worker_health(_run_with_worker(instance, os.getpid(), host=None)).status
            == WorkerStatus.RUNNING
        )
