"""Typed views of the JSON objects the Recast API returns.

The API is tolerant-read: unknown fields are kept in ``raw`` and missing optional ones default,
so a new field on Recast's side never breaks a load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

RUNNING_STATUSES = frozenset({"ready", "processing"})
FINAL_STATUSES = frozenset({"success", "error"})


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
        value = self.form.get("deployment_id")
        return int(value) if value is not None else None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Report":
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
    id: int
    name: str
    spend_channels: tuple[str, ...]
    upper_funnel_channels: tuple[str, ...]
    lower_funnel_channels: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Deployment":
        def labels(name: str) -> tuple[str, ...]:
            return tuple(str(x) for x in (data.get(name) or []))

        return cls(
            id=int(data["id"]),
            name=str(data.get("name") or ""),
            spend_channels=labels("spend_channels_labels"),
            upper_funnel_channels=labels("upper_funnel_channel_labels"),
            lower_funnel_channels=labels("lower_funnel_channel_labels"),
            raw=dict(data),
        )


@dataclass(frozen=True)
class Kpi:
    id: int
    name: str
    deployment_ids: tuple[int, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Kpi":
        configs = data.get("depvar_configurations") or []
        ids = tuple(int(c["deployment_id"]) for c in configs if c.get("deployment_id") is not None)
        return cls(id=int(data["id"]), name=str(data.get("name") or ""), deployment_ids=ids, raw=dict(data))
