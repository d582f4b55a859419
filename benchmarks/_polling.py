"""Polls per report and detection lateness, from the simulator's own record of each report.

The simulator notes, per report, how long after it finished the first ``show`` saw it final
(``seen_late``); polls are the ``show`` calls. ``client_pass`` runs the same forms through the
client layer (``run_reports``, new reports, no Dagster) with or without latency hints, so the two
schedules are compared on equal terms.
"""

from __future__ import annotations

import statistics
import time

from recast_pipeline.recast.batch import ReportRequest, run_reports
from recast_pipeline.recast.client import RecastClient


def poll_figures(stats: dict, latency: float) -> dict:
    """Polls per created report and lateness (median, max) as fractions of the latency."""
    created = stats["creates"] or 1
    late = [float(v) for v in stats.get("seen_late", {}).values()] or [float("nan")]
    return {
        "polls": stats["calls"].get("show", 0) / created,
        "late_median": statistics.median(late) / latency,
        "late_max": max(late) / latency,
        "created": stats["creates"],
    }


def describe(figures: dict) -> str:
    return (
        f"{figures['polls']:.1f} polls per report ({figures['created']} created); seen late by "
        f"median {figures['late_median']:.1%}, max {figures['late_max']:.1%} of L"
    )


def client_pass(sim, forms: list[dict], hints: dict | None, cap: int, poll_interval: float, latency: float) -> dict:
    """Create every form anew and wait for all, ``cap`` in flight; figures from the simulator."""
    sim.reset_stats()
    begun = time.monotonic()
    with RecastClient(
        sim.base_url, sim.client_slug, sim.token, poll_interval=poll_interval, max_in_flight=cap
    ) as client:
        requests = [
            ReportRequest(key=i, form=form, label="poll benchmark", force_new=True) for i, form in enumerate(forms)
        ]
        failed = sum(1 for outcome in run_reports(client, requests, latency_hints=hints) if not outcome.ok)
    return {**poll_figures(sim.stats(), latency), "wall": time.monotonic() - begun, "failed": failed}
