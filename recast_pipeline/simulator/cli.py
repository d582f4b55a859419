"""``recast-pipeline simulator``: serve the simulator until Ctrl-C, or steer a running one.

Serving prints ``export`` lines to paste into the shell that runs the pipeline. With
``--refresh DEPLOYMENT`` (or ``--refresh all``) the command instead asks the simulator already
running at ``--host``/``--port`` to refresh that deployment's model, prints the result and exits.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys

import httpx
import uvicorn

from .app import create_app
from .config import SimulatorConfig
from .deployments import DEPLOYMENTS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--latency", type=float, default=5.0, help="mean seconds per report (default 5)")
    parser.add_argument("--jitter", type=float, default=1.0, help="+/- seconds around the latency (default 1)")
    parser.add_argument("--token", default="gr_local_simulator_token", help="bearer token to accept")
    parser.add_argument("--client-slug", default="demo-client", help="client slug in every path")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic data (default 7)")
    parser.add_argument("--data-end", default=None, help="model's last day of data, YYYY-MM-DD "
                                                          "(default: last day of the previous month)")
    parser.add_argument("--clean-data-rows", type=int, default=None, help="rows of compute_clean_data's "
                                                                          "clean_data (a geo x day panel)")
    parser.add_argument("--refresh-every", type=float, default=None, metavar="S",
                        help="refresh every deployment's model every S seconds")
    parser.add_argument("--faults", default=None, metavar="JSON", help='initial fault knobs, e.g. '
                                                                       '\'{"rate_limit_rate": 0.1}\'')
    parser.add_argument("--refresh", default=None, metavar="DEPLOYMENT",
                        help="don't serve: refresh DEPLOYMENT (an id or 'all') on the running simulator and exit")


def _config(args: argparse.Namespace) -> SimulatorConfig:
    kwargs = dict(host=args.host, port=args.port, latency=args.latency, jitter=args.jitter, token=args.token,
                  client_slug=args.client_slug, seed=args.seed, clean_data_rows=args.clean_data_rows,
                  refresh_every=args.refresh_every, log_level="info")
    if args.data_end:
        kwargs["data_end"] = args.data_end
    if args.faults:
        kwargs["faults"] = json.loads(args.faults)
    return SimulatorConfig(**kwargs)


def _refresh(args: argparse.Namespace) -> int:
    body = {} if args.refresh == "all" else {"deployment_id": args.refresh}
    url = f"http://{args.host}:{args.port}/_admin/refresh"
    try:
        response = httpx.post(url, json=body, headers={"Authorization": f"Bearer {args.token}"}, timeout=10)
    except httpx.HTTPError as exc:
        print(f"could not reach the simulator at {url}: {type(exc).__name__}", file=sys.stderr)
        return 1
    print(json.dumps(response.json(), indent=2))
    return 0 if response.status_code == 200 else 1


def banner(config: SimulatorConfig, port: int) -> str:
    ids = ",".join(str(d.id) for d in DEPLOYMENTS)
    lines = [
        f"Recast simulator on http://{config.host}:{port}  (latency {config.latency}s +/- {config.jitter}s, "
        f"seed {config.seed}, data 2023-01-01..{config.data_end})",
        "Paste into the shell that runs the pipeline:",
        f"export RECAST_BASE_URL=http://{config.host}:{port}",
        f"export RECAST_CLIENT_SLUG={config.client_slug}",
        f"export RECAST_PAT={config.token}",
        f"export RECAST_DEPLOYMENT_IDS={ids}",
        "Deployments: " + "; ".join(f"{d.id} {d.name}" for d in DEPLOYMENTS),
        "Admin: POST /_admin/refresh, GET|PUT /_admin/faults, GET /_admin/stats (same token). Ctrl-C stops.",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except (ValueError, TypeError) as exc:
        print(f"invalid simulator settings: {exc}", file=sys.stderr)
        return 2
    if args.refresh:
        return _refresh(args)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        print(f"cannot listen on {config.host}:{config.port}: {exc.strerror}", file=sys.stderr)
        return 1
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="info", access_log=False,
                                           lifespan="on", ws="none"))
    print(banner(config, sock.getsockname()[1]), flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled; stopping is the normal end
        pass
    print("simulator stopped", flush=True)
    return 0
