"""Group 7: reports that end in ``error`` or an unknown status.

That automation does not loop on a failed run, and requests each covered month once, is proved
where automation is built: ``test_automation.py`` (the sensors only record model events).
"""

from __future__ import annotations

import pytest

from .helpers import BASELINE, SPEND, Pipeline, failure_text

MONTH = "2026-09-01"


@pytest.mark.parametrize(
    "status, says", [("error", "finished with status 'error'"), ("cancelled", "unknown status 'cancelled'")]
)
def test_failed_or_unknown_status_fails_the_step_with_report_id_and_form(sim, tmp_path, status, says):
    sim.set_faults(force_status={"compute_spend_summary": status})
    pipeline = Pipeline(sim, tmp_path / "data")
    result = pipeline.run(SPEND, BASELINE, month=MONTH)

    assert not result.success
    [report] = sim.store.made("compute_spend_summary")
    text = failure_text(result)
    assert f"report {report.id}" in text and says in text
    assert "'start_date': '2026-09-01'" in text and "'end_date': '2026-09-30'" in text  # the form, to fix or re-run
    assert sim.stats()["creates"] == 2
    loaded = {t for (t,) in pipeline.rows("SELECT report_type FROM recast_meta.reports")}
    assert loaded == {"compute_baseline_summary"}  # the healthy asset of the run still landed
