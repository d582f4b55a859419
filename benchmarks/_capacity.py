"""Backfill when Recast's capacity is unknown to the client: wall / (L x ceil(reports / C)).

Each capacity C gets its own simulator: C reports compute at once, later ones queue, and past
``queue_limit`` (2 C by default) a create gets ``429``. The client only knows its ceiling
(``--ceiling``) and adapts the number in flight (``recast_pipeline.recast.concurrency``). The
reports are the monthly types x K months, created anew through the client layer (no Dagster, so
the figure is the scheduling alone). ``--timestamps`` runs every capacity again under each reading
of what a report's ``updated_at`` means (on_finish, static, per_poll): the limit measures run times
from what the client observes, so the figures must not depend on it.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date

import _common

from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.pipeline.fetch import FormPlanner, not_applicable
from recast_pipeline.recast.batch import ReportRequest, run_reports
from recast_pipeline.recast.catalog import REPORT_TYPES
from recast_pipeline.recast.client import RecastClient
from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.readings import Readings
from recast_pipeline.simulator.server import serve_in_thread

DEPLOYMENT = 5716


def monthly_forms(client: RecastClient, months: list[str]) -> list[dict]:
    deployment = client.get_deployment(DEPLOYMENT)
    planner = FormPlanner(client)
    return [
        planner.form(rt.name, deployment, date.fromisoformat(m), {})
        for rt in REPORT_TYPES.values()
        if rt.partitioned_by_month and not not_applicable(rt.name, deployment)
        for m in months
    ]


def run_capacity(
    capacity: int, months: list[str], latency: float, ceiling: int, poll_interval: float, readings: Readings
) -> dict:
    config = SimulatorConfig(
        latency=latency,
        jitter=latency / 20,
        capacity=capacity,
        queue_limit=2 * capacity,
        log_level="error",
        readings=readings,
    )
    with serve_in_thread(config) as sim:
        with RecastClient(
            sim.base_url, sim.client_slug, sim.token, poll_interval=poll_interval, max_in_flight=ceiling
        ) as client:
            forms = monthly_forms(client, months)
            sim.reset_stats()
            begun = time.monotonic()
            requests = [
                ReportRequest(key=i, form=f, label="capacity benchmark", force_new=True) for i, f in enumerate(forms)
            ]
            failed = sum(1 for outcome in run_reports(client, requests) if not outcome.ok)
            wall = time.monotonic() - begun
        stats = sim.stats()
    ideal = latency * math.ceil(len(forms) / capacity)
    return {
        "capacity": capacity,
        "timestamps": readings.report_timestamps,
        "reports": len(forms),
        "failed": failed,
        "wall": wall,
        "ideal": ideal,
        "ratio": wall / ideal,
        "429": stats["statuses"].get("429", 0),
        "peak": stats["in_flight_peak"],
    }


def capacity_rows(results: list[dict], ceiling: int) -> list[tuple[str, str]]:
    return [
        (
            f"unknown capacity C = {r['capacity']}, updated_at {r['timestamps']}",
            f"{r['reports']} reports, wall {r['wall']:.1f} s / ideal {r['ideal']:.0f} s = {r['ratio']:.2f}   "
            f"(ceiling {ceiling}; 429s {r['429']}; computing peak {r['peak']}; failed {r['failed']})   target <= 1.3",
        )
        for r in results
    ]


def capacity_mode(args: argparse.Namespace, readings: Readings) -> int:
    months = Partitioning(date(2024, 1, 1)).closed_months()[-args.months :]
    timestamps = args.timestamps.split(",") if args.timestamps else [readings.report_timestamps]
    print(
        f"Unknown capacity: latency {args.latency:g} s, {args.months} months, updated_at {', '.join(timestamps)}; "
        f"machine: {_common.machine()}"
    )
    results = [
        run_capacity(
            int(c),
            months,
            args.latency,
            args.ceiling,
            args.poll_interval,
            readings.replace(report_timestamps=t.strip()),
        )
        for c in args.capacity.split(",")
        for t in timestamps
    ]
    print("\nCapacity benchmark")
    print(_common.table(capacity_rows(results, args.ceiling)))
    return 0 if not any(r["failed"] for r in results) else 1
