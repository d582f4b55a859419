"""The Recast Insights API endpoints (RECAST_API.md, "Endpoints"), shaped by the live readings."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .deployments import kpi_json, kpis
from .downloads import CsvResponse, csv_response, find_download, hostile_downloads
from .reporttypes import is_dynamic
from .responses import error, page_response, unprocessable
from .validation import ValidationFailed, validate_create
from .views import report_json, status_of


def _sim(request: Request):
    sim = request.app.state.sim
    slug = request.path_params["slug"]
    if slug != sim.config.client_slug:
        return sim, error(404, "not_found", f"unknown client slug {slug!r}")
    return sim, None


def _report_view(sim, report, full: bool) -> dict:
    settings, now = sim.faults.settings, time.monotonic()
    status = status_of(report, settings.force_status, now)
    if full and status in ("success", "error") and report.duration > 0:
        sim.stats.report_seen_final(report.id, now - report.started - report.duration)
    extra = hostile_downloads() if settings.hostile_keys and is_dynamic(report.report_type) else []
    return report_json(sim.store, report, status, now, full, sim.store.readings, extra)


async def create_report(request: Request) -> Response | DroppedConnection:
    sim, problem = _sim(request)
    if problem:
        return problem
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError):
        return error(400, "bad_request", "the request body is not valid JSON")
    try:
        form, name = validate_create(body, sim.store.registry)
    except ValidationFailed as exc:
        return unprocessable(sim.store.readings, str(exc), exc.errors)
    if sim.store.saturated():  # refused before anything is created, like any rate limit
        return JSONResponse(
            {"error": "rate_limited", "message": "too many reports computing; retry after 1"},
            status_code=429,
            headers={"Retry-After": "1"},
        )
    # show_in_ui missing counts as false: only an explicit true asks for the report in the UI list
    report = sim.store.create(form, name, show_in_ui=body.get("show_in_ui") is True)
    sim.stats.report_created(report.id, report.started, report.duration)
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


async def list_reports(request: Request) -> Response:
    sim, problem = _sim(request)
    if problem:
        return problem
    include = request.query_params.get("include_prerendered", "").lower() == "true"
    reports = sim.store.listing(request.query_params.get("report_type"), include)
    return page_response(request, reports, sim.store.readings, lambda r: _report_view(sim, r, full=False))


def _find_report(sim, request: Request):
    report = sim.store.get(request.path_params["report_id"])
    if report is None:
        return None, error(404, "not_found", f"report {request.path_params['report_id']} not found")
    return report, None


async def show_report(request: Request) -> Response:
    sim, problem = _sim(request)
    report, problem = (None, problem) if problem else _find_report(sim, request)
    return problem or JSONResponse(_report_view(sim, report, full=True))


async def download(request: Request) -> Response | CsvResponse:
    """Inline CSV, or (``downloads=redirect``) a redirect to a signed URL on the object store."""
    sim, problem = _sim(request)
    report, problem = (None, problem) if problem else _find_report(sim, request)
    spec, problem = (None, problem) if problem else find_download(sim, report, request.path_params["key"])
    if problem:
        return problem
    assert report is not None and spec is not None  # no problem: both found
    readings = sim.store.readings
    if readings.downloads == "redirect":
        location = sim.objects.sign(report.id, spec.key)
        return Response(status_code=readings.redirect_status, headers={"Location": location})
    return csv_response(sim, report, spec, request.scope)


async def list_deployments(request: Request) -> Response:
    sim, problem = _sim(request)
    if problem:
        return problem
    records = sim.store.registry.records(request.query_params.get("dashboard_slug"))
    readings = sim.store.readings
    return page_response(request, records, readings, lambda r: r.summary(readings.deployment_fields))


async def show_deployment(request: Request) -> Response:
    sim, problem = _sim(request)
    record = None if problem else sim.store.registry.get(request.path_params["deployment_id"])
    if problem or record is None:
        return problem or error(404, "not_found", f"deployment {request.path_params['deployment_id']} not found")
    return JSONResponse(record.detail(sim.store.readings.deployment_fields))


def _kpi_views(sim) -> list[dict]:
    registry, seed = sim.store.registry, sim.config.seed
    specs = tuple(r.spec for r in registry.records() if r.spec.seed_id is None)
    return [kpi_json(k, seed, [r.id for r in registry.records(k.dashboard_slug)]) for k in kpis(specs)]


async def list_kpis(request: Request) -> Response:
    sim, problem = _sim(request)
    return problem or page_response(request, _kpi_views(sim), sim.store.readings, lambda k: k)


async def show_kpi(request: Request) -> Response:
    sim, problem = _sim(request)
    kpi = None if problem else next((k for k in _kpi_views(sim) if k["id"] == request.path_params["kpi_id"]), None)
    if problem or kpi is None:
        return problem or error(404, "not_found", f"KPI {request.path_params['kpi_id']} not found")
    return JSONResponse(kpi)


PREFIX = "/v1/clients/{slug}"
API_ROUTES = [
    Route(f"{PREFIX}/reports", create_report, methods=["POST"]),
    Route(f"{PREFIX}/reports", list_reports, methods=["GET"]),
    Route(f"{PREFIX}/reports/{{report_id:int}}", show_report, methods=["GET"]),
    Route(f"{PREFIX}/reports/{{report_id:int}}/downloads/{{key:path}}", download, methods=["GET"]),
    Route(f"{PREFIX}/deployments", list_deployments, methods=["GET"]),
    Route(f"{PREFIX}/deployments/{{deployment_id:int}}", show_deployment, methods=["GET"]),
    Route(f"{PREFIX}/kpis", list_kpis, methods=["GET"]),
    Route(f"{PREFIX}/kpis/{{kpi_id}}", show_kpi, methods=["GET"]),
]
