"""The simulated client's model deployments and KPIs.

Two deployments cover both paths of the API: 5716 has context variables and a lower-funnel channel
(so context-variable summaries succeed and lower-funnel waterfalls have content); 5717 has neither
(so the documented ``error`` path exists). Labels carry the characters real labels carry: a comma
("Podcasts, Audio") that forces CSV quoting and an ampersand that must be URL-encoded in keys.
"""

from __future__ import annotations

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

    @property
    def channels(self) -> tuple[str, ...]:
        """All spend channels (``spend_channels_labels``): upper funnel first, then lower funnel."""
        return self.upper_funnel + self.lower_funnel


@dataclass(frozen=True)
class KpiSpec:
    id: int
    name: str
    deployment_ids: tuple[int, ...]


DEPLOYMENTS: tuple[DeploymentSpec, ...] = (
    DeploymentSpec(
        id=5716,
        name="Acme Revenue (US)",
        kpi_name="Revenue",
        upper_funnel=("Paid Social", "Linear TV", "Podcasts, Audio", "Display", "Affiliate & Partners"),
        lower_funnel=("Branded Search",),
        context_variables=("Price Index", "Brand Awareness"),
        spend_scale=4200.0,
        geos=("US-Northeast", "US-South", "US-Midwest", "US-West"),
    ),
    DeploymentSpec(
        id=5717,
        name="Acme New Customers (CA)",
        kpi_name="New Customers",
        upper_funnel=("Paid Social", "Linear TV", "Non-Brand Search", "Direct Mail"),
        lower_funnel=(),
        context_variables=(),
        spend_scale=1300.0,
        geos=("CA-East", "CA-West"),
    ),
)

KPIS: tuple[KpiSpec, ...] = (
    KpiSpec(id=301, name="Revenue", deployment_ids=(5716,)),
    KpiSpec(id=302, name="New Customers", deployment_ids=(5717,)),
)

DEPLOYMENTS_BY_ID = {d.id: d for d in DEPLOYMENTS}
KPIS_BY_ID = {k.id: k for k in KPIS}


def kpi_json(kpi: KpiSpec) -> dict:
    return {
        "id": kpi.id,
        "name": kpi.name,
        "depvar_configurations": [
            {"deployment_id": dep_id, "depvar": kpi.name.lower().replace(" ", "_"), "is_primary": i == 0}
            for i, dep_id in enumerate(kpi.deployment_ids)
        ],
    }
