"""The simulator's default world over HTTP: dashboards, deployment summaries vs. details, KPIs with
UUID ids, and pagination of every list (RECAST_API.md, ISSUE9 contracts)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

SUMMARY_FIELDS = {"id", "dashboard_slug", "active", "model_date", "created_at", "updated_at"}
DETAIL_FIELDS = SUMMARY_FIELDS | {
    "name",
    "start_date",
    "end_date",
    "n_forecast",
    "spend_channels_labels",
    "upper_funnel_channel_labels",
    "lower_funnel_channel_labels",
    "non_spend_channels_labels",
    "contextual_variable_defaults",
    "spikes",
    "currency_symbol",
    "currency_name",
}


def test_deployment_summaries_have_no_labels_and_name_the_dashboards(simulator):
    with simulator.http_client() as client:
        body = client.get("/deployments").json()
        revenue = client.get("/deployments", params={"dashboard_slug": "revenue"}).json()["data"]
        none = client.get("/deployments", params={"dashboard_slug": "nope"}).json()
    rows = {row["id"]: row for row in body["data"]}
    assert all(set(row) == SUMMARY_FIELDS for row in body["data"])
    assert body["pagination"] == {"page": 1, "per_page": 25, "total_pages": 1, "total_count": 3}
    assert {i: (r["dashboard_slug"], r["active"]) for i, r in rows.items()} == {
        5715: ("revenue", False),
        5716: ("revenue", True),
        5717: ("signups", True),
    }
    assert rows[5715]["model_date"] < rows[5716]["model_date"]
    dt.date.fromisoformat(rows[5716]["model_date"])
    assert [r["id"] for r in revenue] == [5715, 5716]
    assert none["data"] == [] and none["pagination"]["total_count"] == 0
    assert simulator.deployment_ids == (5716, 5717)


def test_deployment_details_carry_every_documented_field(simulator):
    with simulator.http_client() as client:
        full, bare, older = (client.get(f"/deployments/{i}").json() for i in (5716, 5717, 5715))
        assert client.get("/deployments/1").status_code == 404
    assert set(full) == set(bare) == set(older) == DETAIL_FIELDS
    data_end = simulator.config.data_end.isoformat()
    assert full["end_date"] == bare["end_date"] == data_end and older["end_date"] < data_end
    assert full["start_date"] == "2023-01-01" and full["n_forecast"] > 0
    assert "Branded Search" in full["lower_funnel_channel_labels"]
    assert "Podcasts, Audio" in full["upper_funnel_channel_labels"]
    assert full["spend_channels_labels"] == full["upper_funnel_channel_labels"] + full["lower_funnel_channel_labels"]
    assert set(full["contextual_variable_defaults"]) == {"Price Index", "Brand Awareness"}
    assert bare["contextual_variable_defaults"] == {} and bare["lower_funnel_channel_labels"] == []
    assert older["spend_channels_labels"] == full["spend_channels_labels"]
    assert all(set(s) == {"name", "dates"} and s["dates"] for s in full["spikes"])
    assert max(d for s in full["spikes"] for d in s["dates"]) <= data_end
    assert (full["currency_symbol"], full["currency_name"]) == ("$", "USD") and bare["currency_name"] == "CAD"


def test_kpi_ids_are_uuid_strings_naming_their_deployments(simulator, simulator_factory):
    with simulator.http_client() as client:
        kpis = client.get("/kpis").json()
        one = client.get(f"/kpis/{kpis['data'][0]['id']}").json()
        assert client.get("/kpis/1").status_code == 404
        assert client.get(f"/kpis/{uuid.uuid4()}").status_code == 404
    assert kpis["pagination"]["total_count"] == 2
    assert all(str(uuid.UUID(k["id"])) == k["id"] for k in kpis["data"])
    assert one == kpis["data"][0]
    by_name = {k["name"]: sorted(c["deployment_id"] for c in k["depvar_configurations"]) for k in kpis["data"]}
    assert by_name == {"Revenue": [5715, 5716], "New Customers": [5717]}
    with simulator_factory().http_client() as other:  # deterministic per seed
        assert [k["id"] for k in other.get("/kpis").json()["data"]] == [k["id"] for k in kpis["data"]]


@pytest.mark.parametrize("path", ["/deployments", "/kpis", "/reports?include_prerendered=true"])
def test_every_list_paginates(simulator, path):
    with simulator.http_client() as client:
        everything = client.get(path, params={"per_page": 100}).json()
        total = everything["pagination"]["total_count"]
        pages = [client.get(path, params={"per_page": 1, "page": p}).json() for p in range(1, total + 2)]
        bad = client.get(path, params={"per_page": "0"})
    assert [row for page in pages for row in page["data"]] == everything["data"]
    assert pages[0]["pagination"] == {"page": 1, "per_page": 1, "total_pages": total, "total_count": total}
    assert pages[-1]["data"] == []
    assert bad.status_code == 422 and "per_page" in bad.json()["message"]


def test_report_rows_carry_updated_at_newest_first(simulator):
    with simulator.http_client() as client:
        rows = client.get("/reports", params={"include_prerendered": "true"}).json()["data"]
    assert all("updated_at" in row and "form" not in row for row in rows)
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)


def _all(client, path: str, **query) -> list[dict]:
    rows, page = [], 1
    while True:
        body = client.get(path, params={**query, "page": page, "per_page": 100}).json()
        rows += body["data"]
        if page >= body["pagination"]["total_pages"]:
            return rows
        page += 1


def test_an_agency_world_has_as_many_dashboards_each_with_its_own_model(simulator_factory):
    sim = simulator_factory(readings={"dashboards": 40})
    with sim.http_client() as client:
        active = [row for row in _all(client, "/deployments") if row["active"]]
        details = [client.get(f"/deployments/{row['id']}").json() for row in active]
        kpis = _all(client, "/kpis")
        prerendered = [row for row in _all(client, "/reports", include_prerendered="true") if row["prerendered"]]
    slugs = [row["dashboard_slug"] for row in active]
    assert (
        len(active) == 40 and len(set(slugs)) == 40 and {"revenue", "signups", "client-003", "client-040"} <= set(slugs)
    )
    assert len({tuple(d["spend_channels_labels"]) for d in details}) > 5  # channels differ between dashboards
    assert len({d["end_date"] for d in details}) >= 3 and len({d["model_date"] for d in details}) >= 5
    assert any("%" in label for d in details for label in d["spend_channels_labels"])
    assert len(kpis) == 40 and all(k["depvar_configurations"] for k in kpis)
    assert len(prerendered) >= 40 * 5  # every dashboard's pages are pre-rendered


def test_the_world_grows_while_serving_and_never_shrinks(simulator_factory):
    sim = simulator_factory()
    assert len(sim.deployment_ids) == 2
    assert sim.set_readings(dashboards=5)["dashboards"] == 5 and len(sim.deployment_ids) == 5
    with pytest.raises(ValueError, match="dashboards can only grow"):
        sim.set_readings(dashboards=3)
    with pytest.raises(ValueError, match="dashboards must be an integer >= 1 and <= 2000"):
        sim.set_readings(dashboards=0)
    assert len(sim.deployment_ids) == 5
