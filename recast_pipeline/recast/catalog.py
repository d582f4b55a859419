"""The catalog of Recast report types (RECAST_API.md, "Report types"), as data.

Everything above the HTTP layer reads this: the Dagster assets (one per type, grouped by
``group``, described by ``description``), form defaults and validation, partitioning (``window``)
and the warehouse's table per download key. No Dagster imports.

Public API:

* ``FieldSpec`` (from ``fields``) and ``ReportType`` (frozen): ``name``, ``description``,
  ``group`` (``attribution`` | ``spend`` | ``diagnostics`` | ``model``), ``fields``, ``window``
  (``range`` | ``anchor_date`` | ``two_periods`` | ``none``), ``prerendered``, ``known_keys``,
  ``key_patterns``, ``dynamic_keys``, ``expects_data``; properties ``partitioned_by_month``,
  ``no_inputs``, ``field_names``, ``tables``; method ``field(name)``.
* ``REPORT_TYPES: dict[str, ReportType]`` (the 24 types, in the table's order), ``ALIASES``
  (``compute_waterfall_summary`` -> ``compute_insights_overview``), ``GROUPS``, ``WINDOWS``.
* ``resolve(name) -> ReportType | None``: aliases resolved, unknown names give None.
* ``parse_download_key(report_type, key) -> KeyParts(table, parts)``: see ``keys`` for the rule;
  unknown types and keys give ``KeyParts(table=key, parts={})`` and never raise.
"""

from __future__ import annotations

from dataclasses import dataclass

from recast_pipeline.recast import fields as f
from recast_pipeline.recast import keys as k
from recast_pipeline.recast.fields import FieldSpec
from recast_pipeline.recast.keys import KeyParts, KeyPattern

GROUPS = ("attribution", "spend", "diagnostics", "model")
WINDOWS = ("range", "anchor_date", "two_periods", "none")
_WINDOW_FIELDS = {
    "range": ("start_date", "end_date"),
    "anchor_date": ("date",),
    "two_periods": ("previous_start_date", "previous_end_date", "period_start_date", "period_end_date"),
    "none": (),
}

__all__ = [
    "ALIASES",
    "GROUPS",
    "REPORT_TYPES",
    "WINDOWS",
    "FieldSpec",
    "KeyParts",
    "KeyPattern",
    "ReportType",
    "parse_download_key",
    "resolve",
]


@dataclass(frozen=True)
class ReportType:
    """One report type: its inputs, how a monthly partition maps to its dates, its downloads."""

    name: str
    description: str
    group: str
    fields: tuple[FieldSpec, ...] = ()
    window: str = "none"
    prerendered: bool = False
    known_keys: tuple[str, ...] = ()
    key_patterns: tuple[KeyPattern, ...] = ()
    dynamic_keys: bool = False
    expects_data: bool = True

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"{self.name}: group must be one of {GROUPS}, got {self.group!r}")
        if self.window not in WINDOWS:
            raise ValueError(f"{self.name}: window must be one of {WINDOWS}, got {self.window!r}")
        date_fields = tuple(spec.name for spec in self.fields if spec.kind == "date")
        if date_fields != _WINDOW_FIELDS[self.window]:
            raise ValueError(f"{self.name}: window {self.window!r} does not fit date fields {date_fields}")

    @property
    def partitioned_by_month(self) -> bool:
        """Types that take dates get one partition per month; the others one per deployment."""
        return self.window != "none"

    @property
    def no_inputs(self) -> bool:
        """Nothing but ``deployment_id``: a pre-rendered report is as good as a fresh one."""
        return not self.fields

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    def field(self, name: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    @property
    def tables(self) -> tuple[str, ...]:
        """The logical tables the documented keys land in (dynamic types may add more)."""
        names = [parse_download_key(self.name, key).table for key in self.known_keys]
        names += [pattern.table for pattern in self.key_patterns]
        return tuple(dict.fromkeys(names))


_CATALOG = (
    ReportType(
        "compute_insights_overview",
        "Per-channel KPI contribution: impact shifted and unshifted, total and direct effects, ROI and marginal ROI.",
        "attribution",
        f.DATE_RANGE,
        "range",
        prerendered=True,
        known_keys=k.expand("summaries", ("total", "direct"), ("impact_shifted", "impact_unshifted", "roi", "mroi")),
        key_patterns=(k.INSIGHTS_SUMMARIES,),
    ),
    ReportType(
        "compute_spend_summary",
        "Spend per channel, daily, weekly, monthly and in total.",
        "spend",
        f.DATE_RANGE,
        "range",
        prerendered=True,
        known_keys=k.expand("tables", ("daily", "weekly", "monthly", "total")),
    ),
    ReportType(
        "compute_period_summary",
        "KPI earned within the period versus after it, from the period's spend: effects and observed vs. true ROI.",
        "attribution",
        f.DATE_RANGE,
        "range",
        known_keys=k.expand(
            "summary_tables",
            (
                "merged_means_summary",
                "total_effect",
                "in_period_effect",
                "after_period_effect",
                "future_effect",
                "observed_roi",
                "true_roi",
                "pre_period_effect",
            ),
        ),
    ),
    ReportType(
        "compute_marketing_vs_baseline",
        "Marketing-driven versus organic (baseline) KPI over time.",
        "attribution",
        f.DATE_RANGE,
        "range",
        known_keys=("contribution",),
    ),
    ReportType(
        "compute_lower_funnel_waterfall",
        "Which upper-funnel channels drove lower-funnel spend, one summary per lower-funnel channel.",
        "attribution",
        f.DATE_RANGE,
        "range",
        prerendered=True,
        known_keys=("daily_effect-table",),
        key_patterns=(k.LOWER_FUNNEL_CHANNEL_SUMMARIES,),
    ),
    ReportType(
        "compute_in_sample_model_fit",
        "Predicted versus actual KPI in sample, with fit statistics.",
        "diagnostics",
        f.DATE_RANGE,
        "range",
        known_keys=("stats",),
    ),
    ReportType(
        "compute_context_variable_summary",
        "Effect of context variables (price, awareness, ...) on the KPI over time; "
        "fails on deployments without context variables.",
        "diagnostics",
        f.DATE_RANGE,
        "range",
        prerendered=True,
        dynamic_keys=True,
    ),
    ReportType(
        "compute_channel_uncertainty_drivers",
        "What drives the uncertainty of each channel's estimate.",
        "diagnostics",
        f.DATE_RANGE,
        "range",
        dynamic_keys=True,
    ),
    ReportType(
        "compute_baseline_summary",
        "Organic (baseline) KPI over time, optionally including spikes, in total, monthly and daily.",
        "diagnostics",
        (*f.DATE_RANGE, f.INCLUDE_SPIKES),
        "range",
        prerendered=True,
        known_keys=("summary_total", "summary_monthly", "summary_daily"),
    ),
    ReportType(
        "compute_share_of_spend_vs_effect",
        "Share of effect minus share of spend per channel over time.",
        "spend",
        (*f.DATE_RANGE, f.GRANULARITY),
        "range",
        dynamic_keys=True,
    ),
    ReportType(
        "compute_roi_cpa_waterfall_plots",
        "ROI/CPA decomposed into baseline, context, saturation and seasonality contributions.",
        "attribution",
        (*f.DATE_RANGE, f.CHANNELS),
        "range",
        dynamic_keys=True,
    ),
    ReportType(
        "compute_upper_funnel_details",
        "Direct versus total ROI of upper-funnel channels over time, one summary per channel.",
        "attribution",
        (*f.DATE_RANGE, f.UPPER_FUNNEL_DEFAULT_CHANNELS),
        "range",
        key_patterns=(k.UPPER_FUNNEL_CHANNEL_SUMMARIES,),
    ),
    ReportType(
        "compute_prior_vs_posterior",
        "Priors versus posterior estimates per channel: why a credible interval is wide.",
        "diagnostics",
        (*f.DATE_RANGE, f.CHANNELS),
        "range",
        prerendered=True,
        dynamic_keys=True,
    ),
    ReportType(
        "compute_daily_spend_vs_KPI",
        "Daily spend per channel versus the modeled KPI, with channel correlations.",
        "spend",
        (*f.DATE_RANGE, f.CHANNELS),
        "range",
        known_keys=("correlations",),
    ),
    ReportType(
        "compare_shift_curves",
        "Delay between spend and its effect (adstock shift curve) per channel.",
        "model",
        (f.CHANNELS,),
        "none",
        prerendered=True,
        known_keys=("all_shift_curves_summarized",),
    ),
    ReportType(
        "compute_spend_response_curves",
        "Impact, ROI/CPA and marginal ROI/CPA at several spend levels, anchored to the num_days before date.",
        "attribution",
        (f.ANCHOR_DATE, f.NUM_DAYS, f.CHANNELS),
        "anchor_date",
        prerendered=True,
        known_keys=("multi_day-multi_channel-tables-full_table",),
    ),
    ReportType(
        "compute_fixed_spend_performance",
        "Channel performance at a fixed spend level.",
        "attribution",
        (*f.DATE_RANGE, f.CHANNELS, f.SPEND, f.INCLUDE_LOWER_FUNNEL_EFFECTS),
        "range",
        dynamic_keys=True,
    ),
    ReportType(
        "compute_grouped_channel_summaries",
        "Impact, ROI and marginal ROI per user-defined channel group, daily, weekly, monthly and in total.",
        "attribution",
        (*f.DATE_RANGE, f.CHANNEL_GROUPS, f.INCLUDE_LOWER_FUNNEL_EFFECTS),
        "range",
        prerendered=True,
        key_patterns=(k.GROUP_SUMMARIES,),
    ),
    ReportType(
        "compare_time_periods",
        "ROI/CPA, marginal ROI/CPA, baseline, in-period effect and total outcome of a period versus the one before it.",
        "attribution",
        f.TWO_PERIODS,
        "two_periods",
        known_keys=("summary-overall", "summary-time_table"),
    ),
    ReportType(
        "compute_spike_detail_summary",
        "Day-by-day effect of promotions, holidays and other spikes, with pull-forward and pull-back.",
        "diagnostics",
        prerendered=True,
        known_keys=k.expand(
            "",
            ("individual", "grouped"),
            ("daily_effects", "cumulative_effects", "cumulative_effects_summarized"),
            separator="_",
        ),
        key_patterns=k.SPIKE_DETAIL,
    ),
    ReportType(
        "compute_backtest_summaries",
        "Out-of-sample backtest of the model (Recast publishes no downloads for it at present).",
        "diagnostics",
        prerendered=True,
        expects_data=False,
    ),
    ReportType(
        "compute_model_configuration",
        "Model configuration: baseline and ROI priors, shifts, spikes and channel linkings.",
        "model",
        prerendered=True,
        known_keys=k.expand("tables", ("baseline", "roi", "shifts", "spikes", "channel_linkings")),
    ),
    ReportType(
        "compute_experiments_summaries",
        "Experiment (lift test) results, where experiments are configured (no downloads at present).",
        "model",
        prerendered=True,
        expects_data=False,
    ),
    ReportType(
        "compute_clean_data",
        "The clean input data the model was fit on.",
        "model",
        prerendered=True,
        known_keys=("clean_data",),
    ),
)

REPORT_TYPES: dict[str, ReportType] = {report_type.name: report_type for report_type in _CATALOG}
ALIASES: dict[str, str] = {"compute_waterfall_summary": "compute_insights_overview"}


def resolve(name: object) -> ReportType | None:
    """The catalog entry for ``name`` or its alias target; None for anything unknown."""
    if not isinstance(name, str):
        return None
    return REPORT_TYPES.get(ALIASES.get(name, name))


def parse_download_key(report_type: object, key: object) -> KeyParts:
    """Split a download key into its warehouse table and variable parts (never raises)."""
    entry = resolve(report_type)
    return k.match_key(entry.key_patterns if entry else (), key)
