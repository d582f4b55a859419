"""The live deployment records: which deployment is active per dashboard, model dates, timestamps.

A model refresh either adds a deployment to the dashboard and turns the old one inactive, or keeps
the id and moves its ``model_date``/``updated_at`` (the ``refresh`` reading). Every deployment of a
dashboard models the same observed data; the dashboard's model version (its numbers) goes up by one
per refresh. Timestamps only move forward (at least 1 ms per change), so ``updated_at`` comparisons
are strict even on a fast machine. What a list row and a detail show is a reading
(``deployment_fields``): every documented field, or only ``id`` and ``name`` (and the detail's labels
and dates), as some accounts or older deployments answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from .config import DATA_START, SimulatorConfig
from .data import SPIKES
from .deployments import DEPLOYMENTS, OLDER_REVENUE_ID, REVENUE, DeploymentSpec, world

N_FORECAST = 90
TICK = dt.timedelta(milliseconds=1)
# What deployment_fields=id_name leaves out of a detail (a list row keeps only id and name).
VERSION_FIELDS = ("dashboard_slug", "active", "model_date", "created_at", "updated_at")


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def later(previous: dt.datetime | None) -> dt.datetime:
    """Now, or 1 ms after ``previous`` when the clock has not moved past it."""
    now = dt.datetime.now(dt.timezone.utc)
    return now if previous is None or now > previous else previous + TICK


@dataclass
class DeploymentRecord:
    spec: DeploymentSpec
    active: bool
    version: int  # the dashboard's model version this deployment's numbers come from
    model_date: dt.date
    end_date: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def id(self) -> int:
        return self.spec.id

    @property
    def dashboard(self) -> str:
        return self.spec.dashboard_slug

    def client_dashboard(self, fields: str = "full") -> str:
        """The dashboard as a client names it: the slug, or its id as text where no slug is shown (``id_name``)."""
        return str(self.id) if fields == "id_name" else self.dashboard

    def summary(self, fields: str = "full") -> dict[str, Any]:
        """A list row: no labels (RECAST_API.md: read the detail for those); ``id_name``: id and name only."""
        if fields == "id_name":
            return {"id": self.id, "name": self.spec.name}
        return {
            "id": self.id,
            "dashboard_slug": self.dashboard,
            "active": self.active,
            "model_date": self.model_date.isoformat(),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }

    def detail(self, fields: str = "full") -> dict[str, Any]:
        """The show answer; ``id_name`` keeps labels and dates but nothing that tells the model version."""
        detail = self._detail()
        return {k: v for k, v in detail.items() if k not in VERSION_FIELDS} if fields == "id_name" else detail

    def _detail(self) -> dict[str, Any]:
        spec = self.spec
        spikes = [
            {
                "name": name,
                "dates": [
                    d.isoformat()
                    for y in range(DATA_START.year, self.end_date.year + 1)
                    if DATA_START <= (d := dt.date(y, month, day)) <= self.end_date
                ],
            }
            for name, _group, month, day in SPIKES
        ]
        return {
            **self.summary(),
            "name": spec.name,
            "start_date": DATA_START.isoformat(),
            "end_date": self.end_date.isoformat(),
            "n_forecast": N_FORECAST,
            "spend_channels_labels": list(spec.channels),
            "upper_funnel_channel_labels": list(spec.upper_funnel),
            "lower_funnel_channel_labels": list(spec.lower_funnel),
            "non_spend_channels_labels": list(spec.non_spend),
            "contextual_variable_defaults": dict(zip(spec.context_variables, spec.context_defaults)),
            "spikes": spikes,
            "currency_symbol": spec.currency[0],
            "currency_name": spec.currency[1],
        }


class Registry:
    """Every deployment of the client, thread-safe (the HTTP thread and tests share it)."""

    def __init__(self, config: SimulatorConfig, dashboards: int | None = None):
        self._lock = threading.RLock()
        now = dt.datetime.now(dt.timezone.utc)
        older_end = config.data_end.replace(day=1) - dt.timedelta(days=1)
        older = DeploymentRecord(
            dataclasses.replace(REVENUE, id=OLDER_REVENUE_ID, seed_id=REVENUE.id),
            False,
            0,
            older_end + dt.timedelta(days=3),
            older_end,
            now - dt.timedelta(days=60),
            now - dt.timedelta(days=30),
        )
        self._records = {older.id: older}
        self._data_end = config.data_end
        self.grow(config.readings.dashboards if dashboards is None else dashboards)

    def grow(self, dashboards: int) -> list[DeploymentRecord]:
        """Make the world ``dashboards`` dashboards large (it never shrinks); returns the records added.

        Beyond the documented two, dashboard n's model may trail (its data ending one or two months
        earlier) and was fitted a few days after its data ends: model and data dates differ per dashboard."""
        added = []
        with self._lock:
            for number, spec in enumerate(world(dashboards), start=1):
                if spec.id in self._records:
                    continue
                data_end = self._data_end
                if number > len(DEPLOYMENTS):
                    for _ in range(number % 3):  # the last day of an earlier month
                        data_end = data_end.replace(day=1) - dt.timedelta(days=1)
                now = dt.datetime.now(dt.timezone.utc)
                record = DeploymentRecord(
                    spec, True, 1, data_end + dt.timedelta(days=3 + number % 5), data_end, now, now
                )
                self._records[spec.id] = record
                added.append(record)
        return added

    def get(self, deployment_id: int) -> DeploymentRecord | None:
        with self._lock:
            return self._records.get(deployment_id)

    def ids(self) -> list[int]:
        with self._lock:
            return sorted(self._records)

    def records(self, dashboard: str | None = None) -> list[DeploymentRecord]:
        """By id; only the dashboard's when one is named."""
        with self._lock:
            return [
                self._records[i]
                for i in sorted(self._records)
                if dashboard is None or self._records[i].dashboard == dashboard
            ]

    def active(self) -> list[DeploymentRecord]:
        return [r for r in self.records() if r.active]

    def dashboards(self) -> list[str]:
        return sorted({r.dashboard for r in self.records()})

    def active_for(self, dashboard: str) -> DeploymentRecord:
        return next(r for r in self.records(dashboard) if r.active)

    def dashboard_of(self, key: int | str) -> str:
        """The dashboard named by a slug or by any of its deployments' ids; ValueError otherwise."""
        if isinstance(key, str) and key in self.dashboards():
            return key
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            record = self.get(int(key))
            if record is not None:
                return record.dashboard
        raise ValueError(
            f"refresh needs a dashboard ({', '.join(self.dashboards())}) or a deployment id "
            f"({', '.join(map(str, self.ids()))}); got {key!r}"
        )

    def refresh(self, dashboard: str, mode: str) -> tuple[DeploymentRecord, DeploymentRecord]:
        """(previous active record as it was, now-active record) after a refresh in ``mode``."""
        with self._lock:
            old = self.active_for(dashboard)
            before = dataclasses.replace(old)
            stamp = later(max(r.updated_at for r in self._records.values()))
            model_date = old.model_date + dt.timedelta(days=1)
            if mode == "in_place":
                old.version, old.model_date, old.updated_at = old.version + 1, model_date, stamp
                return before, old
            new_id = max(self._records) + 1
            spec = dataclasses.replace(old.spec, id=new_id, seed_id=old.spec.data_id)
            new = DeploymentRecord(spec, True, old.version + 1, model_date, old.end_date, stamp, stamp)
            old.active, old.updated_at = False, stamp
            self._records[new_id] = new
            return before, new
