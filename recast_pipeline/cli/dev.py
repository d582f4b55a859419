"""``recast-pipeline dev``: the Dagster UI on the project's instance, pointed at a local simulator.

Why: after ``recast-pipeline demo`` a newcomer should see the demo's partitions materialized and
be able to materialize another one from the UI, without exporting anything. This starts the
simulator, registers its dashboards in the instance, and runs ``dagster dev`` with the same
environment a real deployment sets, until interrupted.

Stopping: Ctrl-C, ``kill`` (SIGTERM) or a closed terminal (SIGHUP) stop everything this command
started within 30 s: the runs it launched are canceled (CANCELED, never STARTED forever), then
``dagster dev`` with its webserver, daemon and code servers, and whatever is left of them is killed,
found by process group and by this session's marker variable (``dev_stop.py``).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from recast_pipeline.cli.dev_stop import SESSION_VARIABLE, stop
from recast_pipeline.cli.local_env import project_instance, simulator_environment, sync_dashboards, which_instance
from recast_pipeline.config.settings import child_environment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=3000, help="Dagster UI port (default 3000)")
    parser.add_argument("--host", default="127.0.0.1", help="Dagster UI host (default 127.0.0.1)")
    parser.add_argument(
        "--simulator-port", type=int, default=8765, help="simulator port (default 8765; 0: any free port)"
    )
    parser.add_argument("--latency", type=float, default=4.0, help="simulated seconds per report (default 4)")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="landing folder (default ./data)")


def run(args: argparse.Namespace) -> int:
    from recast_pipeline.simulator.config import SimulatorConfig
    from recast_pipeline.simulator.server import serve_in_thread

    config = SimulatorConfig(latency=args.latency, jitter=args.latency / 4, port=args.simulator_port)
    with serve_in_thread(config) as sim:
        # The instance rule: DAGSTER_HOME when set (passed on), else `dagster dev` reads dagster.yaml here
        # (storage in .dagster_home/), the instance _register_dashboards wrote to.
        env = child_environment(simulator_environment(sim, args.data_dir))
        env.pop("RECAST_DEPLOYMENT_IDS", None)
        env.pop("RECAST_DEPLOYMENT_ID", None)
        _register_dashboards(sim)
        print(f"Simulator: {sim.base_url} (client {sim.client_slug})", flush=True)
        print(f"Dagster UI: http://{args.host}:{args.port}  (Ctrl-C stops both)", flush=True)
        command = [sys.executable, "-m", "dagster", "dev", "-h", args.host, "-p", str(args.port)]
        marker = env[SESSION_VARIABLE] = uuid.uuid4().hex  # every process started from here inherits it
        started = datetime.now(timezone.utc)
        # Interrupts raise here, also when this process was started with SIGINT ignored (a background
        # job): the child then starts with the default disposition, so it honours the SIGTERM we send.
        for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop_signal, signal.default_int_handler)
        # Its own process group: stopping it can then reach every process it started.
        process = subprocess.Popen(command, env=env, start_new_session=True)
        try:
            return process.wait()
        except KeyboardInterrupt:
            return stop(process, marker, started, which_instance())


def _register_dashboards(sim) -> None:
    """The simulator's dashboards become partitions before the UI opens (the sensors would add them a tick later)."""
    from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME
    from recast_pipeline.recast.client import RecastClient

    with RecastClient(sim.base_url, sim.client_slug, sim.token) as client:
        dashboards = list(client.active_deployments())
    with project_instance() as instance:
        sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, dashboards)
