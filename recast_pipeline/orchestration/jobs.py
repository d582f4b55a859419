"""Asset jobs: one per partitions definition, so a launch or schedule covers all its report types."""

from __future__ import annotations

from typing import Sequence

import dagster as dg

from recast_pipeline.orchestration.specs import AssetOptions

MONTHLY_JOB = "recast_monthly_reports_job"
DASHBOARD_JOB = "recast_dashboard_reports_job"
DESCRIPTIONS = {
    MONTHLY_JOB: "Every date-based Recast report type for the selected months",
    DASHBOARD_JOB: "Every dashboard-keyed Recast report type (model, clean data, spikes, shift curves)",
}


def is_dated(assets: dg.AssetsDefinition) -> bool:
    """Whether a report multi-asset is partitioned dashboard x month (else by dashboard)."""
    return isinstance(assets.partitions_def, dg.MultiPartitionsDefinition)


def job_base(assets: dg.AssetsDefinition) -> str:
    return MONTHLY_JOB if is_dated(assets) else DASHBOARD_JOB


def build_jobs(
    report_assets: Sequence[dg.AssetsDefinition], options: AssetOptions = AssetOptions()
) -> list[dg.UnresolvedAssetJobDefinition]:
    """Named ``recast_monthly_reports_job`` / ``recast_dashboard_reports_job``, scoped per component instance."""
    return [
        dg.define_asset_job(
            options.scoped(job_base(assets)),
            selection=dg.AssetSelection.assets(assets),
            description=DESCRIPTIONS[job_base(assets)],
            # one Recast step plus its checks: a process per step would only load the code location again
            executor_def=dg.in_process_executor,
        )
        for assets in report_assets
    ]
