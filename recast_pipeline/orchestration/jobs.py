"""Asset jobs: one per partitions definition, so a launch or schedule covers all its report types."""

from __future__ import annotations

from typing import Sequence

import dagster as dg

MONTHLY_JOB = "recast_monthly_reports_job"
DASHBOARD_JOB = "recast_dashboard_reports_job"


def build_jobs(report_assets: Sequence[dg.AssetsDefinition]) -> list[dg.UnresolvedAssetJobDefinition]:
    monthly, per_dashboard = report_assets
    return [
        dg.define_asset_job(
            MONTHLY_JOB,
            selection=dg.AssetSelection.assets(monthly),
            description="Every date-based Recast report type for the selected months",
        ),
        dg.define_asset_job(
            DASHBOARD_JOB,
            selection=dg.AssetSelection.assets(per_dashboard),
            description="Every dashboard-keyed Recast report type (model, clean data, spikes, shift curves)",
        ),
    ]
