"""The demo's flow end to end under every reading of what Recast's documentation leaves open.

For each group of knob values of the simulator: both dashboards load a month of date-based types
(one with dynamic download keys, the spend and insights types the marts read) and their
dashboard-keyed pre-rendered types; every check passes or warns (a run with a blocking failure
fails); ``recast_marts.channel_spend`` daily sums to total per channel; README's example queries
run; a re-run creates nothing; the pre-rendered types are read, never computed; after a model
refresh the refreshed dashboard's partition is replaced by the new model's rows and
``recast_meta.refit_changes`` shows the refit. The object store never sees the token.

Groups: every knob value once, in pairs of knobs that do not touch each other (the layouts with the
report timestamps, the header style with thin deployments), the values ``unfriendly()`` leaves out,
all unfriendly ones with the reports listed (so that the pipeline finds its own reports in pages of
10, without names, with forms read back as strings, which a hidden list would mask), and all
unfriendly ones.

With ``deployment_fields=id_name`` the deployments carry no dashboard slug: every listed deployment
is a dashboard named by its id, and a refresh that makes a new deployment makes a new dashboard.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from recast_pipeline.simulator.readings import Readings
from recast_pipeline_tests.dagster_helpers import DASHBOARD_JOB, DASHBOARDS, MONTHLY_JOB, definitions_for, run_job

MONTH = "2026-09-01"
MONTHLY = ["compute_spend_summary", "compute_insights_overview", "compute_channel_uncertainty_drivers"]
PRERENDERED = ["compute_clean_data", "compute_model_configuration"]
IDS = {"revenue": 5716, "signups": 5717}
KNOBS = {
    # each value of an independent pair of knobs once (the suite's time), every unfriendly one together below
    "layout_wide,timestamps_static": {"layout": "wide", "report_timestamps": "static"},
    "layout_long,timestamps_per_poll": {"layout": "long", "report_timestamps": "per_poll"},
    "headers_restyled,deployments_id_name": {"headers": "restyled", "deployment_fields": "id_name"},
    "in_place_refit,truncated_names,rails_422,307": {
        "refresh": "in_place",
        "names": "truncated",
        "error_body": "rails",
        "downloads": "redirect",
        "redirect_status": 307,
    },
    "all_unfriendly_but_listed": Readings.unfriendly().replace(unlisted_reports="listed").as_dict(),
    "all_unfriendly": Readings.unfriendly().as_dict(),
}
README = Path(__file__).resolve().parents[1] / "README.md"


def _keys(names):
    return [dg.AssetKey(["recast", name]) for name in names]


def _dashboards(knobs) -> dict[str, str]:
    """Our own name for each simulator dashboard -> the partition name the pipeline must use."""
    thin = knobs.get("deployment_fields") == "id_name"
    return {name: str(IDS[name]) if thin else name for name in DASHBOARDS}


def _run(defs, instance, job, key, names, known):
    result = run_job(defs, job, instance=instance, partition_key=key, asset_selection=_keys(names), dashboards=known)
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    blocking = [
        e for e in result.get_asset_check_evaluations() if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert blocking == []
    return result


def _rows(data_dir, sql):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def readme_queries() -> list[str]:
    block = re.search(r"Example queries[^\n]*\n\n```sql\n(.*?)```", README.read_text(), re.S).group(1)
    return [
        q.strip()
        for q in block.split(";")
        if q.strip() and not all(line.startswith("--") for line in q.strip().splitlines())
    ]


@pytest.mark.parametrize("knobs", list(KNOBS.values()), ids=list(KNOBS))
def test_the_flow_holds_under_each_reading(simulator_factory, tmp_path, knobs):
    sim = simulator_factory(latency=0.05, readings=knobs)
    defs = definitions_for(sim, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    names = _dashboards(knobs)
    known = list(names.values())
    for dashboard in names.values():
        _run(defs, instance, MONTHLY_JOB, f"{dashboard}|{MONTH}", MONTHLY, known)
        _run(defs, instance, DASHBOARD_JOB, dashboard, PRERENDERED, known)
    loaded = _rows(
        tmp_path, "SELECT dashboard, report_type, deployment_id, prerendered FROM recast_meta.reports ORDER BY 1, 2"
    )
    assert [(d, t) for d, t, _, _ in loaded] == sorted((d, t) for d in known for t in MONTHLY + PRERENDERED)
    assert {d: i for d, _, i, _ in loaded} == {names[n]: i for n, i in IDS.items()}
    assert all(prerendered for _, t, _, prerendered in loaded if t in PRERENDERED)  # read, not recomputed
    creates = sim.stats()["creates"]
    assert creates == 2 * len(MONTHLY)

    # the marts, whatever the layout: daily spend sums to the total per channel, every estimate is there
    sums = _rows(
        tmp_path,
        "SELECT dashboard, channel, round(sum(spend) FILTER (WHERE grain = 'daily'), 2), "
        "round(sum(spend) FILTER (WHERE grain = 'total'), 2) FROM recast_marts.channel_spend GROUP BY 1, 2",
    )
    assert len(sums) == 10 and all(
        daily == total and total is not None for _, _, daily, total in sums
    )  # 6 + 4 channels
    assert _rows(tmp_path, "SELECT count(*), count(median) FROM recast_marts.channel_effects") == [
        (80, 80)
    ]  # 8 tables x 10
    for sql in readme_queries():
        assert _rows(tmp_path, sql) is not None, sql
    assert len(_rows(tmp_path, readme_queries()[0])) == 10

    revenue = names["revenue"]
    again = run_job(
        defs,
        MONTHLY_JOB,
        instance=instance,
        partition_key=f"{revenue}|{MONTH}",
        asset_selection=_keys(MONTHLY),
        dashboards=known,
    )
    assert again.success and sim.stats()["creates"] == creates  # a re-run: nothing new on Recast, no duplicate rows
    assert _rows(tmp_path, "SELECT count(DISTINCT report_id) FROM compute_spend_summary.tables_total") == [(2,)]

    refresh = sim.refresh_model("revenue")
    new_id = refresh["deployment_id"]
    refreshed = str(new_id) if knobs.get("deployment_fields") == "id_name" and new_id != IDS["revenue"] else revenue
    _run(defs, instance, MONTHLY_JOB, f"{refreshed}|{MONTH}", MONTHLY[:1], [*known, refreshed])
    assert _rows(
        tmp_path,
        f"SELECT DISTINCT deployment_id, partition_key FROM compute_spend_summary.tables_total "
        f"WHERE dashboard = '{refreshed}'",
    ) == [(new_id, MONTH)]
    if refreshed == revenue:  # the same dashboard, a new model version: the refit is in the view
        changed = _rows(
            tmp_path,
            f"SELECT DISTINCT measure, deployment_id FROM recast_meta.refit_changes WHERE dashboard = '{revenue}'",
        )
        assert changed == [("spend", new_id)]
    assert sim.object_store_stats()["authorization_seen"] == 0


def test_the_marts_hold_the_same_rows_wide_and_long(simulator_factory, tmp_path):
    marts = {}
    for layout in ("mixed", "wide", "long"):
        sim = simulator_factory(
            latency=0.05, readings={"layout": layout, "headers": "restyled" if layout == "long" else "as_written"}
        )
        data_dir = tmp_path / layout
        _run(
            definitions_for(sim, data_dir),
            dg.DagsterInstance.ephemeral(),
            MONTHLY_JOB,
            f"revenue|{MONTH}",
            MONTHLY[:2],
            DASHBOARDS,
        )
        marts[layout] = (
            _rows(data_dir, "SELECT grain, period_start, channel, spend FROM recast_marts.channel_spend ORDER BY ALL"),
            _rows(
                data_dir,
                "SELECT effect, metric, channel, mean, median, p05, p95 FROM recast_marts.channel_effects ORDER BY ALL",
            ),
            _rows(data_dir, "SELECT DISTINCT layout FROM recast_meta.downloads ORDER BY 1"),
        )
    assert marts["mixed"][:2] == marts["wide"][:2] == marts["long"][:2]
    assert len(marts["mixed"][0]) == 30 * 6 + 5 * 6 + 6 + 6  # September's days, weeks, month and total x 6 channels
    assert [m[2] for m in marts.values()] == [[("long",), ("wide",)], [("wide",)], [("long",)]]
