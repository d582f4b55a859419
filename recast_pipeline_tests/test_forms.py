"""Partition windows and form building: catalog defaults, overrides, re-submitted report forms."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from recast_pipeline.recast.api_types import Deployment, Report
from recast_pipeline.recast.catalog import REPORT_TYPES
from recast_pipeline.recast.forms import (
    MonthWindow,
    build_form,
    check_form,
    form_from_report,
    month_window,
    validate_form,
    window_fields,
)

DEPLOYMENT = Deployment.from_json(
    {
        "id": 5716,
        "name": "Acme US",
        "spend_channels_labels": ["Meta", "TV - Linear", "Podcasts", "Branded Search"],
        "upper_funnel_channel_labels": ["Meta", "TV - Linear", "Podcasts"],
        "lower_funnel_channel_labels": ["Branded Search"],
        "last_date": "2024-06-30",
        "contextual_variable_defaults": {"price": 1.0},
    }
)
MONTHS = [date(2024, 1, 1), date(2024, 2, 1), date(2023, 2, 1), date(2024, 12, 1)]


@pytest.mark.parametrize(
    ("month", "start", "end"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        (date(2023, 2, 1), date(2023, 2, 1), date(2023, 2, 28)),
        (date(2000, 2, 1), date(2000, 2, 1), date(2000, 2, 29)),  # divisible by 400
        (date(2100, 2, 1), date(2100, 2, 1), date(2100, 2, 28)),  # divisible by 100 only
        (date(2024, 4, 1), date(2024, 4, 1), date(2024, 4, 30)),
        (date(2024, 12, 1), date(2024, 12, 1), date(2024, 12, 31)),
        (date(2024, 3, 17), date(2024, 3, 1), date(2024, 3, 31)),  # any day names its month
        ("2024-02-01", date(2024, 2, 1), date(2024, 2, 29)),  # a partition key
        (datetime(2024, 5, 1, 12), date(2024, 5, 1), date(2024, 5, 31)),
    ],
)
def test_month_window(month, start, end):
    window = month_window(month)
    assert window == MonthWindow(start, end)
    assert window.days == (end - start).days + 1
    assert window.partition_key == start.isoformat()


@pytest.mark.parametrize("bad", ["2024-13-01", "January", "", None, 20240101])
def test_month_window_rejects_non_dates(bad):
    with pytest.raises(ValueError):
        month_window(bad)


def test_range_window_covers_the_month():
    assert window_fields("compute_spend_summary", date(2024, 2, 1)) == {
        "start_date": "2024-02-01",
        "end_date": "2024-02-29",
    }
    assert window_fields("compute_spend_summary", "2023-02-01") == {
        "start_date": "2023-02-01",
        "end_date": "2023-02-28",
    }


def test_anchor_window_is_the_months_last_day():
    assert window_fields("compute_spend_response_curves", date(2024, 2, 1)) == {"date": "2024-02-29"}
    assert window_fields("compute_spend_response_curves", date(2023, 2, 1)) == {"date": "2023-02-28"}
    assert window_fields("compute_spend_response_curves", date(2024, 12, 1)) == {"date": "2024-12-31"}


@pytest.mark.parametrize(
    ("month", "previous_start", "previous_end", "period_end"),
    [
        (date(2024, 3, 1), "2024-01-30", "2024-02-29", "2024-03-31"),  # 31 days back across a leap February
        (date(2024, 2, 1), "2024-01-03", "2024-01-31", "2024-02-29"),  # 29 days
        (date(2023, 2, 1), "2023-01-04", "2023-01-31", "2023-02-28"),  # 28 days
        (date(2024, 1, 1), "2023-12-01", "2023-12-31", "2024-01-31"),  # across the year
        (date(2024, 5, 1), "2024-03-31", "2024-04-30", "2024-05-31"),
    ],
)
def test_two_periods_window_is_the_month_and_the_same_length_before_it(month, previous_start, previous_end, period_end):
    fields = window_fields("compare_time_periods", month)
    assert fields == {
        "previous_start_date": previous_start,
        "previous_end_date": previous_end,
        "period_start_date": month.isoformat(),
        "period_end_date": period_end,
    }
    length = lambda a, b: (date.fromisoformat(b) - date.fromisoformat(a)).days  # noqa: E731
    assert length(previous_start, previous_end) == length(fields["period_start_date"], period_end)
    assert date.fromisoformat(previous_end) + timedelta(days=1) == month


def test_none_window_and_unknown_types_have_no_dates():
    assert window_fields("compute_clean_data", date(2024, 1, 1)) == {}
    assert window_fields("compare_shift_curves", date(2024, 1, 1)) == {}
    assert window_fields("compute_something_new", date(2024, 1, 1)) == {}
    assert (
        window_fields(REPORT_TYPES["compute_spend_summary"], month_window(date(2024, 1, 1)))["end_date"] == "2024-01-31"
    )


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("report_type", list(REPORT_TYPES))
def test_defaults_give_a_valid_form_for_every_type(report_type, month):
    form = build_form(report_type, DEPLOYMENT, month=month)
    assert form["deployment_id"] == 5716 and form["report_type"] == report_type
    assert set(form) == {"deployment_id", "report_type", *REPORT_TYPES[report_type].field_names}
    assert check_form(form, DEPLOYMENT) == []


def test_catalog_defaults():
    month = date(2024, 1, 1)
    assert build_form("compute_roi_cpa_waterfall_plots", DEPLOYMENT, month)["channels"] == list(
        DEPLOYMENT.spend_channels
    )
    assert build_form("compute_upper_funnel_details", DEPLOYMENT, month)["channels"] == [
        "Meta",
        "TV - Linear",
        "Podcasts",
    ]
    assert build_form("compute_grouped_channel_summaries", DEPLOYMENT, month)["channel_groups"] == [
        {"name": "All upper funnel", "channels": ["Meta", "TV - Linear", "Podcasts"]}
    ]
    assert build_form("compute_baseline_summary", DEPLOYMENT, month)["include_spikes"] is True
    assert build_form("compute_share_of_spend_vs_effect", DEPLOYMENT, month)["granularity"] == "weekly"
    curves = build_form("compute_spend_response_curves", DEPLOYMENT, month)
    assert (curves["num_days"], curves["date"]) == (14, "2024-01-31")
    fixed = build_form("compute_fixed_spend_performance", DEPLOYMENT, month)
    assert (fixed["spend"], fixed["include_lower_funnel_effects"]) == (1.0, "true")


def test_overrides_replace_defaults_and_none_is_ignored():
    form = build_form(
        "compute_fixed_spend_performance",
        DEPLOYMENT,
        date(2024, 1, 1),
        {
            "channels": ("Meta",),
            "spend": 2500,
            "include_lower_funnel_effects": False,
            "end_date": None,
            "start_date": date(2024, 1, 10),
        },
    )
    assert form["channels"] == ["Meta"]
    assert form["spend"] == 2500
    assert form["include_lower_funnel_effects"] == "false"
    assert form["end_date"] == "2024-01-31"
    assert form["start_date"] == "2024-01-10"
    validate_form(form, DEPLOYMENT)
    assert (
        build_form(
            "compute_grouped_channel_summaries", DEPLOYMENT, date(2024, 1, 1), {"include_lower_funnel_effects": True}
        )["include_lower_funnel_effects"]
        == "true"
    )


def test_overrides_are_copied_and_converted_for_json():
    groups = [{"name": "Video", "channels": ("TV - Linear",)}]
    form = build_form("compute_grouped_channel_summaries", DEPLOYMENT, date(2024, 1, 1), {"channel_groups": groups})
    assert form["channel_groups"] == [{"name": "Video", "channels": ["TV - Linear"]}]
    form["channel_groups"][0]["channels"].append("Meta")
    assert groups == [{"name": "Video", "channels": ("TV - Linear",)}]


def test_forms_do_not_share_mutable_defaults():
    first = build_form("compute_grouped_channel_summaries", DEPLOYMENT, date(2024, 1, 1))
    first["channel_groups"][0]["channels"].clear()
    second = build_form("compute_grouped_channel_summaries", DEPLOYMENT, date(2024, 1, 1))
    assert second["channel_groups"][0]["channels"] == ["Meta", "TV - Linear", "Podcasts"]


def test_num_days_override_keeps_the_anchor():
    form = build_form("compute_spend_response_curves", DEPLOYMENT, date(2024, 2, 1), {"num_days": 30})
    assert (form["date"], form["num_days"]) == ("2024-02-29", 30)


def test_window_is_another_name_for_month():
    by_window = build_form("compute_spend_summary", DEPLOYMENT, window=month_window(date(2024, 1, 1)))
    assert by_window == build_form("compute_spend_summary", DEPLOYMENT, month=date(2024, 1, 1))
    assert (
        build_form("compute_spend_summary", DEPLOYMENT, month="2024-01-01", window=month_window("2024-01-01"))
        == by_window
    )
    with pytest.raises(ValueError, match="two different months"):
        build_form("compute_spend_summary", DEPLOYMENT, month=date(2024, 2, 1), window=month_window(date(2024, 1, 1)))


def test_without_a_month_dates_are_left_to_the_caller():
    form = build_form("compute_spend_summary", DEPLOYMENT)
    assert form == {"deployment_id": 5716, "report_type": "compute_spend_summary"}
    assert {error.field for error in check_form(form, DEPLOYMENT)} == {"start_date", "end_date"}


def test_alias_is_kept_as_given_and_built_as_its_target():
    form = build_form("compute_waterfall_summary", DEPLOYMENT, date(2024, 1, 1))
    assert form == {
        "deployment_id": 5716,
        "report_type": "compute_waterfall_summary",
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
    }
    validate_form(form, DEPLOYMENT)


def test_unknown_type_passes_through_untouched():
    overrides = {"anything": True, "channels": ("x",), "skipped": None}
    form = build_form("compute_something_new", DEPLOYMENT, date(2024, 1, 1), overrides)
    assert form == {"deployment_id": 5716, "report_type": "compute_something_new", "anything": True, "channels": ("x",)}
    validate_form(form, DEPLOYMENT)


def test_bare_deployment_id_for_types_without_channels():
    assert build_form("compute_clean_data", 5717) == {"deployment_id": 5717, "report_type": "compute_clean_data"}
    assert "channels" not in build_form("compare_shift_curves", 5717)


SOURCE = {
    "id": 77,
    "name": "Q1 overview",
    "report_type": "compute_upper_funnel_details",
    "status": "success",
    "prerendered": False,
    "form": {
        "deployment_id": 5716,
        "report_type": "compute_upper_funnel_details",
        "start_date": "2024-01-01",
        "end_date": "2024-03-31",
        "channels": ["Meta"],
        "extra_ui_setting": "kept",
    },
}


def test_form_from_report_replaces_selected_fields_only():
    report = Report.from_json(SOURCE)
    form = form_from_report(report, {"start_date": "2024-04-01", "end_date": date(2024, 6, 30), "channels": None})
    assert form == {**SOURCE["form"], "start_date": "2024-04-01", "end_date": "2024-06-30"}
    assert report.form == SOURCE["form"]  # the report is not changed
    validate_form(form, DEPLOYMENT)


def test_form_from_report_with_a_month_redates_it():
    form = form_from_report(SOURCE, month=date(2024, 2, 1))
    assert (form["start_date"], form["end_date"], form["channels"]) == ("2024-02-01", "2024-02-29", ["Meta"])
    form = form_from_report(SOURCE, {"end_date": "2024-02-10"}, month=date(2024, 2, 1))
    assert form["end_date"] == "2024-02-10"


def test_form_from_report_moves_a_top_level_report_type_inside():
    raw = {
        "report_type": "compute_spend_summary",
        "form": {"deployment_id": 5716, "start_date": "2024-01-01", "end_date": "2024-01-31"},
    }
    form = form_from_report(raw)
    assert form["report_type"] == "compute_spend_summary"
    assert "report_type" not in raw["form"]
    report = Report.from_json({"id": 1, **raw})
    assert form_from_report(report)["report_type"] == "compute_spend_summary"


def test_form_from_report_keeps_aliases_unknown_types_and_bare_forms():
    alias = {
        "deployment_id": 5716,
        "report_type": "compute_waterfall_summary",
        "start_date": "2023-01-01",
        "end_date": "2023-12-31",
    }
    form = form_from_report(alias, {"include_lower_funnel_effects": True}, month="2024-01-01")
    assert form["report_type"] == "compute_waterfall_summary"
    assert (form["start_date"], form["end_date"]) == ("2024-01-01", "2024-01-31")
    unknown = {"deployment_id": 5716, "report_type": "compute_new", "flag": True}
    assert form_from_report(unknown, {"flag": False}, month="2024-01-01") == {**unknown, "flag": False}
    with pytest.raises(TypeError):
        form_from_report(["not", "a", "report"])


def test_normalize_form_turns_stringified_scalars_back_into_catalog_types():
    from recast_pipeline.recast.forms import normalize_form

    read_back = {
        "deployment_id": "5716",
        "report_type": "compute_fixed_spend_performance",
        "start_date": "2024-01-01",
        "end_date": "2024-01-31",
        "channels": ["TV"],
        "spend": "1.5",
        "include_lower_funnel_effects": "true",
    }
    assert normalize_form(read_back) == {**read_back, "deployment_id": 5716, "spend": 1.5}
    baseline = {"deployment_id": "1", "report_type": "compute_baseline_summary", "include_spikes": "false"}
    assert normalize_form(baseline)["include_spikes"] is False
    curves = {
        "deployment_id": 1,
        "report_type": "compute_spend_response_curves",
        "num_days": "14",
        "date": "2024-01-31",
    }
    assert normalize_form(curves)["num_days"] == 14
    assert (
        normalize_form({"report_type": "compute_fixed_spend_performance", "include_lower_funnel_effects": True})[
            "include_lower_funnel_effects"
        ]
        == "true"
    )
    unknown = {"deployment_id": "5716", "report_type": "compute_something_new", "num_days": "14", "flag": "true"}
    assert normalize_form(unknown) == {**unknown, "deployment_id": 5716}
    assert normalize_form(
        {"deployment_id": "x1", "report_type": "compute_baseline_summary", "include_spikes": "maybe"}
    ) == {"deployment_id": "x1", "report_type": "compute_baseline_summary", "include_spikes": "maybe"}


def test_fingerprint_of_a_read_back_form_equals_the_sent_one():
    from recast_pipeline.recast.fingerprint import form_fingerprint

    sent = build_form("compute_fixed_spend_performance", DEPLOYMENT, "2024-01-01", {"spend": 2.5})
    read_back = {k: (str(v) if isinstance(v, (int, float)) else v) for k, v in sent.items()}
    assert form_fingerprint(read_back) == form_fingerprint(sent)
