"""Every documented 422 rule of the simulator, in process (Starlette TestClient)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

with warnings.catch_warnings():  # starlette 1.x nudges towards httpx2; httpx works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from recast_pipeline.simulator.app import create_app
from recast_pipeline.simulator.config import SimulatorConfig

DATA_END = dt.date(2025, 6, 30)
R = {"start_date": "2024-01-01", "end_date": "2024-03-31"}


@pytest.fixture(scope="module")
def client():
    config = SimulatorConfig(
        token="gr_test_secret_token_123", client_slug="acme", latency=0.05, jitter=0, data_end=DATA_END
    )
    with TestClient(
        create_app(config),
        base_url="http://sim/v1/clients/acme",
        headers={"Authorization": "Bearer gr_test_secret_token_123"},
    ) as test_client:
        yield test_client


def form(report_type: str, **fields) -> dict:
    return {"deployment_id": 5716, "report_type": report_type, **fields}


def rejected(client, body, field: str, *words: str) -> dict:
    response = client.post("/reports", json=body)
    assert response.status_code == 422, response.text
    data = response.json()
    assert data["error"] == "unprocessable_entity"
    fields = [e["field"] for e in data["errors"]]
    assert field in fields, data
    message = next(e["message"] for e in data["errors"] if e["field"] == field)
    assert field.split("[")[0].split(".")[-1] in message or field in message
    for word in words:
        assert word in message, message
    assert message in data["message"]
    return data


def test_report_type_at_top_level_is_rejected_naming_it(client):
    body = {"report_type": "compute_spend_summary", "form": {"deployment_id": 5716, **R}}
    data = rejected(client, body, "report_type", "inside form")
    assert any("report_type is required" in e["message"] for e in data["errors"])
    # even with a correct form, a top-level report_type is what the live API rejects
    rejected(client, {**body, "form": form("compute_spend_summary", **R)}, "report_type", "top level")


def test_body_and_form_shape(client):
    assert (
        client.post("/reports", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400
    )
    rejected(client, [], "body")
    rejected(client, {"name": "x"}, "form")
    rejected(client, {"form": "compute_spend_summary"}, "form")
    rejected(client, {"form": form("compute_spend_summary", **R), "name": 5}, "name")
    rejected(client, {"form": form("compute_spend_summary", **R), "show_in_ui": "yes"}, "show_in_ui")
    rejected(client, {"form": {"deployment_id": 5716, **R}}, "report_type")


def test_deployment_id_required_known_and_integer(client):
    rejected(client, {"form": {"report_type": "compute_spend_summary", **R}}, "deployment_id", "required")
    rejected(client, {"form": form("compute_spend_summary", **R) | {"deployment_id": 1}}, "deployment_id", "5716")
    rejected(client, {"form": form("compute_spend_summary", **R) | {"deployment_id": "abc"}}, "deployment_id")
    rejected(client, {"form": {"report_type": "brand_new_type"}}, "deployment_id")


@pytest.mark.parametrize("value", ["2024/01/01", "2024-1-1", "2024-02-30", 20240101, None, "yesterday"])
def test_dates_must_be_yyyy_mm_dd(client, value):
    rejected(
        client,
        {"form": form("compute_spend_summary", start_date=value, end_date="2024-03-31")},
        "start_date",
        "YYYY-MM-DD",
    )


@pytest.mark.parametrize("end", ["2024-01-01", "2023-12-31"])
def test_end_date_must_be_after_start_date(client, end):
    rejected(
        client,
        {"form": form("compute_spend_summary", start_date="2024-01-01", end_date=end)},
        "end_date",
        "after start_date",
    )


def test_required_fields_per_type_are_named(client):
    data = rejected(client, {"form": form("compute_fixed_spend_performance")}, "start_date", "required")
    assert {e["field"] for e in data["errors"]} == {
        "start_date",
        "end_date",
        "channels",
        "spend",
        "include_lower_funnel_effects",
    }
    rejected(client, {"form": form("compute_spend_response_curves", channels=["Display"])}, "num_days", "required")


def test_unknown_types_pass_through_and_alias_is_validated(client):
    assert client.post("/reports", json={"form": form("compute_future_report", anything="goes")}).status_code == 201
    rejected(client, {"form": form("compute_waterfall_summary", start_date="2024-01-01")}, "end_date", "required")
    assert client.post("/reports", json={"form": form("compute_waterfall_summary", **R)}).status_code == 201


def test_compare_time_periods_order(client):
    periods = {
        "previous_start_date": "2024-01-01",
        "previous_end_date": "2024-02-01",
        "period_start_date": "2024-02-01",
        "period_end_date": "2024-03-01",
    }
    rejected(client, {"form": form("compare_time_periods", **periods)}, "previous_end_date", "period_start_date")
    ok = {**periods, "period_start_date": "2024-02-02"}
    assert client.post("/reports", json={"form": form("compare_time_periods", **ok)}).status_code == 201
    rejected(
        client,
        {"form": form("compare_time_periods", **{**ok, "period_end_date": "2024-02-02"})},
        "period_end_date",
        "after period_start_date",
    )
    rejected(
        client,
        {"form": form("compare_time_periods", **{**ok, "previous_start_date": "2024-03-01"})},
        "previous_end_date",
        "after previous_start_date",
    )


@pytest.mark.parametrize("value", ["yearly", "Daily", "", None, 7])
def test_granularity_set(client, value):
    rejected(
        client,
        {"form": form("compute_share_of_spend_vs_effect", **R, granularity=value)},
        "granularity",
        "daily, weekly, monthly",
    )


@pytest.mark.parametrize("value", [0, 91, -1, 30.5, "30", True, None])
def test_num_days_integer_1_to_90(client, value):
    body = {"form": form("compute_spend_response_curves", date="2024-06-01", num_days=value, channels=["Display"])}
    rejected(client, body, "num_days", "1 to 90")


def test_num_days_bounds_accepted(client):
    for days in (1, 90):
        body = {"form": form("compute_spend_response_curves", date="2024-06-01", num_days=days, channels=["Display"])}
        assert client.post("/reports", json=body).status_code == 201


def test_date_up_to_730_days_past_the_models_last_date(client):
    def body(day: dt.date) -> dict:
        return {"form": form("compute_spend_response_curves", date=day.isoformat(), num_days=30, channels=["Display"])}

    limit = DATA_END + dt.timedelta(days=730)
    assert client.post("/reports", json=body(limit)).status_code == 201
    assert client.post("/reports", json=body(dt.date(2023, 2, 1))).status_code == 201
    rejected(client, body(limit + dt.timedelta(days=1)), "date", "730", str(limit))
    rejected(
        client,
        {"form": form("compute_spend_response_curves", date="06/01/2024", num_days=3, channels=["Display"])},
        "date",
        "YYYY-MM-DD",
    )


@pytest.mark.parametrize("value", [[], "Display", ["Display", 3], None])
def test_channels_non_empty_list(client, value):
    rejected(client, {"form": form("compute_upper_funnel_details", **R, channels=value)}, "channels", "non-empty")


def test_channels_must_be_deployment_labels(client):
    data = rejected(
        client,
        {"form": form("compute_upper_funnel_details", **R, channels=["Display", "TikTok"])},
        "channels",
        "'TikTok'",
        "'Podcasts, Audio'",
    )
    assert "'Display'" not in data["errors"][0]["message"].split(";")[0]
    rejected(
        client,
        {"form": {**form("compute_daily_spend_vs_KPI", **R, channels=["Branded Search"]), "deployment_id": 5717}},
        "channels",
        "Branded Search",
    )
    ok = {"form": form("compute_daily_spend_vs_KPI", **R, channels=["Podcasts, Audio", "Branded Search"])}
    assert client.post("/reports", json=ok).status_code == 201


@pytest.mark.parametrize("value", [True, False, "True", "yes", 1, None])
def test_include_lower_funnel_effects_is_the_string_true_or_false(client, value):
    body = {
        "form": form(
            "compute_fixed_spend_performance", **R, channels=["Display"], spend=1000, include_lower_funnel_effects=value
        )
    }
    rejected(client, body, "include_lower_funnel_effects", '"true" or "false"')


@pytest.mark.parametrize(
    "groups, field",
    [
        ([], "channel_groups"),
        ({"name": "x", "channels": ["Display"]}, "channel_groups"),
        (["Display"], "channel_groups[0]"),
        ([{"channels": ["Display"]}], "channel_groups[0].name"),
        ([{"name": "", "channels": ["Display"]}], "channel_groups[0].name"),
        ([{"name": "a", "channels": []}], "channel_groups[0].channels"),
        ([{"name": "a", "channels": "Display"}], "channel_groups[0].channels"),
        ([{"name": "a", "channels": ["Branded Search"]}], "channel_groups[0].channels"),
        ([{"name": "a", "channels": ["Display"]}, {"name": "a", "channels": ["Linear TV"]}], "channel_groups[1].name"),
    ],
)
def test_channel_groups_shape(client, groups, field):
    body = {
        "form": form(
            "compute_grouped_channel_summaries", **R, channel_groups=groups, include_lower_funnel_effects="false"
        )
    }
    rejected(client, body, field)


@pytest.mark.parametrize("value", ["1000", None, True, [1000], -5])
def test_spend_is_a_number(client, value):
    body = {
        "form": form(
            "compute_fixed_spend_performance",
            **R,
            channels=["Display"],
            spend=value,
            include_lower_funnel_effects="false",
        )
    }
    rejected(client, body, "spend", "number")


@pytest.mark.parametrize("value", ["true", 1, None, "false"])
def test_include_spikes_is_a_bool(client, value):
    rejected(client, {"form": form("compute_baseline_summary", **R, include_spikes=value)}, "include_spikes", "boolean")


def test_all_problems_are_reported_at_once(client):
    body = {
        "report_type": "x",
        "form": form(
            "compute_fixed_spend_performance",
            start_date="2024-13-01",
            end_date="2024-01-01",
            channels=[],
            spend="a",
            include_lower_funnel_effects=True,
        ),
    }
    response = client.post("/reports", json=body)
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"report_type", "start_date", "channels", "spend", "include_lower_funnel_effects"}


def test_rejected_creates_create_nothing(client):
    before = client.get("/reports").json()["pagination"]["total_count"]
    client.post("/reports", json={"form": form("compute_spend_summary")})
    assert client.get("/reports").json()["pagination"]["total_count"] == before
