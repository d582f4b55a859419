"""The MotherDuck target (``RECAST_WAREHOUSE=md:<database>``): everything that needs no network.

MotherDuck itself is a hosted service and this machine is offline, so no test connects to it.
What is proven here: how locations are parsed and refused, which target each location opens,
what the connection is built from (the token from the environment, never the location), that
the token never shows in an error, that a missing token, a missing extension or a silent
service each fail at once with a message saying what to do, and that the code location loads
with ``md:`` without connecting. Traffic a test could cause stays on loopback (``motherduck_host``).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from warehouse_loads import area, load, rows  # noqa: F401 (fixture)

from recast_pipeline.config.settings import MOTHERDUCK_TOKEN_VARIABLES
from recast_pipeline.orchestration.resources import RecastWarehouse
from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.lock import Deadline
from recast_pipeline.warehouse.targets import motherduck_access as motherduck
from recast_pipeline.warehouse.targets.by_location import open_target
from recast_pipeline.warehouse.targets.ducklake import DuckLake
from recast_pipeline.warehouse.targets.local_file import LocalFile
from recast_pipeline.warehouse.targets.motherduck import MotherDuck
from recast_pipeline.warehouse.targets.motherduck_access import MotherDuckUnavailable
from recast_pipeline.warehouse.warehouse import Warehouse

TOKEN = "md_token_never_shown_0123456789"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_motherduck_environment(monkeypatch):
    """No token unless a test sets one; the extension's own traffic (if any) goes to loopback."""
    for name in (*MOTHERDUCK_TOKEN_VARIABLES, "RECAST_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("motherduck_host", "127.0.0.1")


# -- locations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location, database",
    [
        ("md:recast", "recast"),
        ("motherduck:recast", "recast"),
        ("  md:Client_2  ", "Client_2"),
        ("MD:_staging", "_staging"),
    ],
)
def test_valid_locations_name_the_database(location, database):
    assert motherduck.database_name(location) == database
    assert MotherDuck(location).describe() == f"md:{database}"


@pytest.mark.parametrize(
    "location, says",
    [
        ("md:", "needs a database"),
        ("md:1st", "not a database name"),
        ("md:client-a", "not a database name"),
        ("md:a b", "not a database name"),
        ('md:x";DROP', "not a database name"),
        ("md:" + "x" * 64, "not a database name"),
        ("md:recast?attach_mode=single", "takes no parameters"),
        ("md:recast?saas_mode=true", "takes no parameters"),
    ],
)
def test_invalid_locations_fail_naming_recast_warehouse(location, says):
    with pytest.raises(ValueError, match=says) as raised:
        motherduck.database_name(location)
    assert "RECAST_WAREHOUSE" in str(raised.value)


@pytest.mark.parametrize(
    "location",
    [
        f"md:recast?motherduck_token={TOKEN}",
        f"md:recast?attach_mode=single&motherduck_token={TOKEN}",
        f"md:recast?token={TOKEN}",
    ],
)
def test_a_token_in_the_location_is_refused_and_never_repeated(location):
    with pytest.raises(ValueError, match="MOTHERDUCK_TOKEN") as raised:
        Warehouse(location)
    assert TOKEN not in str(raised.value) and "RECAST_WAREHOUSE" in str(raised.value)


def test_each_location_opens_its_target(tmp_path):
    assert isinstance(open_target("md:recast", storage_version="v1.2.0"), MotherDuck)
    assert isinstance(open_target(Path("md:recast"), storage_version="v1.2.0"), MotherDuck)  # settings give a Path
    assert isinstance(open_target(f"ducklake:{tmp_path / 'c.ducklake'}", storage_version="v1.2.0"), DuckLake)
    assert isinstance(open_target(tmp_path / "md_backup.duckdb", storage_version="v1.2.0"), LocalFile)
    assert isinstance(open_target(tmp_path / "warehouse.duckdb", storage_version="v1.2.0"), LocalFile)


def test_the_warehouse_on_motherduck_is_remote_without_a_file_and_retries_conflicts():
    warehouse = Warehouse("md:recast")
    assert warehouse.describe() == "md:recast" and warehouse.database_name == "recast"
    assert warehouse.target.retries_conflicts and warehouse.target.max_attempts > 1  # no file lock: retried instead
    with pytest.raises(WarehouseError, match=r"MotherDuck \(md:recast\), not a DuckDB file"):
        _ = warehouse.path


# -- resource, component, environment ---------------------------------------------------------


def test_the_resource_keeps_the_location_as_written_and_opens_motherduck():
    resource = RecastWarehouse(data_dir="/tmp/scratch", warehouse_path="md:recast")
    assert resource.location == "md:recast"
    assert isinstance(resource.warehouse().target, MotherDuck)


def test_the_resource_from_the_environment(monkeypatch):
    monkeypatch.setenv("RECAST_WAREHOUSE", "md:recast")
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    resource = RecastWarehouse.from_env()
    assert resource.warehouse_path == "md:recast" and resource.warehouse().describe() == "md:recast"
    assert TOKEN not in repr(resource) + str(resource.model_dump())


def test_the_resource_from_an_environment_with_the_token_in_the_location_fails_without_showing_it(monkeypatch):
    monkeypatch.setenv("RECAST_WAREHOUSE", f"md:recast?motherduck_token={TOKEN}")
    with pytest.raises(ValueError, match="RECAST_WAREHOUSE") as raised:
        RecastWarehouse.from_env()
    assert TOKEN not in str(raised.value)


@pytest.mark.filterwarnings(
    "ignore:Function `load_defs` is deprecated:DeprecationWarning"
)  # as test_component_instances
def test_the_component_attribute_takes_a_motherduck_location(tmp_path, monkeypatch):
    monkeypatch.setenv("RECAST_DATA_DIR", str(tmp_path / "data"))
    package = "motherduck_component_project"
    defs_dir = tmp_path / package / "defs" / "client"
    defs_dir.mkdir(parents=True)
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "defs" / "__init__.py").write_text("")
    (defs_dir / "defs.yaml").write_text(
        "type: recast_pipeline.components.RecastComponent\n"
        "attributes:\n"
        '  client: {client_slug: "placeholder", token: "placeholder", base_url: "http://127.0.0.1:9"}\n'
        "  report_types: [compute_spend_summary]\n"
        '  warehouse: "md:client_a"\n'
    )
    sys.path.insert(0, str(tmp_path))
    try:
        defs = dg.load_defs(defs_root=importlib.import_module(f"{package}.defs"), project_root=tmp_path)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == package or n.startswith(f"{package}.")]:
            del sys.modules[name]
    warehouses = [r for r in defs.resources.values() if isinstance(r, RecastWarehouse)]
    assert [w.location for w in warehouses] == ["md:client_a"]
    assert warehouses[0].warehouse().describe() == "md:client_a"


def test_the_token_comes_from_the_environment_in_either_spelling(monkeypatch):
    assert motherduck.token() is None
    monkeypatch.setenv("motherduck_token", TOKEN)
    assert motherduck.token() == TOKEN
    monkeypatch.setenv("MOTHERDUCK_TOKEN", "upper_" + TOKEN)
    assert motherduck.token() == "upper_" + TOKEN


# -- the connection that would be made --------------------------------------------------------


def test_the_connection_is_built_without_the_token_and_without_downloads(monkeypatch):
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    target = MotherDuck("md:recast")
    for read_only in (True, False):
        config = target.connection_config(read_only=read_only)
        assert config["autoinstall_known_extensions"] is False and config["autoload_known_extensions"] is False
        assert not any("token" in str(key).lower() or TOKEN in str(value) for key, value in config.items())
    assert target.setup_sql(create=True) == ["ATTACH 'md:'", 'CREATE DATABASE IF NOT EXISTS "recast"', 'USE "recast"']
    assert target.setup_sql(create=False) == ["ATTACH 'md:'", 'USE "recast"']  # a reader never creates
    statements = [motherduck.load_sql(), *target.setup_sql(create=True)]
    assert not any(TOKEN in s or "saas_mode" in s or "INSTALL" in s.upper() for s in statements)


def test_the_extension_comes_from_the_wheel_when_installed(monkeypatch, tmp_path):
    shipped = (
        tmp_path
        / "duckdb_extension_motherduck"
        / "extensions"
        / f"v{duckdb.__version__}"
        / "motherduck.duckdb_extension"
    )
    shipped.parent.mkdir(parents=True)
    shipped.write_bytes(b"")
    (tmp_path / "duckdb_extension_motherduck" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "duckdb_extension_motherduck", raising=False)
    importlib.invalidate_caches()
    assert motherduck.load_sql() == f"LOAD '{shipped}'"


def test_without_a_token_nothing_is_opened(monkeypatch):
    """Without a token the extension would start a browser login and wait: refused first."""

    def must_not_open(self, *, create):
        raise AssertionError("connected without a token")

    monkeypatch.setattr(MotherDuck, "_open", must_not_open)
    for open_ in (MotherDuck("md:recast").writer, MotherDuck("md:recast").reader):
        with pytest.raises(MotherDuckUnavailable, match="MOTHERDUCK_TOKEN"):
            with open_(Deadline(5)):
                pass


def test_a_missing_extension_fails_at_once_saying_how_to_install_it(monkeypatch, tmp_path):
    """No wheel, nothing in DuckDB's extension folder, autoinstall off: LOAD fails locally, nothing fetched."""
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    monkeypatch.setattr(motherduck, "wheel_extension", lambda: None)
    extensions = tmp_path / "duckdb-extensions"
    extensions.mkdir()
    built = MotherDuck.connection_config
    monkeypatch.setattr(
        MotherDuck,
        "connection_config",
        lambda self, *, read_only: {**built(self, read_only=read_only), "extension_directory": str(extensions)},
    )
    with pytest.raises(MotherDuckUnavailable) as raised:
        with MotherDuck("md:recast").writer(Deadline(60)):
            pass
    message = str(raised.value)
    assert "MotherDuck" in message and "motherduck extension" in message
    assert "pip install -e '.[motherduck]'" in message and "INSTALL motherduck" in message
    assert TOKEN not in message
    assert list(extensions.rglob("*")) == []  # nothing was downloaded


@pytest.mark.skipif(
    motherduck.wheel_extension() is None, reason="the duckdb-extension-motherduck wheel is not installed"
)
def test_with_the_wheel_but_no_network_loading_fails_naming_motherduck(monkeypatch):
    """The wheel's extension asks MotherDuck which version to run when loaded; here it asks 127.0.0.1 and gets no
    answer."""
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    with pytest.raises(MotherDuckUnavailable, match="could not load MotherDuck's extension") as raised:
        with MotherDuck("md:recast").reader(Deadline(120)):
            pass
    assert "api.motherduck.com" in str(raised.value) and TOKEN not in str(raised.value)


def test_a_service_that_does_not_answer_fails_at_the_deadline_and_the_late_connection_is_closed(monkeypatch):
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    release, closed = threading.Event(), threading.Event()

    class LateConnection:
        def close(self):
            closed.set()

    def slow_open(self, *, create):
        release.wait(30)
        return LateConnection()

    monkeypatch.setattr(MotherDuck, "_open", slow_open)
    with pytest.raises(MotherDuckUnavailable, match="did not answer within 0.2 s") as raised:
        with MotherDuck("md:recast").writer(Deadline(0.2)):
            pass
    assert "MotherDuck" in str(raised.value)
    release.set()
    assert closed.wait(10)  # the connection that arrived after the deadline was not leaked


# -- the token never shows --------------------------------------------------------------------


def test_duckdb_errors_quoting_the_token_are_redacted_and_keep_their_type(monkeypatch):
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    monkeypatch.setattr(MotherDuck, "_open", lambda self, *, create: duckdb.connect(":memory:"))
    with pytest.raises(duckdb.TransactionException) as raised:
        with MotherDuck("md:recast").writer(Deadline(5)):
            raise duckdb.TransactionException(f"Catalog write-write conflict (session motherduck_token={TOKEN})")
    assert TOKEN not in str(raised.value) and "conflict" in str(raised.value)  # still retried as a conflict
    assert (
        motherduck.redact(f"md:x?motherduck_token=other_secret&a=1 and {TOKEN}")
        == "md:x?motherduck_token=***&a=1 and ***"
    )


def test_an_attach_error_quoting_the_token_is_redacted(monkeypatch):
    """What ``_open`` reports when ATTACH fails: the extension loaded (here: a stand-in), the service said no."""
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    monkeypatch.setattr(motherduck, "load_sql", lambda: "SELECT 1")
    target = MotherDuck("md:recast")
    monkeypatch.setattr(MotherDuck, "setup_sql", lambda self, *, create: [f"ATTACH 'md:?motherduck_token={TOKEN}'"])
    with pytest.raises(MotherDuckUnavailable, match="could not open the MotherDuck database md:recast") as raised:
        with target.writer(Deadline(30)):
            pass
    assert TOKEN not in str(raised.value)


# -- the code location -----------------------------------------------------------------------


def _without_recast_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_HOME"))}
    env = {k: v for k, v in env.items() if k.lower() != "motherduck_token"}  # no token: connecting would fail loudly
    return {**env, "RECAST_WAREHOUSE": "md:recast", "RECAST_PAT": "gr_placeholder", "motherduck_host": "127.0.0.1"}


def test_definitions_load_with_motherduck_without_connecting():
    """No token is set: had anything tried to open MotherDuck, loading would have failed saying so."""
    probe = "from recast_pipeline.definitions import defs\nprint(defs.resources['recast_warehouse'].location)\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=_without_recast_environment(), capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-1] == "md:recast"


def test_dg_check_defs_passes_with_motherduck():
    dg_cli = Path(sys.executable).with_name("dg")
    out = subprocess.run(
        [str(dg_cli), "check", "defs"],
        cwd=REPO,
        env=_without_recast_environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "All definitions loaded successfully" in out.stdout + out.stderr


# -- the load through the target (a local DuckDB file stands in for the service) --------------


def test_a_load_runs_through_the_targets_connections_and_a_conflict_is_run_again(area, tmp_path, monkeypatch):
    """What the target adds around the shared load code: its writer and reader, and the retry of a
    conflicting commit (DuckDB's optimistic concurrency, as on MotherDuck) without a duplicate row."""
    monkeypatch.setenv("MOTHERDUCK_TOKEN", TOKEN)
    stand_in = tmp_path / "stand-in.duckdb"
    commits = []

    class FirstCommitConflicts:
        def __init__(self, con):
            self._con = con

        def execute(self, sql, *args):
            if sql == "COMMIT":
                commits.append(sql)
                if len(commits) == 1:
                    raise duckdb.TransactionException(
                        "TransactionContext Error: Catalog write-write conflict on create"
                    )
            return self._con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._con, name)

    def open_stand_in(self, *, create):
        if not create and not stand_in.exists():
            return None
        con = duckdb.connect(str(stand_in))
        return FirstCommitConflicts(con) if create else con

    monkeypatch.setattr(MotherDuck, "_open", open_stand_in)
    warehouse = Warehouse("md:recast", lock_timeout=30)
    assert not warehouse.exists()
    load(area, warehouse, tmp_path, {"tables-total": "Channel,Spend\nTV,1\nRadio,2\n"})
    assert len(commits) == 2  # the first commit conflicted, the whole partition ran again
    assert rows(warehouse, "SELECT channel, spend FROM compute_spend_summary.tables_total ORDER BY spend") == [
        ("TV", 1),
        ("Radio", 2),
    ]
    assert rows(warehouse, "SELECT count(*) FROM recast_meta.reports") == [(1,)]
