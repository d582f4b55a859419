"""The simulator's endpoints over real HTTP: auth, slug, create/show/list, statuses (deployments and
KPIs: test_simulator_world.py; refreshes: test_simulator_refresh.py)."""

from __future__ import annotations

import time

import httpx
import pytest
from fakes import wait_final

from recast_pipeline.recast.api_types import Report

SPEND_FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-03-31",
}


def api(sim) -> httpx.Client:
    return sim.http_client()


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic gr_test_secret_token_123", "gr_test_secret_token_123"])
def test_missing_or_wrong_token_is_401_json(simulator, header):
    headers = {"Authorization": header} if header else {}
    for path in ("/reports", "/deployments", "/kpis"):
        response = httpx.get(f"{simulator.base_url}/v1/clients/acme{path}", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    assert httpx.get(f"{simulator.base_url}/_admin/stats", headers=headers).status_code == 401


def test_unknown_slug_and_unknown_paths_are_404_json(simulator):
    with api(simulator) as client:
        other = client.get(f"{simulator.base_url}/v1/clients/someone-else/reports")
        assert other.status_code == 404 and "someone-else" in other.json()["message"]
        assert client.get("/reports/987654").status_code == 404
        assert client.get("/no-such-thing").json()["error"] == "not_found"
        assert client.delete("/reports").status_code == 405


def test_create_returns_201_with_id_and_show_is_bare(simulator):
    with api(simulator) as client:
        created = client.post("/reports", json={"name": "my report", "show_in_ui": False, "form": SPEND_FORM})
        assert created.status_code == 201
        assert set(created.json()) == {"id"}
        shown = client.get(f"/reports/{created.json()['id']}").json()
    assert shown["id"] == created.json()["id"]
    assert shown["name"] == "my report" and shown["report_type"] == "compute_spend_summary"
    assert shown["form"] == SPEND_FORM and shown["prerendered"] is False
    assert shown["status"] in ("ready", "processing") and "results" not in shown
    assert shown["created_at"].endswith("Z")
    assert Report.from_json(shown).deployment_id == 5716


def test_status_moves_ready_processing_success_with_results_only_at_the_end(simulator_factory):
    sim = simulator_factory(latency=0.6)
    with api(sim) as client:
        report_id = client.post("/reports", json={"form": SPEND_FORM}).json()["id"]
        seen = []
        while not seen or seen[-1]["status"] != "success":
            seen.append(client.get(f"/reports/{report_id}").json())
            time.sleep(0.02)
    statuses = [s["status"] for s in seen]
    assert statuses[0] == "ready" and "processing" in statuses
    assert statuses.index("processing") > 0 and statuses[-1] == "success"
    assert all("results" not in s for s in seen[:-1])
    assert [d["key"] for d in seen[-1]["results"]["downloads"]] == [
        "tables-daily",
        "tables-weekly",
        "tables-monthly",
        "tables-total",
    ]
    assert seen[-1]["updated_at"] > seen[0]["updated_at"]


def test_latency_jitter_is_deterministic_per_seed_and_report(simulator_factory):
    a, b = simulator_factory(latency=2, jitter=1), simulator_factory(latency=2, jitter=1)
    ra, rb = (s.store.create(SPEND_FORM, None) for s in (a, b))
    assert ra.id == rb.id and ra.duration == rb.duration and 1 <= ra.duration <= 3
    assert len({a.store.create(SPEND_FORM, None).duration for _ in range(5)}) > 1


def test_context_variable_summary_errors_on_deployment_without_context(simulator):
    form = {"report_type": "compute_context_variable_summary", "start_date": "2024-01-01", "end_date": "2024-02-01"}
    with api(simulator) as client:
        ok = client.post("/reports", json={"form": {**form, "deployment_id": 5716}}).json()["id"]
        bad = client.post("/reports", json={"form": {**form, "deployment_id": 5717}}).json()["id"]
        assert wait_final(client, ok)["status"] == "success"
        failed = wait_final(client, bad)
        assert failed["status"] == "error" and "results" not in failed
        assert client.get(f"/reports/{bad}/downloads/context_variables-summary").status_code == 409


def test_unknown_report_type_is_accepted_with_one_download(simulator):
    with api(simulator) as client:
        report_id = client.post(
            "/reports", json={"form": {"deployment_id": 5717, "report_type": "compute_new_thing", "anything": [1, 2]}}
        ).json()["id"]
        report = wait_final(client, report_id)
        assert report["status"] == "success"
        assert [d["key"] for d in report["results"]["downloads"]] == ["results"]
        assert client.get(f"/reports/{report_id}/downloads/results").text.startswith("Channel,Spend ($)")


def test_list_paginates_newest_first_and_filters(simulator):
    with api(simulator) as client:
        ids = [client.post("/reports", json={"form": SPEND_FORM}).json()["id"] for _ in range(7)]
        ids.append(
            client.post("/reports", json={"form": {**SPEND_FORM, "report_type": "compute_insights_overview"}}).json()[
                "id"
            ]
        )
        pages = [client.get("/reports", params={"page": p, "per_page": 3}).json() for p in (1, 2, 3, 4)]
        listed = [row["id"] for page in pages for row in page["data"]]
        assert listed == sorted(ids, reverse=True)
        assert pages[0]["pagination"] == {"page": 1, "per_page": 3, "total_pages": 3, "total_count": 8}
        assert pages[3]["data"] == [] and pages[3]["pagination"]["page"] == 4
        assert all("form" not in row and "results" not in row for row in pages[0]["data"])
        filtered = client.get("/reports", params={"report_type": "compute_insights_overview"}).json()
        assert [r["id"] for r in filtered["data"]] == [ids[-1]]
        default = client.get("/reports").json()["pagination"]
        assert default["per_page"] == 25 and default["total_count"] == 8
        assert client.get("/reports", params={"per_page": 1000}).json()["pagination"]["per_page"] == 100
        bad = client.get("/reports", params={"page": "0"})
        assert bad.status_code == 422 and "page" in bad.json()["message"]


def test_prerendered_hidden_unless_asked(simulator):
    with api(simulator) as client:
        assert client.get("/reports").json()["data"] == []
        pre = client.get("/reports", params={"include_prerendered": "true", "per_page": 100}).json()["data"]
    assert pre and all(r["prerendered"] and r["status"] == "success" for r in pre)
    by_dep = {}
    for row in pre:
        report = simulator.store.get(row["id"])
        by_dep.setdefault(report.deployment_id, set()).add(row["report_type"])
    assert len(by_dep[5716]) == 14  # every "Pre" type
    assert by_dep[5716] - by_dep[5717] == {"compute_context_variable_summary"}


def test_refresh_changes_estimates_but_not_observed_spend(simulator):
    store = simulator.store
    old = store.model(5716)
    new = store.model(simulator.refresh_model(5716)["deployment_id"])
    assert new.version == old.version + 1
    assert all((new.spend[c] == old.spend[c]).all() for c in old.spend)
    changed = [abs(new.roi(c) / old.roi(c) - 1) for c in old.spend]
    assert max(changed) > 0.001 and max(changed) < 0.15
