"""Month close in one wave: N dashboards x the monthly report types, through the month sensor and automation.

For each N the simulator serves N dashboards whose models all cover the last closed month (its
agency dashboards otherwise trail by up to two months; here every model was refit in time), with
report latency L and capacity C: C reports compute at once, later ones queue, past 2 C a create gets
``429``. The client does not know C: it only has a ceiling (``--ceiling``) and adapts the number in
flight. What runs is what production runs: the month-ready sensor ticks once, the report assets'
automation conditions are evaluated as ``recast_automation_sensor`` does, and the runs Dagster's
backfill daemon launches for that evaluation (one run per partition-key range, ``wave_run_requests``)
execute one after another with the real multi-asset (Parquet landing, DuckDB loads, checks) in a
process of their own, as a run worker does: the simulator stays alone in this one, as Recast runs on
another machine (in one process it would compete with the runs for Python's GIL). Printed per N:
the wall time from the first run's start to the last run's end against the target
``1.3 x L x ceil(N x 18 / C)`` and against the reports actually created (a type Recast cannot compute
on a dashboard's model is skipped). ``--old`` also measures, at the smallest N, the previous
behaviour: one run per partition key (dashboard x month), one after another as the pool runs them.

    .venv/bin/python benchmarks/wave.py                              # N = 2, 50, 200; L = 60 s, C = 200
    .venv/bin/python benchmarks/wave.py --sizes 2 --old --latency 10  # a quick look, with the old figure
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
from pathlib import Path

import _common

MONTHLY_TYPES = 18  # the count of date-based report types


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2, 50, 200], help="dashboard counts (default 2 50 200)"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=60.0,
        help="report latency L in seconds (default 60, the low end of Recast's 1 to 5 minutes)",
    )
    parser.add_argument("--capacity", type=int, default=200, help="reports Recast computes at once, C (default 200)")
    parser.add_argument(
        "--ceiling", type=int, default=512, help="RECAST_MAX_IN_FLIGHT, the client's ceiling (default 512)"
    )
    parser.add_argument("--old", action="store_true", help="also run the smallest N one run per partition key")
    return parser.parse_args()


def every_model_covers_the_closed_month(sim) -> None:
    """The simulator's agency dashboards trail by up to two months; at this month close each was refit in time."""
    for record in sim.store.registry.active():
        record.end_date = sim.config.data_end


def measure(n: int, args: argparse.Namespace, work: Path, per_key: bool = False) -> dict:
    import dagster as dg
    from scale import Ticks, months_back

    from recast_pipeline.orchestration.automation import wave_run_requests
    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
    from recast_pipeline.simulator.config import SimulatorConfig
    from recast_pipeline.simulator.server import serve_in_thread

    name = f"{n}-{'per-key' if per_key else 'wave'}"
    home = work / f"home-{name}"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    config = SimulatorConfig(
        latency=args.latency,
        jitter=args.latency / 20,
        capacity=args.capacity,
        queue_limit=2 * args.capacity,
        log_level="error",
        readings={"dashboards": n},
    )
    with serve_in_thread(config) as sim, dg.DagsterInstance.from_config(str(home)) as instance:
        every_model_covers_the_closed_month(sim)
        recast = RecastResource(
            base_url=sim.base_url, client_slug=sim.client_slug, token=sim.token, max_in_flight=args.ceiling
        )
        defs = build_definitions(
            Partitioning(months_back(3)), recast, RecastWarehouse(data_dir=str(work / f"data-{name}"))
        )
        ticks = Ticks(defs, instance, sim)
        evaluation = dg.evaluate_automation_conditions(defs, instance)  # the baseline the automation sensor keeps
        tick_seconds = ticks.tick("recast_month_ready_sensor")[0]
        evaluation = dg.evaluate_automation_conditions(defs, instance, cursor=evaluation.cursor)
        runs = wave_run_requests(defs, instance, evaluation)
        if per_key:  # before the wave: automation requested one run per partition key
            keys = sorted(
                {
                    p
                    for key in defs.resolve_asset_graph().materializable_asset_keys
                    for p in evaluation.get_requested_partitions(key) or ()
                }
            )
            launches = [dict(partition_key=key, asset_selection=runs[0].asset_selection) for key in keys]
        else:
            launches = [dict(tags=dict(run.tags), asset_selection=run.asset_selection) for run in runs]
        spec = dict(
            base_url=sim.base_url,
            slug=sim.client_slug,
            ceiling=args.ceiling,
            start=months_back(3).isoformat(),
            data_dir=str(work / f"data-{name}"),
            launches=[
                {**launch, "asset_selection": [key.path for key in launch["asset_selection"]]} for launch in launches
            ],
        )
        env = {**os.environ, "DAGSTER_HOME": str(home), "RECAST_PAT": sim.token}
        child = subprocess.Popen(
            [sys.executable, __file__, "--child", json.dumps(spec)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("the run process failed to start")
            sim.reset_stats()
            begun = time.monotonic()
            child.stdin.write("go\n")
            child.stdin.flush()
            failed = json.loads(child.stdout.readline())["failed"]
            wall = time.monotonic() - begun
        finally:
            child.wait(timeout=60)
        stats = sim.stats()
    target = 1.3 * args.latency * math.ceil(n * MONTHLY_TYPES / args.capacity)
    created = stats["creates"]
    return {
        "n": n,
        "per_key": per_key,
        "runs": len(launches),
        "failed": failed,
        "wall": wall,
        "target": target,
        "created": created,
        "created_target": 1.3 * args.latency * math.ceil(created / args.capacity),
        "429": stats["statuses"].get("429", 0),
        "peak": stats["in_flight_peak"],
        "tick": tick_seconds,
    }


def run_launches(spec: dict) -> int:
    """The child: the same definitions, each launch run in process, one after another (the pool's order)."""
    import warnings
    from datetime import date

    import dagster as dg

    from recast_pipeline.orchestration.code_location import build_definitions
    from recast_pipeline.orchestration.jobs import MONTHLY_JOB
    from recast_pipeline.orchestration.partitions import Partitioning
    from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    recast = RecastResource(
        base_url=spec["base_url"],
        client_slug=spec["slug"],
        token=dg.EnvVar("RECAST_PAT"),
        max_in_flight=spec["ceiling"],
    )
    defs = build_definitions(
        Partitioning(date.fromisoformat(spec["start"])), recast, RecastWarehouse(data_dir=spec["data_dir"])
    )
    job = defs.resolve_job_def(MONTHLY_JOB)
    launches = [
        {**launch, "asset_selection": [dg.AssetKey(path) for path in launch["asset_selection"]]}
        for launch in spec["launches"]
    ]
    with dg.DagsterInstance.get() as instance:
        print("ready", flush=True)
        sys.stdin.readline()
        failed = sum(
            1
            for launch in launches
            if not job.execute_in_process(instance=instance, raise_on_error=False, **launch).success
        )
    print(json.dumps({"failed": failed}), flush=True)
    return 0


def row(r: dict) -> tuple[str, str]:
    label = f"N = {r['n']}" + (", one run per partition key (before)" if r["per_key"] else ", one wave")
    ideal, created_ideal = r["target"] / 1.3, r["created_target"] / 1.3
    return (
        label,
        f"{r['wall']:.1f} s = {r['wall'] / ideal:.2f} x L x ceil(N x 18 / C) ({ideal:.0f} s; target <= 1.3); "
        f"{r['wall'] / created_ideal:.2f} x for the {r['created']} reports created; runs {r['runs']}, "
        f"failed {r['failed']}; computing peak {r['peak']}, 429s {r['429']}; month sensor tick {r['tick']:.2f} s",
    )


def main() -> int:
    import warnings

    if sys.argv[1:2] == ["--child"]:
        return run_launches(json.loads(sys.argv[2]))

    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    args = parse_args()
    print(
        f"Month close wave: N = {', '.join(map(str, args.sizes))} dashboards x {MONTHLY_TYPES} monthly types, "
        f"L = {args.latency:g} s, C = {args.capacity} (unknown to the client; ceiling {args.ceiling}); "
        f"machine: {_common.machine()}",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="recast-wave-") as scratch:
        if args.old:
            results.append(measure(min(args.sizes), args, Path(scratch), per_key=True))
            print("  " + "  ".join(row(results[-1])), flush=True)
        for n in args.sizes:
            results.append(measure(n, args, Path(scratch)))
            print("  " + "  ".join(row(results[-1])), flush=True)
    print("\nMonth close (target: <= 1.3 x L x ceil(N x 18 / C))")
    print(_common.table([row(r) for r in results]))
    return 0 if not any(r["failed"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
