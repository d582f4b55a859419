"""``/_admin/`` endpoints: what tests and users need to steer and observe the simulator.

GET /_admin/info, GET /_admin/stats, POST /_admin/reset (counters and log),
POST /_admin/refresh ``{"deployment_id": 5716}`` (omit it to refresh every deployment),
GET|PUT|DELETE /_admin/faults (PUT is a partial update; DELETE turns every fault off).
Same bearer token as the API; faults and counters never apply here.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .deployments import DEPLOYMENTS, DEPLOYMENTS_BY_ID


def _error(status: int, message: str, code: str = "unprocessable_entity") -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


async def _json_body(request: Request) -> tuple[dict | None, JSONResponse | None]:
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
    return JSONResponse({
        "client_slug": sim.config.client_slug,
        "deployment_ids": [d.id for d in DEPLOYMENTS],
        "model_versions": {str(d.id): sim.store.model_version(d.id) for d in DEPLOYMENTS},
        "data_start": "2023-01-01",
        "data_end": sim.config.data_end.isoformat(),
        "latency": sim.config.latency,
        "jitter": sim.config.jitter,
        "seed": sim.config.seed,
    })


async def stats(request: Request) -> Response:
    return JSONResponse(request.app.state.sim.stats.snapshot())


async def reset(request: Request) -> Response:
    request.app.state.sim.stats.reset()
    return JSONResponse({"reset": True})


async def refresh(request: Request) -> Response:
    body, problem = await _json_body(request)
    if problem:
        return problem
    raw = body.get("deployment_id", request.query_params.get("deployment_id"))
    if raw is None:
        ids = [d.id for d in DEPLOYMENTS]
    elif str(raw).isdigit() and int(raw) in DEPLOYMENTS_BY_ID:
        ids = [int(raw)]
    else:
        return _error(422, f"deployment_id must be one of {', '.join(str(i) for i in DEPLOYMENTS_BY_ID)}; got {raw!r}")
    results = [request.app.state.sim.store.refresh_model(i) for i in ids]
    return JSONResponse(results[0] if raw is not None else {"refreshed": results})


async def faults(request: Request) -> Response:
    sim = request.app.state.sim
    if request.method == "GET":
        return JSONResponse(sim.faults.snapshot())
    if request.method == "DELETE":
        return JSONResponse(sim.faults.clear())
    body, problem = await _json_body(request)
    if problem:
        return problem
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
]
