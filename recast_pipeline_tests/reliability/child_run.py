"""A materialization in its own process, configured only by the environment (as in production).

Usage: ``python child_run.py '<json plan>'``. The plan names the job, the partition (or range),
the asset selection, an optional ``go`` file to wait for (so several children start together)
and an optional ``pause``: the child then stops at that point, writes ``marker`` and sleeps, so
the test can SIGKILL it exactly there. The pause points wrap production functions from the
outside; production code has no test branches. Prints ``{"result": {...}}`` as its last line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PAUSES = {
    # a CSV fully downloaded into the scratch folder, not yet converted
    "before_land": ("recast_pipeline.landing.stage", "Stage.land", "before"),
    # inside the warehouse transaction: rows deleted and inserted, nothing committed
    "inside_load": ("recast_pipeline.warehouse.meta", "record_report", "after"),
    # the load committed, the staged Parquet not yet published
    "before_publish": ("recast_pipeline.landing.stage", "Stage.publish", "before"),
    # a first asset fully loaded and published, the others still landing or computing
    "after_first_asset": (
        "recast_pipeline.orchestration.io_manager",
        "DuckDBWarehouseIOManager.handle_output",
        "after",
    ),
}


def install_pause(point: str, marker: Path) -> None:
    import importlib

    module_name, attribute, when = PAUSES[point]
    owner = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)

    def pause():
        marker.write_text("paused")
        time.sleep(600)

    def wrapper(*args, **kwargs):
        if when == "before":
            pause()
        result = original(*args, **kwargs)
        pause()
        return result

    setattr(owner, name, wrapper)


def main() -> int:
    plan = json.loads(sys.argv[1])
    if plan.get("pause"):
        install_pause(plan["pause"], Path(plan["marker"]))
    import dagster as dg

    from recast_pipeline.cli.local_env import sync_dashboards
    from recast_pipeline.definitions import defs
    from recast_pipeline.orchestration.partitions import (
        DASHBOARDS_PARTITIONS_NAME,
        PARTITION_RANGE_END_TAG,
        PARTITION_RANGE_START_TAG,
    )

    go = Path(plan["go"]) if plan.get("go") else None
    while go is not None and not go.exists():
        time.sleep(0.01)
    instance = dg.DagsterInstance.ephemeral()
    sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, ["revenue", "signups"])
    kwargs = {"raise_on_error": False, "instance": instance}
    monthly = plan["job"] == "recast_monthly_reports_job"

    def key(name: str) -> str:  # months name the revenue dashboard's unless they say otherwise
        return f"revenue|{name}" if monthly and "|" not in name else name

    if plan.get("range"):
        first, last = plan["range"]
        kwargs["tags"] = {PARTITION_RANGE_START_TAG: key(first), PARTITION_RANGE_END_TAG: key(last)}
    else:
        kwargs["partition_key"] = key(plan["partition"])
    if plan.get("assets"):
        kwargs["asset_selection"] = [dg.AssetKey(["recast", name]) for name in plan["assets"]]
    result = defs.resolve_job_def(plan["job"]).execute_in_process(**kwargs)
    failures = [
        event.event_specific_data.error.to_string()
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE"
    ]
    print(json.dumps({"result": {"success": result.success, "failures": failures}}), flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
