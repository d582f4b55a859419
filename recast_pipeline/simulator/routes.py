"""The Recast Insights API endpoints (RECAST_API.md, "Endpoints")."""

from __future__ import annotations

import asyncio
import json
import math
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .deployments import DEPLOYMENTS, KPIS, KPIS_BY_ID, kpi_json
from .downloads import CsvResponse, hostile_downloads, schema_variant
from .reporttypes import is_dynamic
from .validation import ValidationFailed, validate_create

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100


def error(status: int, code: str, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def _sim(request: Request):
    sim = request.app.state.sim
    slug = request.path_params["slug"]
    if slug != sim.config.client_slug:
        return sim, error(404, "not_found", f"unknown client slug {slug!r}")
    return sim, None


def _report_view(sim, report, full: bool) -> dict:
    settings = sim.faults.settings
    status, since = report.status_at(time.monotonic())
    forced = settings.force_status.get(report.report_type)
    if forced:
        status = forced
    extra = hostile_downloads() if settings.hostile_keys and is_dynamic(report.report_type) else []
    return sim.store.report_json(report, status, since, full, extra)


async def create_report(request: Request) -> Response:
    sim, problem = _sim(request)
    if problem:
        return problem
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        return error(400, "bad_request", "the request body is not valid JSON")
    try:
        form, name = validate_create(body, sim.config.data_end)
    except ValidationFailed as exc:
        errors = [{"field": f, "message": m} for f, m in exc.errors]
        return error(422, "unprocessable_entity", str(exc), errors=errors)
    report = sim.store.create(form, name)
    sim.stats.report_created(report.started, report.duration)
    if sim.faults.fires("lost_create", "create"):
        request.scope["sim.fault"] = "lost_create"
        settings = sim.faults.settings
        if settings.lost_create_mode == "drop":
            return DroppedConnection()
        await asyncio.sleep(settings.lost_create_delay)
    return JSONResponse({"id": report.id}, status_code=201)


class DroppedConnection:
    """Closes the connection without answering (falls back to a response cut off after its headers)."""

    status_code = 0

    async def __call__(self, scope, receive, send) -> None:
        raw_send = scope.get("sim.raw_send")
        transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
        if transport is not None:
            transport.close()
            await asyncio.sleep(0.05)
            return
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"64")]})


def _positive_int(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


async def list_reports(request: Request) -> Response:
    sim, problem = _sim(request)
    if problem:
        return problem
    page, per_page = _positive_int(request, "page", 1), _positive_int(request, "per_page", DEFAULT_PER_PAGE)
    if page is None or per_page is None:
        return error(422, "unprocessable_entity", "page and per_page must be positive integers",
                     errors=[{"field": "page" if page is None else "per_page", "message": "must be a positive integer"}])
    per_page = min(per_page, MAX_PER_PAGE)
    include = request.query_params.get("include_prerendered", "").lower() == "true"
    reports = sim.store.listing(request.query_params.get("report_type"), include)
    rows = reports[(page - 1) * per_page: page * per_page]
    pagination = {"page": page, "per_page": per_page, "total_pages": math.ceil(len(reports) / per_page),
                  "total_count": len(reports)}
    return JSONResponse({"data": [_report_view(sim, r, full=False) for r in rows], "pagination": pagination})


def _find_report(sim, request: Request):
    report = sim.store.get(request.path_params["report_id"])
    if report is None:
        return None, error(404, "not_found", f"report {request.path_params['report_id']} not found")
    return report, None


async def show_report(request: Request) -> Response:
    sim, problem = _sim(request)
    report, problem = (None, problem) if problem else _find_report(sim, request)
    return problem or JSONResponse(_report_view(sim, report, full=True))


async def download(request: Request) -> Response:
    sim, problem = _sim(request)
    report, problem = (None, problem) if problem else _find_report(sim, request)
    if problem:
        return problem
    key = request.path_params["key"]
    view = _report_view(sim, report, full=True)
    if view["status"] != "success":
        return error(409, "conflict", f"report {report.id} has no downloads while its status is {view['status']!r}")
    specs = [*sim.store.downloads(report)]
    if sim.faults.settings.hostile_keys and is_dynamic(report.report_type):
        specs += hostile_downloads()
    spec = next((d for d in specs if d.key == key), None)
    if spec is None:
        return error(404, "not_found", f"report {report.id} has no download with key {key!r}")
    settings = sim.faults.settings
    table = schema_variant(spec.make_table(), settings.schema_variant, report.model_version)
    malformed = settings.malformed_mode if sim.faults.fires("malformed", "download") else None
    truncate = sim.faults.fires("truncate", "download")
    request.scope["sim.fault"] = "truncate" if truncate else (f"malformed:{malformed}" if malformed else None)
    return CsvResponse(table, malformed, truncate, settings.malformed_content_type)


async def list_deployments(request: Request) -> Response:
    sim, problem = _sim(request)
    return problem or JSONResponse({"data": [sim.store.deployment_json(d) for d in DEPLOYMENTS]})


async def show_deployment(request: Request) -> Response:
    sim, problem = _sim(request)
    dep = None if problem else sim.store.deployment(request.path_params["deployment_id"])
    if problem or dep is None:
        return problem or error(404, "not_found", f"deployment {request.path_params['deployment_id']} not found")
    return JSONResponse(sim.store.deployment_json(dep))


async def list_kpis(request: Request) -> Response:
    _, problem = _sim(request)
    return problem or JSONResponse({"data": [kpi_json(k) for k in KPIS]})


async def show_kpi(request: Request) -> Response:
    _, problem = _sim(request)
    kpi = None if problem else KPIS_BY_ID.get(request.path_params["kpi_id"])
    if problem or kpi is None:
        return problem or error(404, "not_found", f"KPI {request.path_params['kpi_id']} not found")
    return JSONResponse(kpi_json(kpi))


PREFIX = "/v1/clients/{slug}"
API_ROUTES = [
    Route(f"{PREFIX}/reports", create_report, methods=["POST"]),
    Route(f"{PREFIX}/reports", list_reports, methods=["GET"]),
    Route(f"{PREFIX}/reports/{{report_id:int}}", show_report, methods=["GET"]),
    Route(f"{PREFIX}/reports/{{report_id:int}}/downloads/{{key:path}}", download, methods=["GET"]),
    Route(f"{PREFIX}/deployments", list_deployments, methods=["GET"]),
    Route(f"{PREFIX}/deployments/{{deployment_id:int}}", show_deployment, methods=["GET"]),
    Route(f"{PREFIX}/kpis", list_kpis, methods=["GET"]),
    Route(f"{PREFIX}/kpis/{{kpi_id:int}}", show_kpi, methods=["GET"]),
]
