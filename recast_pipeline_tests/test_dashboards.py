"""Which deployment stands for a dashboard: the active one, a pinned one, and clear errors."""

from __future__ import annotations

import pytest

from recast_pipeline.recast.dashboards import DashboardResolver
from recast_pipeline.recast.errors import ConfigurationError


def test_every_dashboard_resolves_to_its_active_deployment_with_its_detail(simulator, connect):
    resolver = DashboardResolver(connect(simulator))
    assert {name: d.id for name, d in resolver.selected().items()} == {"revenue": 5716, "signups": 5717}
    revenue = resolver.deployment_for("revenue")
    assert revenue.id == 5716 and revenue.has_detail and revenue.end_date == simulator.config.data_end


def test_recast_dashboards_selects_and_names_what_is_missing(simulator, connect):
    resolver = DashboardResolver(connect(simulator), dashboards=("signups", "churn"))
    assert list(resolver.selected()) == ["signups"]
    assert resolver.missing() == ["churn"]
    with pytest.raises(ConfigurationError, match="'churn' has no active deployment.*revenue, signups"):
        resolver.deployment_for("churn")


def test_a_pinned_deployment_stands_for_its_dashboard_even_when_inactive(simulator, connect):
    resolver = DashboardResolver(connect(simulator), pinned=(5715,))
    assert {name: d.id for name, d in resolver.selected().items()} == {"revenue": 5715}
    assert resolver.deployment_for("revenue").id == 5715
    assert resolver.deployment_for("signups").id == 5717  # unpinned dashboards keep their active model
    with pytest.raises(ConfigurationError, match="deployment 9999"):
        DashboardResolver(connect(simulator), pinned=(9999,)).selected()


def test_after_a_refresh_the_dashboard_resolves_to_the_new_deployment(simulator, connect):
    refresh = simulator.refresh_model("revenue")
    assert DashboardResolver(connect(simulator)).deployment_for("revenue").id == refresh["deployment_id"] != 5716


def test_deployments_shown_with_id_and_name_only_are_dashboards_named_by_their_ids(simulator_factory, connect):
    """Every listed deployment counts (the inactive 5715 too: nothing says it is inactive)."""
    sim = simulator_factory(readings={"deployment_fields": "id_name"})
    resolver = DashboardResolver(connect(sim))
    assert {name: d.id for name, d in resolver.selected().items()} == {"5715": 5715, "5716": 5716, "5717": 5717}
    revenue = resolver.deployment_for("5716")
    assert revenue.has_detail and revenue.end_date == sim.config.data_end and revenue.refreshed_at is None
    assert revenue.dashboard == "5716" and "Paid Social" in revenue.spend_channels
    chosen = DashboardResolver(connect(sim), dashboards=("5716", "revenue"))
    assert list(chosen.selected()) == ["5716"] and chosen.missing() == ["revenue"]
