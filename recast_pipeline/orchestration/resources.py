"""Thin Dagster resources over the API client, the landing area and the warehouse (all logic lives below)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List

import dagster as dg
from pydantic import Field

from recast_pipeline.config import settings
from recast_pipeline.warehouse.targets.motherduck_access import database_name, is_motherduck

if TYPE_CHECKING:  # imported where used: loading the code location needs neither httpx nor DuckDB
    from recast_pipeline.landing.stage import LandingStore
    from recast_pipeline.recast.client import RecastClient
    from recast_pipeline.recast.dashboards import DashboardResolver
    from recast_pipeline.warehouse.warehouse import Warehouse


class RecastResource(dg.ConfigurableResource):
    """The Recast API. Give the token as ``dg.EnvVar``: the UI then shows the variable's name only."""

    base_url: str = Field(default=settings.DEFAULT_BASE_URL, description="API root (RECAST_BASE_URL)")
    client_slug: str = Field(default="", description="Client slug in every path (RECAST_CLIENT_SLUG)")
    token: str = Field(default="", description="Personal access token; pass dg.EnvVar('RECAST_PAT')", repr=False)
    token_variable: str = Field(
        default="RECAST_PAT", description="The variable the token comes from (its name only: for the sensors' messages)"
    )
    poll_interval: float = Field(
        default=settings.DEFAULT_POLL_INTERVAL, description="Seconds between polls at steady state"
    )
    report_timeout: float = Field(default=settings.DEFAULT_REPORT_TIMEOUT, description="Deadline per report, seconds")
    max_in_flight: int = Field(default=settings.DEFAULT_MAX_IN_FLIGHT, description="Reports computing at once per step")
    reuse_horizon_days: float = Field(
        default=settings.DEFAULT_REUSE_HORIZON_DAYS,
        description="Days back the reuse lookup reads the report list when a deployment has no model_date "
        "(RECAST_REUSE_HORIZON_DAYS)",
    )
    retry_deadline: float = Field(
        default=120.0, description="Seconds one API call keeps retrying 429/5xx/network errors before the step fails"
    )
    dashboards: List[str] = Field(
        default=[],
        description="Dashboard slugs to load (RECAST_DASHBOARDS); empty: every dashboard with an active deployment",
    )
    deployment_ids: List[int] = Field(
        default=[], description="Pin exact deployments (RECAST_DEPLOYMENT_IDS); each stands for its dashboard"
    )
    ledger_path: str = Field(
        default="", description="SQLite file recording every report created, by form fingerprint; empty: no ledger"
    )

    @property
    def configured(self) -> bool:
        """Whether slug and token are set (sensors skip, naming the variables, when not)."""
        return bool(self.client_slug and self.token)

    def get_client(self) -> RecastClient:
        from recast_pipeline.recast.client import RecastClient
        from recast_pipeline.recast.ledger import CreateLedger

        return RecastClient(
            base_url=self.base_url,
            client_slug=self.client_slug,
            token=self.token,
            poll_interval=self.poll_interval,
            report_timeout=self.report_timeout,
            max_in_flight=self.max_in_flight,
            reuse_horizon_days=self.reuse_horizon_days,
            retry_deadline=self.retry_deadline,
            ledger=CreateLedger(self.ledger_path) if self.ledger_path else None,
        )

    def resolver(self, client: RecastClient) -> DashboardResolver:
        """Resolves the configured dashboards (or pinned deployments) for one run or tick."""
        from recast_pipeline.recast.dashboards import DashboardResolver

        return DashboardResolver(client, tuple(self.dashboards), tuple(self.deployment_ids))

    @classmethod
    def from_env(cls) -> RecastResource:
        """Every field from DESIGN.md's environment variables; only env var *names* reach the UI."""
        env = settings.Settings.from_env()
        return cls(
            base_url=env.base_url,
            # An unset variable stays empty rather than failing every sensor tick with a stack trace:
            # sensors then skip naming it, and a run fails saying which variable to set.
            client_slug=dg.EnvVar("RECAST_CLIENT_SLUG") if env.client_slug else "",
            token=dg.EnvVar(env.token_variable) if env.token else "",
            token_variable=env.token_variable,
            poll_interval=env.poll_interval,
            report_timeout=env.report_timeout,
            max_in_flight=env.max_in_flight,
            reuse_horizon_days=env.reuse_horizon_days,
            dashboards=list(env.dashboards),
            deployment_ids=list(env.deployment_ids),
            ledger_path=str(env.ledger_path),
        )


def refuse_secrets(location: str, variable: str = "RECAST_WAREHOUSE") -> None:
    """A DuckLake location with a password is refused before it becomes configuration the UI shows
    (``warehouse_path``): one line pointing at PGPASSWORD/~/.pgpass, never the value."""
    if location.strip().startswith("ducklake:"):
        from recast_pipeline.warehouse.lake_access import refuse_password

        refuse_password(location, variable)


class RecastWarehouse(dg.ConfigurableResource):
    """Where downloads land (Parquet) and the warehouse they load into: a DuckDB file or a DuckLake."""

    data_dir: str = Field(
        default="./data",
        description="Landing folder or s3://bucket/prefix (keys from the AWS_* variables); "
        "Parquet goes under parquet/ (RECAST_DATA_DIR)",
    )
    warehouse_path: str = Field(
        default="",
        description="DuckDB file, or a DuckLake: ducklake:postgres:dbname=... host=... (password in PGPASSWORD, "
        "never here) or ducklake:<catalog file>, or MotherDuck: md:<database> (token in MOTHERDUCK_TOKEN, never "
        "here); empty means <data_dir>/warehouse.duckdb, which an s3:// data_dir cannot hold (RECAST_WAREHOUSE)",
    )
    ducklake_data_path: str = Field(
        default="",
        description="Where a new DuckLake writes its Parquet: a folder or s3://bucket/prefix/; empty: the catalog's "
        "own, else RECAST_DUCKLAKE_DATA_PATH",
    )
    lock_timeout: float = Field(
        default=120.0,
        description="Seconds to wait for the single-writer lock (or to retry DuckLake conflicts) before failing",
    )

    @property
    def duckdb_path(self) -> Path:
        return Path(self.warehouse_path) if self.warehouse_path else settings.default_warehouse(self.data_dir)

    @property
    def location(self) -> str | Path:
        """The DuckLake (``ducklake:...``) or MotherDuck database (``md:...``) as written, else the DuckDB file."""
        from recast_pipeline.warehouse.options import is_ducklake

        remote = is_ducklake(self.warehouse_path) or is_motherduck(self.warehouse_path)
        return self.warehouse_path.strip() if remote else self.duckdb_path

    def warehouse(self) -> Warehouse:
        from recast_pipeline.warehouse.warehouse import Warehouse

        return Warehouse(
            self.location, lock_timeout=self.lock_timeout, ducklake_data_path=self.ducklake_data_path or None
        )

    def landing_area(self) -> LandingStore:
        """The local folder's store, or the object store's for an ``s3://`` data dir (same ``Stage``)."""
        from recast_pipeline.landing.local_store import LandingArea
        from recast_pipeline.landing.object_store import ObjectStoreArea

        parquet = settings.join_location(self.data_dir, "parquet")
        return ObjectStoreArea(parquet) if settings.is_object_store(parquet) else LandingArea(parquet)

    @classmethod
    def from_env(cls) -> RecastWarehouse:
        env = settings.Settings.from_env()
        location = env.warehouse_location
        refuse_secrets(location)
        if is_motherduck(location):
            database_name(location)  # a bad md: location (say, one carrying the token) fails here, redacted
        return cls(
            data_dir=str(env.data_dir),
            warehouse_path=location,
            ducklake_data_path=env.ducklake_data_path.strip(),
        )
