"""``downloads=redirect``: the API redirects to a signed URL on a second loopback server (the object
store), which serves the same CSV, refuses bad or expired signatures and any ``Authorization`` header."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from fakes import wait_final

FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-03-31",
}
KEY = "tables-daily"


def _finished(sim) -> int:
    with sim.http_client() as client:
        report_id = client.post("/reports", json={"form": FORM}).json()["id"]
        wait_final(client, report_id)
    return report_id


@pytest.mark.parametrize("status", [302, 307])
def test_redirect_to_a_signed_url_serving_the_same_bytes(simulator, status):
    report_id = _finished(simulator)
    path = f"/reports/{report_id}/downloads/{KEY}"
    with simulator.http_client() as client:
        inline = client.get(path).content
        simulator.set_readings(downloads="redirect", redirect_status=status)
        answer = client.get(path)
        assert client.get(f"/reports/{report_id}/downloads/nope").status_code == 404
    location = answer.headers["location"]
    assert answer.status_code == status and answer.content == b""
    assert urlsplit(location).netloc != urlsplit(simulator.base_url).netloc
    assert "signature=" in location and "expires=" in location
    stored = httpx.get(location)
    assert stored.status_code == 200 and stored.content == inline
    assert simulator.object_store_stats() == {"requests": 1, "served": 1, "forbidden": 0, "authorization_seen": 0}
    assert simulator.stats()["object_store"]["served"] == 1


def test_object_store_refuses_authorization_bad_and_expired_signatures(simulator_factory):
    sim = simulator_factory(readings={"downloads": "redirect"})
    report_id = _finished(sim)
    with sim.http_client() as client:
        location = client.get(f"/reports/{report_id}/downloads/{KEY}").headers["location"]
    with_token = httpx.get(location, headers={"Authorization": f"Bearer {sim.token}"})
    assert with_token.status_code == 403 and sim.token not in with_token.text
    assert httpx.get(location, headers={"Authorization": "Basic x"}).status_code == 403
    assert httpx.get(location.replace("signature=", "signature=0")).status_code == 403
    assert httpx.get(location.replace(KEY, "tables-total")).status_code == 403  # signed for another key
    expired = sim.object_store.sign(report_id, KEY, ttl=-1)
    assert httpx.get(expired).status_code == 403 and "expired" in httpx.get(expired).text
    assert httpx.get(sim.object_store.sign(report_id, "nope")).status_code == 404
    assert sim.object_store_stats() == {"requests": 7, "served": 0, "forbidden": 6, "authorization_seen": 2}


def test_a_client_that_follows_redirects_sends_the_token_along_only_if_careless(simulator_factory):
    """httpx drops Authorization on a cross-origin redirect; a hand-written follower may not."""
    sim = simulator_factory(readings={"downloads": "redirect"})
    report_id = _finished(sim)
    with sim.http_client(follow_redirects=True) as client:
        followed = client.get(f"/reports/{report_id}/downloads/{KEY}")
        location = client.get(f"/reports/{report_id}/downloads/{KEY}", follow_redirects=False).headers["location"]
        careless = client.get(location)  # the API client's headers, token included, sent to the store
    assert followed.status_code == 200 and followed.text.startswith("Date,")
    assert careless.status_code == 403
    assert sim.object_store_stats()["authorization_seen"] == 1


def test_truncation_applies_at_the_object_store(simulator_factory):
    sim = simulator_factory(readings={"downloads": "redirect"})
    report_id = _finished(sim)
    with sim.http_client() as client:
        full = httpx.get(client.get(f"/reports/{report_id}/downloads/{KEY}").headers["location"]).content
        sim.set_faults(truncate_burst=1)
        location = client.get(f"/reports/{report_id}/downloads/{KEY}").headers["location"]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(location)
    assert httpx.get(location).content == full
