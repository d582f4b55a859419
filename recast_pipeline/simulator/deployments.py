"""The simulated client's dashboards, their model specs and KPIs (the default world of RECAST_API.md).

Two dashboards cover both paths of the API: ``revenue`` (deployment 5716, active) has context
variables and a lower-funnel channel, and an older inactive deployment 5715 of the same model;
``signups`` (5717) has neither, so the documented ``error`` path exists. Labels carry the characters
real labels carry: a comma ("Podcasts, Audio") that forces CSV quoting and an ampersand that must be
URL-encoded in keys. The live deployment records (active flags, model dates) live in ``registry.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class DeploymentSpec:
    id: int
    name: str
    kpi_name: str
    upper_funnel: tuple[str, ...]
    lower_funnel: tuple[str, ...]
    context_variables: tuple[str, ...]
    spend_scale: float  # average daily spend of a channel, in dollars
    geos: tuple[str, ...]
    dashboard_slug: str = ""
    non_spend: tuple[str, ...] = ()
    context_defaults: tuple[float, ...] = ()  # default of each context variable, same order
    currency: tuple[str, str] = ("$", "USD")  # (symbol, name)
    seed_id: int | None = None  # the id whose observed data this model fits

    @property
    def channels(self) -> tuple[str, ...]:
        """All spend channels (``spend_channels_labels``): upper funnel first, then lower funnel."""
        return self.upper_funnel + self.lower_funnel

    @property
    def data_id(self) -> int:
        """Seeds the observed data: every deployment of a dashboard models the same data."""
        return self.id if self.seed_id is None else self.seed_id


@dataclass(frozen=True)
class KpiSpec:
    name: str
    dashboard_slug: str

    def kpi_id(self, seed: int) -> str:
        """A UUID string, deterministic per seed (the API's KPI ids are UUIDs, not integers)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"recast-simulator/{seed}/kpi/{self.name}"))


REVENUE = DeploymentSpec(
    id=5716,
    name="Acme Revenue (US)",
    kpi_name="Revenue",
    upper_funnel=("Paid Social", "Linear TV", "Podcasts, Audio", "Display", "Affiliate & Partners"),
    lower_funnel=("Branded Search",),
    context_variables=("Price Index", "Brand Awareness"),
    spend_scale=4200.0,
    geos=("US-Northeast", "US-South", "US-Midwest", "US-West"),
    dashboard_slug="revenue",
    non_spend=("Email Newsletter", "Organic Social"),
    context_defaults=(100.0, 40.0),
)
SIGNUPS = DeploymentSpec(
    id=5717,
    name="Acme New Customers (CA)",
    kpi_name="New Customers",
    upper_funnel=("Paid Social", "Linear TV", "Non-Brand Search", "Direct Mail"),
    lower_funnel=(),
    context_variables=(),
    spend_scale=1300.0,
    geos=("CA-East", "CA-West"),
    dashboard_slug="signups",
    currency=("$", "CAD"),
)
OLDER_REVENUE_ID = 5715  # the revenue dashboard's previous, now inactive, deployment

DEPLOYMENTS: tuple[DeploymentSpec, ...] = (REVENUE, SIGNUPS)  # the initially active ones
DASHBOARDS: tuple[str, ...] = tuple(d.dashboard_slug for d in DEPLOYMENTS)
KPIS: tuple[KpiSpec, ...] = (KpiSpec("Revenue", "revenue"), KpiSpec("New Customers", "signups"))


def kpi_json(kpi: KpiSpec, seed: int, deployment_ids: list[int]) -> dict:
    """A KPI detail (list rows are the same): its deployments are every deployment of its dashboard."""
    depvar = kpi.name.lower().replace(" ", "_")
    return {
        "id": kpi.kpi_id(seed),
        "name": kpi.name,
        "slug": depvar,
        "depvar_configurations": [{"deployment_id": dep_id, "name": kpi.name, "depvar": depvar, "is_primary": True}
                                  for dep_id in deployment_ids],
    }
