"""Check a report form locally against every rule the API enforces with HTTP 422.

A rejected form costs a round trip; a form the API accepts but cannot run (unknown channel)
costs a multi-minute wait for an ``error`` report. So forms are checked before sending, and
every problem is reported at once, each naming the field and, where there is a choice, the
allowed values. Report types the catalog does not know pass through: only ``deployment_id``
and the presence of ``report_type`` are checked for them. Fields the catalog does not list are
tolerated (pre-rendered forms carry extras).

When a deployment is given, channel labels are checked against it, and two facts are read from
``Deployment.raw`` when present (skipped otherwise): the model's last date
(``MODEL_LAST_DATE_FIELDS``; ``date`` may be at most 730 days past it) and its context
variables (``contextual_variable_defaults`` of the detail: empty means the context-variable report
would fail; absent means unknown, and nothing is rejected).

Public API: ``FieldError(field, message)``, ``FormError(errors, report_type=None)`` (a
``ValueError`` with ``.errors``), ``check_form(form, deployment=None) -> list[FieldError]``,
``validate_form(form, deployment=None) -> None``, ``validate_request_body(body, deployment=None)``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Mapping

from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.catalog import ReportType, resolve
from recast_pipeline.recast.fields import GRANULARITIES, NUM_DAYS_RANGE, FieldSpec, labels_for

MAX_DAYS_PAST_MODEL = 730
MODEL_LAST_DATE_FIELDS = ("last_date", "model_last_date", "data_end_date", "max_date", "end_date")
CONTEXT_VARIABLE_FIELD = "contextual_variable_defaults"
CONTEXT_VARIABLE_REPORT = "compute_context_variable_summary"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_LIST = (list, tuple)
_UPPER_FUNNEL = "upper-funnel channel"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class FormError(ValueError):
    """A form the API would reject; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[FieldError], report_type: str | None = None):
        self.errors = list(errors)
        self.report_type = report_type
        what = f"{report_type} form" if report_type else "form"
        listed = "; ".join(str(error) for error in self.errors)
        super().__init__(f"invalid {what} ({len(self.errors)} problem(s)): {listed}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _quoted(labels: Iterable[str]) -> str:
    return ", ".join(repr(label) for label in labels) or "(none)"


def _as_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def model_last_date(deployment: Deployment) -> date | None:
    """The model's last date if the deployment's JSON carries one (ISO date or datetime)."""
    for name in MODEL_LAST_DATE_FIELDS:
        value = deployment.raw.get(name)
        if isinstance(value, str) and (parsed := _as_date(value[:10])) is not None:
            return parsed
    return None


def _label_errors(
    field: str, value: Any, allowed: tuple[str, ...] | None, what: str, deployment_id: Any
) -> list[FieldError]:
    if not isinstance(value, _LIST) or not value:
        return [FieldError(field, f"must be a non-empty list of {what} labels, got {_show(value)}")]
    if not all(isinstance(label, str) for label in value):
        return [FieldError(field, f"must contain only {what} labels (strings), got {_show(value)}")]
    unknown = [label for label in value if allowed is not None and label not in allowed]
    if not unknown:
        return []
    message = (
        f"unknown {what} label(s) {_quoted(unknown)} for deployment {deployment_id}; "
        f"allowed (exact spelling): {_quoted(allowed or ())}"
    )
    if what == _UPPER_FUNNEL:
        message += "; lower-funnel effects come through include_lower_funnel_effects"
    return [FieldError(field, message)]


def _group_errors(spec: FieldSpec, value: Any, allowed: tuple[str, ...] | None, deployment_id: Any) -> list[FieldError]:
    shape = 'a non-empty list of {"name": str, "channels": [labels]}'
    if not isinstance(value, _LIST) or not value:
        return [FieldError(spec.name, f"must be {shape}, got {_show(value)}")]
    errors: list[FieldError] = []
    for index, group in enumerate(value):
        where = f"{spec.name}[{index}]"
        if not isinstance(group, Mapping):
            errors.append(FieldError(where, f'must be an object {{"name", "channels"}}, got {_show(group)}'))
            continue
        name = group.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(FieldError(f"{where}.name", f"must be a non-empty string, got {_show(name)}"))
        errors += _label_errors(f"{where}.channels", group.get("channels"), allowed, _UPPER_FUNNEL, deployment_id)
    return errors


def _value_errors(spec: FieldSpec, value: Any, deployment: Deployment | None, deployment_id: Any) -> list[FieldError]:
    name, kind = spec.name, spec.kind
    if kind == "date":
        ok = _as_date(value) is not None
        return [] if ok else [FieldError(name, f"must be a real date as YYYY-MM-DD, got {_show(value)}")]
    if kind == "bool":
        ok = isinstance(value, bool)
        return [] if ok else [FieldError(name, f"must be a JSON boolean (true or false), got {_show(value)}")]
    if kind == "bool_string":
        ok = value in ("true", "false") and isinstance(value, str)
        message = f'must be the string "true" or "false" (not a JSON boolean), got {_show(value)}'
        return [] if ok else [FieldError(name, message)]
    if kind == "int_range":
        low, high = NUM_DAYS_RANGE
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        return [] if ok else [FieldError(name, f"must be an integer from {low} to {high}, got {_show(value)}")]
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return [] if ok else [FieldError(name, f"must be a number, got {_show(value)}")]
    if kind == "granularity":
        ok = isinstance(value, str) and value in GRANULARITIES
        return [] if ok else [FieldError(name, f"must be one of {', '.join(GRANULARITIES)}, got {_show(value)}")]
    allowed = labels_for(deployment, spec.allowed_labels) if deployment and spec.allowed_labels else None
    if kind == "channels":
        return _label_errors(name, value, allowed, "channel", deployment_id)
    return _group_errors(spec, value, allowed, deployment_id)


def _ordered(form: Mapping[str, Any], first: str, second: str) -> list[FieldError]:
    """``first`` strictly before ``second`` (same day rejected); unparsable dates are reported elsewhere."""
    earlier, later = _as_date(form.get(first)), _as_date(form.get(second))
    if earlier is None or later is None or earlier < later:
        return []
    return [FieldError(second, f"must be after {first} ({earlier}), got {later}")]


def _window_errors(entry: ReportType, form: Mapping[str, Any], deployment: Deployment | None) -> list[FieldError]:
    if entry.window == "range":
        return _ordered(form, "start_date", "end_date")
    if entry.window == "two_periods":
        errors = _ordered(form, "previous_start_date", "previous_end_date")
        errors += _ordered(form, "period_start_date", "period_end_date")
        previous_end, period_start = _as_date(form.get("previous_end_date")), _as_date(form.get("period_start_date"))
        if previous_end and period_start and previous_end >= period_start:
            errors.append(
                FieldError(
                    "previous_end_date",
                    f"must be strictly before period_start_date ({period_start}), got {previous_end}",
                )
            )
        return errors
    if entry.window == "anchor_date" and deployment is not None:
        anchor, last = _as_date(form.get("date")), model_last_date(deployment)
        if anchor and last and anchor > last + timedelta(days=MAX_DAYS_PAST_MODEL):
            latest = last + timedelta(days=MAX_DAYS_PAST_MODEL)
            return [
                FieldError(
                    "date",
                    f"must be at most {MAX_DAYS_PAST_MODEL} days past the model's last date "
                    f"{last} (latest allowed {latest}), got {anchor}",
                )
            ]
    return []


def _deployment_errors(form: Mapping[str, Any], deployment: Deployment | None) -> list[FieldError]:
    value = form.get("deployment_id")
    if value is None:
        return [FieldError("deployment_id", "is required inside form (an integer deployment id)")]
    if not isinstance(value, int) or isinstance(value, bool):
        return [FieldError("deployment_id", f"must be an integer, got {_show(value)}")]
    if deployment is not None and value != deployment.id:
        return [FieldError("deployment_id", f"is {value}, but the form is checked against deployment {deployment.id}")]
    return []


def _context_errors(entry: ReportType, deployment: Deployment | None) -> list[FieldError]:
    if entry.name != CONTEXT_VARIABLE_REPORT or deployment is None:
        return []
    value = deployment.raw.get(CONTEXT_VARIABLE_FIELD)
    if isinstance(value, (Mapping, list, tuple)) and not value:
        return [
            FieldError(
                "report_type",
                f"{CONTEXT_VARIABLE_REPORT} fails on deployment {deployment.id}: it has no "
                f"context variables ({CONTEXT_VARIABLE_FIELD} is empty)",
            )
        ]
    return []


def check_form(form: Any, deployment: Deployment | None = None) -> list[FieldError]:
    """Every problem of ``form``, in field order; an empty list means the API should accept it."""
    if not isinstance(form, Mapping):
        return [FieldError("form", f"must be an object, got {_show(form)}")]
    errors = _deployment_errors(form, deployment)
    report_type = form.get("report_type")
    if not isinstance(report_type, str) or not report_type:
        missing = FieldError("report_type", f"is required inside form (a report type name), got {_show(report_type)}")
        return errors + [missing]
    entry = resolve(report_type)
    if entry is None:
        return errors
    deployment_id = form.get("deployment_id")
    for spec in entry.fields:
        if spec.name not in form or form[spec.name] is None:
            errors.append(FieldError(spec.name, f"is required for {report_type}: {spec.description}"))
        else:
            errors += _value_errors(spec, form[spec.name], deployment, deployment_id)
    errors += _window_errors(entry, form, deployment)
    return errors + _context_errors(entry, deployment)


def validate_form(form: Any, deployment: Deployment | None = None) -> None:
    """Raise ``FormError`` listing every problem of ``form``; return None when it is fine."""
    errors = check_form(form, deployment)
    if errors:
        report_type = form.get("report_type") if isinstance(form, Mapping) else None
        raise FormError(errors, report_type if isinstance(report_type, str) else None)


def validate_request_body(body: Any, deployment: Deployment | None = None) -> None:
    """Check a whole create-report body: ``{"name"?, "show_in_ui"?, "form": {...}}``."""
    if not isinstance(body, Mapping):
        raise FormError([FieldError("body", f"must be an object, got {_show(body)}")])
    errors: list[FieldError] = []
    if "name" in body and not isinstance(body["name"], str):
        errors.append(FieldError("name", f"must be a string, got {_show(body['name'])}"))
    if "show_in_ui" in body and not isinstance(body["show_in_ui"], bool):
        errors.append(FieldError("show_in_ui", f"must be a JSON boolean, got {_show(body['show_in_ui'])}"))
    form = body.get("form")
    if isinstance(form, Mapping) and "report_type" in body and "report_type" not in form:
        errors.append(
            FieldError(
                "report_type",
                "belongs inside form, not at the top level of the body (the live API rejects the Swagger layout)",
            )
        )
        form = {**form, "report_type": body["report_type"]}
    errors += check_form(form, deployment)
    if errors:
        report_type = form.get("report_type") if isinstance(form, Mapping) else None
        raise FormError(errors, report_type if isinstance(report_type, str) else None)
