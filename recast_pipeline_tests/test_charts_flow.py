"""Charts on materializations, read back from the Dagster instance: one set per partition, each a
sensible PNG; the same charts under Recast's long and wide layouts; a chart that cannot be drawn
is a note and never fails the run."""

from __future__ import annotations

import dagster as dg
from chart_helpers import assert_sensible_png, pngs_in

from recast_pipeline.orchestration.charts import CHART_PREFIX, NOTES
from recast_pipeline_tests.dagster_helpers import MONTHLY_JOB, definitions_for, range_tags, run_job

MONTHS = ("2026-08-01", "2026-09-01")
EXPECTED = {
    "compute_spend_summary": {"spend"},
    "compute_insights_overview": {"effects"},
    "compute_in_sample_model_fit": {"model_fit"},
    "compute_baseline_summary": {"baseline"},
    "compute_marketing_vs_baseline": {"baseline"},
}
REFIT = ("compute_spend_summary", "compute_insights_overview")


def _keys(names):
    return [dg.AssetKey(["recast", name]) for name in names]


def latest_metadata(instance, report_type: str) -> dict[str, dict]:
    """Partition key -> the metadata of its latest materialization."""
    records = instance.fetch_materializations(dg.AssetKey(["recast", report_type]), limit=100).records
    latest: dict[str, dict] = {}
    for record in records:  # newest first
        materialization = record.asset_materialization
        latest.setdefault(materialization.partition, dict(materialization.metadata))
    return latest


def charts_of(metadata: dict) -> dict[str, bytes]:
    charts = {}
    for key, value in metadata.items():
        if key.startswith(CHART_PREFIX):
            [png] = pngs_in(value.value)
            charts[key[len(CHART_PREFIX) :]] = png
    return charts


def _materialize(simulator_factory, data_dir, layout: str) -> dict:
    sim = simulator_factory(latency=0.05, readings={"layout": layout})
    defs, instance = definitions_for(sim, data_dir), dg.DagsterInstance.ephemeral()
    first, last = (f"revenue|{m}" for m in MONTHS)
    assert run_job(
        defs, MONTHLY_JOB, instance=instance, tags=range_tags(first, last), asset_selection=_keys(EXPECTED)
    ).success
    sim.refresh_model("revenue")
    assert run_job(defs, MONTHLY_JOB, instance=instance, partition_key=last, asset_selection=_keys(REFIT)).success
    return {
        rt: {
            p: charts_of(m) | ({"notes": m[NOTES].value} if NOTES in m else {})
            for p, m in latest_metadata(instance, rt).items()
        }
        for rt in EXPECTED
    }


def test_each_partition_carries_its_charts_the_same_under_the_long_and_the_wide_layout(simulator_factory, tmp_path):
    seen = {layout: _materialize(simulator_factory, tmp_path / layout, layout) for layout in ("long", "wide")}
    for layout, by_type in seen.items():
        for report_type, names in EXPECTED.items():
            assert set(by_type[report_type]) == {f"revenue|{m}" for m in MONTHS}, (layout, report_type)
            for partition, charts in by_type[report_type].items():
                refit = report_type in REFIT and partition.endswith(MONTHS[-1])
                assert set(charts) == names | ({"refit"} if refit else set()), (layout, report_type, partition)
                for png in charts.values():
                    assert_sensible_png(png)
            august, september = (by_type[report_type][f"revenue|{m}"] for m in MONTHS)
            assert all(august[name] != september[name] for name in names)  # a chart per partition, not per run
    # the marts hold the same rows whatever the layout, so the charts are the very same images
    assert seen["long"] == seen["wide"]


def test_a_chart_that_cannot_be_drawn_is_a_note_and_the_run_succeeds(simulator_factory, tmp_path, monkeypatch):
    from recast_pipeline.charts import draw
    from recast_pipeline.orchestration import charts

    sim = simulator_factory(latency=0.05)
    defs, instance = definitions_for(sim, tmp_path), dg.DagsterInstance.ephemeral()
    key = f"revenue|{MONTHS[-1]}"

    def broken(*_args, **_kwargs):
        raise RuntimeError("out of ink")

    monkeypatch.setattr(draw, "spend_chart", broken)
    assert run_job(
        defs, MONTHLY_JOB, instance=instance, partition_key=key, asset_selection=_keys(["compute_spend_summary"])
    ).success
    metadata = latest_metadata(instance, "compute_spend_summary")[key]
    assert charts_of(metadata) == {}
    assert metadata[NOTES].value == "- spend chart not drawn: RuntimeError: out of ink"

    monkeypatch.setattr(charts, "partition_chart_metadata", broken)  # even a failure outside one chart only warns
    again = run_job(
        defs, MONTHLY_JOB, instance=instance, partition_key=key, asset_selection=_keys(["compute_spend_summary"])
    )
    assert again.success
    logged = [record.user_message for record in instance.all_logs(again.run_id)]
    assert any(m.endswith("charts not drawn: RuntimeError: out of ink") for m in logged)
