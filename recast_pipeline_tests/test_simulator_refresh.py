"""Model refreshes in every combination of the ``refresh`` and ``prerendered_rerun`` readings."""

from __future__ import annotations

import pytest

PRE = {"include_prerendered": "true", "per_page": 100}
OVERVIEW_KEY = "summaries-total-roi"


def _prerendered(client, deployment_ids) -> dict[int, dict]:
    rows = client.get("/reports", params=PRE).json()["data"]
    shown = {r["id"]: client.get(f"/reports/{r['id']}").json() for r in rows}
    return {i: r for i, r in shown.items() if r["form"]["deployment_id"] in deployment_ids}


def _overview(reports: dict[int, dict]) -> dict:
    return next(r for r in reports.values() if r["report_type"] == "compute_insights_overview")


@pytest.mark.parametrize("rerun", ["new_ids", "in_place"])
def test_refresh_as_a_new_deployment(simulator_factory, rerun):
    sim = simulator_factory(latency=0.0, readings={"prerendered_rerun": rerun})
    with sim.http_client() as client:
        before = client.get("/deployments/5716").json()
        pre_before = _prerendered(client, {5716})
        csv_before = client.get(f"/reports/{_overview(pre_before)['id']}/downloads/{OVERVIEW_KEY}").text
        result = sim.refresh_model("revenue")
        new_id = result["deployment_id"]
        old, new = client.get("/deployments/5716").json(), client.get(f"/deployments/{new_id}").json()
        listed = client.get("/deployments", params={"dashboard_slug": "revenue"}).json()["data"]
        kpi = client.get("/kpis").json()["data"][0]
        pre_after = _prerendered(client, {new_id})
        csv_after = client.get(f"/reports/{_overview(pre_after)['id']}/downloads/{OVERVIEW_KEY}").text
    assert set(result) >= {
        "dashboard_slug",
        "deployment_id",
        "previous_deployment_id",
        "model_date",
        "prerendered_report_ids",
    }
    assert (result["dashboard_slug"], result["previous_deployment_id"], new_id) == ("revenue", 5716, 5718)
    assert old["active"] is False and new["active"] is True and old["updated_at"] > before["updated_at"]
    assert new["model_date"] == result["model_date"] > before["model_date"]
    assert new["updated_at"] > before["updated_at"] and new["dashboard_slug"] == "revenue"
    labels = [k for k in new if k.endswith("_labels")] + ["contextual_variable_defaults", "end_date"]
    assert all(new[k] == before[k] for k in labels)
    assert [r["id"] for r in listed] == [5715, 5716, 5718] and sim.deployment_ids == (5717, 5718)
    assert 5718 in [c["deployment_id"] for c in kpi["depvar_configurations"]]
    assert sorted(result["prerendered_report_ids"]) == sorted(pre_after)
    if rerun == "in_place":
        assert set(pre_after) == set(pre_before)
    else:
        assert set(pre_after).isdisjoint(pre_before)
    assert all(r["form"]["deployment_id"] == 5718 and r["status"] == "success" for r in pre_after.values())
    assert csv_after != csv_before  # new numbers


@pytest.mark.parametrize("rerun", ["new_ids", "in_place"])
def test_refresh_in_place_keeps_the_id(simulator_factory, rerun):
    sim = simulator_factory(latency=0.0, readings={"refresh": "in_place", "prerendered_rerun": rerun})
    with sim.http_client() as client:
        before = client.get("/deployments/5717").json()
        pre_before = _prerendered(client, {5717})
        result = sim.refresh_model(5717)
        after = client.get("/deployments/5717").json()
        pre_after = _prerendered(client, {5717})
        total = client.get("/deployments").json()["pagination"]["total_count"]
    assert (result["deployment_id"], result["previous_deployment_id"], result["dashboard_slug"]) == (
        5717,
        5717,
        "signups",
    )
    assert after["active"] and after["model_date"] == result["model_date"] > before["model_date"]
    assert after["updated_at"] > before["updated_at"] and total == 3 and sim.deployment_ids == (5716, 5717)
    current = {i: pre_after[i] for i in result["prerendered_report_ids"]}
    if rerun == "in_place":
        assert set(pre_after) == set(pre_before)
        assert all(current[i]["updated_at"] > pre_before[i]["updated_at"] for i in current)
        assert all(current[i]["created_at"] == pre_before[i]["created_at"] for i in current)
    else:
        assert set(current).isdisjoint(pre_before) and len(pre_after) == 2 * len(pre_before)


def test_rerun_in_place_runs_again_for_the_report_latency(simulator_factory):
    sim = simulator_factory(latency=60.0, readings={"prerendered_rerun": "in_place"})
    with sim.http_client() as client:
        ids = sim.refresh_model("revenue")["prerendered_report_ids"]
        shown = client.get(f"/reports/{ids[0]}").json()
        untouched = _prerendered(client, {5717})
    assert shown["status"] in ("ready", "processing") and "results" not in shown
    assert shown["form"]["deployment_id"] == 5718
    assert all(r["status"] == "success" for r in untouched.values())


def test_refresh_by_id_slug_admin_and_unknown(simulator):
    admin = f"{simulator.base_url}/_admin/refresh"
    with simulator.http_client() as client:
        by_slug = client.post(admin, json={"dashboard": "signups"}).json()
        by_id = client.post(admin, json={"deployment_id": 5716}).json()
        everything = client.post(admin, json={}).json()["refreshed"]
        bad = client.post(admin, json={"dashboard": "nope"})
    assert (by_slug["previous_deployment_id"], by_slug["deployment_id"]) == (5717, 5718)
    assert (by_id["previous_deployment_id"], by_id["deployment_id"]) == (5716, 5719)
    assert [r["dashboard_slug"] for r in everything] == ["revenue", "signups"]
    assert bad.status_code == 422 and "revenue" in bad.json()["message"]
    with pytest.raises(ValueError, match="dashboard"):
        simulator.refresh_model(42)
    assert simulator.refresh_model(5715)["previous_deployment_id"] == 5720  # an old id names its dashboard
