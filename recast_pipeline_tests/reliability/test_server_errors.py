"""Group 2: 5xx storms on polls and downloads."""

from __future__ import annotations

import re

from .helpers import SPEND, Pipeline, failure_text, faulted, parquet_files, served, warehouse_snapshot, when

RETRY_LINE = re.compile(r"GET (\S+): 50\d, retry (\d+) in ([\d.]+)s")


def test_5xx_storm_on_polls_and_downloads_is_retried_with_jitter_and_completes(sim_factory, tmp_path, caplog):
    sim = sim_factory(latency=1.0)
    sim.set_faults(server_error_rate=0.3, server_error_endpoints=["show"])  # a third of the polls fail
    # then, from the first download served, three downloads in a row fail
    when(
        sim,
        lambda s: served(s, "download") >= 1,
        lambda: sim.set_faults(server_error_rate=0.0, server_error_burst=3, server_error_endpoints=["download"]),
    )
    pipeline = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 60.0})
    result = pipeline.run(SPEND, months=("2026-07-01", "2026-09-01"))

    assert result.success, failure_text(result)
    stats = sim.stats()
    assert faulted(stats, "server_error", "show") and faulted(stats, "server_error", "download") == 3
    assert stats["creates"] == 3
    delays = [
        (int(m.group(2)), float(m.group(3))) for r in caplog.records for m in [RETRY_LINE.search(r.getMessage())] if m
    ]
    assert delays and len({d for _, d in delays}) > 1  # full jitter: not the same pause for everyone
    assert all(0 <= delay <= 0.5 * 2 ** (retry - 1) for retry, delay in delays)  # below the exponential ceiling
    rows = pipeline.rows(
        "SELECT partition_key, count(DISTINCT download_key) FROM compute_spend_summary.tables_daily GROUP BY 1 ORDER "
        "BY 1"
    )
    assert rows == [("2026-07-01", 1), ("2026-08-01", 1), ("2026-09-01", 1)]


def test_5xx_past_the_deadline_on_downloads_fails_naming_the_report_and_publishes_nothing(sim_factory, tmp_path):
    sim = sim_factory()
    pipeline = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 1.0})
    assert pipeline.run(SPEND, month="2026-08-01").success
    before = warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)
    sim.reset_stats()

    # two months in one run; once the first download of the run has been served, every later one fails
    sim.set_faults(slow_delay=0.2, slow_endpoints=["download"])
    when(
        sim,
        lambda s: served(s, "download") >= 1,
        lambda: sim.set_faults(server_error_rate=1.0, server_error_endpoints=["download"]),
    )
    result = pipeline.run(SPEND, months=("2026-08-01", "2026-09-01"), config={"force_new_report": True})

    assert not result.success
    stats = sim.stats()
    assert served(stats, "download") >= 1 and faulted(stats, "server_error", "download") >= 1
    text = failure_text(result)
    report_ids = sorted({int(e["path"].split("/")[5]) for e in stats["log"] if e["endpoint"] == "download"})
    assert any(f"report {i}" in text for i in report_ids)
    assert "HTTP 503" in text and "gave up" in text
    assert (warehouse_snapshot(pipeline.warehouse_path), parquet_files(pipeline.data_dir)) == before
    assert not [p for p in (pipeline.data_dir / "parquet" / ".staging").iterdir() if p.is_dir()]
    assert [p.name for p in (pipeline.data_dir / "parquet").glob(".*")] == [".staging"]


def test_5xx_on_every_poll_until_the_report_deadline_names_the_report_and_the_cause(sim, tmp_path):
    when(
        sim, lambda s: s["creates"] >= 1, lambda: sim.set_faults(server_error_rate=1.0, server_error_endpoints=["show"])
    )
    pipeline = Pipeline(sim, tmp_path / "data", recast={"retry_deadline": 0.5, "report_timeout": 2.0})
    result = pipeline.run(SPEND, month="2026-09-01")

    assert not result.success
    report_id = [e["path"] for e in sim.stats()["log"] if e["endpoint"] == "show"][-1].split("/")[5]
    text = failure_text(result)
    assert f"report {report_id}" in text, text[:1500]
    assert "HTTP 503" in text  # the reason the report could not be followed, not "still running"
    assert sim.stats()["creates"] == 1
