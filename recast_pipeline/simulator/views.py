"""What a report looks like on the wire, under the readings that change it (``names``, ``form_scalars``,
``report_timestamps``).

The stored report keeps what was sent; the readings only shape the answer, so a knob changed at run
time applies to every later answer.
"""

from __future__ import annotations

from typing import Any, Sequence

from .csvout import DownloadSpec
from .readings import NAME_LIMIT, Readings
from .registry import iso
from .state import SimReport, Store


def shown_name(name: str, reading: str) -> str | None:
    """The name as the API echoes it; None when the reading drops the field."""
    if reading == "absent":
        return None
    return name.strip()[:NAME_LIMIT] if reading == "truncated" else name


def stringify(value: Any) -> Any:
    """Numbers and booleans as strings, recursively (``14`` -> ``"14"``, ``True`` -> ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {k: stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [stringify(v) for v in value]
    return value


def status_of(report: SimReport, force_status: dict[str, str], now: float) -> str:
    """The report's status now, or the one the ``force_status`` fault shows instead."""
    return force_status.get(report.report_type) or report.status_at(now)[0]


def report_json(
    store: Store,
    report: SimReport,
    status: str,
    now: float,
    full: bool,
    readings: Readings,
    extra_downloads: Sequence[DownloadSpec] = (),
) -> dict[str, Any]:
    """A show answer (``full``) or a list row (no ``form``, no ``results``)."""
    data: dict[str, Any] = {"id": report.id}
    name = shown_name(report.name, readings.names)
    if name is not None:
        data["name"] = name
    data.update(report_type=report.report_type, status=status, prerendered=report.prerendered)
    if full:
        data["form"] = stringify(report.form) if readings.form_scalars == "strings" else report.form
    data["created_at"] = iso(report.created_at)
    data["updated_at"] = iso(store.shown_updated_at(report, now))
    if full and status == "success":
        downloads = [*store.downloads(report), *extra_downloads]
        data["results"] = {"downloads": [{"key": d.key, "description": d.description} for d in downloads]}
    return data
