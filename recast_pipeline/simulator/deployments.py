"""The simulated client's dashboards, their model specs and KPIs (the default world of RECAST_API.md).

The ``dashboards`` reading grows the world for agency-scale tests: dashboards 3, 4, ... are
``client-003``, ``client-004``, ... (deployments 9003, 9004, ...), each with its own channels (3 to 6
of ``CHANNEL_POOL``, a lower-funnel channel on every third), spend scale and KPI name
(``agency_spec``); ``registry`` gives each its own model and data dates.

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
CHANNEL_POOL = (
    "Paid Social",
    "Linear TV",
    "Podcasts, Audio",
    "Display",
    "Affiliate & Partners",
    "Non-Brand Search",
    "Direct Mail",
    "Connected TV",
    "Influencers 10% Off",
    "Out of Home",
)
AGENCY_BASE_ID = 9000


def agency_spec(number: int) -> DeploymentSpec:
    """Dashboard ``number`` (3, 4, ...) of an agency-sized world: its own channels, scale and KPI."""
    start, count = (number * 3) % len(CHANNEL_POOL), 3 + number % 4
    return DeploymentSpec(
        id=AGENCY_BASE_ID + number,
        name=f"Agency Client {number:03d}",
        kpi_name="Orders" if number % 2 else "Revenue",
        upper_funnel=tuple(CHANNEL_POOL[(start + j) % len(CHANNEL_POOL)] for j in range(count)),
        lower_funnel=("Branded Search",) if number % 3 == 0 else (),
        context_variables=(),
        spend_scale=400.0 + 150.0 * (number % 11),
        geos=("US",),
        dashboard_slug=f"client-{number:03d}",
    )


def world(dashboards: int) -> tuple[DeploymentSpec, ...]:
    """The initially active deployments of a world of ``dashboards`` dashboards (the first two documented)."""
    return (*DEPLOYMENTS, *(agency_spec(n) for n in range(len(DEPLOYMENTS) + 1, dashboards + 1)))[:dashboards]


def kpis(specs: tuple[DeploymentSpec, ...]) -> list[KpiSpec]:
    extra = [KpiSpec(f"{s.kpi_name} ({s.dashboard_slug})", s.dashboard_slug) for s in specs if s not in DEPLOYMENTS]
    return [*KPIS, *extra]


def kpi_json(kpi: KpiSpec, seed: int, deployment_ids: list[int]) -> dict:
    """A KPI detail (list rows are the same): its deployments are every deployment of its dashboard."""
    depvar = kpi.name.lower().replace(" ", "_")
    return {
        "id": kpi.kpi_id(seed),
        "name": kpi.name,
        "slug": depvar,
        "depvar_configurations": [
            {"deployment_id": dep_id, "name": kpi.name, "depvar": depvar, "is_primary": True}
            for dep_id in deployment_ids
        ],
    }
