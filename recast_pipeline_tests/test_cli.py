"""The command line a newcomer uses: SQL, the catalog listing (the demo end to end: test_e2e_newcomer)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from recast_pipeline.cli.main import main


def test_report_types_lists_every_type_with_its_inputs(capsys):
    assert main(["report-types"]) == 0
    out = capsys.readouterr().out
    assert "compute_fixed_spend_performance" in out and "include_lower_funnel_effects:bool_string" in out
    assert "alias: compute_waterfall_summary -> compute_insights_overview" in out
    assert len([line for line in out.splitlines() if line.startswith(("compute_", "compare_"))]) == 24


def test_sql_prints_a_table_and_csv(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT 'Paid Social' AS channel, 1.5 AS roi UNION ALL SELECT 'Linear, TV', NULL")
    assert main(["sql", "SELECT * FROM t ORDER BY channel", "--warehouse", str(path)]) == 0
    table = capsys.readouterr().out
    assert "channel" in table and "Paid Social" in table and "NULL" in table and "(2 rows)" in table
    assert main(["sql", "SELECT * FROM t ORDER BY channel", "--warehouse", str(path), "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["channel,roi", '"Linear, TV",', "Paid Social,1.5"]


def test_sql_on_a_missing_warehouse_says_what_to_do(tmp_path, capsys):
    assert main(["sql", "SELECT 1", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "recast-pipeline demo" in capsys.readouterr().err


# --- one-line errors: exit 2, no traceback, the variable, file or statement named; --debug adds the traceback


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    return err.strip()


def test_bad_sql_is_one_line_naming_the_statement(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    assert main(["sql", "SELEC 1", "--warehouse", str(path)]) == 2
    assert _one_line_error(capsys) == 'error: Parser Error: syntax error at or near "SELEC" in the statement: SELEC 1'
    assert main(["sql", "SELECT *\n  FROM nope", "--warehouse", str(path)]) == 2
    line = _one_line_error(capsys)
    assert "nope does not exist" in line and line.endswith("in the statement: SELECT * FROM nope")
    assert main(["--debug", "sql", "SELEC 1", "--warehouse", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.strip().splitlines()[-1].startswith("error: Parser Error")
    assert main(["sql", "SELEC 1", "--warehouse", str(path), "--debug"]) == 2  # after the subcommand, too
    assert "Traceback" in capsys.readouterr().err


def test_missing_warehouse_and_bad_configuration_are_one_line(tmp_path, capsys, monkeypatch):
    assert main(["sql", "SELECT 1", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "none.duckdb; run `recast-pipeline demo`" in _one_line_error(capsys)
    monkeypatch.setenv("RECAST_WAREHOUSE", "ducklake:")
    assert main(["sql", "SELECT 1"]) == 2
    assert "RECAST_WAREHOUSE=ducklake: needs a catalog" in _one_line_error(capsys)


def test_a_busy_warehouse_file_is_one_line_naming_file_and_holder(tmp_path, capsys):
    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert main(["sql", "SELECT 1", "--warehouse", str(path), "--lock-timeout", "0.2"]) == 2
        line = _one_line_error(capsys)
        assert f"warehouse {path} is busy: process {holder.pid}" in line
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


HOLD_WRITER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE t AS SELECT 1 AS a")
print("holding", flush=True)
sys.stdin.read()
"""


def _command(args, env_overrides, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECAST_", "API_PAT", "DAGSTER_HOME"))}
    exe = Path(sys.executable).with_name("recast-pipeline")
    return subprocess.run(
        [str(exe), *args], env={**env, **env_overrides}, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_a_refused_token_and_a_malformed_variable_are_one_line_without_the_token(simulator, tmp_path):
    wrong = "gr_wrong_token_never_printed"
    env = {"RECAST_BASE_URL": simulator.base_url, "RECAST_CLIENT_SLUG": simulator.client_slug, "RECAST_PAT": wrong}
    out = _command(["dashboards"], env, tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("error: ")
    assert "401" in out.stderr and wrong not in out.stdout + out.stderr
    out = _command(["dashboards"], {**env, "RECAST_POLL_INTERVAL": "soon"}, tmp_path)
    assert out.returncode == 2 and out.stderr.strip() == "error: RECAST_POLL_INTERVAL must be a number, got 'soon'"


def test_the_line_is_the_explained_error_not_what_it_was_raised_from(monkeypatch):
    from recast_pipeline.cli.errors import explain
    from recast_pipeline.recast.errors import TransportError

    monkeypatch.setenv("RECAST_PAT", "gr_secret_value_123")
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except OSError as cause:
            raise TransportError(
                "Could not reach Recast (ConnectError)", method="GET", path="/v1/clients/x/deployments"
            ) from cause
    except TransportError as error:
        assert explain(error) == "Could not reach Recast (ConnectError) [GET /v1/clients/x/deployments]"
    try:
        try:
            raise ValueError("RECAST_POLL_INTERVAL must be a number, got 'soon'")
        except ValueError as cause:
            raise RuntimeError("Error while building definitions for recast[0]:\n├── ...") from cause
    except RuntimeError as error:  # Dagster's component-loading wrapper: the setting's message wins
        assert explain(error) == "RECAST_POLL_INTERVAL must be a number, got 'soon'"
    assert (
        explain(KeyError("gr_secret_value_123")) == "KeyError: '***' (unexpected; run with --debug for the traceback)"
    )
