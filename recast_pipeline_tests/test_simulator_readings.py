"""Each reading of the API's open questions, proven over HTTP (the object store: test_simulator_objectstore.py)."""

from __future__ import annotations

import httpx
import pytest

from recast_pipeline.simulator import Readings, SimulatorConfig

from fakes import wait_final

FORM = {"deployment_id": 5716, "report_type": "compute_spend_summary",
        "start_date": "2024-01-01", "end_date": "2024-03-31"}
BASELINE = {"deployment_id": 5716, "report_type": "compute_baseline_summary", "start_date": "2024-01-01",
            "end_date": "2024-03-31", "include_spikes": True}
LONG_NAME = "  Quarterly spend summary for the revenue dashboard, Q1 2024  "


def test_readings_validate_and_unfriendly_sets_every_harsh_value():
    with pytest.raises(ValueError, match="names.*'verbatim', 'truncated', 'absent'.*'short'"):
        Readings(names="short")
    with pytest.raises(ValueError, match="max_per_page"):
        Readings(max_per_page=0)
    with pytest.raises(ValueError, match="unknown reading 'colour'"):
        Readings().replace(colour="red")
    with pytest.raises(ValueError, match="redirect_status"):
        SimulatorConfig(readings={"redirect_status": 301})
    assert Readings.unfriendly() == Readings(
        refresh="new_deployment", prerendered_rerun="in_place", downloads="redirect", unlisted_reports="hidden",
        names="absent", form_scalars="strings", error_body="plain", layout="long", headers="restyled",
        report_timestamps="per_poll", deployment_fields="id_name", max_per_page=10)


def test_set_readings_and_admin_endpoint(simulator):
    admin = f"{simulator.base_url}/_admin/readings"
    assert simulator.set_readings(names="absent")["names"] == "absent"
    with simulator.http_client() as client:
        assert client.get(admin).json()["names"] == "absent"
        assert client.post(admin, json={"error_body": "rails", "max_per_page": 5}).json()["max_per_page"] == 5
        bad = client.post(admin, json={"error_body": "xml", "names": "verbatim"})
        assert bad.status_code == 422 and "error_body" in bad.json()["message"]
        assert httpx.post(admin, json={"names": "verbatim"}).status_code == 401
    assert simulator.readings.names == "absent" and simulator.readings.error_body == "rails"  # all-or-nothing


@pytest.mark.parametrize("reading", ["listed", "hidden"])
def test_unlisted_reports(simulator_factory, reading):
    sim = simulator_factory(readings={"unlisted_reports": reading})
    with sim.http_client() as client:
        shown = client.post("/reports", json={"show_in_ui": True, "form": FORM}).json()["id"]
        unshown = client.post("/reports", json={"show_in_ui": False, "form": FORM}).json()["id"]
        missing = client.post("/reports", json={"form": FORM}).json()["id"]
        listed = [r["id"] for r in client.get("/reports", params={"per_page": 100}).json()["data"]]
        pre = client.get("/reports", params={"include_prerendered": "true", "per_page": 100}).json()
        assert client.get(f"/reports/{unshown}").status_code == 200
    expected = [missing, unshown, shown] if reading == "listed" else [shown]
    assert listed == expected
    assert sum(r["prerendered"] for r in pre["data"]) == 27


@pytest.mark.parametrize("reading,expected", [("verbatim", LONG_NAME), ("truncated", LONG_NAME.strip()[:40]),
                                              ("absent", None)])
def test_names(simulator_factory, reading, expected):
    sim = simulator_factory(readings={"names": reading})
    with sim.http_client() as client:
        report_id = client.post("/reports", json={"name": LONG_NAME, "show_in_ui": True, "form": FORM}).json()["id"]
        shown = client.get(f"/reports/{report_id}").json()
        row = client.get("/reports").json()["data"][0]
    assert shown.get("name") == row.get("name") == expected
    assert ("name" in shown) is (expected is not None)


@pytest.mark.parametrize("reading", ["as_sent", "strings"])
def test_form_scalars(simulator_factory, reading):
    sim = simulator_factory(readings={"form_scalars": reading})
    with sim.http_client() as client:
        report_id = client.post("/reports", json={"form": BASELINE}).json()["id"]
        form = client.get(f"/reports/{report_id}").json()["form"]
    if reading == "as_sent":
        assert form == BASELINE
    else:
        assert form == {**BASELINE, "deployment_id": "5716", "include_spikes": "true"}


@pytest.mark.parametrize("reading", ["json", "rails", "plain"])
def test_error_body(simulator_factory, reading):
    sim = simulator_factory(readings={"error_body": reading})
    with sim.http_client() as client:
        bad = client.post("/reports", json={"form": {**FORM, "start_date": "2024-13-01"}})
        bad_page = client.get("/reports", params={"page": "x"})
    assert bad.status_code == 422 and bad_page.status_code == 422
    if reading == "json":
        assert bad.json()["errors"][0]["field"] == "start_date" and "start_date" in bad.json()["message"]
    elif reading == "rails":
        assert list(bad.json()) == ["errors"] and "start_date" in bad.json()["errors"]
        assert isinstance(bad.json()["errors"]["start_date"], list) and "page" in bad_page.json()["errors"]
    else:
        assert bad.headers["content-type"].startswith("text/plain") and bad.text.startswith("start_date: ")
        assert bad_page.text.startswith("page: ")


def test_max_per_page_caps_silently(simulator_factory):
    sim = simulator_factory(readings={"max_per_page": 4})
    with sim.http_client() as client:
        for path in ("/reports?include_prerendered=true", "/deployments", "/kpis"):
            body = client.get(path, params={"per_page": 50}).json()
            assert body["pagination"]["per_page"] == 4 and len(body["data"]) <= 4
        assert client.get("/reports", params={"include_prerendered": "true", "per_page": 3}).json()[
            "pagination"]["per_page"] == 3
    sim.set_readings(max_per_page=100)
    with sim.http_client() as client:
        assert client.get("/reports", params={"per_page": 1000}).json()["pagination"]["per_page"] == 100


def test_download_inline_by_default(simulator):
    with simulator.http_client() as client:
        report_id = client.post("/reports", json={"form": FORM}).json()["id"]
        wait_final(client, report_id)
        answer = client.get(f"/reports/{report_id}/downloads/tables-total")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert simulator.object_store_stats()["requests"] == 0
