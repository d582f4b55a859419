"""Running the simulator in a background thread, as tests and notebooks do.

Two loopback servers start and stop together: the API, and the object store that serves redirected
downloads (``downloads=redirect``). Sockets are bound before the servers start (port 0 = a free
port), so ``base_url`` is known at once; ``stop()`` forces a quick exit.
"""

from __future__ import annotations

from typing import Any

import httpx

from .admin import set_readings, stats_of
from .app import create_app
from .config import SimulatorConfig
from .signed_urls import create_store_app
from .threaded import ThreadedServer


class SimulatorServer:
    """A running simulator. Use as a context manager, or call :meth:`stop`."""

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.app = create_app(config)
        self._sim = self.app.state.sim
        self._api = ThreadedServer(
            self.app, config.host, config.port, config.log_level, "on" if config.refresh_every else "off"
        )
        self._objects = ThreadedServer(
            create_store_app(self._sim), config.host, 0, config.log_level, name="recast-object-store"
        )
        self._sim.objects.base_url = self._objects.base_url
        self.port = self._api.port

    def start(self) -> SimulatorServer:
        self._objects.start()
        try:
            self._api.start()
        except BaseException:
            self._objects.stop()
            raise
        return self

    def stop(self) -> None:
        self._api.stop()
        self._objects.stop()

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"SimulatorServer(base_url={self.base_url!r}, client_slug={self.client_slug!r})"

    # -- what clients need ----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def client_slug(self) -> str:
        return self.config.client_slug

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def deployment_ids(self) -> tuple[int, ...]:
        return self._sim.store.deployment_ids()

    @property
    def store(self):
        return self._sim.store

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for the API: base URL ``.../v1/clients/<slug>``, bearer token set."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **kwargs.pop("headers", {})}
        return httpx.Client(
            base_url=f"{self.base_url}/v1/clients/{self.client_slug}",
            headers=headers,
            timeout=kwargs.pop("timeout", 10.0),
            **kwargs,
        )

    # -- admin, in process (same code paths as the /_admin/ endpoints) --------------------
    @property
    def object_store(self):
        """The object store's signer and counters (``sign(report_id, key, ttl=None)``, ``base_url``)."""
        return self._sim.objects

    def refresh_model(self, dashboard_or_deployment_id: int | str) -> dict[str, Any]:
        """Refresh one dashboard's model (named by slug or by one of its deployment ids), as the
        ``refresh`` and ``prerendered_rerun`` readings say. Returns ``dashboard_slug``,
        ``deployment_id`` (now active), ``previous_deployment_id``, ``model_date``, ``model_version``,
        ``prerendered_report_ids``."""
        return self._sim.store.refresh_model(dashboard_or_deployment_id)

    def finish_reports(self) -> int:
        """Release held reports: every report still computing or queued finishes now. Returns how many."""
        ended = self._sim.store.finish_running()
        for report_id, when in ended.items():
            self._sim.stats.report_finished_early(report_id, when)
        return len(ended)

    def set_readings(self, **knobs: Any) -> dict[str, Any]:
        """Partial update of the readings (see :class:`Readings`), all-or-nothing; returns every reading."""
        return set_readings(self._sim, **knobs)

    @property
    def readings(self):
        return self._sim.store.readings

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        """Partial update of the fault knobs (see :class:`FaultSettings`); returns all settings."""
        return self._sim.faults.update(**knobs)

    def clear_faults(self) -> dict[str, Any]:
        return self._sim.faults.clear()

    def stats(self) -> dict[str, Any]:
        """The API's counters and request log, with the object store's counters under ``object_store``."""
        return stats_of(self._sim)

    def object_store_stats(self) -> dict[str, int]:
        """``requests``, ``served``, ``forbidden``, ``authorization_seen`` of the object store."""
        return self._sim.objects.stats()

    def reset_stats(self) -> None:
        self._sim.stats.reset()
        self._sim.objects.reset_stats()


def serve_in_thread(config: SimulatorConfig | None = None, **overrides: Any) -> SimulatorServer:
    """Start a simulator on a background thread; ``overrides`` replace fields of ``config``."""
    config = config or SimulatorConfig()
    if overrides:
        config = SimulatorConfig(**{**config.__dict__, **overrides})
    return SimulatorServer(config).start()
