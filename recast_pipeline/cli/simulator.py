"""``recast-pipeline simulator``: serve the simulator until Ctrl-C, or steer a running one.

Serving prints ``export`` lines to paste into the shell that runs the pipeline. ``--reading k=v``
(repeatable) and ``--unfriendly`` choose how the API's open questions are played (``readings.py``).
With ``--refresh DASHBOARD`` (a dashboard slug, a deployment id, or ``all``) the command instead asks
the simulator already running at ``--host``/``--port`` to refresh that model, prints the result and
exits.
"""

from __future__ import annotations

import argparse
import json

import httpx
import uvicorn

from recast_pipeline.cli.errors import CommandError
from recast_pipeline.simulator.app import create_app
from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.readings import Readings, add_reading_arguments, readings_from_arguments
from recast_pipeline.simulator.signed_urls import create_store_app
from recast_pipeline.simulator.threaded import ThreadedServer, bind


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--latency", type=float, default=5.0, help="mean seconds per report (default 5)")
    parser.add_argument("--jitter", type=float, default=1.0, help="+/- seconds around the latency (default 1)")
    parser.add_argument("--token", default="gr_local_simulator_token", help="bearer token to accept")
    parser.add_argument("--client-slug", default="demo-client", help="client slug in every path")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic data (default 7)")
    parser.add_argument(
        "--data-end",
        default=None,
        help="model's last day of data, YYYY-MM-DD (default: last day of the previous month)",
    )
    parser.add_argument(
        "--clean-data-rows", type=int, default=None, help="rows of compute_clean_data's clean_data (a geo x day panel)"
    )
    parser.add_argument(
        "--refresh-every",
        type=float,
        default=None,
        metavar="S",
        help="refresh every deployment's model every S seconds",
    )
    parser.add_argument(
        "--faults", default=None, metavar="JSON", help="initial fault knobs, e.g. '{\"rate_limit_rate\": 0.1}'"
    )
    add_reading_arguments(parser)
    parser.add_argument(
        "--refresh",
        default=None,
        metavar="DASHBOARD",
        help="don't serve: refresh DASHBOARD (a slug, a deployment id, or 'all') on the running simulator and exit",
    )


def _config(args: argparse.Namespace) -> SimulatorConfig:
    kwargs = dict(
        host=args.host,
        port=args.port,
        latency=args.latency,
        jitter=args.jitter,
        token=args.token,
        client_slug=args.client_slug,
        seed=args.seed,
        clean_data_rows=args.clean_data_rows,
        refresh_every=args.refresh_every,
        log_level="info",
    )
    if args.data_end:
        kwargs["data_end"] = args.data_end
    if args.faults:
        kwargs["faults"] = json.loads(args.faults)
    kwargs["readings"] = readings_from_arguments(args)
    return SimulatorConfig(**kwargs)


def _refresh(args: argparse.Namespace) -> int:
    body = {} if args.refresh == "all" else {"dashboard": args.refresh}
    url = f"http://{args.host}:{args.port}/_admin/refresh"
    try:
        response = httpx.post(url, json=body, headers={"Authorization": f"Bearer {args.token}"}, timeout=10)
    except httpx.HTTPError as exc:
        raise CommandError(f"could not reach the simulator at {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise CommandError(f"the simulator at {url} refused the refresh (HTTP {response.status_code}): {response.text}")
    print(json.dumps(response.json(), indent=2))
    return 0


def banner(config: SimulatorConfig, port: int, store=None) -> str:
    store = store or create_app(config).state.sim.store
    active = store.registry.active()
    fields = config.readings.deployment_fields  # id_name: the pipeline names each dashboard by its deployment id
    changed = {k: v for k, v in config.readings.as_dict().items() if v != getattr(Readings(), k)}
    lines = [
        f"Recast simulator on http://{config.host}:{port}  (latency {config.latency}s +/- {config.jitter}s, "
        f"seed {config.seed}, data 2023-01-01..{config.data_end})",
        "Paste into the shell that runs the pipeline:",
        f"export RECAST_BASE_URL=http://{config.host}:{port}",
        f"export RECAST_CLIENT_SLUG={config.client_slug}",
        f"export RECAST_PAT={config.token}",
        f"export RECAST_DASHBOARDS={','.join(r.client_dashboard(fields) for r in active)}",
        "Dashboards: "
        + "; ".join(f"{r.client_dashboard(fields)} (active deployment {r.id}, {r.spec.name})" for r in active),
        "Readings: " + (", ".join(f"{k}={v}" for k, v in changed.items()) or "the documented defaults"),
        "Admin: POST /_admin/refresh, GET|PUT /_admin/faults, GET|POST /_admin/readings, GET /_admin/stats "
        "(same token). Ctrl-C stops.",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"invalid simulator settings: {exc}") from None
    if args.refresh:
        return _refresh(args)
    try:
        sock = bind(config.host, config.port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from None
    app = create_app(config)
    objects = ThreadedServer(create_store_app(app.state.sim), config.host, 0, name="recast-object-store")
    app.state.sim.objects.base_url = objects.base_url
    server = uvicorn.Server(uvicorn.Config(app, log_level="info", access_log=False, lifespan="on", ws="none"))
    print(banner(config, sock.getsockname()[1], app.state.sim.store), flush=True)
    objects.start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled; stopping is the normal end
        pass
    finally:
        objects.stop()
        sock.close()
    print("simulator stopped", flush=True)
    return 0
