"""A password never becomes configuration: refused in RECAST_WAREHOUSE (one line pointing at
PGPASSWORD/~/.pgpass), and what the UI shows over GraphQL (resource and run configuration, tags,
a failed load) holds neither the catalog's password nor the Recast token."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from recast_pipeline.cli.main import main
from recast_pipeline.orchestration.resources import RecastWarehouse
from recast_pipeline.warehouse.warehouse import Warehouse

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "hunter2-never-shown"
TOKEN = "gr_token_never_shown_in_the_ui"
WITH_PASSWORD = [
    f"ducklake:postgres:dbname=recast host=db.internal user=recast password={PASSWORD}",
    f"ducklake:postgres:dbname=recast password='{PASSWORD}' host=db.internal",
    f"ducklake:postgresql://recast:{PASSWORD}@db.internal/recast",
]


@pytest.mark.parametrize("location", WITH_PASSWORD)
def test_a_password_in_recast_warehouse_is_refused_pointing_at_pgpassword(location, monkeypatch, capsys):
    with pytest.raises(ValueError, match=r"RECAST_WAREHOUSE holds a password .*PGPASSWORD or ~/\.pgpass") as refused:
        Warehouse(location)
    assert PASSWORD not in str(refused.value)
    monkeypatch.setenv("RECAST_WAREHOUSE", location)
    with pytest.raises(ValueError, match="PGPASSWORD") as refused:
        RecastWarehouse.from_env()
    assert PASSWORD not in str(refused.value)
    assert main(["sql", "SELECT 1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: RECAST_WAREHOUSE holds a password") and len(err.splitlines()) == 1
    assert PASSWORD not in err


WORKSPACE_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name
    locationOrLoadError { __typename ... on PythonError { message stack causes { message stack } } } } } } }
"""
RESOURCES_QUERY = """
query ($selector: RepositorySelector!) { allTopLevelResourceDetailsOrError(repositorySelector: $selector) {
  __typename ... on ResourceDetailsList { results { name configuredValues { key value type } } } } }
"""
LAUNCH = """
mutation ($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }
"""
RUN_QUERY = """
query ($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { runConfigYaml tags { key value } } } }
"""


def _graphql(context, query: str, **variables) -> dict:
    from dagster_graphql.test.utils import execute_dagster_graphql

    result = execute_dagster_graphql(context, query, variables)
    assert not result.errors, result.errors
    return result.data


def _ui(tmp_path, instance):
    from dagster_graphql.test.utils import define_out_of_process_context

    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(
        json.dumps(
            {
                "load_from": [
                    {
                        "python_module": {
                            "module_name": "recast_pipeline.definitions",
                            "location_name": "recast_pipeline",
                            "working_directory": str(REPO),
                        }
                    }
                ]
            }
        )
    )
    return define_out_of_process_context(str(workspace), None, instance)


def test_what_the_ui_shows_holds_no_password_and_no_token(tmp_path, monkeypatch):
    for name in ("RECAST_DASHBOARDS", "RECAST_DEPLOYMENT_IDS", "RECAST_DEPLOYMENT_ID", "API_PAT", "RECAST_LEDGER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECAST_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("RECAST_CLIENT_SLUG", "acme")
    monkeypatch.setenv("RECAST_PAT", TOKEN)
    monkeypatch.setenv("RECAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # where the password belongs: libpq reads it, Dagster never sees it
    monkeypatch.setenv("RECAST_WAREHOUSE", "ducklake:postgres:dbname=recast host=db.internal user=recast")
    overrides = {"run_launcher": {"module": "dagster._core.test_utils", "class": "MockedRunLauncher"}}
    with dg.instance_for_test(overrides=overrides) as instance:
        instance.add_dynamic_partitions("recast_dashboards", ["revenue"])
        with _ui(tmp_path, instance) as context:
            shown = [_graphql(context, WORKSPACE_QUERY)]
            [entry] = shown[0]["workspaceOrError"]["locationEntries"]
            assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
            selector = {"repositoryLocationName": "recast_pipeline", "repositoryName": "__repository__"}
            shown.append(_graphql(context, RESOURCES_QUERY, selector=selector))
            resources = {
                r["name"]: {v["key"]: v for v in r["configuredValues"]}
                for r in shown[-1]["allTopLevelResourceDetailsOrError"]["results"]
            }
            assert (
                resources["recast"]["token"]["type"] == "ENV_VAR"
                and resources["recast"]["token"]["value"] == "RECAST_PAT"
            )
            assert resources["recast_warehouse"]["warehouse_path"]["value"] == json.dumps(
                "ducklake:postgres:dbname=recast host=db.internal user=recast"
            )
            params = {
                "selector": {
                    **selector,
                    "jobName": "recast_dashboard_reports_job",
                    "assetSelection": [{"path": ["recast", "compute_clean_data"]}],
                },
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "revenue"}]},
                "runConfigData": {
                    "ops": {"recast_dashboard_reports": {"config": {"compute_clean_data": {"force_new_report": True}}}}
                },
            }
            launched = _graphql(context, LAUNCH, params=params)["launchRun"]
            assert launched["__typename"] == "LaunchRunSuccess", launched
            shown.append(_graphql(context, RUN_QUERY, runId=launched["run"]["runId"]))
            assert "force_new_report: true" in shown[-1]["runOrError"]["runConfigYaml"]
    text = json.dumps(shown)
    assert PASSWORD not in text and TOKEN not in text


@pytest.mark.filterwarnings("ignore:Error loading repository location recast_pipeline:UserWarning")
def test_a_ui_loading_a_location_with_a_password_shows_one_clear_error_without_it(tmp_path, monkeypatch):
    monkeypatch.setenv("RECAST_PAT", TOKEN)
    monkeypatch.setenv("RECAST_WAREHOUSE", WITH_PASSWORD[0])
    with dg.instance_for_test() as instance, _ui(tmp_path, instance) as context:
        shown = _graphql(context, WORKSPACE_QUERY)
    [entry] = shown["workspaceOrError"]["locationEntries"]
    error = entry["locationOrLoadError"]
    assert error["__typename"] == "PythonError"
    messages = [error["message"], *(cause["message"] for cause in error["causes"])]
    [why] = [m for m in messages if "RECAST_WAREHOUSE holds a password" in m]
    assert "PGPASSWORD or ~/.pgpass" in why and len(why.strip().splitlines()) == 1
    assert PASSWORD not in json.dumps(shown) and TOKEN not in json.dumps(shown)
