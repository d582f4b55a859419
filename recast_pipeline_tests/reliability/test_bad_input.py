"""Group 11: bad user input gets a clear error before anything is created on Recast."""

from __future__ import annotations

import dagster as dg
import pytest

from recast_pipeline.orchestration.resources import RecastResource

from .helpers import SPEND, Pipeline, failure_text

MONTH = "2026-09-01"
GROUPS = "compute_grouped_channel_summaries"

# (asset, its inputs, what the error must say)
INVALID_INPUTS = {
    "num_days_too_small": ("compute_spend_response_curves", {"num_days": 0}, ["num_days", "from 1 to 90", "0"]),
    "num_days_too_large": ("compute_spend_response_curves", {"num_days": 91}, ["num_days", "from 1 to 90", "91"]),
    "granularity": (
        "compute_share_of_spend_vs_effect",
        {"granularity": "hourly"},
        ["granularity", "daily, weekly, monthly", "hourly"],
    ),
    "no_channels": ("compute_upper_funnel_details", {"channels": []}, ["channels", "non-empty"]),
    "unknown_channel": ("compute_daily_spend_vs_KPI", {"channels": ["Radio"]}, ["channels", "'Radio'", "'Linear TV'"]),
    "lower_funnel_in_group": (
        GROUPS,
        {"channel_groups": [{"name": "LF", "channels": ["Branded Search"]}]},
        ["channel_groups", "Branded Search", "include_lower_funnel_effects"],
    ),
    "empty_group": (GROUPS, {"channel_groups": [{"name": "G", "channels": []}]}, ["channel_groups", "non-empty"]),
    "unnamed_group": (
        GROUPS,
        {"channel_groups": [{"name": "", "channels": ["Linear TV"]}]},
        ["channel_groups", "name", "non-empty string"],
    ),
    "missing_source_report": (
        "compute_spend_summary",
        {"from_report_id": 999999},
        ["from_report_id 999999: no such report", "404"],
    ),
}


def _only_reads(sim) -> bool:
    """Nothing but deployment (and source report) reads reached Recast: no create, no listing."""
    calls = sim.stats()["calls"]
    return sim.stats()["creates"] == 0 and set(calls) <= {"deployments", "show"}


@pytest.mark.parametrize("case", list(INVALID_INPUTS))
def test_invalid_input_fails_naming_the_field_before_any_report_is_created(sim, tmp_path, case):
    report_type, inputs, says = INVALID_INPUTS[case]
    asset = dg.AssetKey(["recast", report_type])
    # a valid asset in the same run: forms are all checked first, so it is not created either
    result = Pipeline(sim, tmp_path / "data").run(asset, SPEND, month=MONTH, config={report_type: inputs})

    assert not result.success
    text = failure_text(result)
    for fragment in says:
        assert fragment in text, (fragment, text[:1500])
    assert _only_reads(sim), sim.stats()["calls"]
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_source_report_of_another_type_is_refused(sim, tmp_path):
    [source] = [r for r in sim.store.listing("compute_spend_summary", True)][:1]
    config = {"compute_insights_overview": {"from_report_id": source.id}}
    result = Pipeline(sim, tmp_path / "data").run(
        dg.AssetKey(["recast", "compute_insights_overview"]), month=MONTH, config=config
    )
    assert not result.success
    assert (
        f"from_report_id {source.id} is a compute_spend_summary report, not compute_insights_overview"
        in failure_text(result)
    )
    assert _only_reads(sim)


@pytest.mark.parametrize(
    "config, says",
    [
        ({"compute_spend_response_curves": {"num_days": "fourteen"}}, "num_days"),
        ({"compute_spend_summary": {"chanels": ["Linear TV"]}}, "chanels"),
        ({"compute_not_a_type": {}}, "compute_not_a_type"),
    ],
)
def test_config_of_the_wrong_shape_is_refused_by_dagster_before_the_run(sim, tmp_path, config, says):
    with pytest.raises(dg.DagsterInvalidConfigError) as caught:
        Pipeline(sim, tmp_path / "data").run(SPEND, month=MONTH, config=config)
    assert says in str(caught.value)
    assert sim.stats()["calls"] == {}


@pytest.mark.parametrize("key", ["2024-01-15", "bogus", "2023-12-01", "2999-01-01"])
def test_bad_partition_key_is_refused_before_any_request(sim, tmp_path, key):
    with pytest.raises(Exception) as caught:
        Pipeline(sim, tmp_path / "data").run(SPEND, month=key)
    assert key in str(caught.value)
    assert sim.stats()["calls"] == {}


def test_bad_partition_range_is_refused_before_any_request(sim, tmp_path):
    with pytest.raises(Exception) as caught:
        Pipeline(sim, tmp_path / "data").run(SPEND, months=("2026-09-01", "2026-13-01"))
    assert "2026-13-01" in str(caught.value)
    assert sim.stats()["calls"] == {}


def test_unknown_dashboard_partition_is_refused_before_any_request(sim, tmp_path):
    with pytest.raises(Exception) as caught:
        Pipeline(sim, tmp_path / "data").run(dashboard="nosuchdashboard")
    assert "nosuchdashboard" in str(caught.value)
    assert sim.stats()["calls"] == {}


@pytest.mark.parametrize("missing, says", [("token", "RECAST_PAT"), ("client_slug", "RECAST_CLIENT_SLUG")])
def test_empty_token_or_slug_fails_before_any_request(sim, tmp_path, missing, says):
    result = Pipeline(sim, tmp_path / "data", recast={missing: ""}).run(SPEND, month=MONTH)
    assert not result.success
    assert says in failure_text(result) and "empty" in failure_text(result)
    assert sim.stats()["calls"] == {}


@pytest.mark.parametrize("unset", ["RECAST_PAT", "RECAST_CLIENT_SLUG"])
def test_unset_environment_variable_fails_naming_it_before_any_request(sim, tmp_path, monkeypatch, unset):
    for name in ("RECAST_PAT", "API_PAT", "RECAST_CLIENT_SLUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECAST_BASE_URL", sim.base_url)
    monkeypatch.setenv(
        {"RECAST_PAT": "RECAST_CLIENT_SLUG", "RECAST_CLIENT_SLUG": "RECAST_PAT"}[unset],
        sim.token if unset == "RECAST_CLIENT_SLUG" else "acme",
    )
    pipeline = Pipeline(sim, tmp_path / "data", resource=RecastResource.from_env())
    result = pipeline.run(SPEND, month=MONTH)
    assert not result.success
    assert unset in failure_text(result)
    assert sim.stats()["calls"] == {}


def test_wrong_token_stops_at_the_first_request_with_a_credentials_error(sim, tmp_path):
    result = Pipeline(sim, tmp_path / "data", recast={"token": "gr_wrong_token_0000"}).run(SPEND, month=MONTH)
    assert not result.success
    assert "HTTP 401" in failure_text(result) and "RECAST_PAT" in failure_text(result)
    assert sim.stats()["creates"] == 0 and sum(sim.stats()["calls"].values()) == 1  # not retried
    assert "gr_wrong_token_0000" not in failure_text(result)
