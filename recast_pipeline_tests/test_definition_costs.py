"""What loading the code location costs a process: no HTTP client, DuckDB or matplotlib, and runs without a
process per step.

Every run loads the code location again (and, under Dagster's default executor, every step did too),
so what it imports and builds at definition time is paid per run; see ``benchmarks/overhead.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = r"""
import json, sys
import dagster as dg
before = set(sys.modules)
from recast_pipeline.definitions import defs
loaded = set(sys.modules) - before
jobs = {name: defs.resolve_job_def(name).executor_def.name
        for name in ("recast_monthly_reports_job", "recast_dashboard_reports_job")}
implicit = defs.resolve_implicit_global_asset_job_def().executor_def.name
HEAVY = ("httpx", "duckdb", "pyarrow", "pandas", "numpy", "matplotlib")
print(json.dumps({"heavy": sorted(m for m in HEAVY if m in loaded),
                  "jobs": jobs, "implicit": implicit, "catalogue": sorted(defs.metadata),
                  "tree": defs.component_tree is not None}))
"""


def test_the_code_location_loads_without_the_client_duckdb_or_matplotlib_and_runs_steps_in_process():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT"))}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["heavy"] == []  # a run imports them when it needs them
    # no process per step: a run's steps (the Recast step, then its checks) share the run's process
    assert seen["jobs"] == {"recast_monthly_reports_job": "in_process", "recast_dashboard_reports_job": "in_process"}
    assert seen["implicit"] == "in_process"  # what the UI's "Materialize" and `dagster asset materialize` run
    # Dagster's catalogue of installed component types (which neither the OSS UI nor dg reads) is
    # not built on every load; the component tree is still attached for the UI
    assert seen["catalogue"] == []
    assert seen["tree"]


def test_the_code_location_holds_everything_the_whole_component_tree_builds():
    import dagster as dg

    import recast_pipeline.defs
    from recast_pipeline.definitions import defs, tree

    whole = dg.ComponentTree.from_module(defs_module=recast_pipeline.defs, project_root=tree.project_root).build_defs()

    def contents(definitions: dg.Definitions) -> dict[str, list[str]]:
        repository = definitions.get_repository_def()
        return {
            "assets": sorted(key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()),
            "checks": sorted(key.to_user_string() for key in repository.asset_graph.asset_check_keys),
            "jobs": sorted(repository.job_names),
            "schedules": sorted(schedule.name for schedule in repository.schedule_defs),
            "sensors": sorted(sensor.name for sensor in repository.sensor_defs),
            "resources": sorted(repository.get_top_level_resources()),
        }

    assert contents(defs) == contents(whole)
    assert contents(defs)["assets"]


SQL_PROBE = r"""
import sys
from recast_pipeline.cli.main import main
import recast_pipeline.charts.partition, recast_pipeline.charts.queries, recast_pipeline.charts.series
import recast_pipeline.charts.html_report, recast_pipeline.orchestration.charts
import recast_pipeline.orchestration.io_manager
code = main(["sql", "--warehouse", sys.argv[1], "SELECT 42 AS answer"])
print("MATPLOTLIB" if any(m.split(".")[0] == "matplotlib" for m in sys.modules) else "no matplotlib", code)
"""


def test_recast_pipeline_sql_and_the_chart_readers_do_not_import_matplotlib(tmp_path):
    """Only drawing imports the plotting library (``charts.draw``, ``charts.draw_report``)."""
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    out = subprocess.run([sys.executable, "-c", SQL_PROBE, str(warehouse)], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "42" in out.stdout and out.stdout.strip().splitlines()[-1] == "no matplotlib 0"
