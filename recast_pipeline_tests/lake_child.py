"""One materialization in a process of its own, configured by the environment only (as a run
launched in its own container is): its own working directory, ``RECAST_DATA_DIR`` and
``DAGSTER_HOME``; the warehouse is whatever ``RECAST_WAREHOUSE`` names.

Usage: ``python lake_child.py '<json plan>'`` with ``job``, ``range`` (first, last partition key)
and ``assets``, and ``go``: a file to wait for, so several children start together. Prints
``{"result": {...}}`` as its last line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> int:
    plan = json.loads(sys.argv[1])
    import dagster as dg

    from recast_pipeline.cli.local_env import sync_dashboards
    from recast_pipeline.definitions import defs
    from recast_pipeline.orchestration.partitions import (
        DASHBOARDS_PARTITIONS_NAME,
        PARTITION_RANGE_END_TAG,
        PARTITION_RANGE_START_TAG,
    )

    instance = dg.DagsterInstance.get()  # this process's own DAGSTER_HOME
    sync_dashboards(instance, DASHBOARDS_PARTITIONS_NAME, ["revenue", "signups"])
    go = Path(plan["go"])
    while not go.exists():
        time.sleep(0.01)
    first, last = plan["range"]
    result = defs.resolve_job_def(plan["job"]).execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags={PARTITION_RANGE_START_TAG: first, PARTITION_RANGE_END_TAG: last},
        asset_selection=[dg.AssetKey(["recast", name]) for name in plan["assets"]],
    )
    failures = [
        event.event_specific_data.error.to_string()
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE"
    ]
    print(json.dumps({"result": {"success": result.success, "failures": failures}}), flush=True)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
