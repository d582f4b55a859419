"""A small in-memory stand-in for the Recast API with the vendor's documented shapes, for
``httpx.MockTransport``: paginated lists (with a silent ``per_page`` cap), deployment summaries and
details, UUID KPIs, and the open readings (hidden API reports, absent/truncated names, stringified
form scalars, redirected downloads to an object store that refuses ``Authorization``)."""

from __future__ import annotations

import json
import math
import re
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

import httpx
from fakes import FakeClock

from recast_pipeline.recast.client import RecastClient

BASE = "https://api.test"
STORE = "https://store.test"
PREFIX = "/v1/clients/acme"
SIGNATURE = "sig-SECRET-123"
T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)


@contextmanager
def vendor_clients(token: str):
    """``connect(handler, **options)``: a client whose requests go to ``handler`` (a ``FakeVendor``
    or any MockTransport handler), with a fake clock; all are closed when the block ends."""
    made = []

    def connect(handler, **options) -> RecastClient:
        clock = FakeClock()
        options = dict(dict(sleep=clock.sleep, clock=clock, retry_deadline=30.0), **options)
        made.append(RecastClient(BASE, "acme", token, transport=httpx.MockTransport(handler), **options))
        return made[-1]

    try:
        yield connect
    finally:
        for client in made:
            client.close()


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class FakeVendor:
    """Call it with a request (a MockTransport handler). Counters: ``requests``, ``creates``, ``store_auth_seen``."""

    def __init__(
        self,
        *,
        max_per_page=100,
        listed=True,
        names="verbatim",
        scalars="as_sent",
        downloads="inline",
        redirect_status=302,
        location="absolute",
        order="newest",
    ):
        self.max_per_page, self.listed, self.names, self.scalars = max_per_page, listed, names, scalars
        self.downloads, self.redirect_status, self.location, self.order = downloads, redirect_status, location, order
        self.now = T0
        self.deployments: dict[int, dict] = {}
        self.kpis = [
            {
                "id": "6f1c2a9e-3b7d-4c1e-9a55-0d2f8e7b1c01",
                "name": "Revenue",
                "depvar_configurations": [{"deployment_id": 5716, "name": "revenue"}],
            }
        ]
        self.reports: dict[int, dict] = {}
        self.requests: list[httpx.Request] = []
        self.store_requests: list[httpx.Request] = []
        self.store_auth_seen = 0
        self.creates = 0
        self.link_version = 0
        self.lose_next_create = False
        self.create_status = "success"
        self.expired_uses = 0  # the store refuses this many requests as "expired"

    # -- set-up --------------------------------------------------------------------------------

    def tick(self, seconds: float = 60) -> str:
        self.now += timedelta(seconds=seconds)
        return iso(self.now)

    def add_deployment(self, deployment_id, dashboard_slug, active=True, model_date="2024-05-31", **detail) -> dict:
        stamp = self.tick()
        row = {
            "id": deployment_id,
            "dashboard_slug": dashboard_slug,
            "active": active,
            "model_date": model_date,
            "created_at": stamp,
            "updated_at": stamp,
            "name": f"model {deployment_id}",
            "start_date": "2022-01-01",
            "end_date": "2024-05-31",
            "spend_channels_labels": ["TV", "Search"],
            "upper_funnel_channel_labels": ["TV"],
            "lower_funnel_channel_labels": ["Search"],
            "non_spend_channels_labels": [],
            "contextual_variable_defaults": {"price": 1.0},
            "spikes": [],
            "currency_symbol": "$",
            "currency_name": "USD",
        }
        row.update(detail)
        self.deployments[deployment_id] = row
        return row

    def refresh_in_place(self, deployment_id: int) -> None:
        self.deployments[deployment_id].update(updated_at=self.tick(), model_date=iso(self.now)[:10])

    def add_report(self, form, status="success", prerendered=False, name=None, api=False) -> int:
        report_id = 1000 + len(self.reports) + 1
        stamp = self.tick()
        self.reports[report_id] = {
            "id": report_id,
            "name": name or f"Dashboard {form['report_type']}",
            "report_type": form["report_type"],
            "status": status,
            "prerendered": prerendered,
            "form": dict(form),
            "created_at": stamp,
            "updated_at": stamp,
            "results": {"downloads": [{"key": "tables-daily", "description": "daily"}]},
            "_api": api,
        }
        return report_id

    # -- views ---------------------------------------------------------------------------------

    def _report_view(self, report: dict, full: bool) -> dict:
        view = {k: v for k, v in report.items() if not k.startswith("_")}
        if self.names == "absent":
            view.pop("name")
        elif self.names == "truncated":
            view["name"] = view["name"].strip()[:40]
        if view["status"] != "success":
            view.pop("results")
        if not full:
            view.pop("form")
            view.pop("results", None)
        elif self.scalars == "strings":
            view["form"] = {
                k: (json.dumps(v) if isinstance(v, bool) else str(v)) if isinstance(v, (int, float)) else v
                for k, v in view["form"].items()
            }
        return view

    def _page(self, request: httpx.Request, rows: list) -> httpx.Response:
        page = int(request.url.params.get("page", 1))
        per_page = min(int(request.url.params.get("per_page", 25)), self.max_per_page)
        data = rows[(page - 1) * per_page : page * per_page]
        pagination = {
            "page": page,
            "per_page": per_page,
            "total_pages": max(1, math.ceil(len(rows) / per_page)),
            "total_count": len(rows),
        }
        return httpx.Response(200, json={"data": data, "pagination": pagination})

    # -- routes --------------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "store.test":
            return self._store(request)
        self.requests.append(request)
        path, params = request.url.path, request.url.params
        if request.method == "POST" and path == f"{PREFIX}/reports":
            return self._create(request)
        if path == f"{PREFIX}/reports":
            rows = [
                r
                for r in self.reports.values()
                if (params.get("include_prerendered") == "true" or not r["prerendered"])
                and (self.listed or not r["_api"])
                and params.get("report_type") in (None, r["report_type"])
            ]
            rows.sort(key=lambda r: r["id"], reverse=self.order == "newest")
            return self._page(request, [self._report_view(r, full=False) for r in rows])
        if match := re.fullmatch(f"{PREFIX}/reports/(\\d+)", path):
            return httpx.Response(200, json=self._report_view(self.reports[int(match[1])], full=True))
        if match := re.fullmatch(f"{PREFIX}/reports/(\\d+)/downloads/(.+)", path):
            return self._download(int(match[1]), match[2])
        if path == f"{PREFIX}/deployments":
            rows = [
                {k: d[k] for k in ("id", "dashboard_slug", "active", "model_date", "created_at", "updated_at")}
                for d in self.deployments.values()
                if params.get("dashboard_slug") in (None, d["dashboard_slug"])
            ]
            return self._page(request, rows)
        if match := re.fullmatch(f"{PREFIX}/deployments/(\\d+)", path):
            found = self.deployments.get(int(match[1]))
            return httpx.Response(200, json=found) if found else httpx.Response(404, json={"error": "not found"})
        if path == f"{PREFIX}/kpis":
            return self._page(request, self.kpis)
        if match := re.fullmatch(f"{PREFIX}/kpis/([0-9a-f-]+)", path):
            return httpx.Response(200, json=next(k for k in self.kpis if k["id"] == match[1]))
        return httpx.Response(404, json={"error": f"no route {path}"})

    def _create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.creates += 1
        report_id = self.add_report(
            body["form"], status=self.create_status, name=body.get("name"), api=not body["show_in_ui"]
        )
        if self.lose_next_create:
            self.lose_next_create = False
            raise httpx.ReadTimeout("answer lost", request=request)
        return httpx.Response(201, json={"id": report_id})

    def _download(self, report_id: int, key: str) -> httpx.Response:
        if self.downloads == "inline":
            return httpx.Response(200, content=b"date,spend\n2024-01-01,1.5\n", headers={"Content-Type": "text/csv"})
        target = f"/bucket/{report_id}/{key}?sig={SIGNATURE}&v={self.link_version}"
        location = STORE + target if self.location == "absolute" else f"//store.test{target}"
        return httpx.Response(self.redirect_status, headers={"Location": location})

    def _store(self, request: httpx.Request) -> httpx.Response:
        self.store_requests.append(request)
        if "authorization" in request.headers:
            self.store_auth_seen += 1
            return httpx.Response(403, text="Authorization not allowed")
        if self.expired_uses > 0:
            self.expired_uses -= 1
            return httpx.Response(403, text="<Error>Request has expired</Error>")
        query = parse_qs(request.url.query.decode())
        if query.get("sig") != [SIGNATURE] or query.get("v") != [str(self.link_version)]:
            return httpx.Response(403, text="<Error>Request has expired</Error>")
        return httpx.Response(200, content=b"date,spend\n2024-01-01,1.5\n", headers={"Content-Type": "text/csv"})
