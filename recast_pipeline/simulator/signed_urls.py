"""The "object store" behind ``downloads=redirect``: signed, expiring URLs on a second loopback server.

File-serving Rails apps answer a download with a 302/307 to a signed URL on another host. This store
plays that host: it serves the same CSV as the inline download (faults such as truncation apply
here), answers 403 when the signature is wrong or expired, and answers 403 to any request that
carries ``Authorization`` — counting it in ``authorization_seen``, so tests can prove a client never
leaks the bearer token to another origin. The signing secret is random per simulator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .downloads import CsvResponse, csv_response, find_download

DEFAULT_TTL = 60.0  # seconds a signed URL stays valid


class ObjectStore:
    """Signs and checks URLs and counts what the store saw. ``base_url`` is set once it serves."""

    def __init__(self, ttl: float = DEFAULT_TTL):
        self.ttl = ttl
        self.base_url: str | None = None
        self._secret = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self.reset_stats()

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = {"requests": 0, "served": 0, "forbidden": 0, "authorization_seen": 0}

    def count(self, *names: str) -> None:
        with self._lock:
            for name in names:
                self._stats[name] += 1

    def stats(self) -> dict[str, int]:
        with self._lock:
            return dict(self._stats)

    def _signature(self, report_id: int, key: str, expires: int) -> str:
        message = f"{report_id}\n{key}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(self, report_id: int, key: str, ttl: float | None = None) -> str:
        """The absolute signed URL of one download, valid for ``ttl`` seconds (negative: already expired)."""
        if self.base_url is None:
            raise RuntimeError("the object store is not serving; downloads=redirect needs SimulatorServer or the CLI")
        expires = int(time.time() + (self.ttl if ttl is None else ttl))
        return (
            f"{self.base_url}/objects/{report_id}/{quote(key, safe='')}"
            f"?expires={expires}&signature={self._signature(report_id, key, expires)}"
        )

    def refusal(self, request: Request) -> str | None:
        """Why the request is refused (None: serve it)."""
        if "authorization" in request.headers:
            return "requests to a signed URL must not carry an Authorization header"
        expires, signature = request.query_params.get("expires", ""), request.query_params.get("signature", "")
        if not expires.isdigit():
            return "missing or invalid expires"
        expected = self._signature(request.path_params["report_id"], request.path_params["key"], int(expires))
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return "signature does not match"
        if int(expires) < time.time():
            return "request has expired"
        return None


async def serve_object(request: Request) -> Response | CsvResponse:
    sim = request.app.state.sim
    objects: ObjectStore = sim.objects
    objects.count("requests", *(("authorization_seen",) if "authorization" in request.headers else ()))
    reason = objects.refusal(request)
    if reason:
        objects.count("forbidden")
        return PlainTextResponse(f"AccessDenied: {reason}\n", status_code=403)
    report = sim.store.get(request.path_params["report_id"])
    spec, _problem = find_download(sim, report, request.path_params["key"]) if report else (None, None)
    if spec is None:
        return PlainTextResponse("NoSuchKey\n", status_code=404)
    objects.count("served")
    return csv_response(sim, report, spec, request.scope)


def create_store_app(sim) -> Starlette:
    """The object store's ASGI app for one simulator (``app.state.sim`` shared with the API)."""
    app = Starlette(routes=[Route("/objects/{report_id:int}/{key:path}", serve_object, methods=["GET"])])
    app.state.sim = sim
    return app
