"""Group 4: the process running a materialization is SIGKILLed while its reports compute."""

from __future__ import annotations

import sqlite3

from .helpers import BASELINE, SPEND, Child, Pipeline, failure_text

MONTHS = ("2026-07-01", "2026-09-01")


def test_killed_while_reports_compute_then_rerun_resumes_the_same_reports(sim_factory, tmp_path):
    sim = sim_factory(latency=3.0)
    data_dir = tmp_path / "data"
    child = Child(
        sim,
        data_dir,
        {
            "job": "recast_monthly_reports_job",
            "range": MONTHS,
            "assets": ["compute_spend_summary", "compute_baseline_summary"],
        },
    )
    child.wait_for(lambda: _recorded(data_dir) == 6, "all six reports submitted and their ids in the create ledger")
    assert sim.stats()["in_flight"] == 6  # every report still computing on Recast's side
    child.kill()
    created = sorted(r.id for t in ("compute_spend_summary", "compute_baseline_summary") for r in sim.store.made(t))

    pipeline = Pipeline(sim, data_dir)
    result = pipeline.run(SPEND, BASELINE, months=MONTHS)

    assert result.success, failure_text(result)
    assert sim.stats()["creates"] == 6  # no new report: the re-run resumed the six the dead run made
    assert sorted(r for (r,) in pipeline.rows("SELECT report_id FROM recast_meta.reports")) == created
    reused = {
        (event.asset_key, partition): info["reused"]
        for event in result.get_asset_materialization_events()
        for partition, info in event.event_specific_data.materialization.metadata["recast/reports"].data.items()
    }
    assert list(reused.values()) == [True] * 6


def _recorded(data_dir) -> int:
    """Creates whose answer the run recorded (a kill between Recast's answer and this record is a lost create)."""
    ledger = data_dir / "recast_ledger.sqlite"
    if not ledger.exists():
        return 0
    with sqlite3.connect(ledger) as con:
        try:
            return con.execute("SELECT count(*) FROM creates WHERE report_id IS NOT NULL").fetchone()[0]
        except sqlite3.OperationalError:  # the table is not made yet
            return 0
