"""Which deployment stands for each dashboard right now (no Dagster).

Why: partitions are keyed by dashboard, a name that survives model refreshes; Recast keeps one
active deployment per dashboard and may replace it on a refresh. So every run, sensor tick and the
demo resolve a dashboard to its current deployment when they start, and record that deployment
as data. ``RECAST_DEPLOYMENT_IDS`` pins exact deployments instead: each stands for its dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.errors import ConfigurationError, NotFoundError


@dataclass
class DashboardResolver:
    """Resolves dashboards for one run or tick, caching every answer (a few GETs in all)."""

    client: RecastClient
    dashboards: tuple[str, ...] = ()  # RECAST_DASHBOARDS: which dashboards to load (empty: all active)
    pinned: tuple[int, ...] = ()  # RECAST_DEPLOYMENT_IDS
    _details: dict[int, Deployment] = field(default_factory=dict)
    _current: dict[str, Deployment] | None = None

    def detail(self, deployment_id: int) -> Deployment:
        """A deployment's full detail (labels, dates, context variables), fetched once."""
        if deployment_id not in self._details:
            try:
                self._details[deployment_id] = self.client.get_deployment(deployment_id)
            except NotFoundError:
                raise ConfigurationError(
                    f"deployment {deployment_id} (RECAST_DEPLOYMENT_IDS) does not exist on Recast"
                ) from None
        return self._details[deployment_id]

    def current(self) -> dict[str, Deployment]:
        """Every dashboard Recast has now and the deployment that stands for it (pins win)."""
        if self._current is None:
            current = dict(self.client.active_deployments())
            for deployment_id in self.pinned:
                pinned = self.detail(deployment_id)
                current[pinned.dashboard] = pinned
            self._current = current
        return self._current

    def selected(self) -> dict[str, Deployment]:
        """The dashboards to load: RECAST_DASHBOARDS, or the pinned ones, or every active one."""
        current = self.current()
        if self.dashboards:
            wanted: Iterable[str] = self.dashboards
        elif self.pinned:
            wanted = [self.detail(i).dashboard for i in self.pinned]
        else:
            wanted = current
        return {name: current[name] for name in wanted if name in current}

    def missing(self) -> list[str]:
        """Dashboards named in RECAST_DASHBOARDS that Recast has no active deployment for."""
        return [name for name in self.dashboards if name not in self.current()]

    def deployment_for(self, dashboard: str) -> Deployment:
        """The detail of the deployment a run for ``dashboard`` must use, or a clear error."""
        deployment = self.current().get(dashboard)
        if deployment is None:
            known = ", ".join(sorted(self.current())) or "none"
            raise ConfigurationError(
                f"dashboard {dashboard!r} has no active deployment on Recast (dashboards with one: {known})"
            )
        return deployment if deployment.has_detail else self.detail(deployment.id)
