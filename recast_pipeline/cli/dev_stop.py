"""How ``recast-pipeline dev`` stops: everything it started ends, and no run stays STARTED.

Why: a ``kill`` of ``recast-pipeline dev`` while a run was in flight left, minutes later, the code
server, its gRPC server (which ignored SIGTERM) and the run worker (retrying against the stopped
simulator) running. Now, within ``STOP_BUDGET`` seconds:

1. the runs this session launched that are still in progress are canceled through the instance's
   run launcher while the code server can still hear it (their workers stop, the runs end CANCELED);
2. ``dagster dev`` gets SIGTERM (it stops the webserver, the daemon and the code servers);
3. whatever is left is killed: the process group ``dagster dev`` leads, and every process carrying
   this session's marker variable (``SESSION_VARIABLE``: every child inherits it, also one that left
   the group), found by its environment, never by its name;
4. a run of the session still not finished (its worker was killed) is marked CANCELED.
A second interrupt skips the waiting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

SESSION_VARIABLE = "RECAST_PIPELINE_DEV_SESSION"
CANCEL_GRACE = 10.0  # seconds for canceled runs to end through their code server
STOP_GRACE = 12.0  # seconds for `dagster dev` to stop what it started
STOP_BUDGET = 30.0  # the whole stop, kills included
IN_PROGRESS = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def session_processes(marker: str) -> list[int]:
    """PIDs whose environment holds ``SESSION_VARIABLE=marker`` (Linux ``/proc``; other systems: none)."""
    needle = f"{SESSION_VARIABLE}={marker}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        if needle in environ.split(b"\0") and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def stop(process: subprocess.Popen, marker: str, started: datetime, instance_choice) -> int:
    """Stop ``dagster dev`` (``process``, a group leader) and the session's runs; the exit status to return."""
    print("Stopping: canceling this session's runs, then dagster dev and everything it started", flush=True)
    try:
        _cancel_runs(instance_choice, started, wait=True)
        process.terminate()
        status = process.wait(timeout=STOP_GRACE)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        status = None
    _kill_leftovers(process, marker)
    _cancel_runs(instance_choice, started, wait=False, force=True)
    return 130 if status is None else status


def _kill_leftovers(process: subprocess.Popen, marker: str) -> None:
    for kill in (
        lambda: os.killpg(process.pid, signal.SIGKILL),
        *((lambda pid=pid: os.kill(pid, signal.SIGKILL)) for pid in session_processes(marker)),
    ):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _session_runs(instance, started: datetime) -> list:
    import dagster as dg

    statuses = [dg.DagsterRunStatus[name] for name in IN_PROGRESS]
    return [r.dagster_run for r in instance.get_run_records(dg.RunsFilter(statuses=statuses, created_after=started))]


def _cancel_runs(instance_choice, started: datetime, *, wait: bool, force: bool = False) -> None:
    """Cancel the session's runs through the run launcher; ``force``: mark the ones left CANCELED."""
    try:
        with instance_choice.open() as instance:
            runs = _session_runs(instance, started)
            for run in runs:
                if force:
                    instance.report_run_canceled(
                        run, message="recast-pipeline dev stopped: its run worker was stopped with it"
                    )
                    print(f"  run {run.run_id}: marked CANCELED", flush=True)
                    continue
                try:
                    instance.run_launcher.terminate(run.run_id)
                    print(f"  run {run.run_id}: canceling", flush=True)
                except Exception as error:  # noqa: BLE001 - the kill and the final mark follow
                    print(
                        f"  run {run.run_id}: could not ask its code server to cancel it ({type(error).__name__})",
                        flush=True,
                    )
            deadline = time.monotonic() + CANCEL_GRACE
            while wait and runs and _session_runs(instance, started) and time.monotonic() < deadline:
                time.sleep(0.5)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - stopping must go on
        print(f"  could not read the session's runs ({type(error).__name__}: {error})", flush=True)
