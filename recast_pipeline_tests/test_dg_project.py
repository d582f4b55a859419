"""The repository is a dg project: `dg check defs` passes, `dg list` shows the component and the assets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DG = Path(sys.executable).with_name("dg")


def _dg(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_HOME"))}
    env["RECAST_PAT"] = "gr_placeholder_never_shown"
    env["VIRTUAL_ENV"] = sys.prefix  # dg warns when the project's .venv is not the active one
    return subprocess.run([str(DG), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=240)


def test_dg_check_defs_passes():
    out = _dg("check", "defs")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "All definitions loaded successfully" in out.stdout
    assert out.stderr == ""  # no Dagster beta/preview notices (orchestration/notices.py)


def test_dg_lists_the_recast_component_and_24_assets_with_owners_and_checks():
    components = _dg("list", "components", "--json")
    assert components.returncode == 0, components.stderr[-3000:]
    assert "recast_pipeline.components.RecastComponent" in components.stdout
    listed = _dg("list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr[-3000:]
    defs = json.loads(listed.stdout)
    reports = [a for a in defs["assets"] if not a["asset_key"].endswith(("/model_deployment", "/model_coverage"))]
    assert len(reports) == 24 and len(defs["assets"]) == 26 and all(a["owners"] for a in defs["assets"])
    assert sum(1 for c in defs["asset_checks"] if c["key"].endswith(":downloads_loaded")) == 24
    assert "gr_placeholder_never_shown" not in listed.stdout + listed.stderr
