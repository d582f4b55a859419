"""The simulator's own knowledge of the 24 report types (from RECAST_API.md, independently of the
pipeline's catalog so that the two can check each other): required fields, pre-rendering, download
builders, and the fixed inputs of the pre-rendered dashboard versions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from . import tables_config as cfg
from . import tables_effects as eff
from . import tables_model as mod
from . import tables_spend as spd
from .csvout import DownloadSpec
from .data import ModelData
from .deployments import DeploymentSpec

RANGE = ("start_date", "end_date")
Builder = Callable[[ModelData, dict], list[DownloadSpec]]


@dataclass(frozen=True)
class TypeSpec:
    fields: tuple[str, ...]
    prerendered: bool
    build: Builder
    dynamic: bool = False  # key list depends on the deployment or the inputs


TYPES: dict[str, TypeSpec] = {
    "compute_insights_overview": TypeSpec(RANGE, True, eff.insights_overview),
    "compute_spend_summary": TypeSpec(RANGE, True, spd.spend_summary),
    "compute_period_summary": TypeSpec(RANGE, False, eff.period_summary),
    "compute_marketing_vs_baseline": TypeSpec(RANGE, False, eff.marketing_vs_baseline),
    "compute_lower_funnel_waterfall": TypeSpec(RANGE, True, eff.lower_funnel_waterfall, dynamic=True),
    "compute_in_sample_model_fit": TypeSpec(RANGE, False, mod.in_sample_model_fit),
    "compute_context_variable_summary": TypeSpec(RANGE, True, mod.context_variable_summary, dynamic=True),
    "compute_channel_uncertainty_drivers": TypeSpec(RANGE, False, mod.channel_uncertainty_drivers, dynamic=True),
    "compute_baseline_summary": TypeSpec((*RANGE, "include_spikes"), True, mod.baseline_summary),
    "compute_share_of_spend_vs_effect": TypeSpec(
        (*RANGE, "granularity"), False, spd.share_of_spend_vs_effect, dynamic=True
    ),
    "compute_roi_cpa_waterfall_plots": TypeSpec((*RANGE, "channels"), False, mod.roi_cpa_waterfall, dynamic=True),
    "compute_upper_funnel_details": TypeSpec((*RANGE, "channels"), False, eff.upper_funnel_details, dynamic=True),
    "compute_prior_vs_posterior": TypeSpec((*RANGE, "channels"), True, mod.prior_vs_posterior, dynamic=True),
    "compute_daily_spend_vs_KPI": TypeSpec((*RANGE, "channels"), False, spd.daily_spend_vs_kpi),
    "compare_shift_curves": TypeSpec(("channels",), True, mod.shift_curves),
    "compute_spend_response_curves": TypeSpec(("date", "num_days", "channels"), True, mod.spend_response_curves),
    "compute_fixed_spend_performance": TypeSpec(
        (*RANGE, "channels", "spend", "include_lower_funnel_effects"), False, mod.fixed_spend_performance, dynamic=True
    ),
    "compute_grouped_channel_summaries": TypeSpec(
        (*RANGE, "channel_groups", "include_lower_funnel_effects"), True, eff.grouped_channel_summaries, dynamic=True
    ),
    "compare_time_periods": TypeSpec(
        ("previous_start_date", "previous_end_date", "period_start_date", "period_end_date"),
        False,
        eff.compare_time_periods,
    ),
    "compute_spike_detail_summary": TypeSpec((), True, cfg.spike_detail_summary),
    "compute_backtest_summaries": TypeSpec((), True, lambda md, form: []),
    "compute_model_configuration": TypeSpec((), True, cfg.model_configuration),
    "compute_experiments_summaries": TypeSpec((), True, lambda md, form: []),
    "compute_clean_data": TypeSpec((), True, lambda md, form: []),  # built with config, see build_downloads
}
ALIASES = {"compute_waterfall_summary": "compute_insights_overview"}
DASHBOARD_DAYS = 90  # pre-rendered date-range reports cover the model's last 90 days


def resolve(report_type: str) -> tuple[str, TypeSpec] | None:
    name = ALIASES.get(report_type, report_type)
    spec = TYPES.get(name)
    return (name, spec) if spec else None


def fails_on(report_type: str, dep: DeploymentSpec) -> bool:
    """Where the real API ends a report in ``error``."""
    found = resolve(report_type)
    return bool(found and found[0] == "compute_context_variable_summary" and not dep.context_variables)


def prerendered_types(dep: DeploymentSpec) -> list[str]:
    """Eligible types; a deployment without context variables has no context dashboard to render."""
    return [name for name, spec in TYPES.items() if spec.prerendered and not fails_on(name, dep)]


def dashboard_form(report_type: str, md: ModelData) -> dict[str, Any]:
    """The fixed inputs Recast uses when it pre-renders a dashboard page (a valid form for any type)."""
    dep, end = md.deployment, md.last_date
    form: dict[str, Any] = {"deployment_id": dep.id, "report_type": report_type}
    fields = TYPES[report_type].fields
    if "start_date" in fields:
        form["start_date"] = (end - dt.timedelta(days=DASHBOARD_DAYS - 1)).isoformat()
        form["end_date"] = end.isoformat()
    if "channels" in fields:
        form["channels"] = list(dep.channels)
    if "date" in fields:
        form["date"] = (end + dt.timedelta(days=1)).isoformat()
        form["num_days"] = 30
    if "include_spikes" in fields:
        form["include_spikes"] = True
    if "channel_groups" in fields:
        form["channel_groups"] = [{"name": c, "channels": [c]} for c in dep.upper_funnel]
    if "period_start_date" in fields:  # the last 90 days against the 90 days before them
        form["period_start_date"] = (end - dt.timedelta(days=DASHBOARD_DAYS - 1)).isoformat()
        form["period_end_date"] = end.isoformat()
        form["previous_start_date"] = (end - dt.timedelta(days=2 * DASHBOARD_DAYS - 1)).isoformat()
        form["previous_end_date"] = (end - dt.timedelta(days=DASHBOARD_DAYS)).isoformat()
    if "granularity" in fields:
        form["granularity"] = "weekly"
    if "spend" in fields:
        form["spend"] = 100000
    if "include_lower_funnel_effects" in fields:
        form["include_lower_funnel_effects"] = "true" if dep.lower_funnel else "false"
    return form


def build_downloads(report_type: str, md: ModelData, form: dict, config: Any) -> list[DownloadSpec]:
    found = resolve(report_type)
    if found is None:
        return cfg.unknown_type(md, form)
    name, spec = found
    if name == "compute_clean_data":
        return spd.clean_data(md, form, config.seed, config.clean_data_rows)
    return spec.build(md, form)


def is_dynamic(report_type: str) -> bool:
    found = resolve(report_type)
    return bool(found and found[1].dynamic)
