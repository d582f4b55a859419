"""The code location loads from environment variables alone and shows what DESIGN.md promises."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PLACEHOLDER_ENV = {
    "RECAST_BASE_URL": "http://127.0.0.1:9",
    "RECAST_CLIENT_SLUG": "placeholder-client",
    "RECAST_PAT": "gr_placeholder_token_never_shown",
    "RECAST_PARTITIONS_START": "2024-01-01",
}

PROBE = r"""
import json, sys
import dagster as dg
import recast_pipeline
from recast_pipeline.definitions import defs
graph = defs.resolve_asset_graph()
keys = sorted(k.to_user_string() for k in graph.get_all_asset_keys())
specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
checks = sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys)
resource = defs.resources["recast"]
print(json.dumps({
    "keys": keys,
    "groups": sorted({s.group_name for s in specs.values()}),
    "kinds": sorted(specs["recast/compute_spend_summary"].kinds),
    "description": specs["recast/compute_spend_summary"].description,
    "dimensions": [d.name for d in specs["recast/compute_spend_summary"].partitions_def.partitions_defs],
    "first_month": specs["recast/compute_spend_summary"]
    .partitions_def.get_partitions_def_for_dimension("month")
    .get_partition_keys()[0],
    "dashboard_partitions": [
        specs["recast/compute_spend_summary"].partitions_def.get_partitions_def_for_dimension("dashboard").name,
        specs["recast/compute_clean_data"].partitions_def.name,
    ],
    "checks": checks,
    "sensors": sorted(s.name for s in defs.sensors),
    "schedules": sorted(s.name for s in defs.schedules),
    "token_repr": repr(resource.token),
    "resources": sorted(defs.resources),
    "package": recast_pipeline.__file__,
}))
"""


def _probe(extra_env=None, cwd=None):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT"))},
        **PLACEHOLDER_ENV,
        **(extra_env or {}),
    }
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1]), out


def test_definitions_load_with_placeholder_environment():
    seen, out = _probe()
    assert len(seen["keys"]) == 26 and all(k.startswith("recast/") for k in seen["keys"])
    assert {"recast/model_deployment", "recast/model_coverage"} <= set(seen["keys"])  # what automation follows
    assert seen["groups"] == ["recast_attribution", "recast_diagnostics", "recast_model", "recast_spend"]
    assert seen["resources"] == ["recast", "recast_warehouse", "recast_warehouse_io_manager"]
    assert seen["kinds"] == ["duckdb", "parquet", "recast"]
    assert seen["description"].startswith("Spend per channel")
    assert seen["dimensions"] == ["dashboard", "month"] and seen["first_month"] == "2024-01-01"
    assert seen["dashboard_partitions"] == ["recast_dashboards", "recast_dashboards"]
    assert "recast/compute_spend_summary:daily_spend_matches_total" in seen["checks"]
    assert sum(1 for c in seen["checks"] if c.endswith(":downloads_loaded")) == 24
    assert seen["sensors"] == ["recast_automation_sensor", "recast_model_refresh_sensor", "recast_month_ready_sensor"]
    assert seen["schedules"] == [
        "recast_dashboard_reports_schedule",
        "recast_maintenance_schedule",
        "recast_monthly_reports_schedule",
    ]
    # the token is configured as an EnvVar: the UI shows the variable's name, never its value
    assert "RECAST_PAT" in seen["token_repr"]
    assert "gr_placeholder_token_never_shown" not in out.stdout + out.stderr


def test_an_installed_package_without_pyproject_loads_the_same_definitions(tmp_path):
    """As in an image made with ``pip install .``: the package alone (with its defs.yaml, the package
    data), no pyproject.toml or dg.toml anywhere above it."""
    package = Path(__file__).resolve().parent.parent / "recast_pipeline"
    installed = tmp_path / "site-packages"
    shutil.copytree(package, installed / "recast_pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    seen, _ = _probe({"PYTHONPATH": str(installed)}, cwd=tmp_path)
    assert seen["package"].startswith(str(installed))  # the copy, not the checkout
    assert len(seen["keys"]) == 26 and seen["resources"] == [
        "recast",
        "recast_warehouse",
        "recast_warehouse_io_manager",
    ]


def test_partitions_do_not_depend_on_dashboards_or_pinned_deployments():
    plain, _ = _probe()
    for extra in ({"RECAST_DEPLOYMENT_IDS": "5716,5717"}, {"RECAST_DASHBOARDS": "revenue"}):
        seen, _ = _probe(extra)
        assert (seen["dimensions"], seen["first_month"], seen["dashboard_partitions"]) == (
            plain["dimensions"],
            plain["first_month"],
            plain["dashboard_partitions"],
        )


def test_definitions_load_without_any_recast_variable():
    env = {"RECAST_BASE_URL": "", "RECAST_CLIENT_SLUG": "", "RECAST_PAT": ""}
    seen, _ = _probe(env)
    assert len(seen["keys"]) == 26


def test_api_pat_is_the_fallback_token_variable():
    seen, _ = _probe({"RECAST_PAT": "", "API_PAT": "gr_old_style"})
    assert "API_PAT" in seen["token_repr"]
