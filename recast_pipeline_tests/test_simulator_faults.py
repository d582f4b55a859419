"""Every fault knob of the simulator over real HTTP, the admin endpoints and the request counters."""

from __future__ import annotations

import csv
import email.utils
import io
import time
from urllib.parse import quote

import httpx
import pytest

from recast_pipeline.simulator.faults import FaultSettings

SPEND = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-03-31",
}
CREATE = {"form": SPEND}


def finished_report(sim, form=SPEND) -> int:
    """A finished report, created in process so that request counters stay clean."""
    report = sim.store.create(form, None)
    report.duration = 0.0
    return report.id


def admin(sim, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(
        method, f"{sim.base_url}/_admin/{path}", headers={"Authorization": f"Bearer {sim.token}"}, **kwargs
    )


def test_faults_are_off_by_default(simulator):
    assert simulator.set_faults() == FaultSettings().__dict__
    with simulator.http_client() as client:
        report_id = finished_report(simulator)
        for _ in range(20):
            assert client.get("/reports").status_code == 200
            assert client.get(f"/reports/{report_id}/downloads/tables-daily").status_code == 200
    assert simulator.stats()["faults"] == {}


def test_rate_limit_burst_hits_the_next_n_requests_with_retry_after_seconds(simulator):
    simulator.set_faults(rate_limit_burst=2, retry_after=3)
    with simulator.http_client() as client:
        first, second, third = (client.get("/deployments") for _ in range(3))
    assert first.status_code == second.status_code == 429 and third.status_code == 200
    assert first.headers["Retry-After"] == "3" and first.json()["error"] == "rate_limited"
    assert simulator.set_faults()["rate_limit_burst"] == 0


def test_rate_limit_http_date_and_endpoint_filter(simulator):
    simulator.set_faults(
        rate_limit_rate=1.0, rate_limit_endpoints=["create"], retry_after_format="http-date", retry_after=5
    )
    with simulator.http_client() as client:
        assert client.get("/reports").status_code == 200
        limited = client.post("/reports", json=CREATE)
    assert limited.status_code == 429
    moment = email.utils.parsedate_to_datetime(limited.headers["Retry-After"])
    assert 3 <= moment.timestamp() - time.time() <= 6
    assert simulator.stats()["creates"] == 0  # a rate-limited create creates nothing


def test_rate_limit_rate_is_a_seeded_fraction(simulator_factory):
    counts = []
    for _ in range(2):
        sim = simulator_factory(faults={"rate_limit_rate": 0.3})
        with sim.http_client() as client:
            counts.append([client.get("/kpis").status_code for _ in range(40)])
    assert counts[0] == counts[1]  # same seed, same sequence
    assert 4 <= counts[0].count(429) <= 20


def test_server_error_rate_burst_status_and_filter(simulator):
    simulator.set_faults(server_error_burst=1, server_error_status=502)
    with simulator.http_client() as client:
        assert client.get("/reports").status_code == 502
        assert client.get("/reports").status_code == 200
        simulator.set_faults(server_error_rate=1.0, server_error_endpoints=["show"])
        report_id = finished_report(simulator)
        failed = client.get(f"/reports/{report_id}")
        assert failed.status_code == 502 and failed.json()["error"] == "server_error"
        assert client.get(f"/reports/{report_id}/downloads/tables-total").status_code == 200
        assert client.get("/kpis").status_code == 200


def test_truncated_download_announces_length_then_closes(simulator):
    report_id = finished_report(simulator)
    simulator.set_faults(truncate_burst=1)
    with simulator.http_client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"/reports/{report_id}/downloads/tables-daily")
        whole = client.get(f"/reports/{report_id}/downloads/tables-daily")
    assert whole.status_code == 200 and int(whole.headers["content-length"]) == len(whole.content)


def test_truncated_streamed_download(simulator_factory):
    sim = simulator_factory(clean_data_rows=50_000, faults={"truncate_rate": 1.0})
    report_id = finished_report(sim, {"deployment_id": 5717, "report_type": "compute_clean_data"})
    with sim.http_client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            with client.stream("GET", f"/reports/{report_id}/downloads/clean_data") as response:
                assert "content-length" not in response.headers
                for _ in response.iter_bytes():
                    pass
        sim.set_faults(truncate_rate=0.0)
        full = client.get(f"/reports/{report_id}/downloads/clean_data")
    assert full.text.count("\n") == 50_001


def test_slow_responses_delay_matching_endpoints(simulator):
    simulator.set_faults(slow_delay=1.0, slow_endpoints=["list"])
    with simulator.http_client(timeout=0.3) as client:
        assert client.get("/deployments").status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            client.get("/reports")
    simulator.set_faults(slow_delay=0.0)


@pytest.mark.parametrize("mode, error", [("delay", httpx.ReadTimeout), ("drop", httpx.RemoteProtocolError)])
def test_lost_create_still_creates_the_report(simulator, mode, error):
    simulator.set_faults(lost_create_burst=1, lost_create_mode=mode, lost_create_delay=2.0)
    with simulator.http_client(timeout=0.5) as client:
        with pytest.raises(error):
            client.post("/reports", json={"name": "lost one", "form": SPEND})
        listed = client.get("/reports").json()["data"]
        assert [r["name"] for r in listed] == ["lost one"]
        assert client.post("/reports", json=CREATE).status_code == 201  # the burst is used up
    assert simulator.stats()["creates"] == 2


def test_malformed_downloads(simulator):
    report_id = finished_report(simulator)
    url = f"/reports/{report_id}/downloads/tables-daily"
    with simulator.http_client() as client:
        simulator.set_faults(malformed_mode="ragged")
        rows = list(csv.reader(io.StringIO(client.get(url).text)))
        assert {len(r) for r in rows} == {len(rows[0]) - 1, len(rows[0]), len(rows[0]) + 1}
        simulator.set_faults(malformed_mode="bad_quote")
        text = client.get(url).text
        assert len(list(csv.reader(io.StringIO(text)))) < text.count("\n")
        simulator.set_faults(malformed_mode="html")
        page = client.get(url)
        assert page.status_code == 200 and page.headers["content-type"] == "text/html"
        assert page.text.startswith("<!DOCTYPE html>")
        simulator.set_faults(malformed_content_type="text/csv")
        assert client.get(url).headers["content-type"] == "text/csv"
        simulator.set_faults(malformed_rate=0.0, malformed_burst=1)
        assert client.get(url).text.startswith("<!DOCTYPE html>")
        assert client.get(url).text.startswith("Date,")
    assert simulator.stats()["faults"]["malformed:html"] == 3


def test_hostile_keys_on_dynamic_types_only(simulator):
    simulator.set_faults(hostile_keys=True)
    dynamic = finished_report(
        simulator, {**SPEND, "report_type": "compute_prior_vs_posterior", "channels": ["Display"]}
    )
    plain = finished_report(simulator)
    with simulator.http_client() as client:
        keys = [d["key"] for d in client.get(f"/reports/{dynamic}").json()["results"]["downloads"]]
        assert {"../../etc/x", "a/b", 'it\'s "q"; DROP TABLE x;--', "naïve café"} <= set(keys)
        for key in keys:
            response = client.get(f"/reports/{dynamic}/downloads/{quote(key, safe='')}")
            assert response.status_code == 200, key
        assert len(client.get(f"/reports/{plain}").json()["results"]["downloads"]) == 4


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
def test_schema_variants(simulator, variant):
    report_id = finished_report(simulator)
    simulator.set_faults(schema_variant=variant)
    with simulator.http_client() as client:
        rows = list(csv.DictReader(io.StringIO(client.get(f"/reports/{report_id}/downloads/tables-total").text)))
    columns = list(rows[0])
    base = ["Channel", "Spend ($)", "Share of Spend %", "Avg Daily Spend ($)", "Days With Spend"]
    assert columns == {0: base, 1: base + ["Model Version"], 2: base[:-1], 3: base}[variant]
    spend = rows[0]["Spend ($)"]
    assert ("," in spend and "units" in spend) if variant == 3 else float(spend) > 0


def test_force_status_emits_an_unknown_status_until_cleared(simulator):
    report_id = finished_report(simulator)
    simulator.set_faults(force_status={"compute_spend_summary": "on_hold"})
    with simulator.http_client() as client:
        shown = client.get(f"/reports/{report_id}").json()
        assert shown["status"] == "on_hold" and "results" not in shown
        assert client.get("/reports").json()["data"][0]["status"] == "on_hold"
        assert client.get(f"/reports/{report_id}/downloads/tables-daily").status_code == 409
        simulator.set_faults(force_status={})
        assert client.get(f"/reports/{report_id}").json()["status"] == "success"


def test_admin_faults_endpoint_partial_update_and_validation(simulator):
    assert admin(simulator, "PUT", "faults", json={"server_error_rate": 1.0}).json()["server_error_rate"] == 1.0
    both = admin(simulator, "PUT", "faults", json={"retry_after": 7}).json()
    assert both["server_error_rate"] == 1.0 and both["retry_after"] == 7
    assert admin(simulator, "GET", "stats").status_code == 200  # faults never touch /_admin/
    assert admin(simulator, "GET", "info").json()["deployment_ids"] == [5716, 5717]
    for bad in (
        {"no_such_knob": 1},
        {"server_error_rate": 2},
        {"malformed_mode": "zip"},
        {"server_error_status": 404},
        {"rate_limit_endpoints": ["admin"]},
    ):
        response = admin(simulator, "PUT", "faults", json=bad)
        assert response.status_code == 422 and list(bad)[0] in response.json()["message"]
    assert admin(simulator, "GET", "faults").json()["retry_after"] == 7
    assert admin(simulator, "DELETE", "faults").json()["server_error_rate"] == 0.0
    with pytest.raises(ValueError, match="slow_delay"):
        simulator.set_faults(slow_delay=-1)


def test_stats_count_calls_creates_and_in_flight_without_the_token(simulator_factory):
    sim = simulator_factory(latency=5)
    with sim.http_client() as client:
        for _ in range(3):
            client.post("/reports", json=CREATE)
        client.get("/reports")
        client.get("/deployments")
        client.post("/reports", json={"form": {}})
    stats = sim.stats()
    assert stats["creates"] == 3 and stats["in_flight"] == 3 and stats["in_flight_peak"] == 3
    assert stats["calls"] == {"create": 4, "list": 1, "deployments": 1}
    assert stats["statuses"]["201"] == 3 and stats["statuses"]["422"] == 1
    assert [e["endpoint"] for e in stats["log"]] == ["create"] * 3 + ["list", "deployments", "create"]
    assert stats["requests_in_flight"] == 0 and stats["requests_in_flight_peak"] >= 1
    assert sim.token not in str(admin(sim, "GET", "stats").json())
    assert admin(sim, "POST", "reset").status_code == 200
    assert sim.stats()["creates"] == 0 and sim.stats()["log"] == []


def test_in_flight_peak_counts_overlapping_reports(simulator_factory):
    """Three reports, never three at once: with capacity 2 the third starts exactly when the first
    ends. An hour-long latency keeps every report computing for the whole test (no sleep, no race)."""
    sim = simulator_factory(latency=3600.0, capacity=2)
    with sim.http_client() as client:
        for _ in range(3):
            assert client.post("/reports", json=CREATE).status_code == 201
    stats = sim.stats()
    assert stats["creates"] == 3
    assert stats["in_flight_peak"] == 2  # an end at t closes before a start at t opens
    assert stats["in_flight"] == 2  # the first two compute now; the third waits for a slot
