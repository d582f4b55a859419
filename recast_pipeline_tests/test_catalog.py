"""The report catalog against RECAST_API.md's table, and the download-key parser."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from recast_pipeline.recast.api_types import Deployment
from recast_pipeline.recast.catalog import ALIASES, REPORT_TYPES, ReportType, parse_download_key, resolve
from recast_pipeline.recast.fields import SPEND_CHANNELS, UPPER_FUNNEL_CHANNELS, FieldSpec, labels_for
from recast_pipeline.recast.keys import KeyParts, key_pattern, match_key

# name -> (group, window, further required fields, prerendered) — the table, in its order
TABLE = {
    "compute_insights_overview": ("attribution", "range", ("start_date", "end_date"), True),
    "compute_spend_summary": ("spend", "range", ("start_date", "end_date"), True),
    "compute_period_summary": ("attribution", "range", ("start_date", "end_date"), False),
    "compute_marketing_vs_baseline": ("attribution", "range", ("start_date", "end_date"), False),
    "compute_lower_funnel_waterfall": ("attribution", "range", ("start_date", "end_date"), True),
    "compute_in_sample_model_fit": ("diagnostics", "range", ("start_date", "end_date"), False),
    "compute_context_variable_summary": ("diagnostics", "range", ("start_date", "end_date"), True),
    "compute_channel_uncertainty_drivers": ("diagnostics", "range", ("start_date", "end_date"), False),
    "compute_baseline_summary": ("diagnostics", "range", ("start_date", "end_date", "include_spikes"), True),
    "compute_share_of_spend_vs_effect": ("spend", "range", ("start_date", "end_date", "granularity"), False),
    "compute_roi_cpa_waterfall_plots": ("attribution", "range", ("start_date", "end_date", "channels"), False),
    "compute_upper_funnel_details": ("attribution", "range", ("start_date", "end_date", "channels"), False),
    "compute_prior_vs_posterior": ("diagnostics", "range", ("start_date", "end_date", "channels"), True),
    "compute_daily_spend_vs_KPI": ("spend", "range", ("start_date", "end_date", "channels"), False),
    "compare_shift_curves": ("model", "none", ("channels",), True),
    "compute_spend_response_curves": ("attribution", "anchor_date", ("date", "num_days", "channels"), True),
    "compute_fixed_spend_performance": (
        "attribution",
        "range",
        ("start_date", "end_date", "channels", "spend", "include_lower_funnel_effects"),
        False,
    ),
    "compute_grouped_channel_summaries": (
        "attribution",
        "range",
        ("start_date", "end_date", "channel_groups", "include_lower_funnel_effects"),
        True,
    ),
    "compare_time_periods": (
        "attribution",
        "two_periods",
        ("previous_start_date", "previous_end_date", "period_start_date", "period_end_date"),
        False,
    ),
    "compute_spike_detail_summary": ("diagnostics", "none", (), True),
    "compute_backtest_summaries": ("diagnostics", "none", (), True),
    "compute_model_configuration": ("model", "none", (), True),
    "compute_experiments_summaries": ("model", "none", (), True),
    "compute_clean_data": ("model", "none", (), True),
}
DYNAMIC = {
    "compute_context_variable_summary",
    "compute_channel_uncertainty_drivers",
    "compute_share_of_spend_vs_effect",
    "compute_roi_cpa_waterfall_plots",
    "compute_prior_vs_posterior",
    "compute_fixed_spend_performance",
}
NO_INPUTS = {
    "compute_spike_detail_summary",
    "compute_backtest_summaries",
    "compute_model_configuration",
    "compute_experiments_summaries",
    "compute_clean_data",
}

# every documented fixed key -> (table, parts)
DOCUMENTED_KEYS = {
    "compute_insights_overview": {
        f"summaries-{effect}-{metric}": ("summaries", {"effect": effect, "metric": metric})
        for effect in ("total", "direct")
        for metric in ("impact_shifted", "impact_unshifted", "roi", "mroi")
    },
    "compute_spend_summary": {
        key: (key, {}) for key in ("tables-daily", "tables-weekly", "tables-monthly", "tables-total")
    },
    "compute_period_summary": {
        f"summary_tables-{name}": (f"summary_tables-{name}", {})
        for name in (
            "merged_means_summary",
            "total_effect",
            "in_period_effect",
            "after_period_effect",
            "future_effect",
            "observed_roi",
            "true_roi",
            "pre_period_effect",
        )
    },
    "compute_marketing_vs_baseline": {"contribution": ("contribution", {})},
    "compute_lower_funnel_waterfall": {"daily_effect-table": ("daily_effect-table", {})},
    "compute_in_sample_model_fit": {"stats": ("stats", {})},
    "compute_baseline_summary": {key: (key, {}) for key in ("summary_total", "summary_monthly", "summary_daily")},
    "compute_daily_spend_vs_KPI": {"correlations": ("correlations", {})},
    "compare_shift_curves": {"all_shift_curves_summarized": ("all_shift_curves_summarized", {})},
    "compute_spend_response_curves": {
        "multi_day-multi_channel-tables-full_table": ("multi_day-multi_channel-tables-full_table", {})
    },
    "compare_time_periods": {key: (key, {}) for key in ("summary-overall", "summary-time_table")},
    "compute_spike_detail_summary": {
        f"{grouping}_{measure}": (measure, {"grouping": grouping})
        for grouping in ("individual", "grouped")
        for measure in ("daily_effects", "cumulative_effects", "cumulative_effects_summarized")
    },
    "compute_model_configuration": {
        f"tables-{name}": (f"tables-{name}", {}) for name in ("baseline", "roi", "shifts", "spikes", "channel_linkings")
    },
    "compute_clean_data": {"clean_data": ("clean_data", {})},
}


def test_catalog_has_the_24_types_in_table_order():
    assert list(REPORT_TYPES) == list(TABLE)
    assert all(name == entry.name for name, entry in REPORT_TYPES.items())


@pytest.mark.parametrize("name", list(TABLE))
def test_each_type_matches_the_table(name):
    entry = REPORT_TYPES[name]
    group, window, fields, prerendered = TABLE[name]
    assert (entry.group, entry.window, entry.field_names, entry.prerendered) == (group, window, fields, prerendered)
    assert entry.partitioned_by_month == (window != "none")
    assert entry.no_inputs == (name in NO_INPUTS)
    assert entry.dynamic_keys == (name in DYNAMIC)
    assert entry.expects_data == (name not in {"compute_backtest_summaries", "compute_experiments_summaries"})
    assert entry.description.endswith(".") and len(entry.description) > 30
    assert all(spec.description for spec in entry.fields)


def test_known_keys_are_the_expanded_braces():
    for name, keys in DOCUMENTED_KEYS.items():
        assert set(REPORT_TYPES[name].known_keys) == set(keys), name
    assert len(REPORT_TYPES["compute_insights_overview"].known_keys) == 8
    assert len(REPORT_TYPES["compute_period_summary"].known_keys) == 8
    assert len(REPORT_TYPES["compute_spike_detail_summary"].known_keys) == 6
    dynamic_or_empty = [name for name, entry in REPORT_TYPES.items() if not entry.known_keys and not entry.key_patterns]
    assert set(dynamic_or_empty) == DYNAMIC | {"compute_backtest_summaries", "compute_experiments_summaries"}


def test_defaults_and_channel_sources():
    fields = {(name, spec.name): spec for name, entry in REPORT_TYPES.items() for spec in entry.fields}
    assert fields["compute_spend_response_curves", "num_days"].default == 14
    assert fields["compute_baseline_summary", "include_spikes"].default is True
    assert fields["compute_share_of_spend_vs_effect", "granularity"].default == "weekly"
    assert fields["compute_fixed_spend_performance", "spend"].default == 1.0
    assert fields["compute_fixed_spend_performance", "include_lower_funnel_effects"].default == "true"
    assert fields["compute_upper_funnel_details", "channels"].default_labels == UPPER_FUNNEL_CHANNELS
    assert fields["compute_roi_cpa_waterfall_plots", "channels"].default_labels == SPEND_CHANNELS
    groups = fields["compute_grouped_channel_summaries", "channel_groups"]
    assert (groups.default_labels, groups.allowed_labels) == (UPPER_FUNNEL_CHANNELS, UPPER_FUNNEL_CHANNELS)


def test_alias_and_resolve():
    assert ALIASES == {"compute_waterfall_summary": "compute_insights_overview"}
    assert resolve("compute_waterfall_summary") is REPORT_TYPES["compute_insights_overview"]
    assert resolve("compute_spend_summary") is REPORT_TYPES["compute_spend_summary"]
    for unknown in ("compute_something_new", "", None, 3, ["compute_spend_summary"]):
        assert resolve(unknown) is None


def test_report_types_are_frozen_and_checked():
    entry = REPORT_TYPES["compute_spend_summary"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.name = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match="group"):
        ReportType("x", "d.", "finance")
    with pytest.raises(ValueError, match="window"):
        ReportType("x", "d.", "model", window="range")  # no date fields
    with pytest.raises(ValueError, match="kind"):
        FieldSpec("x", "color", "d")
    with pytest.raises(ValueError, match="no part"):
        key_pattern("a-{b}", "a", c=".+")


def test_tables_per_type():
    assert REPORT_TYPES["compute_insights_overview"].tables == ("summaries",)
    assert REPORT_TYPES["compute_lower_funnel_waterfall"].tables == ("daily_effect-table", "channel_summaries")
    assert REPORT_TYPES["compute_spike_detail_summary"].tables == (
        "daily_effects",
        "cumulative_effects",
        "cumulative_effects_summarized",
    )
    assert REPORT_TYPES["compute_spend_summary"].tables == (
        "tables-daily",
        "tables-weekly",
        "tables-monthly",
        "tables-total",
    )
    assert REPORT_TYPES["compute_prior_vs_posterior"].tables == ()


@pytest.mark.parametrize("report_type", list(DOCUMENTED_KEYS))
def test_every_documented_key_parses(report_type):
    for key, (table, parts) in DOCUMENTED_KEYS[report_type].items():
        assert parse_download_key(report_type, key) == KeyParts(table, parts), key


@pytest.mark.parametrize(
    ("group", "metric", "granularity"),
    [
        ("Paid Social", "roi", "summary_monthly"),
        ("All upper funnel", "impact", "summary_total"),
        ("TV - Linear", "mroi", "summary_daily"),
        ("a-b-c", "roi", "weekly"),
        ("-", "roi", "x"),
        ('Brand "Q4" / it\'s', "mroi", "summary_weekly"),
    ],
)
def test_group_summaries_split_at_the_last_two_dashes(group, metric, granularity):
    key = f"group_summaries-{group}-{metric}-{granularity}"
    assert parse_download_key("compute_grouped_channel_summaries", key) == KeyParts(
        "group_summaries", {"group_name": group, "metric": metric, "granularity": granularity}
    )


def test_channel_summaries_name_the_channel_by_report_type():
    key = "channel_summaries-Branded Search - Google-summary_table"
    assert parse_download_key("compute_lower_funnel_waterfall", key) == KeyParts(
        "channel_summaries", {"lower_funnel_channel": "Branded Search - Google"}
    )
    assert parse_download_key("compute_upper_funnel_details", key) == KeyParts(
        "channel_summaries", {"channel": "Branded Search - Google"}
    )
    # the pattern belongs to its report types only
    assert parse_download_key("compute_spend_summary", key) == KeyParts(key, {})


def test_alias_uses_its_targets_patterns():
    assert parse_download_key("compute_waterfall_summary", "summaries-total-roi") == KeyParts(
        "summaries", {"effect": "total", "metric": "roi"}
    )


def test_new_values_of_a_data_part_land_in_the_same_table():
    assert parse_download_key("compute_insights_overview", "summaries-total-mcpa") == KeyParts(
        "summaries", {"effect": "total", "metric": "mcpa"}
    )


@pytest.mark.parametrize(
    "key",
    [
        "../x",
        "a/b",
        "..",
        "/etc/passwd",
        'say "hi"',
        "it's",
        "x; DROP TABLE t; --",
        "",
        " ",
        "line\nbreak",
        "tables-quarterly",
        "channel_summaries--summary_table",
        "group_summaries-roi-x",
        "summaries-total",
        "k" * 500,
    ],
)
@pytest.mark.parametrize(
    "report_type",
    [
        "compute_spend_summary",
        "compute_grouped_channel_summaries",
        "compute_insights_overview",
        "compute_upper_funnel_details",
        "compute_something_new",
        None,
    ],
)
def test_unknown_and_hostile_keys_are_their_own_table(report_type, key):
    assert parse_download_key(report_type, key) == KeyParts(table=key, parts={})


def test_hostile_text_inside_a_pattern_stays_a_value():
    parts = parse_download_key("compute_grouped_channel_summaries", "group_summaries-../../etc-roi-summary_total")
    assert parts == KeyParts(
        "group_summaries", {"group_name": "../../etc", "metric": "roi", "granularity": "summary_total"}
    )
    parts = parse_download_key("compute_upper_funnel_details", 'channel_summaries-a/b"c-summary_table')
    assert parts == KeyParts("channel_summaries", {"channel": 'a/b"c'})


def test_dynamic_keys_and_non_string_keys_never_raise():
    assert parse_download_key("compute_prior_vs_posterior", "priors-TV") == KeyParts("priors-TV", {})
    assert parse_download_key("compute_clean_data", 42) == KeyParts("42", {})
    assert match_key((), "x") == KeyParts("x", {})


def test_upper_funnel_labels_fall_back_to_non_lower_funnel_spend_channels():
    listed = Deployment(
        1, "d", spend_channels=("A", "B", "LF"), upper_funnel_channels=("A",), lower_funnel_channels=("LF",)
    )
    assert labels_for(listed, UPPER_FUNNEL_CHANNELS) == ("A",)
    assert labels_for(listed, SPEND_CHANNELS) == ("A", "B", "LF")
    unlisted = Deployment(2, "d", spend_channels=("A", "B", "LF"), lower_funnel_channels=("LF",))
    assert labels_for(unlisted, UPPER_FUNNEL_CHANNELS) == ("A", "B")
    with pytest.raises(ValueError):
        labels_for(listed, "kpis")


def test_catalog_and_forms_import_without_dagster():
    code = (
        "import sys, recast_pipeline.recast.catalog, recast_pipeline.recast.forms;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dagster'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
