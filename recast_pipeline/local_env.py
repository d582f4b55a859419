"""What the demo, ``recast-pipeline dev`` and ``dashboards sync`` share: the project's Dagster
instance, the environment that points the pipeline at a simulator, and registering dashboards.

Why one place: the demo's runs must show up in the UI that ``recast-pipeline dev`` (or
``dagster dev`` from the repository root) opens, so all three use the same instance folder and
the same dashboard partitions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

DAGSTER_HOME = ".dagster_home"


def project_instance():
    """The instance ``dagster dev``/``dg dev`` use from the repository root: dagster.yaml here, storage in .dagster_home.

    Outside the repository (no dagster.yaml in the working folder) the instance is .dagster_home
    with Dagster's defaults. Both through Dagster's public ``DagsterInstance.from_config``.
    """
    import dagster as dg

    home = Path(DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config_dir = Path.cwd() if (Path.cwd() / "dagster.yaml").is_file() else home
    return dg.DagsterInstance.from_config(str(config_dir))


def simulator_environment(sim, data_dir: Path) -> dict[str, str]:
    """The variables a real deployment sets, pointing at a running simulator."""
    return {
        "RECAST_BASE_URL": sim.base_url,
        "RECAST_CLIENT_SLUG": sim.client_slug,
        "RECAST_PAT": sim.token,
        "RECAST_DATA_DIR": str(data_dir.resolve()),
        "RECAST_WAREHOUSE": str((data_dir / "warehouse.duckdb").resolve()),
        "RECAST_POLL_INTERVAL": "2",
        "RECAST_MAX_IN_FLIGHT": "32",
    }


def point_pipeline_at(sim, data_dir: Path) -> None:
    os.environ.pop("RECAST_DEPLOYMENT_IDS", None)
    os.environ.pop("RECAST_DEPLOYMENT_ID", None)
    os.environ.update(simulator_environment(sim, data_dir))


def sync_dashboards(instance, partitions_name: str, dashboards: Iterable[str]) -> list[str]:
    """Add the dashboards the instance does not know yet; return the ones added."""
    known = set(instance.get_dynamic_partitions(partitions_name))
    added = sorted(set(dashboards) - known)
    if added:
        instance.add_dynamic_partitions(partitions_name, added)
    return added
