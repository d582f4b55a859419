"""Fault injection: the ways a real SaaS misbehaves, all off by default.

Event faults (``rate_limit``, ``server_error``, ``slow``, ``lost_create``, ``truncate``,
``malformed``) fire on a matching request when a burst is pending (``<kind>_burst``: the next N
matching requests, counted down) or else with probability ``<kind>_rate`` (a seeded RNG, so runs
repeat). ``slow`` needs ``slow_delay > 0`` and ``malformed`` needs ``malformed_mode``; their rates
default to 1.0 so setting the delay or mode alone affects every matching request. The others'
rates default to 0. ``*_endpoints`` limit a fault to some of: create, show, list, download,
deployments, kpis (None = all). ``truncate`` and ``malformed`` apply to downloads and
``lost_create`` to creates only. Faults never touch ``/_admin/``.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from .data import stable_seed

ENDPOINTS = ("create", "show", "list", "download", "deployments", "kpis")
MALFORMED_MODES = ("ragged", "bad_quote", "html")
FIXED_ENDPOINTS = {"truncate": ("download",), "malformed": ("download",), "lost_create": ("create",)}


@dataclass
class FaultSettings:
    rate_limit_rate: float = 0.0  # 429 with Retry-After
    rate_limit_burst: int = 0
    rate_limit_endpoints: list[str] | None = None
    retry_after: float = 1.0  # seconds announced in Retry-After (rounded up to whole seconds)
    retry_after_format: str = "seconds"  # or "http-date"
    server_error_rate: float = 0.0  # 5xx with a JSON body
    server_error_burst: int = 0
    server_error_status: int = 503
    server_error_endpoints: list[str] | None = None
    slow_delay: float = 0.0  # seconds added before answering
    slow_rate: float = 1.0
    slow_burst: int = 0
    slow_endpoints: list[str] | None = None
    lost_create_rate: float = 0.0  # the report IS created, the response is lost
    lost_create_burst: int = 0
    lost_create_mode: str = "delay"  # "delay": answer after lost_create_delay s; "drop": close the connection
    lost_create_delay: float = 30.0
    truncate_rate: float = 0.0  # download cut off midway (Content-Length announced, body closed early)
    truncate_burst: int = 0
    malformed_mode: str | None = None  # "ragged" | "bad_quote" | "html"
    malformed_rate: float = 1.0
    malformed_burst: int = 0
    malformed_content_type: str = "text/html"  # content type of the "html" mode's 200 page
    hostile_keys: bool = False  # dynamic types also list keys like "../../etc/x" with colliding, SQL-like headers
    schema_variant: int = 0  # 1 adds a column, 2 drops the last one, 3 turns a numeric column into text
    force_status: dict[str, str] = field(default_factory=dict)  # report_type -> status shown instead


def _check(name: str, value: Any) -> Any:
    """The value, validated for its knob; ValueError names the knob and what it accepts."""
    if name.endswith("_rate"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a number from 0 to 1; got {value!r}")
        return float(value)
    if name.endswith("_burst") or name == "schema_variant":
        top = 3 if name == "schema_variant" else 10**9
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise ValueError(f"{name} must be an integer from 0 to {top}; got {value!r}")
        return value
    if name.endswith("_endpoints"):
        if value is not None and (not isinstance(value, (list, tuple)) or not set(value) <= set(ENDPOINTS)):
            raise ValueError(f"{name} must be null or a list of {', '.join(ENDPOINTS)}; got {value!r}")
        return None if value is None else list(value)
    if name in ("retry_after", "slow_delay", "lost_create_delay"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{name} must be a non-negative number of seconds; got {value!r}")
        return float(value)
    choices = {
        "retry_after_format": ("seconds", "http-date"),
        "lost_create_mode": ("delay", "drop"),
        "malformed_mode": (None, *MALFORMED_MODES),
    }
    if name in choices:
        if value not in choices[name]:
            raise ValueError(f"{name} must be one of {', '.join(map(str, choices[name]))}; got {value!r}")
        return value
    if name == "server_error_status":
        if type(value) is not int or not 500 <= value <= 599:
            raise ValueError(f"server_error_status must be an integer from 500 to 599; got {value!r}")
        return value
    if name == "hostile_keys":
        if not isinstance(value, bool):
            raise ValueError(f"hostile_keys must be true or false; got {value!r}")
        return value
    if name == "force_status":
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValueError(f"force_status must map report_type to a status string; got {value!r}")
        return dict(value)
    if name == "malformed_content_type":
        if not isinstance(value, str) or not value:
            raise ValueError(f"malformed_content_type must be a content type string; got {value!r}")
        return value
    raise ValueError(
        f"unknown fault knob {name!r}; known: {', '.join(f.name for f in dataclasses.fields(FaultSettings))}"
    )


class Faults:
    """The live fault settings of one simulator, changed by tests while it serves."""

    def __init__(self, seed: int, initial: FaultSettings | dict | None = None):
        self._lock = threading.Lock()
        self._rng = random.Random(stable_seed(seed, "faults"))
        self._settings = FaultSettings()
        if isinstance(initial, FaultSettings):
            initial = dataclasses.asdict(initial)
        self.update(**(initial or {}))

    def update(self, **changes: Any) -> dict[str, Any]:
        """Partial update; all-or-nothing when a value is invalid."""
        checked = {name: _check(name, value) for name, value in changes.items()}
        with self._lock:
            for name, value in checked.items():
                setattr(self._settings, name, value)
            return dataclasses.asdict(self._settings)

    def clear(self) -> dict[str, Any]:
        with self._lock:
            self._settings = FaultSettings()
            return dataclasses.asdict(self._settings)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dataclasses.asdict(self._settings)

    @property
    def settings(self) -> FaultSettings:
        """A copy, safe to read without the lock."""
        with self._lock:
            return dataclasses.replace(self._settings, force_status=dict(self._settings.force_status))

    def fires(self, kind: str, endpoint: str) -> bool:
        """Whether fault ``kind`` hits this request to ``endpoint`` (consumes a burst or a random draw)."""
        with self._lock:
            s = self._settings
            if kind == "slow" and s.slow_delay <= 0 or kind == "malformed" and s.malformed_mode is None:
                return False
            endpoints = FIXED_ENDPOINTS.get(kind) or getattr(s, f"{kind}_endpoints") or ENDPOINTS
            if endpoint not in endpoints:
                return False
            burst = getattr(s, f"{kind}_burst")
            if burst > 0:
                setattr(s, f"{kind}_burst", burst - 1)
                return True
            rate = getattr(s, f"{kind}_rate")
            return rate > 0 and self._rng.random() < rate
