"""What a team customizes in its ``defs.yaml`` or a subclass: translation, op, switches, execute.

A translated key must hold everywhere the pipeline names the asset: the multi-asset's outputs,
its checks, the IO manager reading it back; the switches leave out exactly what they name.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from recast_pipeline.components.recast import RecastComponent
from recast_pipeline.orchestration.translator import RecastTranslator
from recast_pipeline_tests.test_component_instances import SPEND, _project, _yaml

TRANSLATED = """  translation:
    key: "marketing/{{ report_type }}"
    tags: {area: "{{ area }}", team: growth}
  op:
    pool: recast_agency
    tags: {dagster/priority: "3"}
    backfill_policy: {type: multi_run, max_partitions_per_run: 4}
  jobs: false
  sensors: false
"""


def test_translation_op_and_switches_from_yaml_and_a_run_under_the_translated_key(
    simulator_factory, tmp_path, monkeypatch
):
    monkeypatch.setenv("RECAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RECAST_POLL_INTERVAL", "0.2")
    sim = simulator_factory()
    defs = _project(tmp_path, "team_project", {"recast": _yaml(sim, "[recast]", TRANSLATED)})

    specs = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}
    spend = specs[f"marketing/{SPEND}"]
    assert spend.tags["team"] == "growth" and spend.tags["area"] == "spend" and spend.tags["source"] == "recast"
    assert spend.metadata["recast/report_type"] == SPEND  # what the pipeline runs on stays
    checks = {key.asset_key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys}
    assert f"marketing/{SPEND}" in checks and not any(key.startswith("recast/compute") for key in checks)
    step = defs.resolve_assets_def(dg.AssetKey(["marketing", SPEND]))
    assert step.op.pool == "recast_agency" and step.op.tags["dagster/priority"] == "3"
    assert step.backfill_policy == dg.BackfillPolicy.multi_run(4)
    assert list(defs.jobs or []) == [] and list(defs.schedules or []) == [] and list(defs.sensors or []) == []

    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("recast_dashboards", ["revenue"])
        job = dg.define_asset_job("adhoc", selection=[f"marketing/{SPEND}"])
        result = (
            dg.Definitions.merge(defs, dg.Definitions(jobs=[job]))
            .resolve_job_def("adhoc")
            .execute_in_process(instance=instance, partition_key="revenue|2026-09-01")
        )
        assert result.success
        [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "daily_spend_matches_total"]
        assert check.asset_key == dg.AssetKey(["marketing", SPEND])
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT report_type, partition_key FROM recast_meta.reports").fetchall() == [
            (SPEND, "2026-09-01")
        ]


class LoggingRecastComponent(RecastComponent):
    """A team's subclass: something before and after every report step."""

    def execute(self, context, step):
        context.log.info(f"team hook: {len(step.selected)} report type(s) starting")
        yield from super().execute(context, step)
        context.log.info("team hook: done")


def test_a_subclass_overrides_execute_and_still_lands_the_reports(simulator_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("RECAST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RECAST_POLL_INTERVAL", "0.2")
    sim = simulator_factory()
    component = LoggingRecastComponent(
        client={"client_slug": sim.client_slug, "token": sim.token, "base_url": sim.base_url},
        report_types=[SPEND],
        partitions_start="2026-01-01",
    )
    defs = component.build_defs(dg.ComponentTree.for_test().load_context)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("recast_dashboards", ["revenue"])
        result = defs.resolve_job_def("recast_monthly_reports_job").execute_in_process(
            instance=instance, partition_key="revenue|2026-09-01"
        )
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert result.success
    assert "team hook: 1 report type(s) starting" in messages and "team hook: done" in messages
    assert result.get_asset_materialization_events()  # the default materialization still ran


def test_the_token_comes_from_the_named_variable_as_an_env_var(monkeypatch):
    monkeypatch.setenv("ACME_RECAST_PAT", "gr_secret_value")
    monkeypatch.delenv("RECAST_PAT", raising=False)
    monkeypatch.delenv("API_PAT", raising=False)
    defs = RecastComponent(client={"client_slug": "acme", "token_env": "ACME_RECAST_PAT"}).build_defs(
        dg.ComponentTree.for_test().load_context
    )
    token = defs.resources["recast"].token
    assert isinstance(token, dg.EnvVar) and token.env_var_name == "ACME_RECAST_PAT"
    monkeypatch.setenv("API_PAT", "gr_fallback")  # the default variable falls back to API_PAT
    defs = RecastComponent(client={"client_slug": "acme"}).build_defs(dg.ComponentTree.for_test().load_context)
    assert defs.resources["recast"].token.env_var_name == "API_PAT"


class TeamTranslator(RecastTranslator):
    """README's example: the team's key and tag for every report asset."""

    def get_asset_spec(self, report_type, default_spec):
        return default_spec.replace_attributes(key=["marketing", "recast", report_type.name]).merge_attributes(
            tags={"team": "growth"}
        )


class TranslatedRecastComponent(RecastComponent):
    def get_translator(self):
        return TeamTranslator()


def test_a_subclass_translator_renames_every_report_asset_and_its_checks():
    defs = TranslatedRecastComponent(client={"client_slug": "acme"}, report_types=[SPEND]).build_defs(
        dg.ComponentTree.for_test().load_context
    )
    spec = {s.key.to_user_string(): s for s in defs.resolve_all_asset_specs()}[f"marketing/recast/{SPEND}"]
    assert spec.tags["team"] == "growth" and spec.metadata["recast/report_type"] == SPEND
    checks = {key.asset_key.to_user_string() for key in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {f"marketing/recast/{SPEND}"}


def test_a_translation_that_gives_two_report_types_one_key_fails_naming_both(tmp_path):
    component = RecastComponent(client={"client_slug": "acme"}, report_types=[SPEND, "compute_insights_overview"])
    component = component.model_copy(
        update={"translation": lambda spec, report_type: spec.replace_attributes(key="recast/all")}
    )
    with pytest.raises(
        ValueError,
        match=r"report types 'compute_insights_overview' and 'compute_spend_summary' both get the key 'recast/all'",
    ):
        component.build_defs(dg.ComponentTree.for_test().load_context)


def test_sensors_name_the_components_own_token_variable_when_it_is_not_set(monkeypatch):
    from recast_pipeline.orchestration.sensors import not_configured

    monkeypatch.delenv("ACME_RECAST_PAT", raising=False)
    defs = RecastComponent(client={"client_slug": "acme", "token_env": "ACME_RECAST_PAT"}).build_defs(
        dg.ComponentTree.for_test().load_context
    )
    skip = not_configured(defs.resources["recast"])
    assert (
        skip is not None
        and "set ACME_RECAST_PAT" in skip.skip_message
        and "RECAST_CLIENT_SLUG" not in skip.skip_message
    )
