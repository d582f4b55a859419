"""Local form validation: one failing and one passing case for every 422 rule of RECAST_API.md."""

from __future__ import annotations

from datetime import date

import pytest

from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.catalog import REPORT_TYPES
from recast_pipeline.recast.forms import build_form
from recast_pipeline.recast.validation import (
    FieldError,
    FormError,
    check_form,
    validate_form,
    validate_request_body,
)

DEPLOYMENT = Deployment.from_json(
    {
        "id": 5716,
        "spend_channels_labels": ["Meta", "TV - Linear", "Podcasts", "Branded Search"],
        "upper_funnel_channel_labels": ["Meta", "TV - Linear", "Podcasts"],
        "lower_funnel_channel_labels": ["Branded Search"],
        "last_date": "2024-06-30",
        "contextual_variable_defaults": {"price": 1.0},
    }
)
BARE = Deployment.from_json({"id": 5717, "spend_channels_labels": ["Meta", "TV"], "contextual_variable_defaults": {}})


def form(type_name: str, **changes):
    """A valid default form for January 2024 with ``changes`` applied (a value of ... removes the field)."""
    base = build_form(type_name, DEPLOYMENT, date(2024, 1, 1))
    base.update(changes)
    return {name: value for name, value in base.items() if value is not ...}


def fields_of(errors):
    return [error.field for error in errors]


def assert_rejected(bad_form, field, *fragments, deployment=DEPLOYMENT):
    with pytest.raises(FormError) as caught:
        validate_form(bad_form, deployment)
    assert field in fields_of(caught.value.errors), caught.value.errors
    message = next(error.message for error in caught.value.errors if error.field == field)
    for fragment in fragments:
        assert fragment in message, message
    return caught.value


def test_form_error_lists_every_problem():
    error = assert_rejected(
        form("compute_share_of_spend_vs_effect", deployment_id="5716", start_date="2024/01/01", granularity="hourly"),
        "granularity",
    )
    assert isinstance(error, ValueError)
    assert fields_of(error.errors) == ["deployment_id", "start_date", "granularity"]
    assert all(isinstance(item, FieldError) for item in error.errors)
    assert error.report_type == "compute_share_of_spend_vs_effect"
    text = str(error)
    assert "3 problem" in text and "compute_share_of_spend_vs_effect" in text
    for item in error.errors:
        assert str(item) in text
    assert str(FieldError("a", "b")) == "a: b"


@pytest.mark.parametrize("bad", [..., None, "5716", 5716.0, True])
def test_deployment_id_is_a_required_integer(bad):
    assert_rejected(form("compute_clean_data", deployment_id=bad), "deployment_id", "integer")
    validate_form(form("compute_clean_data"), DEPLOYMENT)


def test_deployment_id_must_match_the_deployment_checked_against():
    assert_rejected(form("compute_clean_data", deployment_id=5717), "deployment_id", "5716")
    validate_form(form("compute_clean_data", deployment_id=5717))  # no deployment: nothing to compare


@pytest.mark.parametrize("bad", [..., None, "", 7])
def test_report_type_is_required_inside_the_form(bad):
    assert_rejected(form("compute_clean_data", report_type=bad), "report_type", "inside form")
    validate_form(form("compute_clean_data"), DEPLOYMENT)


@pytest.mark.parametrize(
    ("report_type", "field"),
    [(name, spec.name) for name, entry in REPORT_TYPES.items() for spec in entry.fields],
)
def test_every_required_field_is_required(report_type, field):
    assert_rejected(form(report_type, **{field: ...}), field, "required", report_type)
    assert_rejected(form(report_type, **{field: None}), field, "required")
    validate_form(form(report_type), DEPLOYMENT)


@pytest.mark.parametrize(
    "bad",
    [
        "2024/01/01",
        "2024-1-01",
        "20240101",
        "01-01-2024",
        "2024-02-30",
        "2023-02-29",
        "2024-13-01",
        "2024-01-01T00:00:00",
        20240101,
        date(2024, 1, 1),
        "２０２４-01-01",
    ],
)
def test_dates_are_real_yyyy_mm_dd(bad):
    assert_rejected(form("compute_spend_summary", start_date=bad), "start_date", "YYYY-MM-DD")
    assert_rejected(form("compute_spend_response_curves", date=bad), "date", "YYYY-MM-DD")
    validate_form(form("compute_spend_summary", start_date="2023-12-31", end_date="2024-02-29"), DEPLOYMENT)


@pytest.mark.parametrize("end", ["2024-01-10", "2024-01-09"])
def test_end_date_must_be_after_start_date(end):
    assert_rejected(
        form("compute_spend_summary", start_date="2024-01-10", end_date=end), "end_date", "after start_date"
    )
    validate_form(form("compute_spend_summary", start_date="2024-01-10", end_date="2024-01-11"), DEPLOYMENT)


@pytest.mark.parametrize("previous_end", ["2024-02-01", "2024-02-15"])
def test_previous_period_ends_strictly_before_the_period(previous_end):
    bad = form(
        "compare_time_periods",
        previous_start_date="2024-01-01",
        previous_end_date=previous_end,
        period_start_date="2024-02-01",
        period_end_date="2024-02-29",
    )
    assert_rejected(bad, "previous_end_date", "strictly before period_start_date")
    validate_form({**bad, "previous_end_date": "2024-01-31"}, DEPLOYMENT)


def test_each_compared_period_is_ordered():
    assert_rejected(
        form("compare_time_periods", previous_start_date="2024-01-31", previous_end_date="2024-01-01"),
        "previous_end_date",
        "after previous_start_date",
    )
    assert_rejected(
        form("compare_time_periods", period_start_date="2024-01-31", period_end_date="2024-01-31"),
        "period_end_date",
        "after period_start_date",
    )
    validate_form(form("compare_time_periods"), DEPLOYMENT)


@pytest.mark.parametrize("bad", ["hourly", "Weekly", "", 7, None])
def test_granularity_is_daily_weekly_or_monthly(bad):
    field = "granularity"
    if bad is None:
        assert_rejected(form("compute_share_of_spend_vs_effect", granularity=bad), field, "required")
    else:
        assert_rejected(form("compute_share_of_spend_vs_effect", granularity=bad), field, "daily, weekly, monthly")
    for good in ("daily", "weekly", "monthly"):
        validate_form(form("compute_share_of_spend_vs_effect", granularity=good), DEPLOYMENT)


@pytest.mark.parametrize("bad", [0, 91, -1, True, 14.0, "14"])
def test_num_days_is_an_integer_from_1_to_90(bad):
    assert_rejected(form("compute_spend_response_curves", num_days=bad), "num_days", "integer from 1 to 90")
    for good in (1, 14, 90):
        validate_form(form("compute_spend_response_curves", num_days=good), DEPLOYMENT)


def test_anchor_date_at_most_730_days_past_the_models_last_date():
    assert_rejected(form("compute_spend_response_curves", date="2026-07-01"), "date", "730 days", "2024-06-30")
    for good in ("2026-06-30", "2019-01-31", "2024-06-30"):
        validate_form(form("compute_spend_response_curves", date=good), DEPLOYMENT)
    unknown_last_date = Deployment.from_json({"id": 5716, "spend_channels_labels": list(DEPLOYMENT.spend_channels)})
    validate_form(form("compute_spend_response_curves", date="2030-01-31"), unknown_last_date)
    as_datetime = Deployment.from_json({**unknown_last_date.raw, "model_last_date": "2024-06-30T00:00:00Z"})
    assert_rejected(form("compute_spend_response_curves", date="2030-01-31"), "date", deployment=as_datetime)


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("Meta", "non-empty list"),
        ([], "non-empty list"),
        ((), "non-empty list"),
        ([1, "Meta"], "strings"),
        (["Meta", "Snapchat"], "'Snapchat'"),
        (["meta"], "'meta'"),
        (["TV"], "'TV'"),
    ],
)
def test_channels_are_a_non_empty_list_of_the_deployments_labels(bad, fragment):
    for report_type in ("compute_roi_cpa_waterfall_plots", "compare_shift_curves", "compute_spend_response_curves"):
        error = assert_rejected(form(report_type, channels=bad), "channels", fragment)
    if isinstance(bad, list) and bad and all(isinstance(x, str) for x in bad):
        assert "allowed (exact spelling): 'Meta', 'TV - Linear', 'Podcasts', 'Branded Search'" in str(error)
    validate_form(form("compute_roi_cpa_waterfall_plots", channels=["Branded Search", "TV - Linear"]), DEPLOYMENT)
    validate_form(form("compute_upper_funnel_details", channels=["Meta"]), DEPLOYMENT)


def test_channels_are_only_shape_checked_without_a_deployment():
    validate_form(form("compute_roi_cpa_waterfall_plots", channels=["Snapchat"]))
    assert_rejected(form("compute_roi_cpa_waterfall_plots", channels=[]), "channels", deployment=None)


@pytest.mark.parametrize("bad", [True, False, "True", "yes", 1, ""])
def test_include_lower_funnel_effects_is_the_string_true_or_false(bad):
    for report_type in ("compute_fixed_spend_performance", "compute_grouped_channel_summaries"):
        assert_rejected(
            form(report_type, include_lower_funnel_effects=bad), "include_lower_funnel_effects", '"true" or "false"'
        )
        for good in ("true", "false"):
            validate_form(form(report_type, include_lower_funnel_effects=good), DEPLOYMENT)


GROUP = "compute_grouped_channel_summaries"


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [
        ([], "channel_groups", "non-empty list"),
        ({"name": "x", "channels": ["Meta"]}, "channel_groups", "non-empty list"),
        (["Meta"], "channel_groups[0]", "object"),
        ([{"channels": ["Meta"]}], "channel_groups[0].name", "non-empty string"),
        ([{"name": " ", "channels": ["Meta"]}], "channel_groups[0].name", "non-empty string"),
        (
            [{"name": "a", "channels": ["Meta"]}, {"name": "b", "channels": []}],
            "channel_groups[1].channels",
            "non-empty",
        ),
        ([{"name": "a"}], "channel_groups[0].channels", "non-empty"),
        ([{"name": "a", "channels": ["Snapchat"]}], "channel_groups[0].channels", "'Snapchat'"),
        ([{"name": "a", "channels": ["Branded Search"]}], "channel_groups[0].channels", "upper-funnel"),
    ],
)
def test_channel_groups_shape_and_upper_funnel_labels(bad, field, fragment):
    assert_rejected(form(GROUP, channel_groups=bad), field, fragment)
    good = [
        {"name": "Paid Social", "channels": ["Meta"]},
        {"name": "Audio - Video", "channels": ["Podcasts", "TV - Linear"]},
    ]
    validate_form(form(GROUP, channel_groups=good), DEPLOYMENT)


def test_lower_funnel_label_is_named_with_the_allowed_upper_funnel_labels():
    error = assert_rejected(
        form(GROUP, channel_groups=[{"name": "a", "channels": ["Meta", "Branded Search"]}]),
        "channel_groups[0].channels",
        "'Branded Search'",
    )
    assert "label(s) 'Branded Search' for deployment 5716" in str(error)
    assert "allowed (exact spelling): 'Meta', 'TV - Linear', 'Podcasts';" in str(error)
    assert "include_lower_funnel_effects" in str(error)


@pytest.mark.parametrize("bad", [True, "1.0", float("nan"), float("inf"), None, [1]])
def test_spend_is_a_number(bad):
    field = "spend"
    assert_rejected(form("compute_fixed_spend_performance", spend=bad), field)
    for good in (0, 1, 2.5, 10_000):
        validate_form(form("compute_fixed_spend_performance", spend=good), DEPLOYMENT)


@pytest.mark.parametrize("bad", ["true", 1, 0, "false"])
def test_include_spikes_is_a_json_boolean(bad):
    assert_rejected(form("compute_baseline_summary", include_spikes=bad), "include_spikes", "JSON boolean")
    for good in (True, False):
        validate_form(form("compute_baseline_summary", include_spikes=good), DEPLOYMENT)


def test_context_variable_summary_needs_context_variables_when_known():
    bad = {
        "deployment_id": 5717,
        "report_type": "compute_context_variable_summary",
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
    }
    assert_rejected(
        bad, "report_type", "no context variables", "contextual_variable_defaults is empty", deployment=BARE
    )
    validate_form({**bad, "deployment_id": 5716}, DEPLOYMENT)
    validate_form(bad, Deployment.from_json({"id": 5717}))  # not known: not checked
    summary = Deployment.from_json({"id": 5717, "dashboard_slug": "signups", "active": True})  # a list row
    validate_form(bad, summary)
    # the old, undocumented fields are no longer read
    validate_form(
        bad, Deployment.from_json({"id": 5717, "spend_channels_labels": ["TV"], "context_variable_labels": []})
    )


def test_alias_is_validated_as_its_target():
    bad = {"deployment_id": 5716, "report_type": "compute_waterfall_summary", "start_date": "2024-01-31"}
    assert_rejected(bad, "end_date", "required")
    validate_form({**bad, "start_date": "2024-01-01", "end_date": "2024-01-31"}, DEPLOYMENT)


def test_unknown_types_pass_through_except_deployment_id():
    unknown = {
        "deployment_id": 5716,
        "report_type": "compute_new_thing",
        "start_date": "garbage",
        "channels": "x",
        "granularity": "hourly",
    }
    validate_form(unknown, DEPLOYMENT)
    assert_rejected({**unknown, "deployment_id": "x"}, "deployment_id")


def test_extra_fields_are_tolerated():
    validate_form(form("compute_spend_summary", dashboard_setting={"any": 1}), DEPLOYMENT)


def test_a_form_must_be_an_object():
    assert fields_of(check_form(["deployment_id", 5716])) == ["form"]
    with pytest.raises(FormError):
        validate_form(None)


def test_request_body_rejects_report_type_outside_the_form_only():
    inner = form("compute_spend_summary")
    validate_request_body({"name": "x", "show_in_ui": False, "form": inner}, DEPLOYMENT)
    validate_request_body({"report_type": "compute_spend_summary", "form": inner}, DEPLOYMENT)
    outside = {"report_type": "compute_spend_summary", "form": {k: v for k, v in inner.items() if k != "report_type"}}
    with pytest.raises(FormError) as caught:
        validate_request_body(outside, DEPLOYMENT)
    assert fields_of(caught.value.errors) == ["report_type"]
    assert "inside form" in str(caught.value)
    outside["form"]["end_date"] = "2023-01-01"  # the form is still checked as that type
    with pytest.raises(FormError) as caught:
        validate_request_body(outside, DEPLOYMENT)
    assert fields_of(caught.value.errors) == ["report_type", "end_date"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("x", "body"),
        ({}, "form"),
        ({"form": "x"}, "form"),
        ({"name": 5, "form": {}}, "name"),
        ({"show_in_ui": "yes", "form": {}}, "show_in_ui"),
    ],
)
def test_request_body_shape(body, field):
    with pytest.raises(FormError) as caught:
        validate_request_body(body, DEPLOYMENT)
    assert field in fields_of(caught.value.errors)
