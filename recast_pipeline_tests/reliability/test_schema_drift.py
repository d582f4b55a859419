"""Group 9: the server's CSV layout drifts between loads of the same table."""

from __future__ import annotations

from .helpers import SPEND, Pipeline, failure_text


def _checks(result) -> dict[str, bool]:
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def _columns(pipeline, table) -> dict[str, str]:
    return dict(
        pipeline.rows(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
            "'compute_spend_summary' "
            "AND table_name = ?",
            [table],
        )
    )


def test_added_dropped_and_retyped_columns_evolve_the_table_or_fail_clearly_without_losing_rows(sim, tmp_path):
    pipeline = Pipeline(sim, tmp_path / "data")
    assert pipeline.run(SPEND, month="2026-06-01").success
    base = _columns(pipeline, "tables_total")
    rows = {"2026-06-01": pipeline.rows("SELECT count(*) FROM compute_spend_summary.tables_total")[0][0]}

    sim.set_faults(schema_variant=1)  # a new column
    added = pipeline.run(SPEND, month="2026-07-01")
    assert added.success, failure_text(added)
    assert _columns(pipeline, "tables_total") == {**base, "model_version": "BIGINT"}
    by_month = dict(
        pipeline.rows("SELECT partition_key, count(model_version) FROM compute_spend_summary.tables_total GROUP BY 1")
    )
    assert by_month["2026-06-01"] == 0 and by_month["2026-07-01"] > 0  # older rows read NULL
    assert all(_checks(added).values()), _checks(added)

    sim.set_faults(schema_variant=2)  # the last column is gone
    dropped = pipeline.run(SPEND, month="2026-08-01")
    assert dropped.success, failure_text(dropped)
    lineage = {"dashboard", "deployment_id", "model_date", "partition_key", "report_id", "download_key", "loaded_at"}
    last = [c for c in base if c not in lineage][-1]  # the last data column
    nulls = dict(
        pipeline.rows(f'SELECT partition_key, count("{last}") FROM compute_spend_summary.tables_total GROUP BY 1')
    )
    assert nulls["2026-08-01"] == 0 and nulls["2026-06-01"] > 0
    assert _checks(dropped)["no_lost_columns"] is False  # said out loud, as a check (warning)

    counts = dict(pipeline.rows("SELECT partition_key, count(*) FROM compute_spend_summary.tables_total GROUP BY 1"))
    sim.set_faults(schema_variant=3)  # a numeric column arrives as text
    retyped = pipeline.run(SPEND, month="2026-09-01")
    assert not retyped.success
    text = failure_text(retyped)
    assert "compute_spend_summary.tables_" in text and "DOUBLE" in text and "VARCHAR" in text
    assert "nothing was loaded" in text
    after = dict(pipeline.rows("SELECT partition_key, count(*) FROM compute_spend_summary.tables_total GROUP BY 1"))
    assert after == counts and "2026-09-01" not in after  # no rows lost, nothing half-loaded
    assert rows["2026-06-01"] == after["2026-06-01"]
