"""The simulator as an ASGI app: Starlette routes behind one middleware that does what every
request shares — bearer auth, request counting and logging, and the request-level faults
(slow answers, 429 and 5xx) — before a handler runs, so a rejected create creates nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hmac
import math
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from .admin import ADMIN_ROUTES
from .config import SimulatorConfig
from .faults import Faults
from .routes import API_ROUTES
from .signed_urls import ObjectStore
from .state import Store
from .stats import Stats

if TYPE_CHECKING:
    from starlette.types import ExceptionHandler, Receive

ENDPOINT_PATTERNS = (
    ("POST", re.compile(r"^/v1/clients/[^/]+/reports/?$"), "create"),
    ("GET", re.compile(r"^/v1/clients/[^/]+/reports/?$"), "list"),
    ("GET", re.compile(r"^/v1/clients/[^/]+/reports/[^/]+/downloads/.+$"), "download"),
    ("GET", re.compile(r"^/v1/clients/[^/]+/reports/[^/]+/?$"), "show"),
    ("GET", re.compile(r"^/v1/clients/[^/]+/deployments(/[^/]+)?/?$"), "deployments"),
    ("GET", re.compile(r"^/v1/clients/[^/]+/kpis(/[^/]+)?/?$"), "kpis"),
)


@dataclass
class Simulator:
    """Everything one running simulator shares between its handlers and its server handle."""

    config: SimulatorConfig
    store: Store
    faults: Faults
    stats: Stats
    objects: ObjectStore  # serves redirected downloads once a server gives it a base_url


def endpoint_of(method: str, path: str) -> str:
    for verb, pattern, name in ENDPOINT_PATTERNS:
        if method == verb and pattern.match(path):
            return name
    return "other"


async def _send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    response = JSONResponse(body, status_code=status, headers=dict(headers or []))
    await response({"type": "http"}, cast("Receive", None), send)  # a plain response never receives


class SimulatorMiddleware:
    def __init__(self, app, sim: Simulator):
        self.app, self.sim = app, sim

    def _authorized(self, scope) -> bool:
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.sim.config.token.encode()
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        if path.startswith("/_admin/"):
            if not self._authorized(scope):
                return await _send_json(
                    send, 401, {"error": "unauthorized", "message": "missing or invalid bearer token"}
                )
            return await self.app(scope, receive, send)
        endpoint = endpoint_of(method, path)
        status = {"code": 0}

        async def tracking_send(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        self.sim.stats.request_started()
        try:
            if not self._authorized(scope):
                await _send_json(
                    tracking_send, 401, {"error": "unauthorized", "message": "missing or invalid bearer token"}
                )
            elif not await self._request_fault(scope, endpoint, tracking_send):
                await self.app(scope, receive, tracking_send)
        finally:
            self.sim.stats.request_finished(
                method,
                path,
                scope.get("query_string", b"").decode("latin-1"),
                status["code"],
                endpoint,
                scope.get("sim.fault"),
            )

    async def _request_fault(self, scope, endpoint: str, send) -> bool:
        """Apply slow/429/5xx faults; True when the request has been answered here."""
        faults = self.sim.faults
        if faults.fires("slow", endpoint):
            scope["sim.fault"] = "slow"
            await asyncio.sleep(faults.settings.slow_delay)
        if faults.fires("rate_limit", endpoint):
            scope["sim.fault"] = "rate_limit"
            s = faults.settings
            seconds = math.ceil(s.retry_after)
            value = (
                email.utils.formatdate(time.time() + seconds, usegmt=True)
                if s.retry_after_format == "http-date"
                else str(seconds)
            )
            await _send_json(
                send,
                429,
                {"error": "rate_limited", "message": f"too many requests; retry after {value}"},
                [("Retry-After", value)],
            )
            return True
        if faults.fires("server_error", endpoint):
            scope["sim.fault"] = "server_error"
            status = faults.settings.server_error_status
            await _send_json(
                send, status, {"error": "server_error", "message": f"the service is temporarily unavailable ({status})"}
            )
            return True
        return False


class SimulatorApp(Starlette):
    """Starlette that keeps the server's own ``send`` (a lost create closes the connection with it)."""

    async def __call__(self, scope, receive, send) -> None:
        scope["sim.raw_send"] = send
        await super().__call__(scope, receive, send)


async def _not_found(request: Request, exc: HTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return JSONResponse(
        {"error": code, "message": f"{request.method} {request.url.path}: {exc.detail}"}, status_code=exc.status_code
    )


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {
            "error": "internal_error",
            "message": f"{type(exc).__name__} while serving {request.method} {request.url.path}",
        },
        status_code=500,
    )


def create_app(config: SimulatorConfig | None = None) -> SimulatorApp:
    """A fresh simulator app (own state). ``app.state.sim`` is its :class:`Simulator`."""
    config = config or SimulatorConfig()
    sim = Simulator(
        config,
        Store(config, config.readings),
        Faults(config.seed, config.faults),
        Stats(),
        ObjectStore(config.signed_url_ttl),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app):
        task = asyncio.create_task(_refresh_loop(sim)) if config.refresh_every else None
        try:
            yield
        finally:
            if task:
                task.cancel()

    app = SimulatorApp(
        routes=[*API_ROUTES, *ADMIN_ROUTES],
        exception_handlers={
            HTTPException: cast("ExceptionHandler", _not_found),
            Exception: _server_error,
        },  # called with its key's class
        lifespan=lifespan,
    )
    app.state.sim = sim
    app.add_middleware(SimulatorMiddleware, sim=sim)
    return app


async def _refresh_loop(sim: Simulator) -> None:
    while True:
        assert sim.config.refresh_every is not None  # started only when set (lifespan)
        await asyncio.sleep(sim.config.refresh_every)
        sim.store.refresh_all()
