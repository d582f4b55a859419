"""The server-side rules behind the API's HTTP 422 answers (RECAST_API.md, "Validation").

Every message names the field and, where there is a closed set, the allowed values. All problems
of a request are reported at once. Report types the simulator does not know pass through with only
``deployment_id`` checked, as the real API must accept types added after our catalog.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .deployments import DeploymentSpec
from .reporttypes import resolve

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GRANULARITIES = ("daily", "weekly", "monthly")
RANGES = (
    ("start_date", "end_date"),
    ("previous_start_date", "previous_end_date"),
    ("period_start_date", "period_end_date"),
)
MAX_DAYS_PAST_MODEL = 730


class ValidationFailed(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


def _labels(labels: tuple[str, ...]) -> str:
    return ", ".join(repr(label) for label in labels) or "(none)"


def _date(form: dict, name: str, errors: list) -> dt.date | None:
    value = form.get(name)
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    errors.append((name, f"{name} must be a date formatted YYYY-MM-DD, got {value!r}"))
    return None


def _channels(name: str, value: Any, allowed: tuple[str, ...], kind: str, errors: list) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        errors.append((name, f"{name} must be a non-empty list of the deployment's {kind} labels: {_labels(allowed)}"))
        return
    unknown = [c for c in value if c not in allowed]
    if unknown:
        errors.append(
            (
                name,
                f"{name} has labels that are not {kind} labels of the deployment: {_labels(tuple(unknown))};"
                f" allowed: {_labels(allowed)}",
            )
        )


def _channel_groups(value: Any, dep: DeploymentSpec, errors: list) -> None:
    shape = 'channel_groups must be a non-empty list of {"name": str, "channels": [upper-funnel labels]}'
    if not isinstance(value, list) or not value:
        errors.append(("channel_groups", shape))
        return
    names = set()
    for i, group in enumerate(value):
        field = f"channel_groups[{i}]"
        if not isinstance(group, dict):
            errors.append((field, f'{field} must be an object {{"name": str, "channels": [...]}}'))
            continue
        name = group.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append((f"{field}.name", f"{field}.name must be a non-empty string"))
        elif name in names:
            errors.append((f"{field}.name", f"{field}.name {name!r} is used by another group; names must be unique"))
        names.add(name)
        _channels(f"{field}.channels", group.get("channels"), dep.upper_funnel, "upper-funnel channel", errors)


def _field(name: str, form: dict, dep: DeploymentSpec, model_end: dt.date, errors: list) -> None:
    value = form[name]
    if name == "granularity" and value not in GRANULARITIES:
        errors.append((name, f"granularity must be one of {', '.join(GRANULARITIES)}; got {value!r}"))
    elif name == "num_days" and (type(value) is not int or not 1 <= value <= 90):
        errors.append((name, f"num_days must be an integer from 1 to 90; got {value!r}"))
    elif name == "date":
        day, latest = _date(form, name, errors), model_end + dt.timedelta(days=MAX_DAYS_PAST_MODEL)
        if day and day > latest:
            errors.append(
                (
                    name,
                    f"date must be on or before {latest} ({MAX_DAYS_PAST_MODEL} days past the model's "
                    f"last date {model_end}); got {value!r}",
                )
            )
    elif name == "channels":
        _channels(name, value, dep.channels, "spend channel", errors)
    elif name == "include_lower_funnel_effects" and value not in ("true", "false"):
        errors.append(
            (
                name,
                f'include_lower_funnel_effects must be the string "true" or "false" '
                f"(not a JSON boolean); got {value!r}",
            )
        )
    elif name == "channel_groups":
        _channel_groups(value, dep, errors)
    elif name == "spend" and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
        errors.append((name, f"spend must be a non-negative number; got {value!r}"))
    elif name == "include_spikes" and not isinstance(value, bool):
        errors.append((name, f"include_spikes must be a JSON boolean (true or false); got {value!r}"))


def _date_order(form: dict, fields: tuple[str, ...], errors: list) -> None:
    checked: dict[str, dt.date | None] = {}
    for name in fields:
        if name.endswith("date") and name != "date":
            checked[name] = _date(form, name, errors)
    for start, end in RANGES:
        if (since := checked.get(start)) and (until := checked.get(end)) and until <= since:
            errors.append((end, f"{end} must be after {start}; got {start}={form[start]} and {end}={form[end]}"))
    prev_end, period_start = checked.get("previous_end_date"), checked.get("period_start_date")
    if prev_end and period_start and prev_end >= period_start:
        errors.append(
            (
                "previous_end_date",
                f"previous_end_date must be before period_start_date; got "
                f"{form['previous_end_date']} and {form['period_start_date']}",
            )
        )


def _deployment(form: dict, errors: list, registry) -> Any:
    value = form.get("deployment_id")
    if value is None:
        errors.append(("deployment_id", "deployment_id is required inside form"))
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        errors.append(("deployment_id", f"deployment_id must be an integer; got {value!r}"))
        return None
    record = registry.get(int(value))
    if record is None:
        known = ", ".join(str(i) for i in registry.ids())
        errors.append(("deployment_id", f"deployment_id {value} is not a deployment of this client; known: {known}"))
    return record


def validate_create(body: Any, registry) -> tuple[dict[str, Any], str | None]:
    """(form, name) of a valid create request; raises :class:`ValidationFailed` otherwise.
    ``registry`` looks deployments up (``get(id)`` -> record with ``spec`` and ``end_date``, ``ids()``)."""
    errors: list[tuple[str, str]] = []
    if not isinstance(body, dict):
        raise ValidationFailed([("body", 'the request body must be a JSON object {"name", "show_in_ui", "form"}')])
    if "report_type" in body:
        errors.append(("report_type", "report_type must be inside form, not at the top level of the request"))
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        errors.append(("name", f"name must be a string; got {name!r}"))
    if "show_in_ui" in body and not isinstance(body["show_in_ui"], bool):
        errors.append(("show_in_ui", f"show_in_ui must be a JSON boolean; got {body['show_in_ui']!r}"))
    form = body.get("form")
    if not isinstance(form, dict):
        errors.append(("form", "form is required and must be a JSON object"))
        raise ValidationFailed(errors)
    report_type = form.get("report_type")
    if not isinstance(report_type, str) or not report_type:
        errors.append(("report_type", "report_type is required inside form (a string such as 'compute_spend_summary')"))
    record = _deployment(form, errors, registry)
    found = resolve(report_type) if isinstance(report_type, str) else None
    if found and record:
        fields = found[1].fields
        missing = [f for f in fields if f not in form]
        for f in missing:
            errors.append((f, f"{f} is required for {report_type}"))
        present = tuple(f for f in fields if f not in missing)
        _date_order(form, present, errors)
        for f in present:
            _field(f, form, record.spec, record.end_date, errors)
    if errors:
        raise ValidationFailed(errors)
    return form, name
