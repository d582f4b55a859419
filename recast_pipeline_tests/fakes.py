"""Test doubles and small builders shared by the test modules (imported as ``fakes``)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Callable, Iterator

from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.server import serve_in_thread

# client settings that make retries and polls quick against a simulator
FAST = dict(poll_interval=0.1, report_timeout=20.0, retry_deadline=10.0, backoff_base=0.01, backoff_cap=0.05)


class FakeClock:
    """An injected sleep that records instead of sleeping, with a clock that it advances."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def spend_form(i: int, deployment_id: int = 5716) -> dict:
    """The i-th of many distinct, valid spend-summary forms (4-week windows a week apart)."""
    start = date(2023, 1, 2) + timedelta(days=7 * i)
    return {
        "deployment_id": deployment_id,
        "report_type": "compute_spend_summary",
        "start_date": str(start),
        "end_date": str(start + timedelta(days=27)),
    }


@contextmanager
def simulator_pool(defaults: dict) -> Iterator[Callable]:
    """``start(**overrides)`` starts a simulator on loopback; all stop when the block ends."""
    started = []

    def start(**overrides):
        server = serve_in_thread(SimulatorConfig(**{**defaults, **overrides}))
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def wait_final(client, report_id: int, timeout: float = 10.0) -> dict:
    """Poll a simulator report (through ``sim.http_client()``) until it is final or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/reports/{report_id}").json()
        if body["status"] not in ("ready", "processing") or time.monotonic() > deadline:
            return body
        time.sleep(0.03)
