"""Each reading of the API's open questions, proven over HTTP (the object store: test_simulator_objectstore.py)."""

from __future__ import annotations

import httpx
import pytest
from fakes import wait_final

from recast_pipeline.simulator.config import SimulatorConfig
from recast_pipeline.simulator.readings import Readings

FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-03-31",
}
BASELINE = {
    "deployment_id": 5716,
    "report_type": "compute_baseline_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-03-31",
    "include_spikes": True,
}
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
        refresh="new_deployment",
        prerendered_rerun="in_place",
        downloads="redirect",
        unlisted_reports="hidden",
        names="absent",
        form_scalars="strings",
        error_body="plain",
        layout="long",
        headers="restyled",
        report_timestamps="per_poll",
        deployment_fields="id_name",
        max_per_page=10,
    )


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


@pytest.mark.parametrize(
    "reading,expected", [("verbatim", LONG_NAME), ("truncated", LONG_NAME.strip()[:40]), ("absent", None)]
)
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
        assert (
            client.get("/reports", params={"include_prerendered": "true", "per_page": 3}).json()["pagination"][
                "per_page"
            ]
            == 3
        )
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


def _timestamps(client, report_id: int) -> tuple[str, str, str]:
    """(created_at, updated_at of the show answer, updated_at of the list row)."""
    shown = client.get(f"/reports/{report_id}").json()
    row = next(r for r in client.get("/reports", params={"per_page": 100}).json()["data"] if r["id"] == report_id)
    assert row["created_at"] == shown["created_at"]
    return shown["created_at"], shown["updated_at"], row["updated_at"]


@pytest.mark.parametrize("reading", ["on_finish", "static", "per_poll"])
def test_report_timestamps(simulator_factory, reading):
    """updated_at moves when the report finishes, never, or on every answer (list rows too)."""
    sim = simulator_factory(latency=3600.0, readings={"report_timestamps": reading})
    with sim.http_client() as client:
        report_id = client.post("/reports", json={"show_in_ui": True, "form": FORM}).json()["id"]
        running = [_timestamps(client, report_id) for _ in range(2)]
        sim.finish_reports()
        final = [_timestamps(client, report_id) for _ in range(2)]
    created = running[0][0]
    stamps = [stamp for _, show, row in running + final for stamp in (show, row)]
    if reading == "static":
        assert set(stamps) == {created}
    elif reading == "per_poll":
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps) and stamps[0] > created
    else:
        assert set(stamps[:4]) == {created}  # ready all along: no status change yet
        assert stamps[4] > created and set(stamps[4:]) == {stamps[4]}  # moved once, when it finished


@pytest.mark.parametrize("reading", ["on_finish", "static", "per_poll"])
def test_report_timestamps_of_a_prerendered_report_rerun_in_place(simulator_factory, reading):
    sim = simulator_factory(latency=0.0, readings={"prerendered_rerun": "in_place", "report_timestamps": reading})
    with sim.http_client() as client:
        report_id = sim.refresh_model("revenue")["prerendered_report_ids"][0]
        before = client.get(f"/reports/{report_id}").json()
        sim.refresh_model("revenue")  # re-run in place again: same id
        after = client.get(f"/reports/{report_id}").json()
    assert after["created_at"] == before["created_at"]
    if reading == "static":
        assert after["updated_at"] == before["updated_at"] == before["created_at"]
    else:  # on_finish: the re-run finished later; per_poll: any later answer
        assert after["updated_at"] > before["updated_at"]


def test_deployment_fields_full_and_id_name(simulator_factory):
    sim = simulator_factory()
    with sim.http_client() as client:
        full_rows = client.get("/deployments").json()["data"]
        full = client.get("/deployments/5716").json()
        sim.set_readings(deployment_fields="id_name")
        thin_rows = client.get("/deployments").json()["data"]
        thin = client.get("/deployments/5716").json()
    assert set(full_rows[0]) == {"id", "dashboard_slug", "active", "model_date", "created_at", "updated_at"}
    assert [set(row) for row in thin_rows] == [{"id", "name"}] * 3
    assert [(r["id"], r["name"]) for r in thin_rows] == [
        (5715, "Acme Revenue (US)"),
        (5716, "Acme Revenue (US)"),
        (5717, "Acme New Customers (CA)"),
    ]
    left_out = {"model_date", "updated_at", "created_at", "active", "dashboard_slug"}
    assert left_out <= set(full) and not left_out & set(thin)
    assert thin == {k: v for k, v in full.items() if k not in left_out}  # labels, dates, spikes, currency kept


def test_new_readings_through_admin_and_cli(simulator):
    import argparse

    from recast_pipeline.cli import simulator as cli

    with simulator.http_client() as client:
        answer = client.post(
            f"{simulator.base_url}/_admin/readings",
            json={"report_timestamps": "per_poll", "deployment_fields": "id_name"},
        )
        bad = client.post(f"{simulator.base_url}/_admin/readings", json={"report_timestamps": "sometimes"})
    assert answer.status_code == 200 and (answer.json()["report_timestamps"], answer.json()["deployment_fields"]) == (
        "per_poll",
        "id_name",
    )
    assert bad.status_code == 422 and "report_timestamps" in bad.json()["message"]
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    config = cli._config(
        parser.parse_args(["--reading", "report_timestamps=static", "--reading", "deployment_fields=id_name"])
    )
    banner = cli.banner(config, 1)
    assert "Readings: report_timestamps=static, deployment_fields=id_name" in banner
    assert "export RECAST_DASHBOARDS=5716,5717" in banner  # the names the pipeline will see
    assert "report_timestamps: on_finish|static|per_poll" in " ".join(parser.format_help().split())
