"""Answer shapes the endpoints share: JSON errors, the 422 body in the shape the ``error_body`` reading
asks for (JSON, Rails-style, or plain text), and list pagination (``page``/``per_page``, ``pagination``).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .readings import Readings

DEFAULT_PER_PAGE = 25


def error(status: int, code: str, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def unprocessable(readings: Readings, message: str, errors: Sequence[tuple[str, str]]) -> Response:
    """A 422: ``json`` is ``{"error", "message", "errors": [{field, message}]}``, ``rails`` is
    ``{"errors": {field: [message, ...]}}``, ``plain`` is text lines ``field: message``."""
    if readings.error_body == "rails":
        grouped: dict[str, list[str]] = {}
        for name, text in errors:
            grouped.setdefault(name, []).append(text)
        return JSONResponse({"errors": grouped}, status_code=422)
    if readings.error_body == "plain":
        return PlainTextResponse(
            "".join(f"{name}: {text}\n" for name, text in errors) or f"{message}\n", status_code=422
        )
    return JSONResponse(
        {
            "error": "unprocessable_entity",
            "message": message,
            "errors": [{"field": f, "message": m} for f, m in errors],
        },
        status_code=422,
    )


def _positive_int(request: Request, name: str, default: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return int(raw) if raw.isdigit() and int(raw) >= 1 else None


def paginate(request: Request, rows: Sequence[Any], readings: Readings) -> tuple[Sequence[Any], dict] | Response:
    """(rows of the requested page, pagination object), or the 422 for a bad ``page``/``per_page``.
    A ``per_page`` above ``max_per_page`` is capped silently; the answer states the value used."""
    page, per_page = _positive_int(request, "page", 1), _positive_int(request, "per_page", DEFAULT_PER_PAGE)
    if page is None or per_page is None:
        bad = "page" if page is None else "per_page"
        return unprocessable(
            readings, "page and per_page must be positive integers", [(bad, f"{bad} must be a positive integer")]
        )
    per_page = min(per_page, readings.max_per_page)
    pagination = {
        "page": page,
        "per_page": per_page,
        "total_pages": math.ceil(len(rows) / per_page),
        "total_count": len(rows),
    }
    return rows[(page - 1) * per_page : page * per_page], pagination


def page_response(request: Request, rows: Sequence[Any], readings: Readings, render) -> Response:
    """The ``{"data": [...], "pagination": {...}}`` answer of a list endpoint, rows rendered by ``render``."""
    result = paginate(request, rows, readings)
    if isinstance(result, Response):
        return result
    page, pagination = result
    return JSONResponse({"data": [render(row) for row in page], "pagination": pagination})
