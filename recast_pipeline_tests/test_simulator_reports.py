"""Every report type over HTTP: documented download keys, CSVs that parse, keys with odd characters."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from fakes import wait_final

from recast_pipeline.simulator.csvout import render_csv

R = {"start_date": "2024-01-01", "end_date": "2024-03-31"}
CH = ["Paid Social", "Podcasts, Audio", "Affiliate & Partners"]
GROUPS = [
    {"name": "Audio & Video", "channels": ["Linear TV", "Podcasts, Audio"]},
    {"name": "Social", "channels": ["Paid Social"]},
]
FORMS = {
    "compute_insights_overview": R,
    "compute_waterfall_summary": R,
    "compute_spend_summary": R,
    "compute_period_summary": R,
    "compute_marketing_vs_baseline": R,
    "compute_lower_funnel_waterfall": R,
    "compute_in_sample_model_fit": R,
    "compute_context_variable_summary": R,
    "compute_channel_uncertainty_drivers": R,
    "compute_baseline_summary": {**R, "include_spikes": True},
    "compute_share_of_spend_vs_effect": {**R, "granularity": "weekly"},
    "compute_roi_cpa_waterfall_plots": {**R, "channels": CH},
    "compute_upper_funnel_details": {**R, "channels": CH},
    "compute_prior_vs_posterior": {**R, "channels": CH},
    "compute_daily_spend_vs_KPI": {**R, "channels": CH},
    "compare_shift_curves": {"channels": CH},
    "compute_spend_response_curves": {"date": "2024-04-01", "num_days": 30, "channels": CH},
    "compute_fixed_spend_performance": {**R, "channels": CH, "spend": 100000, "include_lower_funnel_effects": "true"},
    "compute_grouped_channel_summaries": {**R, "channel_groups": GROUPS, "include_lower_funnel_effects": "false"},
    "compare_time_periods": {
        "previous_start_date": "2023-01-01",
        "previous_end_date": "2023-03-31",
        "period_start_date": "2024-01-01",
        "period_end_date": "2024-03-31",
    },
    "compute_spike_detail_summary": {},
    "compute_backtest_summaries": {},
    "compute_model_configuration": {},
    "compute_experiments_summaries": {},
    "compute_clean_data": {},
}
OVERVIEW_KEYS = {
    f"summaries-{s}-{m}" for s in ("total", "direct") for m in ("impact_shifted", "impact_unshifted", "roi", "mroi")
}
EXPECTED_KEYS = {
    "compute_insights_overview": OVERVIEW_KEYS,
    "compute_waterfall_summary": OVERVIEW_KEYS,
    "compute_spend_summary": {"tables-daily", "tables-weekly", "tables-monthly", "tables-total"},
    "compute_period_summary": {
        f"summary_tables-{t}"
        for t in (
            "merged_means_summary",
            "total_effect",
            "in_period_effect",
            "after_period_effect",
            "future_effect",
            "observed_roi",
            "true_roi",
            "pre_period_effect",
        )
    },
    "compute_marketing_vs_baseline": {"contribution"},
    "compute_lower_funnel_waterfall": {"channel_summaries-Branded Search-summary_table", "daily_effect-table"},
    "compute_in_sample_model_fit": {"stats"},
    "compute_baseline_summary": {"summary_total", "summary_monthly", "summary_daily"},
    "compute_upper_funnel_details": {f"channel_summaries-{c}-summary_table" for c in CH},
    "compute_daily_spend_vs_KPI": {"correlations"},
    "compare_shift_curves": {"all_shift_curves_summarized"},
    "compute_spend_response_curves": {"multi_day-multi_channel-tables-full_table"},
    "compute_grouped_channel_summaries": {
        f"group_summaries-{g['name']}-{m}-{s}"
        for g in GROUPS
        for m in ("impact", "roi", "mroi")
        for s in ("summary_daily", "summary_weekly", "summary_monthly", "summary_total")
    },
    "compare_time_periods": {"summary-overall", "summary-time_table"},
    "compute_spike_detail_summary": {
        f"{a}_{b}"
        for a in ("individual", "grouped")
        for b in ("daily_effects", "cumulative_effects", "cumulative_effects_summarized")
    },
    "compute_backtest_summaries": set(),
    "compute_model_configuration": {
        "tables-baseline",
        "tables-roi",
        "tables-shifts",
        "tables-spikes",
        "tables-channel_linkings",
    },
    "compute_experiments_summaries": set(),
    "compute_clean_data": {"clean_data"},
}
DYNAMIC_PREFIXES = {
    "compute_context_variable_summary": "context_variables-",
    "compute_channel_uncertainty_drivers": "uncertainty_drivers-",
    "compute_share_of_spend_vs_effect": "share_of_spend_vs_effect-",
    "compute_roi_cpa_waterfall_plots": "roi_waterfall-",
    "compute_prior_vs_posterior": "prior_vs_posterior-",
    "compute_fixed_spend_performance": "fixed_spend-",
}


def api(sim):
    return sim.http_client()


def url_key(key: str) -> str:
    return quote(key, safe="")


def test_the_catalog_here_covers_24_types_and_the_alias():
    assert len(FORMS) == 25 and set(EXPECTED_KEYS) | set(DYNAMIC_PREFIXES) == set(FORMS)


def test_every_report_type_serves_its_downloads_as_parseable_csv(simulator):
    with api(simulator) as client:
        ids = {
            t: client.post("/reports", json={"form": {"deployment_id": 5716, "report_type": t, **f}}).json()["id"]
            for t, f in FORMS.items()
        }
        for report_type, report_id in ids.items():
            report = wait_final(client, report_id)
            assert report["status"] == "success", report_type
            keys = [d["key"] for d in report["results"]["downloads"]]
            assert all(d["description"] for d in report["results"]["downloads"])
            if report_type in EXPECTED_KEYS:
                assert set(keys) == EXPECTED_KEYS[report_type], report_type
            else:
                assert keys and all(k.startswith(DYNAMIC_PREFIXES[report_type]) for k in keys), report_type
            for key in keys:
                response = client.get(f"/reports/{report_id}/downloads/{url_key(key)}", headers={"Accept": "text/csv"})
                assert response.status_code == 200, (report_type, key)
                assert response.headers["content-type"].startswith("text/csv")
                rows = list(csv.reader(io.StringIO(response.text)))
                assert rows and all(len(r) == len(rows[0]) for r in rows), (report_type, key)
                assert len(set(rows[0])) == len(rows[0]), (report_type, key)


def test_dynamic_keys_follow_the_inputs(simulator):
    with api(simulator) as client:
        groups = [{"name": "Brand & Video, all", "channels": ["Linear TV"]}]
        form = {
            "deployment_id": 5716,
            "report_type": "compute_grouped_channel_summaries",
            **R,
            "channel_groups": groups,
            "include_lower_funnel_effects": "true",
        }
        report = wait_final(client, client.post("/reports", json={"form": form}).json()["id"])
        keys = [d["key"] for d in report["results"]["downloads"]]
        assert len(keys) == 12 and "group_summaries-Brand & Video, all-roi-summary_monthly" in keys
        text = client.get(f"/reports/{report['id']}/downloads/{url_key(keys[0])}").text
        assert text.splitlines()[0] == "Date,Spend ($),Median,5%,95%"
        ufd = {"deployment_id": 5717, "report_type": "compute_upper_funnel_details", **R, "channels": ["Direct Mail"]}
        report = wait_final(client, client.post("/reports", json={"form": ufd}).json()["id"])
        assert [d["key"] for d in report["results"]["downloads"]] == ["channel_summaries-Direct Mail-summary_table"]


def test_keys_are_matched_after_url_decoding(simulator):
    with api(simulator) as client:
        form = {"deployment_id": 5716, "report_type": "compute_upper_funnel_details", **R, "channels": CH}
        report_id = client.post("/reports", json={"form": form}).json()["id"]
        assert wait_final(client, report_id)["status"] == "success"
        for channel in CH:
            key = f"channel_summaries-{channel}-summary_table"
            response = client.get(f"/reports/{report_id}/downloads/{url_key(key)}")
            assert response.status_code == 200 and response.text.startswith("Month,Spend ($)")
        missing = client.get(f"/reports/{report_id}/downloads/{url_key('channel_summaries-Nope-summary_table')}")
        assert missing.status_code == 404 and "Nope" in missing.json()["message"]


def test_download_before_success_is_rejected(simulator_factory):
    sim = simulator_factory(latency=30)
    with api(sim) as client:
        report_id = client.post(
            "/reports", json={"form": {"deployment_id": 5716, "report_type": "compute_spend_summary", **R}}
        ).json()["id"]
        response = client.get(f"/reports/{report_id}/downloads/tables-daily")
    assert response.status_code == 409 and "ready" in response.json()["message"]


def test_prerendered_reports_use_dashboard_inputs_and_download(simulator):
    with api(simulator) as client:
        rows = client.get("/reports", params={"include_prerendered": "true", "report_type": "compute_spend_summary"})
        report = client.get(f"/reports/{rows.json()['data'][0]['id']}").json()
        form = report["form"]
        assert report["prerendered"] and form["end_date"] == simulator.config.data_end.isoformat()
        assert (simulator.config.data_end - __import__("datetime").date.fromisoformat(form["start_date"])).days == 89
        daily = client.get(f"/reports/{report['id']}/downloads/tables-daily").text.splitlines()
        assert len(daily) == 91
        grouped = client.get(
            "/reports", params={"include_prerendered": "true", "report_type": "compute_grouped_channel_summaries"}
        ).json()["data"]
        assert {simulator.store.get(r["id"]).deployment_id for r in grouped} == {5716, 5717}


def test_r_style_csv_habits(simulator):
    store = simulator.store
    report = store.create({"deployment_id": 5716, "report_type": "compute_spend_summary", **R}, None)
    daily = next(d for d in store.downloads(report) if d.key == "tables-daily")
    text = render_csv(daily.make_table()).decode()
    header = text.splitlines()[0]
    assert '"Podcasts, Audio"' in header and "Total Spend ($)" in header
    assert text.splitlines()[1].startswith("2024-01-01,")
    weekend = store.create(
        {
            "deployment_id": 5716,
            "report_type": "compute_insights_overview",
            "start_date": "2023-01-07",
            "end_date": "2023-01-08",
        },
        None,
    )
    roi = next(d for d in store.downloads(weekend) if d.key == "summaries-direct-roi")
    lines = render_csv(roi.make_table()).decode().splitlines()
    assert '"Podcasts, Audio",0,NA,NA,NA,NA' in lines  # no weekend spend: no ROI, written NA
