"""``recast-pipeline doctor``: passes on the simulator, names what is missing, never prints a secret."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from e2e_helpers import REPO
from test_cli import HOLD_WRITER

from recast_pipeline.cli.local_env import sync_dashboards, which_instance
from recast_pipeline.cli.main import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (the repository's dagster.yaml) in a shell with no Recast or Dagster variables."""
    for name in (
        "RECAST_BASE_URL",
        "RECAST_CLIENT_SLUG",
        "RECAST_PAT",
        "API_PAT",
        "RECAST_DASHBOARDS",
        "RECAST_DATA_DIR",
        "RECAST_WAREHOUSE",
        "RECAST_DEPLOYMENT_IDS",
        "RECAST_DEPLOYMENT_ID",
        "RECAST_LEDGER",
        "DAGSTER_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _point_at(sim, monkeypatch, token=None):
    monkeypatch.setenv("RECAST_BASE_URL", sim.base_url)
    monkeypatch.setenv("RECAST_CLIENT_SLUG", sim.client_slug)
    monkeypatch.setenv("RECAST_PAT", token or sim.token)


def _lines(capsys) -> dict[str, str]:
    out = capsys.readouterr().out
    return {
        line.split(":", 1)[0].split(None, 1)[1]: line
        for line in out.splitlines()
        if line.startswith("  ") and not line.startswith("        ")
    }


def test_doctor_passes_on_the_simulator_once_the_instance_knows_the_dashboards(project, simulator, monkeypatch, capsys):
    _point_at(simulator, monkeypatch)
    assert main(["doctor"]) == 1  # the instance does not know the dashboards yet
    out = capsys.readouterr().out
    assert "FAIL  Dagster instance:" in out and "does not know dashboard(s) revenue, signups" in out
    assert "fix: run `recast-pipeline dashboards sync`" in out
    with which_instance().open() as instance:
        sync_dashboards(instance, "recast_dashboards", ["revenue", "signups"])
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "skip" not in out and out.rstrip().endswith("All checks passed")
    for expected in (
        "ok    credentials:",
        "ok    token: accepted by",
        "revenue: deployment 5716",
        "signups: deployment 5717",
        "(the project's, configured by",
        "recast_api pool: limit 1",
        "ok    data dir:",
        "ok    warehouse:",
        "ok    extension wheels: ducklake, postgres, httpfs",
    ):
        assert expected in out, out
    assert simulator.token not in out


def test_doctor_without_credentials_names_the_variables_and_fails(project, capsys):
    assert main(["doctor"]) == 1
    lines = _lines(capsys)
    assert "RECAST_CLIENT_SLUG and RECAST_PAT not set" in lines["credentials"]
    assert lines["token"].startswith("  skip") and lines["dashboards"].startswith("  skip")
    assert lines["recast_api pool"].startswith("  ok")  # the rest is still checked


def test_doctor_names_a_refused_token_unknown_dashboards_and_a_busy_warehouse(project, simulator, monkeypatch, capsys):
    wrong = "gr_wrong_token_never_printed"
    _point_at(simulator, monkeypatch, token=wrong)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  token: Recast rejected the credentials (HTTP 401)" in out and wrong not in out

    _point_at(simulator, monkeypatch)
    monkeypatch.setenv("RECAST_DASHBOARDS", "revenue,churn")
    warehouse = project / "data" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    holder = subprocess.Popen(  # another process holds the file for writing, as a notebook would
        [sys.executable, "-c", HOLD_WRITER, str(warehouse)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setattr("recast_pipeline.cli.doctor.TIMEOUT", 0.2)
        assert main(["doctor"]) == 1
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    lines = _lines(capsys)
    assert "names 'churn', which Recast has no active deployment for" in lines["RECAST_DASHBOARDS"]
    assert lines["warehouse"].startswith("  FAIL") and f"is busy: process {holder.pid}" in lines["warehouse"], lines[
        "warehouse"
    ]
