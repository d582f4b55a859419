"""DESIGN.md's environment variables, read in one place into one ``Settings`` object (no Dagster).

Why one owner: the rule "the token is ``RECAST_PAT``, else ``API_PAT``", the defaults and the error
for a malformed value are each written once; every other module takes a ``Settings`` (or the
values it needs) from its caller, so a test or the demo builds one from a mapping instead of
changing the process's environment, and nothing depends on import order.

``Settings.from_env()`` reads the process environment; ``Settings.from_env(mapping)`` reads a
mapping instead. Values are checked when read: a malformed variable fails naming it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DEFAULT_BASE_URL = "https://api.getrecast.com"
DEFAULT_POLL_INTERVAL = 30.0  # seconds between polls once a report has been running a while
DEFAULT_REPORT_TIMEOUT = 15 * 60.0  # the vendor's own limit per report
DEFAULT_MAX_IN_FLIGHT = 8  # reports computing at once, per run
DEFAULT_REUSE_HORIZON_DAYS = 14.0  # how far back reuse reads the report list when a deployment has no refresh time
DEFAULT_PARTITIONS_START = "2024-01-01"
DEFAULT_DATA_DIR = "./data"
DEFAULT_REFRESH_MONTHS = 3
DEFAULT_SENSOR_INTERVAL = 60
TOKEN_VARIABLES = ("RECAST_PAT", "API_PAT")  # the token's variable, then its fallback
MOTHERDUCK_TOKEN_VARIABLES = ("MOTHERDUCK_TOKEN", "motherduck_token")


@dataclass(frozen=True)
class AwsSettings:
    """The AWS variables an S3 client needs (``landing.s3.S3Settings`` turns them into a client)."""

    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    session_token: str = field(default="", repr=False)
    region: str = "us-east-1"
    endpoint_url: str = ""  # AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL: an S3-compatible store


@dataclass(frozen=True)
class Settings:
    """Every variable DESIGN.md lists, parsed, with its default. Secrets never show in ``repr``."""

    base_url: str = DEFAULT_BASE_URL
    client_slug: str | None = None
    token_variable: str = TOKEN_VARIABLES[0]  # the variable that holds the token (an EnvVar names it)
    token: str | None = field(default=None, repr=False)
    dashboards: tuple[str, ...] = ()
    deployment_ids: tuple[int, ...] = ()
    data_dir: Path | str = Path(DEFAULT_DATA_DIR)  # a folder, or an ``s3://bucket/prefix`` URL (a string)
    data_dir_given: bool = False  # RECAST_DATA_DIR is set (else a dg project keeps its data under its root)
    warehouse: str | None = None  # RECAST_WAREHOUSE as given: a file, ``ducklake:...`` or ``md:...``
    ledger: Path | None = None  # RECAST_LEDGER
    state_home: Path = field(default_factory=lambda: Path.home() / ".local" / "state")  # XDG_STATE_HOME
    partitions_start: date = date.fromisoformat(DEFAULT_PARTITIONS_START)
    poll_interval: float = DEFAULT_POLL_INTERVAL
    report_timeout: float = DEFAULT_REPORT_TIMEOUT
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT
    reuse_horizon_days: float = DEFAULT_REUSE_HORIZON_DAYS
    refresh_months: int = DEFAULT_REFRESH_MONTHS
    sensor_interval: int = DEFAULT_SENSOR_INTERVAL
    storage_version: str = ""  # RECAST_DUCKDB_STORAGE_VERSION (checked by ``warehouse.options``)
    history_versions: str = ""  # RECAST_HISTORY_VERSIONS
    ducklake_data_path: str = ""  # RECAST_DUCKLAKE_DATA_PATH
    lake_retention_days: str = ""  # RECAST_LAKE_RETENTION_DAYS
    motherduck_token: str | None = field(default=None, repr=False)
    pg_password: str | None = field(default=None, repr=False)  # PGPASSWORD, for the DuckLake's Postgres catalog
    aws: AwsSettings = AwsSettings()
    named_variables: frozenset[str] = frozenset()  # the names of every variable set (not values): ``is_set``
    dagster_home: str = ""  # DAGSTER_HOME as given (``cli.local_env`` applies the instance rule)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``environ`` (default: the process environment) once; a malformed value fails naming it."""
        env = _Reader(os.environ if environ is None else environ)
        token_variable = next((name for name in TOKEN_VARIABLES if env.get(name)), TOKEN_VARIABLES[0])
        data_dir = env.get("RECAST_DATA_DIR") or DEFAULT_DATA_DIR
        horizon = env.number("RECAST_REUSE_HORIZON_DAYS", DEFAULT_REUSE_HORIZON_DAYS)
        if not horizon > 0:
            raise ValueError(f"RECAST_REUSE_HORIZON_DAYS must be a positive number of days, got {horizon!r}")
        return cls(
            base_url=env.get("RECAST_BASE_URL") or DEFAULT_BASE_URL,
            client_slug=env.get("RECAST_CLIENT_SLUG"),
            token_variable=token_variable,
            token=env.get(token_variable),
            dashboards=tuple(
                dict.fromkeys(part.strip() for part in (env.get("RECAST_DASHBOARDS") or "").split(",") if part.strip())
            ),
            deployment_ids=_deployment_ids(env.get("RECAST_DEPLOYMENT_IDS") or env.get("RECAST_DEPLOYMENT_ID") or ""),
            data_dir=data_dir.strip().rstrip("/") if is_object_store(data_dir) else Path(data_dir),
            data_dir_given=env.get("RECAST_DATA_DIR") is not None,
            warehouse=env.get("RECAST_WAREHOUSE"),
            ledger=Path(ledger) if (ledger := env.get("RECAST_LEDGER")) else None,
            state_home=Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"),
            partitions_start=_date(
                "RECAST_PARTITIONS_START", env.get("RECAST_PARTITIONS_START") or DEFAULT_PARTITIONS_START
            ),
            poll_interval=env.number("RECAST_POLL_INTERVAL", DEFAULT_POLL_INTERVAL),
            report_timeout=env.number("RECAST_REPORT_TIMEOUT", DEFAULT_REPORT_TIMEOUT),
            max_in_flight=int(env.number("RECAST_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT)),
            reuse_horizon_days=horizon,
            refresh_months=env.positive_int("RECAST_REFRESH_MONTHS", DEFAULT_REFRESH_MONTHS),
            sensor_interval=env.positive_int("RECAST_SENSOR_INTERVAL", DEFAULT_SENSOR_INTERVAL),
            storage_version=env.get("RECAST_DUCKDB_STORAGE_VERSION") or "",
            history_versions=env.get("RECAST_HISTORY_VERSIONS") or "",
            ducklake_data_path=env.get("RECAST_DUCKLAKE_DATA_PATH") or "",
            lake_retention_days=env.get("RECAST_LAKE_RETENTION_DAYS") or "",
            motherduck_token=next((env.get(name) for name in MOTHERDUCK_TOKEN_VARIABLES if env.get(name)), None),
            pg_password=env.get("PGPASSWORD"),
            aws=AwsSettings(
                access_key_id=env.get("AWS_ACCESS_KEY_ID") or "",
                secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or "",
                session_token=env.get("AWS_SESSION_TOKEN") or "",
                region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
                endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or "",
            ),
            dagster_home=env.get("DAGSTER_HOME") or "",
            named_variables=frozenset(name for name, value in env.environ.items() if value),
        )

    def is_set(self, variable: str) -> bool:
        """Whether another variable a user names (say a component's ``token_env``) is set; never its value."""
        return variable in self.named_variables

    def credentials_missing(self) -> tuple[str, ...]:
        """The variables the real API needs that are not set (for messages, never values)."""
        return tuple(
            name for name, value in (("RECAST_CLIENT_SLUG", self.client_slug), ("RECAST_PAT", self.token)) if not value
        )

    def secrets(self) -> tuple[str, ...]:
        """Every secret value set (the token, passwords, keys): what error messages must never show."""
        values = (
            self.token,
            self.motherduck_token,
            self.pg_password,
            self.aws.secret_access_key,
            self.aws.session_token,
        )
        return tuple(value for value in values if value)

    @property
    def warehouse_path(self) -> Path:
        """RECAST_WAREHOUSE as a path, else ``<data_dir>/warehouse.duckdb``."""
        return Path(self.warehouse) if self.warehouse else default_warehouse(self.data_dir)

    @property
    def warehouse_location(self) -> str:
        """What to open: a DuckLake's ``ducklake:...`` verbatim (``Path`` would fold its text), else
        ``warehouse_path``."""
        given = (self.warehouse or "").strip()
        return given if given.startswith("ducklake:") else str(self.warehouse_path)

    @property
    def parquet_dir(self) -> Path | str:
        value = join_location(self.data_dir, "parquet")
        return value if is_object_store(value) else Path(value)

    @property
    def ledger_path(self) -> Path:
        """The create ledger: which Recast report each form fingerprint became (``ledger_path_for``)."""
        return self.ledger_path_for(self.data_dir)

    def ledger_path_for(self, data_dir: str | os.PathLike) -> Path:
        """The create ledger of a data dir: RECAST_LEDGER if set, else beside the data; SQLite cannot
        live on object storage, so an ``s3://`` data dir keeps it in a per-user state folder
        (``$XDG_STATE_HOME/recast_pipeline/``, default ``~/.local/state``), one file per data dir."""
        if self.ledger is not None:
            return self.ledger
        if not is_object_store(data_dir):
            return Path(data_dir) / "recast_ledger.sqlite"
        name = "-".join(part for part in str(data_dir).strip()[len("s3://") :].split("/") if part)
        return self.state_home / "recast_pipeline" / "ledgers" / f"{name or 'default'}.sqlite"


def current() -> Settings:
    """The process environment's settings, read now (a long-lived process sees later changes)."""
    return Settings.from_env()


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of a child process: this process's, plus ``extra``."""
    return {**os.environ, **extra}


@contextmanager
def environment(values: Mapping[str, str], drop: tuple[str, ...] = ()) -> Iterator[None]:
    """Set ``values`` (and unset ``drop``) in this process's environment for a block, then restore it.

    Why: Dagster resolves an ``EnvVar`` from the process environment when a run starts, so an
    in-process run against the simulator (the demo) needs the variables set while it runs."""
    saved = {name: os.environ.get(name) for name in (*values, *drop)}
    try:
        for name in drop:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def is_object_store(location: str | os.PathLike) -> bool:
    """Whether a data dir is an ``s3://`` URL rather than a local folder."""
    return str(location).strip().lower().startswith("s3://")


def join_location(location: str | os.PathLike, *parts: str) -> str:
    """``location/part/...`` for a folder or an ``s3://`` URL (``Path`` would fold the URL's ``//``)."""
    if is_object_store(location):
        return "/".join([str(location).strip().rstrip("/"), *(part.strip("/") for part in parts)])
    return str(Path(location, *parts))


def default_warehouse(data_dir: str | os.PathLike) -> Path:
    """``<data_dir>/warehouse.duckdb``; a DuckDB file cannot be written on object storage."""
    if is_object_store(data_dir):
        raise ValueError(
            f"the data dir {str(data_dir)!r} is on object storage, where a DuckDB file cannot be written: "
            "set RECAST_WAREHOUSE (a DuckLake such as 'ducklake:postgres:dbname=recast host=db', "
            "or a local DuckDB file)"
        )
    return Path(data_dir) / "warehouse.duckdb"


class _Reader:
    """Reads one mapping: empty values count as unset; numbers fail naming their variable."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ

    def get(self, name: str) -> str | None:
        value = self.environ.get(name)
        return None if value in (None, "") else value

    def number(self, name: str, default: float) -> float:
        value = self.get(name)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {value!r}") from None

    def positive_int(self, name: str, default: int) -> int:
        value = self.get(name) or str(default)
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
        return int(value)


def _deployment_ids(value: str) -> tuple[int, ...]:
    """RECAST_DEPLOYMENT_IDS (or RECAST_DEPLOYMENT_ID): comma-separated integers, may be empty."""
    ids = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"RECAST_DEPLOYMENT_IDS must be comma-separated integers, got {part!r}")
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be YYYY-MM-DD, got {value!r}") from None
