"""What the demo, ``recast-pipeline dev`` and ``dashboards sync`` share: the project's Dagster
instance, the environment that points the pipeline at a simulator, and registering dashboards.

Why one place: the demo's runs must show up in the UI that ``recast-pipeline dev`` (or
``dagster dev`` from the repository root) opens, and a partition registered by ``dashboards sync``
must be known to the ``dagster asset materialize`` that follows, so every command uses the
instance Dagster itself would use (``which_instance``) and says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from recast_pipeline.cli.errors import CommandError
from recast_pipeline.config.settings import Settings, environment

DAGSTER_HOME = ".dagster_home"


@dataclass(frozen=True)
class InstanceChoice:
    """Which Dagster instance a command uses, and why: the one Dagster itself would use from here.

    ``DAGSTER_HOME`` when set (its ``dagster.yaml``, or Dagster's defaults without one), as every
    ``dagster``/``dg`` command and deployment does; else the project's: ``dagster.yaml`` of the
    working folder (the repository root), whose storage is ``.dagster_home/`` there, which is what
    ``dagster dev`` and ``dagster asset materialize`` read from that folder. Outside a project
    (no ``dagster.yaml`` here) ``.dagster_home`` with Dagster's defaults.
    """

    home: Path  # where the instance keeps what dagster.yaml does not place elsewhere
    config_dir: Path  # the folder whose dagster.yaml configures it
    source: str  # "DAGSTER_HOME", "project" or "default"

    def describe(self) -> str:
        config = self.config_dir / "dagster.yaml"
        if self.source == "DAGSTER_HOME":
            settings = str(config) if config.is_file() else "no dagster.yaml there: Dagster's defaults"
            return f"{self.home} (DAGSTER_HOME; {settings})"
        if self.source == "project":
            return f"{self.home} (the project's, configured by {config}; DAGSTER_HOME is not set)"
        return f"{self.home} (no dagster.yaml in {self.config_dir}: Dagster's defaults; DAGSTER_HOME is not set)"

    def open(self):
        import dagster as dg

        if self.source == "DAGSTER_HOME":
            return dg.DagsterInstance.get()  # exactly what `dagster` commands open
        self.home.mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.from_config(str(self.config_dir))


def which_instance() -> InstanceChoice:
    """The instance rule (DESIGN.md): DAGSTER_HOME when set, else the project's .dagster_home with dagster.yaml."""
    value = Settings.from_env().dagster_home.strip()
    if value:
        home = Path(value).expanduser()
        if not home.is_absolute():
            raise CommandError(f"DAGSTER_HOME={value!r} must be an absolute path (Dagster refuses a relative one)")
        if not home.is_dir():
            raise CommandError(
                f"DAGSTER_HOME={value!r} is not a folder: create it (mkdir -p {home}), with your dagster.yaml in it, "
                "or unset DAGSTER_HOME to use the project's .dagster_home"
            )
        return InstanceChoice(home, home, "DAGSTER_HOME")
    home = Path(DAGSTER_HOME).resolve()
    if (Path.cwd() / "dagster.yaml").is_file():
        return InstanceChoice(home, Path.cwd(), "project")
    return InstanceChoice(home, home, "default")


def project_instance(announce: bool = True):
    """The instance of ``which_instance()``; ``announce`` prints which one (every command that touches it does)."""
    choice = which_instance()
    if announce:
        print(f"Dagster instance: {choice.describe()}", flush=True)
    return choice.open()


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


def pointed_at(sim, data_dir: Path):
    """The process environment pointed at a running simulator for a block (pinned deployments unset)."""
    return environment(simulator_environment(sim, data_dir), drop=("RECAST_DEPLOYMENT_IDS", "RECAST_DEPLOYMENT_ID"))


def sync_dashboards(instance, partitions_name: str, dashboards: Iterable[str]) -> list[str]:
    """Add the dashboards the instance does not know yet; return the ones added."""
    known = set(instance.get_dynamic_partitions(partitions_name))
    added = sorted(set(dashboards) - known)
    if added:
        instance.add_dynamic_partitions(partitions_name, added)
    return added
