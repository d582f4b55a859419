"""``RecastTranslator``: the one place a report type becomes its asset's spec, and a user's hook to change it.

Why a translator (as dagster-fivetran, dagster-dlt and dagster-sling have): teams fold our assets
into their own naming (``marketing/recast/roi`` instead of ``recast/compute_roi_summary``), add
tags, owners or metadata. Subclass it and override ``get_asset_spec``; the component's
``translation:`` attribute does the same in YAML. Every other part (checks, sensors, automation,
the IO manager) asks the instance's options for a report type's key, so a translated key holds
everywhere; what the translator must not change is what the pipeline runs on: the partitions,
the IO manager and the ``recast/report_type`` metadata.
"""

from __future__ import annotations

import dagster as dg

from recast_pipeline.recast.catalog import ReportType


class RecastTranslator:
    """Builds each report asset's spec from the default one; override ``get_asset_spec``."""

    def get_asset_spec(self, report_type: ReportType, default_spec: dg.AssetSpec) -> dg.AssetSpec:
        """The spec of ``report_type``'s asset; ``default_spec`` is ``recast/<report_type>`` with our group, tags,
        owners."""
        return default_spec
