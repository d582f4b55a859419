"""Two RecastComponent instances in one project (an agency with two Recast clients) do not clash.

A temporary project's defs folder holds two ``defs.yaml``; ``dg.load_from_defs_folder`` loads them
as the project's own code location does, and both materialize against their own simulator.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from recast_pipeline.components.recast import RecastComponent

SPEND, CONFIG = "compute_spend_summary", "compute_model_configuration"
INSTANCE_YAML = """
type: recast_pipeline.components.RecastComponent
attributes:
  client: {{client_slug: "{slug}", token: "{token}", base_url: "{url}"}}
  key_prefix: {prefix}
  report_types: [{SPEND}, {CONFIG}]
  partitions_start: "2026-01-01"
{extra}
"""


def _project(tmp_path: Path, package: str, instances: dict[str, str]) -> dg.Definitions:
    defs_dir = tmp_path / package / "defs"
    defs_dir.mkdir(parents=True)
    (tmp_path / package / "__init__.py").write_text("")
    (defs_dir / "__init__.py").write_text("")
    for folder, text in instances.items():
        (defs_dir / folder).mkdir()
        (defs_dir / folder / "defs.yaml").write_text(text)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.dg.project]\nroot_module = "{package}"\ndefs_module = "{package}.defs"\n'
    )
    sys.path.insert(0, str(tmp_path))
    try:
        return dg.load_from_defs_folder(path_within_project=tmp_path)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
            del sys.modules[name]


def _yaml(sim, prefix: str, extra: str = "") -> str:
    return INSTANCE_YAML.format(
        slug=sim.client_slug, token=sim.token, url=sim.base_url, prefix=prefix, SPEND=SPEND, CONFIG=CONFIG, extra=extra
    )


def test_two_instances_have_their_own_keys_names_and_warehouses_and_both_materialize(
    simulator_factory, tmp_path, monkeypatch
):
    monkeypatch.setenv("RECAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RECAST_POLL_INTERVAL", "0.2")
    acme, globex = simulator_factory(), simulator_factory()
    globex_warehouse = tmp_path / "globex.duckdb"
    defs = _project(
        tmp_path,
        "agency_two_clients",
        {
            "acme": _yaml(acme, "[acme]"),
            "globex": _yaml(
                globex, "[globex, recast]", f'  warehouse: "{globex_warehouse}"\n  automation: {{refresh: false}}'
            ),
        },
    )

    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert keys == {
        f"{prefix}/{name}"
        for prefix in ("acme", "globex/recast")
        for name in (SPEND, CONFIG, "model_deployment", "model_coverage")
    }
    assert sorted(defs.resources) == [
        "acme_recast",
        "acme_warehouse",
        "acme_warehouse_io_manager",
        "globex_recast_recast",
        "globex_recast_warehouse",
        "globex_recast_warehouse_io_manager",
    ]
    assert sorted(s.name for s in defs.sensors) == [
        "acme_automation_sensor",
        "acme_model_refresh_sensor",
        "acme_month_ready_sensor",
        "globex_recast_automation_sensor",
        "globex_recast_model_refresh_sensor",
        "globex_recast_month_ready_sensor",
    ]
    assert {s.name for s in defs.schedules} == {
        f"{name}_{kind}_schedule"
        for name in ("acme", "globex_recast")
        for kind in ("monthly_reports", "dashboard_reports", "maintenance")
    }
    specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
    assert specs[f"globex/recast/{CONFIG}"].automation_condition is None  # refresh: false
    assert specs[f"acme/{CONFIG}"].automation_condition is not None
    dashboards = {s.partitions_def.name for k, s in specs.items() if k.endswith(CONFIG)}
    assert dashboards == {"acme_dashboards", "globex_recast_dashboards"}
    pools = {defs.resolve_assets_def(dg.AssetKey([*p, SPEND])).op.pool for p in (["acme"], ["globex", "recast"])}
    assert pools == {"recast_api"}  # one in-flight budget against Recast, shared

    with dg.instance_for_test() as instance:
        for name in dashboards:
            instance.add_dynamic_partitions(name, ["revenue"])
        for job in ("acme_monthly_reports_job", "globex_recast_monthly_reports_job"):
            result = defs.resolve_job_def(job).execute_in_process(instance=instance, partition_key="revenue|2026-09-01")
            assert result.success, job

    acme_warehouse = tmp_path / "data" / "acme" / "warehouse.duckdb"  # RECAST_DATA_DIR/<name> by default
    for path, sim in ((acme_warehouse, acme), (globex_warehouse, globex)):
        with duckdb.connect(str(path), read_only=True) as con:
            loaded = con.execute("SELECT report_type, partition_key, report_id FROM recast_meta.reports").fetchall()
        [made] = sim.store.made(SPEND)
        assert loaded == [(SPEND, "2026-09-01", made.id)]  # each client's report, in its own warehouse


def test_an_unknown_report_type_is_an_error_naming_the_field_and_the_value(tmp_path):
    with pytest.raises(Exception, match=r"report_types: unknown report type\(s\) 'compute_spend_sumary'"):
        RecastComponent(report_types=["compute_spend_sumary"]).build_defs(dg.ComponentTree.for_test().load_context)


def test_a_key_prefix_that_cannot_name_jobs_asks_for_a_name():
    with pytest.raises(Exception, match=r"name: 'acme-co' cannot scope Dagster names"):
        RecastComponent(key_prefix=["acme-co"]).build_defs(dg.ComponentTree.for_test().load_context)
    assert (
        RecastComponent(key_prefix=["acme-co"], name="acme")
        .build_defs(dg.ComponentTree.for_test().load_context)
        .resolve_job_def("acme_monthly_reports_job")
    )
