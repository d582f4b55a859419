"""Typed views of the JSON objects the Recast API returns.

The API is tolerant-read: unknown fields are kept in ``raw`` and missing optional ones default,
so a new field on Recast's side (or one left out, like a report's ``name``) never breaks a load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Mapping

RUNNING_STATUSES = frozenset({"ready", "processing"})
FINAL_STATUSES = frozenset({"success", "error"})
LABEL_FIELDS = (
    "spend_channels_labels",
    "upper_funnel_channel_labels",
    "lower_funnel_channel_labels",
    "non_spend_channels_labels",
)


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (``Z`` accepted, naive or date-only taken as UTC), else None."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _date(value: Any) -> date | None:
    parsed = parse_timestamp(value)
    return parsed.date() if parsed else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Download:
    key: str
    description: str = ""


@dataclass(frozen=True)
class Report:
    id: int
    name: str
    report_type: str
    status: str
    prerendered: bool
    form: dict[str, Any]
    created_at: str | None
    updated_at: str | None
    downloads: tuple[Download, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def deployment_id(self) -> int | None:
        return _int_or_none(self.form.get("deployment_id"))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        form = dict(data.get("form") or {})
        results = data.get("results") or {}
        downloads = tuple(
            Download(key=str(d["key"]), description=str(d.get("description") or ""))
            for d in (results.get("downloads") or [])
        )
        return cls(
            id=int(data["id"]),
            name=str(data.get("name") or ""),
            report_type=str(data.get("report_type") or form.get("report_type") or ""),
            status=str(data.get("status") or ""),
            prerendered=bool(data.get("prerendered", False)),
            form=form,
            created_at=data.get("created_at"),
            updated_at=data.get("updated_at"),
            downloads=downloads,
            raw=dict(data),
        )


@dataclass(frozen=True)
class Deployment:
    """A model deployment: a list row (summary) or the detail (``has_detail``: labels present)."""

    id: int
    name: str = ""
    dashboard_slug: str | None = None
    active: bool | None = None
    model_date: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    spend_channels: tuple[str, ...] = ()
    upper_funnel_channels: tuple[str, ...] = ()
    lower_funnel_channels: tuple[str, ...] = ()
    non_spend_channels: tuple[str, ...] = ()
    context_variables: tuple[str, ...] = ()
    has_detail: bool = False
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def dashboard(self) -> str:
        """The stable partition name: the dashboard slug, or the id as text when there is none."""
        return self.dashboard_slug or str(self.id)

    @property
    def version(self) -> tuple[int, str | None]:
        """The model version: a refresh changes the id (new deployment) or the ``model_date``."""
        return (self.id, self.model_date)

    @property
    def refreshed_at(self) -> datetime | None:
        """When this deployment's latest model version appeared: ``updated_at``, else ``model_date``."""
        return parse_timestamp(self.updated_at) or parse_timestamp(self.model_date)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deployment:
        def labels(name: str) -> tuple[str, ...]:
            return tuple(str(x) for x in (data.get(name) or []))

        defaults = data.get("contextual_variable_defaults")
        active = data.get("active")
        slug = data.get("dashboard_slug")
        return cls(
            id=int(data["id"]),
            name=str(data.get("name") or ""),
            dashboard_slug=str(slug) if slug not in (None, "") else None,
            active=_truth(active) if active is not None else None,
            model_date=_text(data.get("model_date")),
            created_at=_text(data.get("created_at")),
            updated_at=_text(data.get("updated_at")),
            start_date=_date(data.get("start_date")),
            end_date=_date(data.get("end_date")),
            spend_channels=labels("spend_channels_labels"),
            upper_funnel_channels=labels("upper_funnel_channel_labels"),
            lower_funnel_channels=labels("lower_funnel_channel_labels"),
            non_spend_channels=labels("non_spend_channels_labels"),
            context_variables=tuple(str(k) for k in defaults) if isinstance(defaults, (dict, list)) else (),
            has_detail=any(name in data for name in LABEL_FIELDS),
            raw=dict(data),
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _truth(value: Any) -> bool:
    """``true``/``"true"``/``1`` are true: Recast's other APIs stringify scalars."""
    return value.strip().lower() in ("true", "1", "yes") if isinstance(value, str) else bool(value)


@dataclass(frozen=True)
class Kpi:
    """A KPI; ids are UUID strings (integers from older examples are kept as their text)."""

    id: str
    name: str
    deployment_ids: tuple[int, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Kpi:
        configs = data.get("depvar_configurations") or []
        ids = tuple(i for c in configs if (i := _int_or_none(c.get("deployment_id"))) is not None)
        name = data.get("name") or data.get("label") or data.get("slug") or ""
        return cls(id=str(data["id"]), name=str(name), deployment_ids=ids, raw=dict(data))
