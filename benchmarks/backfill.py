"""Backfill benchmark: every report type x K months through Dagster, against the vendor's loop.

Starts the simulator (each report takes ``--latency`` seconds, +/- ``--jitter``), then does what a
UI backfill of all 24 assets over K months does: one run of ``recast_monthly_reports_job`` over the
month range (``BackfillPolicy.single_run``) and one run of ``recast_deployment_reports_job`` for the
deployment, launched together on one Dagster instance whose pools come from the repository's
``dagster.yaml`` (the ``recast_api`` pool lets one Recast step run at a time, so the two runs
together stay within ``RECAST_MAX_IN_FLIGHT``). Each run executes in its own process, as the
run launcher would start it; the processes load the code location before the clock starts.

Then it runs the vendor's sample approach (create one report, poll every 30 s until it succeeds,
download each key, next report) for a few of the same forms, and scales that to every report.

    .venv/bin/python benchmarks/backfill.py                     # 24 types x 6 months, L = 10 s, cap 8
    .venv/bin/python benchmarks/backfill.py --latency 2 --months 2 --vendor-sample 1 --vendor-poll 5
    .venv/bin/python benchmarks/backfill.py --capacity 4,16,32 --timestamps on_finish,static,per_poll
    .venv/bin/python benchmarks/backfill.py --reading report_timestamps=static   # any simulator reading
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import _common  # noqa: F401  (puts the repository on sys.path)
import yaml
from _capacity import capacity_mode
from _polling import client_pass, describe, poll_figures
from _vendor import run_vendor_sample

from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.readings import Readings, add_reading_arguments, readings_from_arguments
from recast_pipeline.simulator.server import serve_in_thread

DASHBOARD = "revenue"  # the simulator's dashboard of deployment 5716 (named "5716" under deployment_fields=id_name)


def _changed(readings: Readings) -> str:
    return ", ".join(f"{k}={v}" for k, v in readings.as_dict().items() if v != getattr(Readings(), k))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=10.0, help="seconds each report computes (default 10)")
    parser.add_argument("--jitter", type=float, default=None, help="+/- seconds per report (default latency/20)")
    parser.add_argument("--months", type=int, default=6, help="monthly partitions K (default 6)")
    parser.add_argument("--max-in-flight", type=int, default=8, help="RECAST_MAX_IN_FLIGHT (default 8)")
    parser.add_argument(
        "--poll-interval", type=float, default=30.0, help="RECAST_POLL_INTERVAL, the steady poll cadence (default 30)"
    )
    parser.add_argument("--vendor-sample", type=int, default=3, help="reports run with the vendor's loop (default 3)")
    parser.add_argument("--vendor-poll", type=float, default=30.0, help="the vendor loop's poll interval (default 30)")
    parser.add_argument("--sequential", action="store_true", help="run the two jobs one after the other")
    parser.add_argument(
        "--capacity",
        default=None,
        help="only the unknown-capacity mode, e.g. 4,16,32: Recast computes C at once (client ceiling --ceiling)",
    )
    parser.add_argument(
        "--ceiling", type=int, default=64, help="max_in_flight in the unknown-capacity mode (default 64)"
    )
    parser.add_argument(
        "--timestamps",
        default=None,
        metavar="LIST",
        help="the unknown-capacity mode runs each capacity under each of these report_timestamps "
        "readings, e.g. on_finish,static,per_poll (default: the --reading value, on_finish)",
    )
    add_reading_arguments(parser)
    parser.add_argument("--keep", type=Path, default=None, help="keep the warehouse and Dagster home in this folder")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    readings = readings_from_arguments(args)
    if args.capacity:
        return capacity_mode(args, readings)
    jitter = args.latency / 20 if args.jitter is None else args.jitter
    with tempfile.TemporaryDirectory(prefix="recast-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        config = SimulatorConfig(latency=args.latency, jitter=jitter, log_level="error", readings=readings)
        with serve_in_thread(config) as sim:
            print(
                f"Simulator {sim.base_url}: latency {args.latency:g} s +/- {jitter:g} s; readings "
                f"{_changed(readings) or 'the documented defaults'}; machine: {_common.machine()}"
            )
            ours = run_dagster_backfill(sim, work, args)
            polls = poll_passes(sim, ours, work, args)
            vendor = run_vendor_sample(sim, ours["forms"], args, work / "vendor")
        print_report(args, ours, vendor, polls)
    return 0 if ours["ok"] else 1


# -- our path: Dagster ---------------------------------------------------------------------------
# Each run executes in its own process, as the run launcher would start it (two Dagster runs in
# threads of one process deadlock in Dagster's logging set-up). The processes import and build the
# definitions first, then wait for "go", so the wall time below is the backfill, not imports.


def write_instance_settings(home: Path, dashboard: str) -> None:
    """A Dagster home with the repository's concurrency (pool) settings, storage inside it."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    repo_settings = yaml.safe_load((_common.REPO / "dagster.yaml").read_text())
    home.mkdir(parents=True, exist_ok=True)
    settings = {"concurrency": repo_settings["concurrency"], "telemetry": {"enabled": False}}
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    from recast_pipeline.cli.local_env import sync_dashboards
    from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME

    with dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(home))
    ) as instance:  # storage made once, before two runs race
        sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, [dashboard])


def child_run(spec: dict) -> int:
    """In a child process: build the code location, wait for "go", execute one job in process."""
    import dagster as dg

    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

    recast = RecastResource(
        base_url=spec["base_url"],
        client_slug=spec["client_slug"],
        token=dg.EnvVar("RECAST_PAT"),
        poll_interval=spec["poll_interval"],
        max_in_flight=spec["max_in_flight"],
    )
    defs = build_definitions(Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir=spec["data_dir"]))
    job = defs.resolve_job_def(spec["job"])
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    with dg.DagsterInstance.get() as instance:
        print("ready", flush=True)
        sys.stdin.readline()
        begun = time.monotonic()
        result = job.execute_in_process(
            instance=instance,
            run_config=quiet,
            raise_on_error=False,
            tags=spec.get("tags"),
            partition_key=spec.get("partition_key"),
        )
        print(
            json.dumps({"success": result.success, "run_id": result.run_id, "wall": time.monotonic() - begun}),
            flush=True,
        )
    return 0 if result.success else 1


def run_dagster_backfill(sim, work: Path, args: argparse.Namespace) -> dict:
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from recast_pipeline.orchestration.jobs import DASHBOARD_JOB, MONTHLY_JOB
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.warehouse.warehouse import Warehouse

    months = Partitioning(date(2024, 1, 1)).closed_months()[-args.months :]
    dashboard = "5716" if sim.readings.deployment_fields == "id_name" else DASHBOARD
    first, last = Partitioning.dated_key(dashboard, months[0]), Partitioning.dated_key(dashboard, months[-1])
    home, data_dir = work / "dagster_home", work / "data"
    write_instance_settings(home, dashboard)
    common = dict(
        base_url=sim.base_url,
        client_slug=sim.client_slug,
        poll_interval=args.poll_interval,
        max_in_flight=args.max_in_flight,
        data_dir=str(data_dir),
    )
    specs = {
        MONTHLY_JOB: dict(
            common, job=MONTHLY_JOB, tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
        ),
        DASHBOARD_JOB: dict(common, job=DASHBOARD_JOB, partition_key=dashboard),
    }
    env = {**os.environ, "DAGSTER_HOME": str(home), "RECAST_PAT": sim.token}
    print(f"Backfilling 24 report types: {MONTHLY_JOB} over {months[0]}..{months[-1]}, {DASHBOARD_JOB} for {dashboard}")
    children = {
        name: subprocess.Popen(
            [sys.executable, __file__, "--child", json.dumps(spec)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, spec in specs.items()
    }
    results: dict[str, dict] = {}
    try:
        for name, child in children.items():
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError(f"{name}: the run process failed to start")
        sim.reset_stats()
        started = time.monotonic()
        order = list(children) if not args.sequential else []
        for name in order:
            children[name].stdin.write("go\n")
            children[name].stdin.flush()
        for name, child in children.items():
            if args.sequential:
                child.stdin.write("go\n")
                child.stdin.flush()
            line = child.stdout.readline()
            child.wait()
            results[name] = json.loads(line) if line.strip() else {"success": False, "wall": float("nan")}
        wall = time.monotonic() - started
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
    stats = sim.stats()
    steps = step_windows(home, {name: r.get("run_id") for name, r in results.items()})

    store = Warehouse(data_dir / "warehouse.duckdb")
    _, rows = store.query("SELECT report_type, prerendered, form FROM recast_meta.reports")
    _, [(tables, loaded_rows)] = store.query(
        "SELECT count(DISTINCT schema_name || '.' || table_name), sum(row_count) FROM recast_meta.downloads"
    )
    return {
        "ok": all(r["success"] for r in results.values()),
        "runs": {name: ("success" if r["success"] else "FAILED") for name, r in results.items()},
        "wall": wall,
        "walls": {name: r["wall"] for name, r in results.items()},
        "steps": steps,
        "months": months,
        "reports": len(rows),
        "expected_reports": 18 * len(months) + 6,
        "created": stats["creates"],
        "prerendered_reused": sum(1 for _, prerendered, _ in rows if prerendered),
        "in_flight_peak": stats["in_flight_peak"],
        "calls": stats["calls"],
        "polls": poll_figures(stats, args.latency),
        "tables": tables,
        "rows": loaded_rows,
        "forms": [
            json.loads(form) if isinstance(form, str) else form for _, prerendered, form in rows if not prerendered
        ],
    }


def step_windows(home: Path, run_ids: dict) -> dict[str, tuple[float, float]]:
    """(start, end) of each run's Recast step (the one in the ``recast_api`` pool), from the
    instance's event log; the asset checks follow in a step of their own, outside the pool."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from recast_pipeline.orchestration.assets import DASHBOARD_ASSETS, MONTHLY_ASSETS

    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    windows = {}
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        for name, run_id in run_ids.items():
            events = instance.all_logs(run_id, of_type=kinds) if run_id else []
            times = [e.timestamp for e in events if e.step_key in (MONTHLY_ASSETS, DASHBOARD_ASSETS)]
            if times:
                windows[name] = (min(times), max(times))
    return windows


def overlap(windows: dict[str, tuple[float, float]]) -> str:
    (a_start, a_end), (b_start, b_end) = list(windows.values())[:2] if len(windows) >= 2 else ((0, 0), (0, 0))
    seconds = max(0.0, min(a_end, b_end) - max(a_start, b_start))
    return "no" if seconds == 0 else f"yes, {seconds:.1f} s"


def poll_passes(sim, ours: dict, work: Path, args: argparse.Namespace) -> dict:
    """The backfill's forms again through the client, first without history, then with the hints
    the warehouse learned from the backfill (``recast_pipeline.warehouse.latency``)."""
    from recast_pipeline.warehouse.latency import latency_hints
    from recast_pipeline.warehouse.warehouse import Warehouse

    hints = latency_hints(Warehouse(work / "data" / "warehouse.duckdb"))
    print(f"Polling passes over {len(ours['forms'])} forms: without history, then with {len(hints)} latency hints...")
    common = (args.max_in_flight, args.poll_interval, args.latency)
    return {
        "without": client_pass(sim, ours["forms"], None, *common),
        "with": client_pass(sim, ours["forms"], hints, *common),
    }


# -- the figures ------------------------------------------------------------------------------------


def print_report(args: argparse.Namespace, ours: dict, vendor: dict, polls: dict) -> None:
    cap, latency = args.max_in_flight, args.latency
    reports, created = ours["reports"], ours["created"]
    ideal_all = latency * math.ceil(reports / cap)
    ideal_created = latency * math.ceil(created / cap) if created else 0.0
    vendor_total = vendor["per_report"] * reports  # the vendor loop creates every report, one at a time
    wall = ours["wall"]
    rows = [
        ("report types x months", f"24 types: 18 monthly x {len(ours['months'])} months + 6 per deployment"),
        ("reports loaded", f"{reports} (expected {ours['expected_reports']}); runs: {ours['runs']}"),
        ("  created on Recast", f"{created}"),
        ("  reused, no new compute", f"{reports - created} ({ours['prerendered_reused']} pre-rendered)"),
        ("in-flight cap / peak", f"{cap} / {ours['in_flight_peak']}"),
        ("API calls", ", ".join(f"{k} {v}" for k, v in sorted(ours["calls"].items()))),
        ("tables / rows loaded", f"{ours['tables']} / {ours['rows']}"),
        (
            "wall time (both runs)",
            f"{wall:.1f} s  (" + ", ".join(f"{k} {v:.1f} s" for k, v in ours["walls"].items()) + ")",
        ),
        ("ideal, all reports", f"{ideal_all:.1f} s  = {latency:g} s x ceil({reports}/{cap})"),
        ("ideal, created reports", f"{ideal_created:.1f} s  = {latency:g} s x ceil({created}/{cap})"),
        (
            "vendor loop, measured",
            f"{vendor['per_report']:.1f} s per report over {vendor['sample']} report(s): "
            + ", ".join(f"{t:.1f}" for t in vendor["times"]),
        ),
        ("vendor loop, all reports", f"{vendor_total:.0f} s  = {vendor['per_report']:.1f} s x {reports}"),
        (
            "  created reports only",
            f"{vendor['per_report'] * created:.0f} s  = {vendor['per_report']:.1f} s x {created}",
        ),
        ("the two runs' Recast steps overlap", overlap(ours["steps"]) + "  (pool recast_api, default_limit 1)"),
        ("wall / ideal (all)", f"{wall / ideal_all:.2f}   target <= 1.5"),
        ("wall / ideal (created)", f"{wall / ideal_created:.2f}" if ideal_created else "n/a"),
        ("vendor / wall", f"{vendor_total / wall:.1f}x   target >= 20x"),
        ("vendor (created only) / wall", f"{vendor['per_report'] * created / wall:.1f}x"),
        ("polls, the Dagster backfill", describe(ours["polls"]) + "   (no history: adaptive)"),
        ("polls, client, no history", describe(polls["without"]) + f"; wall {polls['without']['wall']:.1f} s"),
        (
            "polls, client, with history",
            describe(polls["with"]) + f"; wall {polls['with']['wall']:.1f} s" + "   target <= 6 polls, lateness <= 10%",
        ),
    ]
    print("\nBackfill benchmark")
    print(_common.table(rows))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        raise SystemExit(child_run(json.loads(sys.argv[2])))
    raise SystemExit(main())
