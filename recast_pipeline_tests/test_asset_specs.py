"""A snapshot of every asset spec users see: a change to keys, groups, owners or checks is deliberate.

Regenerate after a deliberate change:
``UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest recast_pipeline_tests/test_asset_specs.py``.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from recast_pipeline.orchestration.code_location import build_definitions
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.json"


def _partitions(partitions_def) -> str:
    dims = getattr(partitions_def, "partitions_defs", None)
    if dims:
        return " x ".join(f"{d.name}:{type(d.partitions_def).__name__}" for d in dims)
    return type(partitions_def).__name__ if partitions_def else "none"


def current_specs() -> dict:
    recast = RecastResource(base_url="http://127.0.0.1:9", client_slug="acme", token="gr_unused")
    defs = build_definitions(Partitioning(date(2024, 1, 1)), recast, RecastWarehouse(data_dir="/nonexistent"))
    graph = defs.resolve_asset_graph()
    checks: dict[str, list] = {}
    for key in graph.asset_check_keys:
        checks.setdefault(key.asset_key.to_user_string(), []).append(key.name)
    return {
        spec.key.to_user_string(): {
            "group": spec.group_name,
            "kinds": sorted(spec.kinds),
            "owners": list(spec.owners),
            "tags": {k: v for k, v in sorted(spec.tags.items()) if not k.startswith("dagster/kind/")},
            "partitions": _partitions(spec.partitions_def),
            "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
            "automation": spec.automation_condition.get_label() if spec.automation_condition else None,
            "freshness_deadline": getattr(spec.freshness_policy, "deadline_cron", None),
            "checks": sorted(checks.get(spec.key.to_user_string(), [])),
            "metadata_keys": sorted(spec.metadata),
        }
        for spec in sorted(defs.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string())
    }


def test_asset_specs_match_the_snapshot():
    current = current_specs()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())


def test_every_report_spec_has_owners_tags_code_references_and_checks():
    for key, spec in current_specs().items():
        if key.startswith("recast/") and spec["kinds"] == ["duckdb", "parquet", "recast"]:
            assert spec["deps"] in (["recast/model_coverage"], ["recast/model_deployment"]), key
            assert spec["owners"] and spec["tags"].get("source") == "recast", key
            assert {"dagster/code_references", "dagster/column_schema", "recast/tables"} <= set(
                spec["metadata_keys"]
            ), key
            assert "downloads_loaded" in spec["checks"], key
