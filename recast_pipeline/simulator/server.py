"""Running the simulator in a background thread, as tests and notebooks do.

The socket is bound before the server starts (port 0 = a free port), so ``base_url`` is known at
once; ``stop()`` forces a quick exit (open keep-alive connections and slow requests included).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import uvicorn

from .app import create_app
from .config import SimulatorConfig

START_TIMEOUT = 10.0


class SimulatorServer:
    """A running simulator. Use as a context manager, or call :meth:`stop`."""

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.app = create_app(config)
        self._sim = self.app.state.sim
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((config.host, config.port))
        self.port = self._socket.getsockname()[1]
        uv_config = uvicorn.Config(self.app, log_level=config.log_level, access_log=False, lifespan="on" if config.refresh_every else "off",
                                   timeout_graceful_shutdown=1, ws="none")
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"recast-simulator-{self.port}", daemon=True)

    def start(self) -> "SimulatorServer":
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start on {self.config.host}:{self.port}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True  # graceful: idle connections close, busy ones get 1 s
        self._thread.join(timeout=3)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=3)
        self._socket.close()

    def __enter__(self) -> "SimulatorServer":
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
        return httpx.Client(base_url=f"{self.base_url}/v1/clients/{self.client_slug}", headers=headers,
                            timeout=kwargs.pop("timeout", 10.0), **kwargs)

    # -- admin, in process (same code paths as the /_admin/ endpoints) --------------------
    def refresh_model(self, deployment_id: int) -> dict[str, Any]:
        """New model version and fresh pre-rendered reports for one deployment."""
        return self._sim.store.refresh_model(deployment_id)

    def set_faults(self, **knobs: Any) -> dict[str, Any]:
        """Partial update of the fault knobs (see :class:`FaultSettings`); returns all settings."""
        return self._sim.faults.update(**knobs)

    def clear_faults(self) -> dict[str, Any]:
        return self._sim.faults.clear()

    def stats(self) -> dict[str, Any]:
        return self._sim.stats.snapshot()

    def reset_stats(self) -> None:
        self._sim.stats.reset()


def serve_in_thread(config: SimulatorConfig | None = None, **overrides: Any) -> SimulatorServer:
    """Start a simulator on a background thread; ``overrides`` replace fields of ``config``."""
    config = config or SimulatorConfig()
    if overrides:
        config = SimulatorConfig(**{**config.__dict__, **overrides})
    return SimulatorServer(config).start()
