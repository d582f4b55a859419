"""Another team's ``dg`` project adopts the component from our wheel, as users adopt dagster-sling.

The wheel is built from the package's sources (offline, ``--no-build-isolation``) and installed
into a fresh environment that sees the already installed libraries (Dagster, DuckDB ...) through a
``.pth`` line, not our source tree. The team's project has its own executor and its own
``warehouse`` resource; ``dg`` lists the component, scaffolds it with the client slug and the
token's variable name, checks and lists the definitions: nothing clashes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DG = "import sys; from dagster_dg_cli.cli import main; sys.argv[0] = 'dg'; sys.exit(main())"
TEAM_DEFINITIONS = '''
from pathlib import Path

import dagster as dg


class Warehouse(dg.ConfigurableResource):
    """The team's own warehouse resource, under the key a team would pick."""

    dsn: str = "team"


@dg.asset
def team_table(warehouse: Warehouse) -> str:
    return warehouse.dsn


@dg.definitions
def defs() -> dg.Definitions:
    own = dg.Definitions(assets=[team_table], resources={"warehouse": Warehouse()}, executor=dg.multiprocess_executor)
    return dg.Definitions.merge(dg.load_from_defs_folder(path_within_project=Path(__file__).parent), own)
'''


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Our wheel, built from a clean copy of the sources (a stale build/ folder must not leak in)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "recast_pipeline", source / "recast_pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    [built] = dist.glob("recast_pipeline-*.whl")
    return built


@pytest.fixture(scope="module")
def team(tmp_path_factory, wheel) -> Path:
    """A fresh dg project with its own executor and ``warehouse`` resource, our wheel installed beside it."""
    project = tmp_path_factory.mktemp("team")
    venv = project / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    [site] = (venv / "lib").glob("python*/site-packages")
    (site / "installed_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # Dagster, DuckDB ...
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    (project / "pyproject.toml").write_text(
        textwrap.dedent("""
        [project]
        name = "team"
        version = "0.1.0"

        [tool.dg]
        directory_type = "project"

        [tool.dg.project]
        root_module = "team"
        code_location_target_module = "team.definitions"
    """)
    )
    package = project / "src" / "team"
    (package / "defs").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "defs" / "__init__.py").write_text("")
    (package / "definitions.py").write_text(TEAM_DEFINITIONS)
    return project


def dg(team: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    venv = team / ".venv"
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RECAST_", "DAGSTER_HOME")) and key != "API_PAT"
    }
    environment.update(
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=str(team / "src"),
        **env,
    )
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", DG, *args],
        cwd=team,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_fresh_dg_project_with_its_own_executor_and_warehouse_adopts_the_component(team):
    probe = dg(team, "list", "components")
    assert probe.returncode == 0, probe.stderr
    assert "recast_pipeline.components.RecastComponent" in probe.stdout

    scaffolded = dg(
        team,
        "scaffold",
        "defs",
        "recast_pipeline.components.RecastComponent",
        "recast",
        "--client-slug",
        "acme",
        "--token-env",
        "ACME_RECAST_PAT",
    )
    assert scaffolded.returncode == 0, scaffolded.stderr
    yaml_text = (team / "src" / "team" / "defs" / "recast" / "defs.yaml").read_text()
    assert "client_slug: acme" in yaml_text and "token_env: ACME_RECAST_PAT" in yaml_text
    assert "requirements:\n  env:\n    - ACME_RECAST_PAT" in yaml_text

    checked = dg(team, "check", "defs", ACME_RECAST_PAT="gr_team_token")
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "All definitions loaded successfully" in checked.stdout

    listed = dg(team, "list", "defs", "--json", ACME_RECAST_PAT="gr_team_token")
    assert listed.returncode == 0, listed.stderr
    defs = json.loads(listed.stdout)
    resources = {r["name"]: r["type"] for r in defs["resources"]}
    assert resources["warehouse"] == "team.definitions.Warehouse"  # the team's key stays the team's
    assert resources["recast_warehouse"].endswith("RecastWarehouse")
    keys = {asset["asset_key"] for asset in defs["assets"]}
    assert {"team_table", "recast/compute_spend_summary", "recast/model_coverage"} <= keys
    sources = {asset["source"] for asset in defs["assets"] if asset["asset_key"].startswith("recast/compute")}
    assert all("site-packages/recast_pipeline" in source for source in sources)  # the wheel's copy, not our tree
    assert "gr_team_token" not in listed.stdout + listed.stderr


def test_the_adopted_component_keeps_its_data_under_the_team_project(team):
    probe = (
        "from team.definitions import defs; d = defs(); "
        "print(d.resources['recast_warehouse'].data_dir); print(d.executor.name if d.executor else None)"
    )
    venv = team / ".venv"
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe],
        cwd=team / "src",
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(team / "src"), "HOME": str(team)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    data_dir, executor = out.stdout.split()
    assert Path(data_dir) == team / "data"  # the project's, though the process started in src/
    assert executor == "multiprocess"  # the team's executor, not ours
