"""``/_admin/`` endpoints: what tests and users need to steer and observe the simulator.

GET /_admin/info, GET /_admin/stats, POST /_admin/reset (counters and log),
POST /_admin/refresh ``{"dashboard": "revenue"}`` or ``{"deployment_id": 5716}`` (omit both to refresh
every dashboard: ``{"refreshed": [...]}``), GET|PUT|DELETE /_admin/faults (PUT is a partial update;
DELETE turns every fault off), GET|POST /_admin/readings (POST is a partial update of the readings).
Same bearer token as the API; faults and counters never apply here.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _error(status: int, message: str, code: str = "unprocessable_entity") -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


async def _json_body(request: Request) -> tuple[dict[str, Any] | None, JSONResponse | None]:
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return None, _error(400, "the request body is not valid JSON", "bad_request")
    if not isinstance(body, dict):
        return None, _error(422, "the request body must be a JSON object")
    return body, None


async def info(request: Request) -> Response:
    sim = request.app.state.sim
    return JSONResponse(
        {
            "client_slug": sim.config.client_slug,
            "deployment_ids": list(sim.store.deployment_ids()),
            "dashboards": {r.dashboard: r.id for r in sim.store.registry.active()},
            "model_versions": {str(r.id): r.version for r in sim.store.registry.records()},
            "readings": sim.store.readings.as_dict(),
            "data_start": "2023-01-01",
            "data_end": sim.config.data_end.isoformat(),
            "latency": sim.config.latency,
            "jitter": sim.config.jitter,
            "seed": sim.config.seed,
        }
    )


def stats_of(sim) -> dict:
    """The API's counters and log plus the object store's counters (``object_store``)."""
    return {**sim.stats.snapshot(), "object_store": sim.objects.stats()}


async def stats(request: Request) -> Response:
    return JSONResponse(stats_of(request.app.state.sim))


async def reset(request: Request) -> Response:
    request.app.state.sim.stats.reset()
    request.app.state.sim.objects.reset_stats()
    return JSONResponse({"reset": True})


async def refresh(request: Request) -> Response:
    body, problem = await _json_body(request)
    if problem:
        return problem
    assert body is not None  # no problem: a JSON object
    store = request.app.state.sim.store
    raw = body.get("dashboard", body.get("deployment_id", request.query_params.get("deployment_id")))
    if raw is None:
        return JSONResponse({"refreshed": store.refresh_all()})
    try:
        return JSONResponse(store.refresh_model(raw))
    except ValueError as exc:
        return _error(422, str(exc))


def set_readings(sim, **knobs) -> dict:
    """Partial update of the readings, all-or-nothing; returns every reading."""
    sim.store.set_readings(sim.store.readings.replace(**knobs))
    return sim.store.readings.as_dict()


async def readings(request: Request) -> Response:
    sim = request.app.state.sim
    if request.method == "GET":
        return JSONResponse(sim.store.readings.as_dict())
    body, problem = await _json_body(request)
    if problem:
        return problem
    assert body is not None  # no problem: a JSON object
    try:
        return JSONResponse(set_readings(sim, **body))
    except (ValueError, TypeError) as exc:
        return _error(422, str(exc))


async def faults(request: Request) -> Response:
    sim = request.app.state.sim
    if request.method == "GET":
        return JSONResponse(sim.faults.snapshot())
    if request.method == "DELETE":
        return JSONResponse(sim.faults.clear())
    body, problem = await _json_body(request)
    if problem:
        return problem
    assert body is not None  # no problem: a JSON object
    try:
        return JSONResponse(sim.faults.update(**body))
    except ValueError as exc:
        return _error(422, str(exc))


ADMIN_ROUTES = [
    Route("/_admin/info", info, methods=["GET"]),
    Route("/_admin/stats", stats, methods=["GET"]),
    Route("/_admin/reset", reset, methods=["POST"]),
    Route("/_admin/refresh", refresh, methods=["POST"]),
    Route("/_admin/faults", faults, methods=["GET", "PUT", "DELETE"]),
    Route("/_admin/readings", readings, methods=["GET", "POST"]),
]
