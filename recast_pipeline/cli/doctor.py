"""``recast-pipeline doctor``: is this machine ready to run the pipeline? A checklist, with the fix for each failure.

Why: what a new deployment gets wrong (a variable unset, a token Recast refuses, a dashboard named
wrong, ``dashboards sync`` run against another Dagster instance, no pool limit, a warehouse held by
a notebook, a missing extension wheel) used to surface one at a time, as a failed run. The checks
run in the order a first run needs them; a check that needs an earlier one's result is skipped when
that one failed. Exit status 0 only when every check passes. Never prints the token or a password:
messages come from the client and the warehouse, which redact them.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from recast_pipeline.config import settings
from recast_pipeline.orchestration.specs import POOL

TIMEOUT = 5.0  # seconds: an API call's retries, and a wait for the warehouse file


@dataclass
class Checklist:
    lines: list[str] = field(default_factory=list)
    failed: int = 0
    skipped: int = 0

    def ok(self, what: str, detail: str) -> None:
        self._add("ok", what, detail)

    def fail(self, what: str, detail: str, fix: str) -> None:
        self.failed += 1
        self._add("FAIL", what, detail, fix)

    def skip(self, what: str, why: str) -> None:
        self.skipped += 1
        self._add("skip", what, why)

    def _add(self, mark: str, what: str, detail: str, fix: str = "") -> None:
        from recast_pipeline.cli.errors import one_line

        line = f"  {mark:<5} {what}: {one_line(detail)}"
        print(line, flush=True)
        if fix:
            print(f"        fix: {one_line(fix)}", flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (parser.description or "") + "; exit status 0 only when every check passes"


def run(args: argparse.Namespace) -> int:
    print("recast-pipeline doctor", flush=True)
    checks = Checklist()
    dashboards = _recast(checks)
    _instance(checks, dashboards)
    _data_dir(checks)
    _warehouse(checks)
    _extensions(checks)
    if checks.failed or checks.skipped:
        print(f"{checks.failed} check(s) failed, {checks.skipped} skipped", flush=True)
        return 1
    print("All checks passed", flush=True)
    return 0


def _recast(checks: Checklist) -> list[str] | None:
    """Credentials, the token, the dashboards and RECAST_DASHBOARDS; returns the dashboards to load (None: unknown)."""
    from recast_pipeline.recast.client import RecastClient
    from recast_pipeline.recast.errors import AuthenticationError, RecastError

    env = settings.Settings.from_env()
    missing = env.credentials_missing()
    if missing:
        checks.fail(
            "credentials",
            f"{' and '.join(missing)} not set",
            f"export {' and '.join(missing)} (README, 'Pointing at the real Recast API'), "
            "or run `recast-pipeline dev`, which points everything at the simulator",
        )
        for what in ("token", "dashboards", "RECAST_DASHBOARDS"):
            checks.skip(what, "needs the credentials")
        return None
    checks.ok("credentials", "RECAST_CLIENT_SLUG and RECAST_PAT are set")
    base_url = env.base_url
    try:
        with RecastClient.from_env(retry_deadline=TIMEOUT, backoff_cap=1.0) as client:
            resolver = _resolver(client, env)
            current = resolver.current()  # one authenticated GET (the deployment list)
            checks.ok("token", f"accepted by {base_url} (client {env.client_slug})")
            selected, missing_names = resolver.selected(), resolver.missing()
    except AuthenticationError as error:
        checks.fail("token", str(error), "check RECAST_PAT (a personal access token, gr_...) and RECAST_CLIENT_SLUG")
        checks.skip("dashboards", "needs an accepted token")
        checks.skip("RECAST_DASHBOARDS", "needs an accepted token")
        return None
    except RecastError as error:
        checks.fail("token", str(error), f"check RECAST_BASE_URL ({base_url}) and the network")
        checks.skip("dashboards", "needs Recast")
        checks.skip("RECAST_DASHBOARDS", "needs Recast")
        return None
    if selected:
        listed = "; ".join(
            f"{name}: deployment {d.id} (model {d.model_date or 'undated'})" for name, d in sorted(selected.items())
        )
        checks.ok("dashboards", listed)
    else:
        checks.fail(
            "dashboards",
            "no dashboard to load has an active deployment on Recast",
            "publish a model in Recast, or fix RECAST_DASHBOARDS / RECAST_DEPLOYMENT_IDS",
        )
    if missing_names:
        checks.fail(
            "RECAST_DASHBOARDS",
            f"names {', '.join(map(repr, missing_names))}, which Recast has no active deployment for",
            f"use dashboards Recast has: {', '.join(sorted(current)) or 'none'}",
        )
    else:
        checks.ok("RECAST_DASHBOARDS", "every name exists" if env.dashboards else "not set: every active dashboard")
    return sorted(selected)


def _resolver(client, env: settings.Settings):
    from recast_pipeline.recast.dashboards import DashboardResolver

    return DashboardResolver(client, env.dashboards, env.deployment_ids)


def _instance(checks: Checklist, dashboards: list[str] | None) -> None:
    """Which Dagster instance (the instance rule), whether it knows the dashboards, and the pool limit."""
    from recast_pipeline.cli.local_env import which_instance
    from recast_pipeline.orchestration.partitions import DASHBOARDS_PARTITIONS_NAME

    try:
        choice = which_instance()
        instance = choice.open()
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        checks.fail("Dagster instance", str(error), "set DAGSTER_HOME to a folder with your dagster.yaml, or unset it")
        checks.skip(f"{POOL} pool", "needs the instance")
        return
    with instance:
        known = set(instance.get_dynamic_partitions(DASHBOARDS_PARTITIONS_NAME))
        unknown = [name for name in dashboards or [] if name not in known]
        if unknown:
            checks.fail(
                "Dagster instance",
                f"{choice.describe()} does not know dashboard(s) {', '.join(unknown)}: launching their partitions from "
                f"the command line (dagster asset materialize --partition '{unknown[0]}|...') fails",
                "run `recast-pipeline dashboards sync` with the same DAGSTER_HOME (or from the same folder); "
                "the sensors add them too once running",
            )
        else:
            shown = ", ".join(sorted(known)) or "none yet"
            checks.ok("Dagster instance", f"{choice.describe()}; knows dashboards: {shown}")
        limit = _pool_limit(instance)
        if limit is None:
            checks.fail(
                f"{POOL} pool",
                "no limit: the Recast steps of concurrent runs all submit at once",
                "add `concurrency: {pools: {default_limit: 1, granularity: op}}` to the instance's dagster.yaml "
                "(as the repository's), or `dagster instance concurrency set recast_api 1`",
            )
        else:
            checks.ok(f"{POOL} pool", f"limit {limit} step(s) at a time")


def _pool_limit(instance) -> int | None:
    """The pool's limit: set explicitly on the instance, else dagster.yaml's ``default_limit``."""
    info = instance.event_log_storage.get_concurrency_info(POOL)
    if getattr(info, "limit", None) is not None:
        return info.limit
    return instance.global_op_concurrency_default_limit


def _data_dir(checks: Checklist) -> None:
    try:
        data_dir = settings.Settings.from_env().data_dir
    except ValueError as error:
        checks.fail("data dir", str(error), "fix RECAST_DATA_DIR")
        return
    if settings.is_object_store(data_dir):
        checks.ok("data dir", f"{data_dir} (object storage; the warehouse check reaches it)")
        return
    folder = Path(data_dir).resolve()
    existing = next(p for p in (folder, *folder.parents) if p.exists())  # created by the first run if missing
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".recast-doctor-"):
            pass
    except OSError as error:
        checks.fail(
            "data dir",
            f"{existing} is not writable ({error.strerror})",
            "set RECAST_DATA_DIR to a folder you can write",
        )
        return
    checks.ok("data dir", f"{folder} is writable" + ("" if existing == folder else " (created by the first run)"))


def _warehouse(checks: Checklist) -> None:
    """The warehouse opens: a local file not held by another process, a DuckLake's catalog and object store."""
    from recast_pipeline.orchestration.resources import RecastWarehouse
    from recast_pipeline.warehouse.errors import WarehouseBusyError
    from recast_pipeline.warehouse.warehouse import Warehouse

    try:
        resource = RecastWarehouse.from_env()
        warehouse = Warehouse(
            resource.location, lock_timeout=TIMEOUT, ducklake_data_path=resource.ducklake_data_path or None
        )
        where = warehouse.describe()
        if not warehouse.exists():
            checks.ok("warehouse", f"{where} not created yet: the first load creates it")
            return
        warehouse.query("SELECT 1")
        data_path = getattr(warehouse.target, "data_path", "")
        if settings.is_object_store(data_path):
            warehouse.query("SELECT count(*) FROM glob(?)", [data_path.rstrip("/") + "/*"])
    except WarehouseBusyError as error:
        checks.fail(
            "warehouse", str(error), "close the connection that holds it (a notebook, a BI tool), or wait for the load"
        )
        return
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        checks.fail(
            "warehouse",
            f"could not open it: {error}",
            "check RECAST_WAREHOUSE (a DuckLake's catalog must be reachable, its password in PGPASSWORD), "
            "and for object storage the AWS_* variables",
        )
        return
    checks.ok("warehouse", f"{where} opens")


def _extensions(checks: Checklist) -> None:
    import duckdb

    from recast_pipeline.landing.naming import quote_literal
    from recast_pipeline.warehouse.lake_access import loadable_extension

    failed = []
    for name in ("ducklake", "postgres", "httpfs"):
        try:
            with duckdb.connect(":memory:", config={"autoinstall_known_extensions": False}) as con:
                con.execute(f"LOAD {quote_literal(str(loadable_extension(name)))}")
        except Exception as error:  # noqa: BLE001 - reported below
            failed.append(f"{name} ({error})")
    if failed:
        checks.fail(
            "extension wheels", "; ".join(failed), "pip install -e . (the duckdb-extension-* wheels matching DuckDB)"
        )
    else:
        checks.ok("extension wheels", f"ducklake, postgres, httpfs load (DuckDB {duckdb.__version__})")
