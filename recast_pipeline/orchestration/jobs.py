"""Asset jobs: one per partitions definition, so a launch or schedule covers all its report types."""

from __future__ import annotations

from typing import Sequence

import dagster as dg

MONTHLY_JOB = "recast_monthly_reports_job"
DEPLOYMENT_JOB = "recast_deployment_reports_job"


def build_jobs(report_assets: Sequence[dg.AssetsDefinition]) -> list[dg.UnresolvedAssetJobDefinition]:
    monthly, per_deployment = report_assets
    return [
        dg.define_asset_job(
            MONTHLY_JOB,
            selection=dg.AssetSelection.assets(monthly),
            description="Every date-based Recast report type for the selected months",
        ),
        dg.define_asset_job(
            DEPLOYMENT_JOB,
            selection=dg.AssetSelection.assets(per_deployment),
            description="Every deployment-keyed Recast report type (model, clean data, spikes, shift curves)",
        ),
    ]
