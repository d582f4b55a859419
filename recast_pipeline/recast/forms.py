"""Build report forms: from the catalog's defaults, or from an existing report's form.

A monthly partition becomes the report's dates (``window_fields``):

* ``range``: ``start_date`` = the month's first day, ``end_date`` = its last day;
* ``anchor_date``: ``date`` = the month's last day (the curves use the ``num_days`` before it,
  ``num_days`` coming from the inputs, default 14);
* ``two_periods``: the period is the month, the previous period the same number of days right
  before it (``previous_end_date`` = the day before ``period_start_date``);
* ``none``: no dates.

Defaults come from the catalog (``FieldSpec.default``; channel fields from the deployment's
labels, ``channel_groups`` as one group of every upper-funnel channel). Overrides replace
defaults; ``None`` overrides are ignored, dates become ``YYYY-MM-DD``, tuples become lists and a
Python bool for a ``bool_string`` field becomes ``"true"``/``"false"``. The report type stays as
given (an alias is not rewritten; it is validated as its target). Neither builder validates:
call ``validate_form`` before sending.

Public API: ``MonthWindow(start, end)``, ``month_window(month_start)``,
``window_fields(report_type, month)``, ``build_form(report_type, deployment, month=None,
overrides=None, *, window=None)``, ``form_from_report(report, overrides=None, month=None)``;
re-exported from ``validation``: ``FieldError``, ``FormError``, ``check_form``,
``validate_form``, ``validate_request_body``; ``normalize_form(form, report_type=None)``.

Read-back forms may carry scalars as strings (``"14"``, ``"true"``, ``"5716"``): Recast's other
APIs do. ``normalize_form`` turns them back into the catalog's types, so that fingerprints,
comparisons and validation see what we would have sent.
"""

from __future__ import annotations

import calendar
import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Mapping

from recast_pipeline.recast.api_types import Deployment, Report
from recast_pipeline.recast.catalog import ReportType, resolve
from recast_pipeline.recast.fields import DEFAULT_GROUP_NAME, FieldSpec, labels_for
from recast_pipeline.recast.validation import FieldError, FormError, check_form, validate_form, validate_request_body

__all__ = [
    "FieldError",
    "FormError",
    "MonthWindow",
    "build_form",
    "check_form",
    "form_from_report",
    "month_window",
    "normalize_form",
    "validate_form",
    "validate_request_body",
    "window_fields",
]


@dataclass(frozen=True)
class MonthWindow:
    """One calendar month, first and last day inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def partition_key(self) -> str:
        return self.start.isoformat()


def month_window(month_start: date | str) -> MonthWindow:
    """The month containing ``month_start`` (a date or a ``YYYY-MM-DD`` partition key)."""
    day = _to_date(month_start)
    last = calendar.monthrange(day.year, day.month)[1]
    return MonthWindow(start=day.replace(day=1), end=day.replace(day=last))


def _to_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise ValueError(f"expected a date or YYYY-MM-DD string, got {value!r}")


def _to_window(month: Any) -> MonthWindow:
    return month if isinstance(month, MonthWindow) else month_window(month)


def window_fields(report_type: str | ReportType, month: Any) -> dict[str, str]:
    """The date fields a monthly partition gives ``report_type`` (empty for ``none``/unknown)."""
    entry = report_type if isinstance(report_type, ReportType) else resolve(report_type)
    if entry is None or entry.window == "none":
        return {}
    window = _to_window(month)
    if entry.window == "range":
        return {"start_date": window.start.isoformat(), "end_date": window.end.isoformat()}
    if entry.window == "anchor_date":
        return {"date": window.end.isoformat()}
    previous_end = window.start - timedelta(days=1)
    previous_start = previous_end - timedelta(days=window.days - 1)
    return {
        "previous_start_date": previous_start.isoformat(),
        "previous_end_date": previous_end.isoformat(),
        "period_start_date": window.start.isoformat(),
        "period_end_date": window.end.isoformat(),
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def _apply_overrides(
    form: dict[str, Any], entry: ReportType | None, overrides: Mapping[str, Any] | None
) -> dict[str, Any]:
    if entry is None:  # unknown type: untouched, beyond dropping None overrides
        form.update({name: value for name, value in (overrides or {}).items() if value is not None})
        return form
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        spec = entry.field(name)
        if spec is not None and spec.kind == "bool_string" and isinstance(value, bool):
            value = "true" if value else "false"
        form[name] = _json_value(value)
    return form


def _default(spec: FieldSpec, deployment: Deployment | None) -> Any:
    if spec.default_labels is None:
        return copy.deepcopy(spec.default)
    if deployment is None:
        return None
    labels = list(labels_for(deployment, spec.default_labels))
    if spec.kind == "channel_groups":
        return [{"name": DEFAULT_GROUP_NAME, "channels": labels}]
    return labels


def build_form(
    report_type: str,
    deployment: Deployment | int,
    month: Any = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    window: MonthWindow | None = None,
) -> dict[str, Any]:
    """A complete form for ``report_type`` on ``deployment`` for one month, with overrides.

    ``month`` is the partition's month (a date, a ``YYYY-MM-DD`` key or a ``MonthWindow``;
    ``window`` is accepted as another name for it). A bare deployment id works for types that
    need no channel labels; channel defaults are then left out.
    """
    if month is not None and window is not None and _to_window(month) != window:
        raise ValueError(f"build_form got two different months: month={month!r}, window={window!r}")
    month = month if month is not None else window
    known = deployment if isinstance(deployment, Deployment) else None
    deployment_id = known.id if known else deployment
    form: dict[str, Any] = {"deployment_id": deployment_id, "report_type": report_type}
    entry = resolve(report_type)
    if entry is not None:
        if month is not None:
            form.update(window_fields(entry, month))
        for spec in entry.fields:
            value = _default(spec, known)
            if spec.name not in form and value is not None:
                form[spec.name] = value
    return _apply_overrides(form, entry, overrides)


def form_from_report(
    report: Report | Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    month: Any = None,
) -> dict[str, Any]:
    """Re-submit an existing report's form with selected fields replaced (the vendor's workflow).

    ``report`` is a ``Report``, a report's JSON (``GET /reports/{id}``) or a bare form. A
    ``report_type`` found only beside the form is moved into it. ``month`` re-dates the form
    like a partition would; ``overrides`` are applied last.
    """
    if isinstance(report, Report):
        form, outer_type = copy.deepcopy(report.form), report.report_type
    elif isinstance(report, Mapping) and isinstance(report.get("form"), Mapping):
        form, outer_type = copy.deepcopy(dict(report["form"])), report.get("report_type")
    elif isinstance(report, Mapping):
        form, outer_type = copy.deepcopy(dict(report)), None
    else:
        raise TypeError(f"expected a Report, a report's JSON or a form, got {type(report).__name__}")
    if not form.get("report_type") and outer_type:
        form["report_type"] = outer_type
    form = normalize_form(form)
    entry = resolve(form.get("report_type"))
    if entry is not None and month is not None:
        form.update(window_fields(entry, month))
    return _apply_overrides(form, entry, overrides)


def normalize_form(form: Mapping[str, Any], report_type: str | None = None) -> dict[str, Any]:
    """A copy of ``form`` with stringified scalars back in the catalog's types.

    ``deployment_id`` becomes an int for every type; for known types ``int_range`` and ``number``
    fields become numbers, ``bool`` fields booleans, and ``bool_string`` fields stay the strings
    ``"true"``/``"false"``. Values that do not parse, and unknown types' fields, pass through.
    """
    normalized = dict(form)
    if "deployment_id" in normalized:
        normalized["deployment_id"] = _integral(normalized["deployment_id"])
    entry = resolve(report_type or normalized.get("report_type"))
    for spec in entry.fields if entry is not None else ():
        if spec.name in normalized:
            normalized[spec.name] = _typed(spec.kind, normalized[spec.name])
    return normalized


def _typed(kind: str, value: Any) -> Any:
    if kind in ("int_range", "number"):
        return _integral(_number(value)) if kind == "number" else _integral(value)
    if kind == "bool" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if kind == "bool_string" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "bool_string" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower()
    return value


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


def _integral(value: Any) -> Any:
    """``"14"``, ``14.0`` -> 14; anything else unchanged."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
