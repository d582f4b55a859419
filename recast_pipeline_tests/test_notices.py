"""Loading the code location prints nothing on stderr, and silences nothing but Dagster's own notices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER_ENV = {"RECAST_CLIENT_SLUG": "placeholder-client", "RECAST_PAT": "gr_placeholder_never_shown"}


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_HOME", "PYTHONWARNINGS"))
    }
    return {**env, **PLACEHOLDER_ENV}


def test_dagster_asset_list_prints_nothing_on_stderr():
    out = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "asset", "list", "-m", "recast_pipeline.definitions"],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "recast/compute_spend_summary" in out.stdout
    assert out.stderr == ""


PROBE = r"""
import warnings
import dagster as dg
import recast_pipeline.definitions  # builds the definitions: Dagster's notices ignored meanwhile
from recast_pipeline.orchestration.notices import DAGSTER_NOTICES
# nothing stays filtered after the build: the same notice, and any other, show again
warnings.warn(DAGSTER_NOTICES[0][1], DAGSTER_NOTICES[0][0])
warnings.warn("Class `SomethingElse` is currently in beta", dg.BetaWarning)
"""


def test_notices_are_filtered_only_while_definitions_are_built():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=_env(), capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr[-3000:]
    warnings = [line for line in out.stderr.splitlines() if "Warning:" in line]
    assert len(warnings) == 2, out.stderr
    assert "LocalFileCodeReference" in warnings[0] and "SomethingElse" in warnings[1]
