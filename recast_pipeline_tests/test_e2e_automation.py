"""End to end: under ``dagster dev`` (daemon included), declarative automation follows the model.

The simulator runs on loopback; ``dagster dev`` loads a code location made as a user makes one: a
defs folder whose defs.yaml instantiates ``RecastComponent`` (automation on by default) for one
date-based and one dashboard-keyed report type (the other types only repeat the same runs). The sensors record
each dashboard's deployment and covered month as
events of the model assets; ``recast_automation_sensor`` runs the due partitions. Then a refresh
of ``revenue`` makes it run that dashboard's partition and its last covered month again, on the
new deployment (that other dashboards stay untouched is proven in-process, ``test_automation.py``). Bounded in
time; the ``dagster dev`` process group is always stopped.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from recast_pipeline_tests.e2e_helpers import DagsterDev, before, runs

REPO = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
DEADLINE = 600.0  # four runs, one Recast step at a time (the pool)
MONTHLY, BY_DASHBOARD = "compute_spend_summary", "compute_model_configuration"
DEFS_YAML = f"""
type: recast_pipeline.components.RecastComponent
attributes:
  client:
    client_slug: "{{{{ env('RECAST_CLIENT_SLUG') }}}}"
    token: "{{{{ env('RECAST_PAT') }}}}"
  key_prefix: [recast]
  report_types: [{MONTHLY}, {BY_DASHBOARD}]
"""
DEFINITIONS = """
from pathlib import Path
import dagster as dg
import automation_project.defs
defs = dg.load_defs(defs_root=automation_project.defs, project_root=Path(__file__).resolve().parent.parent)
"""
ACTIVE = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]
AUTOMATION = [{"key": "recast/trigger", "value": "automation"}]

pytestmark = pytest.mark.timeout(DEADLINE + 60)


@pytest.fixture
def dagster_dev(simulator_factory, tmp_path):
    sim = simulator_factory(latency=0.2)
    home = tmp_path / "dagster_home"
    home.mkdir()
    repo_settings = yaml.safe_load((REPO / "dagster.yaml").read_text())
    (home / "dagster.yaml").write_text(
        yaml.safe_dump({"concurrency": repo_settings["concurrency"], "telemetry": {"enabled": False}})
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_"))}
    package = tmp_path / "automation_project"
    (package / "defs" / "recast").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "defs" / "__init__.py").write_text("")
    (package / "defs" / "recast" / "defs.yaml").write_text(DEFS_YAML)
    (package / "definitions.py").write_text(DEFINITIONS)
    env.update(
        PYTHONPATH=str(tmp_path),
        DAGSTER_HOME=str(home),
        RECAST_BASE_URL=sim.base_url,
        RECAST_CLIENT_SLUG=sim.client_slug,
        RECAST_PAT=sim.token,
        RECAST_DATA_DIR=str(tmp_path / "data"),
        RECAST_REFRESH_MONTHS="1",
        RECAST_POLL_INTERVAL="0.5",
        RECAST_SENSOR_INTERVAL="2",
        RECAST_DASHBOARDS="revenue",
    )
    dev = DagsterDev(
        [str(DAGSTER), "dev", "-m", "automation_project.definitions"], tmp_path, env, tmp_path / "dagster_dev.log"
    )
    try:
        yield sim, dev, tmp_path / "data" / "warehouse.duckdb"
    finally:
        dev.stop()


def _settled(dev, deadline, at_least: int, what: str) -> list[dict]:
    """Automation runs once at least ``at_least`` exist and none is active; fails on a failed run."""
    while True:
        done = runs(dev, tags=AUTOMATION)
        bad = [r for r in done if r["status"] in ("FAILURE", "CANCELED")]
        assert not bad, f"automation run failed: {bad}\n{dev.tail()}"
        if len(done) >= at_least and not runs(dev, statuses=ACTIVE):
            return done
        before(deadline, f"{what} (have {[(r['jobName'], r['status']) for r in done]})\n{dev.tail()}")
        time.sleep(2.0)


def _partition(run: dict) -> str:
    return {t["key"]: t["value"] for t in run["tags"]}.get("dagster/partition", "")


def test_automation_runs_a_first_seen_dashboard_its_covered_month_and_again_after_a_refresh(dagster_dev):
    sim, dev, warehouse_path = dagster_dev
    deadline = time.monotonic() + DEADLINE
    dev.wait_ready(deadline)
    month = sim.config.data_end.replace(day=1).isoformat()  # the last month the model covers

    # First look: the dashboard's deployment and its latest covered month are due, once.
    first = _settled(dev, deadline, 2, "the first automation runs")
    assert sorted(_partition(r) for r in first) == ["revenue", f"revenue|{month}"]

    refresh = sim.refresh_model("revenue")
    new_deployment = refresh["deployment_id"]
    later = _settled(dev, deadline, len(first) + 2, "the refresh's automation runs")
    new = [r for r in later if r["runId"] not in {f["runId"] for f in first}]
    assert sorted(_partition(r) for r in new) == ["revenue", f"revenue|{month}"]  # its partition and last covered month

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        loaded = con.execute(
            "SELECT partition_key, count(*) FROM recast_meta.reports WHERE dashboard = 'revenue' AND deployment_id = ? "
            "GROUP BY partition_key",
            [new_deployment],
        ).fetchall()
    assert dict(loaded) == {month: 1, "revenue": 1}
