"""Group 6: truncated downloads and malformed CSVs never replace good data."""

from __future__ import annotations

import re

import pytest

from .helpers import SPEND, Pipeline, failure_text, parquet_files, warehouse_snapshot

MONTH = "2026-09-01"
DAMAGE = {
    "truncated": dict(truncate_rate=1.0),
    "ragged": dict(malformed_mode="ragged"),
    "bad_quote": dict(malformed_mode="bad_quote"),
    "html": dict(malformed_mode="html"),
    "html_as_csv": dict(malformed_mode="html", malformed_content_type="text/csv"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_download_fails_naming_key_and_line_and_keeps_previous_data(sim, tmp_path, damage):
    pipeline = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 1.0})
    assert pipeline.run(SPEND, month=MONTH).success
    before = warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)
    sim.refresh_model(5716)  # the next run needs a new report, whose downloads arrive damaged
    sim.set_faults(**DAMAGE[damage])

    result = pipeline.run(SPEND, month=MONTH)

    assert not result.success
    text = failure_text(result)
    new_report = max(r.id for r in sim.store.made("compute_spend_summary"))
    assert f"report {new_report}" in text
    assert re.search(r"download '(tables-daily|tables-weekly|tables-monthly|tables-total)'", text), text[:2000]
    if damage == "truncated":
        assert re.search(r"broke off after \d+ of \d+ bytes; nothing was written", text), text[:1500]
    else:
        assert re.search(r"line \d+", text)
        assert {
            "ragged": "fields where the header has",
            "bad_quote": "quot",
            "html": "HTML page",
            "html_as_csv": "HTML page",
        }[damage] in text
    assert (warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)) == before
    assert [p for p in (pipeline.data_dir / "parquet" / ".staging").iterdir() if p.is_dir()] == []
