"""Settings of one simulator instance.

Everything that changes the simulator's behaviour lives here so a test can state its world in one
place: credentials, latency, the synthetic data's seed and last day, the faults to inject and the
readings of the API's open questions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .readings import Readings

DATA_START = dt.date(2023, 1, 1)


def default_data_end(today: dt.date | None = None) -> dt.date:
    """Last day of the previous month: deterministic within a month, like a monthly model refresh."""
    today = today or dt.date.today()
    return today.replace(day=1) - dt.timedelta(days=1)


@dataclass
class SimulatorConfig:
    """How a simulator behaves. ``faults`` takes the knobs of :class:`FaultSettings` (a dict or the object)."""

    token: str = "gr_local_simulator_token"
    client_slug: str = "demo-client"
    latency: float = 5.0  # mean seconds a report takes from create to final status
    jitter: float = 1.0  # +/- seconds, uniform, deterministic per (seed, report id)
    seed: int = 7
    host: str = "127.0.0.1"
    port: int = 0  # 0 = pick a free port
    data_end: dt.date = field(default_factory=default_data_end)  # model's last day of data
    clean_data_rows: int | None = None  # size compute_clean_data's ``clean_data`` as a geo x day panel
    capacity: int | None = None  # reports computed at once; later ones queue (first in, first out)
    queue_limit: int | None = None  # reports computing or queued at which a create gets 429 (Retry-After 1)
    history_reports: int = 0  # old finished reports the account already holds (see history.py)
    refresh_every: float | None = None  # seconds between automatic model refreshes of every deployment
    faults: Any = None  # FaultSettings | dict | None
    readings: Any = None  # Readings | dict | None: how the open questions of RECAST_API.md are played
    signed_url_ttl: float = 60.0  # seconds a redirected download's signed URL stays valid
    log_level: str = "warning"

    def __post_init__(self) -> None:
        if isinstance(self.data_end, str):
            self.data_end = dt.date.fromisoformat(self.data_end)
        if self.data_end <= DATA_START + dt.timedelta(days=120):
            raise ValueError(f"data_end must be after {DATA_START + dt.timedelta(days=120)}, got {self.data_end}")
        if self.latency < 0 or self.jitter < 0:
            raise ValueError("latency and jitter must be >= 0")
        self.readings = Readings.coerce(self.readings)
        if (
            isinstance(self.history_reports, bool)
            or not isinstance(self.history_reports, int)
            or self.history_reports < 0
        ):
            raise ValueError(f"history_reports must be an integer >= 0, got {self.history_reports!r}")
        for knob in ("capacity", "queue_limit"):
            value = getattr(self, knob)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{knob} must be a positive integer or None, got {value!r}")
        if self.clean_data_rows is not None and self.clean_data_rows < 1:
            raise ValueError("clean_data_rows must be a positive integer")

    def __repr__(self) -> str:  # never show the token
        return (
            f"SimulatorConfig(client_slug={self.client_slug!r}, latency={self.latency}, jitter={self.jitter}, "
            f"seed={self.seed}, host={self.host!r}, port={self.port}, data_end={self.data_end})"
        )
