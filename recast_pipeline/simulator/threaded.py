"""One uvicorn server on a background thread, on a socket bound up front (port 0 = a free port).

Used for the API server and for the object store next to it: ``base_url`` is known before the
server starts, and ``stop()`` forces a quick exit (open keep-alive connections and slow requests
included).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Literal

import uvicorn

START_TIMEOUT = 10.0


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening at once: a client told the address (the CLI's banner) may connect before uvicorn's
    # loop starts; the kernel queues it instead of refusing it.
    sock.listen(socket.SOMAXCONN)
    return sock


class ThreadedServer:
    def __init__(
        self,
        app,
        host: str,
        port: int = 0,
        log_level: str = "warning",
        lifespan: Literal["auto", "on", "off"] = "off",
        name: str = "recast-simulator",
    ):
        self.host = host
        self._socket = bind(host, port)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_level=log_level, access_log=False, lifespan=lifespan, timeout_graceful_shutdown=1, ws="none"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=f"{name}-{self.port}", daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True  # graceful: idle connections close, busy ones get 1 s
        if self._thread.is_alive():
            self._thread.join(timeout=3)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=3)
        self._socket.close()
