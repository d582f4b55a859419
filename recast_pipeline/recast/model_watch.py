"""What changed on Recast since the last look: model refreshes, and months a model now covers.

Why its own module (no Dagster): the documentation leaves open how a refresh shows in the API, so
every reading is detected here and tested without a Dagster instance. A refresh is a dashboard
whose active deployment changed (a new deployment replaced the old one), or whose deployment got
a new ``model_date`` or ``updated_at`` (refit in place), or a pre-rendered report newer than any
seen before. Each look costs requests in proportion to the dashboards watched: one paginated
deployment list, and the newest page of the report list down to the last id seen.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Iterable, Mapping

from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.reuse import parse_timestamp

if TYPE_CHECKING:  # the sensors' module loads with the code location; httpx only when a tick runs
    from recast_pipeline.recast.client import RecastClient

logger = logging.getLogger("recast_pipeline.recast.model_watch")

# Recast re-renders a dashboard's pre-rendered reports after a refresh; those arriving this soon
# after the refresh we already saw belong to it and trigger nothing more.
PRERENDER_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class ModelVersion:
    """A dashboard's model as the API shows it: deployment, model date and last update."""

    deployment_id: int
    model_date: str | None = None
    updated_at: str | None = None

    @classmethod
    def of(cls, deployment: Deployment) -> ModelVersion:
        return cls(deployment.id, deployment.model_date, deployment.updated_at)

    def describe(self) -> str:
        return f"deployment {self.deployment_id}, model {self.model_date or 'date unknown'}"


@dataclass(frozen=True)
class Refresh:
    """A dashboard whose model changed, and how it showed."""

    dashboard: str
    previous: ModelVersion | None
    current: ModelVersion
    reason: str

    @property
    def marker(self) -> str:
        """Unique per refresh: part of run keys, so one refresh is requested once."""
        return f"{self.current.deployment_id}:{self.current.model_date}:{self.current.updated_at}"


@dataclass
class WatchState:
    """The sensor cursor: each dashboard's model version, when it was seen, the newest pre-rendered id."""

    versions: dict[str, ModelVersion] = field(default_factory=dict)
    seen_at: dict[str, str] = field(default_factory=dict)
    prerendered_id: int | None = None

    @classmethod
    def parse(cls, cursor: str | None) -> WatchState:
        if not cursor or not cursor.startswith("{"):
            return cls()  # first tick, or a cursor of an older version of this sensor
        data = json.loads(cursor)
        return cls(
            versions={name: ModelVersion(**value) for name, value in data.get("versions", {}).items()},
            seen_at=dict(data.get("seen_at", {})),
            prerendered_id=data.get("prerendered_id"),
        )

    def serialize(self) -> str:
        versions = {name: asdict(version) for name, version in sorted(self.versions.items())}
        return json.dumps({"versions": versions, "seen_at": self.seen_at, "prerendered_id": self.prerendered_id})


def detect_refreshes(
    state: WatchState, current: Mapping[str, Deployment], now: datetime | None = None
) -> list[Refresh]:
    """Dashboards whose model changed since ``state`` (updated in place). New dashboards are only recorded."""
    now = now or datetime.now(timezone.utc)
    refreshes = []
    for dashboard, deployment in sorted(current.items()):
        version = ModelVersion.of(deployment)
        previous = state.versions.get(dashboard)
        if previous is not None and previous != version:
            refreshes.append(Refresh(dashboard, previous, version, _why(previous, version)))
        if previous != version:
            state.versions[dashboard] = version
            state.seen_at[dashboard] = now.isoformat()
    return refreshes


def _why(previous: ModelVersion, current: ModelVersion) -> str:
    if previous.deployment_id != current.deployment_id:
        return f"deployment {current.deployment_id} replaced {previous.deployment_id}"
    if previous.model_date != current.model_date:
        change = f"{previous.model_date} -> {current.model_date}"
        return f"deployment {current.deployment_id} refitted in place (model {change})"
    return f"deployment {current.deployment_id} updated in place ({previous.updated_at} -> {current.updated_at})"


def prerendered_refreshes(
    client: RecastClient, state: WatchState, current: Mapping[str, Deployment], already: Iterable[str]
) -> list[Refresh]:
    """Refreshes shown only by new pre-rendered reports (ids above the last seen), newest page first.

    Reads the list newest first and stops at the last id seen; if the list turns out not to be
    newest first, it stops there too (and says so) rather than reading the account's history.
    """
    by_deployment: dict[int | None, str] = {
        deployment.id: name for name, deployment in current.items()
    }  # looked up by a report's deployment_id, which may be None
    after, newest, found = state.prerendered_id, state.prerendered_id or 0, {}
    previous_id = None
    for row in client.iter_reports(include_prerendered=True):
        if previous_id is not None and row.id > previous_id:
            logger.warning("the report list is not newest first; pre-rendered reports are not watched")
            break
        previous_id = row.id
        if after is not None and row.id <= after:
            break
        if row.prerendered:
            newest = max(newest, row.id)
            if after is not None:
                found.setdefault(row.id, row)
        if after is None and newest:
            break  # first look: only where Recast stands
    state.prerendered_id = newest or after
    refreshes: dict[str, Refresh] = {}
    settled = set(already)
    for report_id, row in sorted(found.items()):
        if settled | set(refreshes) >= set(current):
            break  # every dashboard is decided: no GET for the rest of its pre-rendered reports
        # created_at first: a re-render makes a new report; what updated_at shows is not documented
        # (it may move on every read, or never)
        stamp = parse_timestamp(row.created_at) or parse_timestamp(row.updated_at)
        if stamp is not None and all(_re_render(stamp, state.seen_at.get(name)) for name in current):
            continue  # a re-render of a refresh already seen, whichever dashboard it belongs to: no GET
        deployment_id = client.get_report(report_id).deployment_id
        dashboard = by_deployment.get(deployment_id)
        if dashboard is None or dashboard in settled or dashboard in refreshes:
            continue
        if stamp is not None and _re_render(stamp, state.seen_at.get(dashboard)):
            continue  # a re-render of the refresh already seen
        version = ModelVersion.of(current[dashboard])
        refreshes[dashboard] = Refresh(dashboard, version, version, f"pre-rendered report {report_id} was re-run")
        state.seen_at[dashboard] = (stamp or datetime.now(timezone.utc)).isoformat()
    return list(refreshes.values())


def _re_render(stamp: datetime, seen_at: str | None) -> bool:
    """Whether a pre-rendered report stamped ``stamp`` belongs to the refresh seen at ``seen_at``."""
    seen = parse_timestamp(seen_at)
    return seen is not None and stamp <= seen + PRERENDER_GRACE


def ready_months(closed_months: Iterable[str], end_date: date | None) -> list[str]:
    """Closed months the model's data covers (its ``end_date`` on or after the month's last day)."""
    months = list(closed_months)
    if end_date is None:
        return months  # the detail does not say: the calendar decides
    return [m for m in months if _last_day(date.fromisoformat(m)) <= end_date]


def _last_day(month: date) -> date:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)
