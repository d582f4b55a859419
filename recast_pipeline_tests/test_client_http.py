"""RecastClient over ``httpx.MockTransport``: retry rules, create safety, downloads, configuration.

A scripted transport gives exact control over statuses, headers and broken bodies; a fake clock
makes backoff instant. Behaviour against the full simulator is in ``test_client.py``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from fakes import FakeClock

from recast_pipeline.recast.client import RecastClient
from recast_pipeline.recast.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    IncompleteDownloadError,
    LostCreateError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from recast_pipeline.recast.fingerprint import form_fingerprint

TOKEN = "gr_unit_secret_token_123"
BASE = "https://api.test"
FORM = {
    "deployment_id": 5716,
    "report_type": "compute_spend_summary",
    "start_date": "2024-01-01",
    "end_date": "2024-01-31",
}
REPORT = {
    "id": 7,
    "name": "x",
    "report_type": "compute_spend_summary",
    "status": "processing",
    "prerendered": False,
    "form": FORM,
    "created_at": "2024-05-01T00:00:00Z",
    "updated_at": "2024-05-01T00:00:00Z",
}


class Script:
    """Answers requests from a list: an ``httpx.Response``, or a callable(request) for anything else."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer):
            return answer(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)  # fresh copy

    def methods(self) -> list[str]:
        return [r.method for r in self.requests]


def ok(body, status=200, **headers) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def fail(exc_type, message="boom"):
    def answer(request):
        raise exc_type(message, request=request)

    return answer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1000.0)


@pytest.fixture
def make_client(clock):
    clients = []

    def make(script: Script, **kwargs) -> RecastClient:
        options = dict(transport=httpx.MockTransport(script), sleep=clock.sleep, clock=clock, retry_deadline=60.0)
        options.update(kwargs)
        client = RecastClient(BASE, "acme", TOKEN, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert "Authorization" not in record.getMessage()


# -- GET retry rules ------------------------------------------------------------------------------


def test_429_with_retry_after_seconds_is_honoured(make_client, clock):
    script = Script(ok({}, 429, **{"Retry-After": "3"}), ok(REPORT))
    assert make_client(script).get_report(7).id == 7
    assert clock.sleeps == [3.0]


def test_429_with_retry_after_http_date_is_honoured(make_client, clock):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    script = Script(ok({}, 429, **{"Retry-After": when}), ok(REPORT))
    make_client(script).get_report(7)
    assert len(clock.sleeps) == 1 and 25.0 <= clock.sleeps[0] <= 30.0


def test_retry_after_is_capped_by_the_deadline(make_client, clock):
    script = Script(ok({"error": "slow down"}, 429, **{"Retry-After": "3600"}))
    with pytest.raises(RateLimitedError) as caught:
        make_client(script, retry_deadline=30.0).get_report(7)
    assert caught.value.retry_after == 3600.0 and caught.value.status == 429
    assert clock.sleeps == [] and len(script.requests) == 1


def test_503_then_success(make_client, clock):
    script = Script(ok({"error": "unavailable"}, 503), ok(REPORT))
    assert make_client(script, backoff_base=0.5).get_report(7).status == "processing"
    assert len(clock.sleeps) == 1 and 0.0 <= clock.sleeps[0] <= 0.5


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_retryable_5xx(make_client, status):
    script = Script(ok({}, status), ok(REPORT))
    make_client(script).get_report(7)
    assert len(script.requests) == 2


def test_transport_errors_on_get_are_retried(make_client):
    script = Script(fail(httpx.ConnectError), fail(httpx.ReadTimeout), ok(REPORT))
    make_client(script).get_report(7)
    assert len(script.requests) == 3


@pytest.mark.parametrize(
    "status, error",
    [
        (400, ApiError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ApiError),
        (422, ValidationError),
    ],
)
def test_other_4xx_never_retried(make_client, clock, status, error):
    script = Script(ok({"error": "no"}, status))
    with pytest.raises(error) as caught:
        make_client(script).get_report(7)
    assert len(script.requests) == 1 and clock.sleeps == []
    assert (caught.value.method, caught.value.path, caught.value.status) == (
        "GET",
        "/v1/clients/acme/reports/7",
        status,
    )


def test_deadline_reached_gives_a_server_error_that_says_so(make_client, clock):
    script = Script(ok({"error": "down"}, 503))
    with pytest.raises(ServerError) as caught:
        make_client(script, retry_deadline=20.0, backoff_cap=4.0).get_report(7)
    assert len(script.requests) > 3
    assert clock.now - 1000.0 <= 20.0
    assert "gave up after" in str(caught.value) and "503" in str(caught.value)


def test_persistent_transport_error_becomes_transport_error(make_client):
    script = Script(fail(httpx.ConnectError, "connection refused"))
    with pytest.raises(TransportError) as caught:
        make_client(script, retry_deadline=5.0).list_deployments()
    assert "connection refused" in str(caught.value) and caught.value.path == "/v1/clients/acme/deployments"


# -- create ------------------------------------------------------------------------------------------


def created(report_id=41):
    return ok({"id": report_id}, 201)


def listing(*rows, page=1, total_pages=1, total_count=None):
    total_count = len(rows) if total_count is None else total_count
    return ok(
        {
            "data": list(rows),
            "pagination": {"page": page, "per_page": 100, "total_pages": total_pages, "total_count": total_count},
        }
    )


def tagged_row(report_id, form=FORM, status="processing", created_at=None):
    created_at = created_at or datetime.now(timezone.utc).isoformat()
    return {
        "id": report_id,
        "name": f"lost [rp:{form_fingerprint(form)}]",
        "report_type": form["report_type"],
        "status": status,
        "prerendered": False,
        "created_at": created_at,
        "updated_at": created_at,
    }


def test_create_sends_name_show_in_ui_and_form_with_report_type_inside(make_client):
    script = Script(created(41))
    assert make_client(script).create_report(FORM, label="spend 2024-01") == 41
    request = script.requests[0]
    body = json.loads(request.content)
    assert body == {"name": f"spend 2024-01 [rp:{form_fingerprint(FORM)}]", "show_in_ui": False, "form": FORM}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_create_resent_after_connect_error(make_client):
    script = Script(fail(httpx.ConnectError), created(42))
    assert make_client(script).create_report(FORM) == 42
    assert script.methods() == ["POST", "POST"]


def test_create_resent_after_429(make_client, clock):
    script = Script(ok({}, 429, **{"Retry-After": "2"}), created(43))
    assert make_client(script).create_report(FORM) == 43
    assert script.methods() == ["POST", "POST"] and clock.sleeps == [2.0]


def test_create_after_read_timeout_finds_the_report_instead_of_creating_again(make_client):
    other = {**FORM, "end_date": "2024-02-29"}
    script = Script(
        fail(httpx.ReadTimeout), listing(tagged_row(5, other), tagged_row(44), tagged_row(6, status="error"))
    )
    assert make_client(script).create_report(FORM) == 44
    assert script.methods() == ["POST", "GET"]
    assert script.requests[1].url.params["report_type"] == "compute_spend_summary"


def test_create_after_5xx_not_found_is_not_sent_again_and_says_so(make_client):
    old = tagged_row(3, status="success", created_at="2020-01-01T00:00:00Z")  # an old success is not ours
    script = Script(ok({"error": "bad gateway"}, 502), listing(old), created(45))
    with pytest.raises(LostCreateError) as caught:
        make_client(script).create_report(FORM)
    assert script.methods() == ["POST", "GET"]
    text = str(caught.value)
    assert "may exist on Recast" in text and "not sent again" in text and "force_new" in text and "502" in text


def test_create_422_is_not_retried_and_keeps_server_messages(make_client):
    body = {"errors": {"end_date": ["must be after start_date"], "channels": ["unknown channel 'TV2'"]}}
    script = Script(ok(body, 422))
    with pytest.raises(ValidationError) as caught:
        make_client(script).create_report(FORM)
    assert script.methods() == ["POST"]
    assert caught.value.messages == ("end_date: must be after start_date", "channels: unknown channel 'TV2'")
    assert "end_date: must be after start_date" in str(caught.value)


def test_create_whose_lookup_fails_too_is_a_lost_create(make_client):
    script = Script(lambda request: ok({}, 500))
    with pytest.raises(LostCreateError, match="looking for it failed too"):
        make_client(script, retry_deadline=10.0, backoff_cap=2.0).create_report(FORM)
    assert script.methods().count("POST") == 1


# -- list, deployments, kpis ----------------------------------------------------------------------------


def test_iter_reports_reads_every_page_with_filters(make_client):
    rows = [dict(REPORT, id=i) for i in range(1, 6)]
    script = Script(
        listing(*rows[:2], page=1, total_pages=3, total_count=5),
        listing(*rows[2:4], rows[1], page=2, total_pages=3, total_count=5),
        listing(rows[4], page=3, total_pages=3, total_count=5),
    )
    found = list(make_client(script).iter_reports("compute_spend_summary", include_prerendered=True, per_page=2))
    assert [r.id for r in found] == [1, 2, 3, 4, 5]  # a row shifted across pages is yielded once
    params = [dict(r.url.params) for r in script.requests]
    assert [p["page"] for p in params] == ["1", "2", "3"]  # total_count (5) is reached only on page 3
    assert params[0] == {
        "page": "1",
        "per_page": "2",
        "report_type": "compute_spend_summary",
        "include_prerendered": "true",
    }


def test_deployments_and_kpis(make_client):
    deployment = {
        "id": 5716,
        "name": "main",
        "spend_channels_labels": ["TV", "Branded Search"],
        "upper_funnel_channel_labels": ["TV"],
        "lower_funnel_channel_labels": ["Branded Search"],
    }
    kpi = {"id": "0b5c-uuid", "name": "revenue", "depvar_configurations": [{"deployment_id": "5716"}]}
    script = Script(listing({"id": 5716}), ok(deployment), listing(kpi), ok(kpi))
    client = make_client(script)
    assert [d.id for d in client.list_deployments()] == [5716]
    assert client.get_deployment(5716).lower_funnel_channels == ("Branded Search",)
    assert client.list_kpis()[0].deployment_ids == (5716,)
    assert client.get_kpi("0b5c-uuid").name == "revenue"
    assert [r.url.path for r in script.requests] == [
        "/v1/clients/acme/deployments",
        "/v1/clients/acme/deployments/5716",
        "/v1/clients/acme/kpis",
        "/v1/clients/acme/kpis/0b5c-uuid",
    ]


def test_non_json_body_is_an_api_error(make_client):
    with pytest.raises(ApiError, match="not JSON"):
        make_client(Script(httpx.Response(200, text="<html>proxy</html>"))).get_report(7)


# -- downloads ----------------------------------------------------------------------------------------------


def test_download_streams_to_file_with_quoted_key_and_csv_accept(make_client, tmp_path):
    body = b"date,spend\n2024-01-01,1.5\n" * 1000
    script = Script(httpx.Response(200, content=body, headers={"Content-Type": "text/csv"}))
    dest = tmp_path / "out" / "t.csv"
    assert make_client(script).download(9, "group_summaries-Paid Social/x?-roi", dest) == len(body)
    assert dest.read_bytes() == body
    request = script.requests[0]
    assert request.url.raw_path == b"/v1/clients/acme/reports/9/downloads/group_summaries-Paid%20Social%2Fx%3F-roi"
    assert request.headers["Accept"] == "text/csv"
    assert list(dest.parent.iterdir()) == [dest]


def test_download_short_body_raises_and_leaves_no_file(make_client, tmp_path):
    short = httpx.Response(200, content=b"a,b\n1,2\n", headers={"Content-Length": "100"})
    dest = tmp_path / "t.csv"
    with pytest.raises(IncompleteDownloadError) as caught:
        make_client(Script(short), retry_deadline=3.0).download(9, "tables-daily", dest)
    assert caught.value.expected == 100 and caught.value.received == 8
    assert list(tmp_path.iterdir()) == []


def broken_stream(request):
    def chunks():
        yield b"a,b\n1,2\n"
        raise httpx.ReadError("connection reset", request=request)

    return httpx.Response(200, content=chunks())


def test_download_broken_stream_is_retried_then_complete(make_client, tmp_path):
    dest = tmp_path / "t.csv"
    dest.write_bytes(b"old good data")
    script = Script(broken_stream, httpx.Response(200, content=b"a,b\n1,2\n3,4\n"))
    make_client(script).download(9, "tables-daily", dest)
    assert dest.read_bytes() == b"a,b\n1,2\n3,4\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_download_persistently_broken_keeps_previous_file_untouched(make_client, tmp_path):
    dest = tmp_path / "t.csv"
    dest.write_bytes(b"old good data")
    with pytest.raises(TransportError):
        make_client(Script(broken_stream), retry_deadline=3.0).download(9, "tables-daily", dest)
    assert dest.read_bytes() == b"old good data"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_download_404_not_retried(make_client, tmp_path):
    script = Script(ok({"error": "no such key"}, 404))
    with pytest.raises(NotFoundError):
        make_client(script).download(9, "nope", tmp_path / "t.csv")
    assert len(script.requests) == 1 and list(tmp_path.iterdir()) == []


# -- configuration and secrecy --------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch):
    for name in (
        "RECAST_BASE_URL",
        "RECAST_CLIENT_SLUG",
        "RECAST_PAT",
        "API_PAT",
        "RECAST_POLL_INTERVAL",
        "RECAST_REPORT_TIMEOUT",
        "RECAST_MAX_IN_FLIGHT",
        "RECAST_REUSE_HORIZON_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_from_env_reads_every_variable(env):
    env.setenv("RECAST_BASE_URL", "http://127.0.0.1:9/")
    env.setenv("RECAST_CLIENT_SLUG", "acme")
    env.setenv("RECAST_PAT", TOKEN)
    env.setenv("RECAST_POLL_INTERVAL", "2.5")
    env.setenv("RECAST_REPORT_TIMEOUT", "60")
    env.setenv("RECAST_MAX_IN_FLIGHT", "3")
    with RecastClient.from_env() as client:
        assert (client.base_url, client.client_slug) == ("http://127.0.0.1:9", "acme")
        assert (client.poll_interval, client.report_timeout, client.max_in_flight) == (2.5, 60.0, 3)
    with RecastClient.from_env(max_in_flight=5, client_slug="other") as client:
        assert (client.max_in_flight, client.client_slug) == (5, "other")


def test_reuse_horizon_from_the_environment_through_client_and_resource(env):
    from recast_pipeline.orchestration.resources import RecastResource

    env.setenv("RECAST_CLIENT_SLUG", "acme")
    env.setenv("RECAST_PAT", TOKEN)
    with RecastClient.from_env() as client:
        assert client.reuse_horizon_days == 14.0  # DESIGN.md's default
    env.setenv("RECAST_REUSE_HORIZON_DAYS", "3.5")
    with RecastClient.from_env() as client:
        assert client.reuse_horizon_days == 3.5
    resource = RecastResource.from_env()
    assert resource.reuse_horizon_days == 3.5
    with RecastResource(base_url=BASE, client_slug="acme", token=TOKEN, reuse_horizon_days=2).get_client() as client:
        assert client.reuse_horizon_days == 2.0
    for bad in ("soon", "0", "-1"):
        env.setenv("RECAST_REUSE_HORIZON_DAYS", bad)
        with pytest.raises(ConfigurationError, match="RECAST_REUSE_HORIZON_DAYS"):
            RecastClient.from_env()


def test_from_env_defaults_and_api_pat_fallback(env):
    env.setenv("RECAST_CLIENT_SLUG", "acme")
    env.setenv("API_PAT", TOKEN)
    with RecastClient.from_env() as client:
        assert client.base_url == "https://api.getrecast.com"
        assert (client.poll_interval, client.report_timeout, client.max_in_flight) == (30.0, 900.0, 8)


def test_missing_slug_or_token_names_the_variable(env):
    env.setenv("RECAST_PAT", TOKEN)
    with pytest.raises(ConfigurationError, match="RECAST_CLIENT_SLUG"):
        RecastClient.from_env()
    env.delenv("RECAST_PAT")
    env.setenv("RECAST_CLIENT_SLUG", "acme")
    with pytest.raises(ConfigurationError, match="RECAST_PAT") as caught:
        RecastClient.from_env()
    assert "API_PAT" in str(caught.value)


def test_bad_number_in_environment_is_a_configuration_error(env):
    env.setenv("RECAST_CLIENT_SLUG", "acme")
    env.setenv("RECAST_PAT", TOKEN)
    env.setenv("RECAST_MAX_IN_FLIGHT", "lots")
    with pytest.raises(ConfigurationError, match="RECAST_MAX_IN_FLIGHT"):
        RecastClient.from_env()


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(base_url="api.getrecast.com"),
        dict(client_slug=""),
        dict(token=""),
        dict(poll_interval=0),
        dict(max_in_flight=0),
        dict(backoff_base=0),
        dict(reuse_horizon_days=0),
    ],
)
def test_bad_arguments_are_configuration_errors(kwargs):
    arguments = {"base_url": BASE, "client_slug": "acme", "token": TOKEN, **kwargs}
    with pytest.raises(ConfigurationError) as caught:
        RecastClient(**arguments)
    assert TOKEN not in str(caught.value)


def test_repr_hides_the_token(make_client):
    client = make_client(Script(ok(REPORT)))
    assert TOKEN not in repr(client) and "***" in repr(client)
    assert TOKEN not in repr(vars(client)) and TOKEN not in str(vars(client))


def test_echoed_token_is_scrubbed_from_error_text(make_client):
    echo = ok({"error": f"bad token {TOKEN}", "header": f"Bearer {TOKEN}"}, 401)
    with pytest.raises(AuthenticationError) as caught:
        make_client(Script(echo)).get_report(7)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value.__dict__)
    assert "RECAST_PAT" in str(caught.value)


def test_one_log_line_per_call_with_method_path_status_duration(make_client, caplog):
    make_client(Script(ok({}, 503), ok(REPORT))).get_report(7)
    lines = [r.getMessage() for r in caplog.records if r.name == "recast_pipeline.recast" and " -> " in r.getMessage()]
    assert len(lines) == 2
    assert lines[0].startswith("GET /v1/clients/acme/reports/7 -> 503 in ") and lines[0].endswith("s")
    assert lines[1].startswith("GET /v1/clients/acme/reports/7 -> 200 in ")


def test_errors_survive_pickling_for_multiprocess_executors():
    import pickle

    error = ValidationError("rejected", messages=["end_date: bad"], method="POST", path="/p", status=422, body="{}")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.messages, copy.status) == (ValidationError, str(error), ("end_date: bad",), 422)
