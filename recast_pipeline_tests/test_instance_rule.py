"""One instance rule for every command: DAGSTER_HOME when set, else the project's .dagster_home with
dagster.yaml; each command says which it used, and a partition it registers is the one Dagster's
own CLI then launches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_helpers import REPO, clean_env

from recast_pipeline.cli.errors import CommandError
from recast_pipeline.cli.local_env import which_instance

BIN = Path(sys.executable).parent


def test_dagster_home_when_set_else_the_project_else_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    choice = which_instance()
    assert (choice.source, choice.home) == ("default", tmp_path / ".dagster_home")
    assert "DAGSTER_HOME is not set" in choice.describe()
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    choice = which_instance()
    assert (choice.source, choice.config_dir) == ("project", tmp_path)
    assert (
        choice.describe() == f"{tmp_path / '.dagster_home'} (the project's, configured by {tmp_path / 'dagster.yaml'}; "
        "DAGSTER_HOME is not set)"
    )
    home = tmp_path / "elsewhere"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    choice = which_instance()
    assert (choice.source, choice.home, choice.config_dir) == ("DAGSTER_HOME", home, home)
    assert "(DAGSTER_HOME; no dagster.yaml there" in choice.describe()
    with choice.open() as instance:
        assert Path(instance.root_directory) == home


@pytest.mark.parametrize(
    "value, says", [("relative/home", "must be an absolute path"), ("/no/such/dagster_home", "is not a folder")]
)
def test_a_dagster_home_dagster_would_refuse_is_one_clear_line(value, says, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", value)
    with pytest.raises(CommandError, match=f"DAGSTER_HOME='{value}' {says}"):
        which_instance()


def _run(tool: str, *args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([str(BIN / tool), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def test_dashboards_sync_under_dagster_home_then_dagster_asset_materialize_succeeds(simulator, tmp_path):
    """README's path for an operator: DAGSTER_HOME set, the partition registered by hand, launched by Dagster's CLI."""
    home, project = tmp_path / "dagster_home", tmp_path / "project"
    home.mkdir(), project.mkdir()
    shutil.copy(REPO / "dagster.yaml", project / "dagster.yaml")  # not the instance used: DAGSTER_HOME wins
    env = clean_env(
        DAGSTER_HOME=str(home),
        RECAST_BASE_URL=simulator.base_url,
        RECAST_CLIENT_SLUG=simulator.client_slug,
        RECAST_PAT=simulator.token,
        RECAST_DATA_DIR=str(tmp_path / "data"),
        RECAST_POLL_INTERVAL="0.2",
    )
    synced = _run("recast-pipeline", "dashboards", "sync", cwd=project, env=env)
    assert f"Dagster instance: {home} (DAGSTER_HOME; no dagster.yaml there: Dagster's defaults)" in synced.stdout
    assert "Added 2 dashboard partition(s): revenue, signups" in synced.stdout
    _run(
        "dagster",
        "asset",
        "materialize",
        "-m",
        "recast_pipeline.definitions",
        "--select",
        "recast/compute_spend_summary",
        "--partition",
        "revenue|2024-03-01",
        cwd=project,
        env=env,
    )
    assert not (project / ".dagster_home").exists()  # nothing went to the project's instance
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey(["recast", "compute_spend_summary"]), limit=5).records
    assert [r.partition_key for r in records] == ["revenue|2024-03-01"]
