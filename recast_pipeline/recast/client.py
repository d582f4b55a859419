"""``RecastClient``: every endpoint of the Recast Insights API, plus submit/reuse/wait.

One ``httpx.Client`` is reused for every call (connection pooling, explicit timeouts). GETs and
downloads are retried (see ``session``); creates are never blindly re-sent and are recorded in
the optional ``CreateLedger`` (see ``creation``); reuse of existing reports lives in ``reuse``,
polling in ``polling``, list pagination in ``pages``. Those modules never import this one.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import quote

import httpx

from recast_pipeline.config import settings
from recast_pipeline.recast import errors
from recast_pipeline.recast.api_types import Deployment, Kpi, Report, parse_timestamp
from recast_pipeline.recast.creation import create_report
from recast_pipeline.recast.download import download_path, download_to_file
from recast_pipeline.recast.ledger import CreateLedger
from recast_pipeline.recast.pages import DEFAULT_PER_PAGE, iter_rows
from recast_pipeline.recast.polling import PollResult, ReportPoller
from recast_pipeline.recast.retry import RetryPolicy
from recast_pipeline.recast.reuse import ReportIndex
from recast_pipeline.recast.session import DEFAULT_TIMEOUT, ApiSession, Secret

logger = logging.getLogger("recast_pipeline.recast")


@dataclass(frozen=True)
class Submission:
    """The report standing for a form: created now, or reused (``report`` is set when reused)."""

    report_id: int
    reused: bool
    report: Report | None = None


class RecastClient:
    """A careful client of the Recast Insights API (no Dagster). Use as a context manager."""

    def __init__(
        self,
        base_url: str,
        client_slug: str,
        token: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        poll_interval: float = settings.DEFAULT_POLL_INTERVAL,
        report_timeout: float = settings.DEFAULT_REPORT_TIMEOUT,
        max_in_flight: int = settings.DEFAULT_MAX_IN_FLIGHT,
        reuse_horizon_days: float = settings.DEFAULT_REUSE_HORIZON_DAYS,
        retry_deadline: float = 120.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        ledger: CreateLedger | None = None,
    ) -> None:
        if not str(base_url or "").startswith(("http://", "https://")):
            raise errors.ConfigurationError(
                f"base_url must start with http:// or https:// (RECAST_BASE_URL), got {base_url!r}"
            )
        if not client_slug:
            raise errors.ConfigurationError("client_slug is empty: give your Recast client slug (RECAST_CLIENT_SLUG)")
        if not token:
            raise errors.ConfigurationError("token is empty: give a Recast personal access token (RECAST_PAT)")
        if poll_interval <= 0 or report_timeout <= 0 or int(max_in_flight) < 1 or retry_deadline < 0:
            raise errors.ConfigurationError(
                "poll_interval and report_timeout must be positive, max_in_flight at least 1, retry_deadline >= 0"
            )
        if not reuse_horizon_days > 0:
            raise errors.ConfigurationError(
                "reuse_horizon_days must be a positive number of days (RECAST_REUSE_HORIZON_DAYS), got "
                f"{reuse_horizon_days!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.client_slug = client_slug
        self.poll_interval = float(poll_interval)
        self.report_timeout = float(report_timeout)
        self.max_in_flight = int(max_in_flight)
        self.reuse_horizon_days = float(reuse_horizon_days)
        self.sleep = sleep
        self.clock = clock
        self.ledger = ledger
        self._token = Secret(token)
        try:
            retry = RetryPolicy(base=backoff_base, cap=backoff_cap, deadline=retry_deadline, sleep=sleep, clock=clock)
        except ValueError as exc:
            raise errors.ConfigurationError(str(exc)) from None
        self._session = ApiSession(self.base_url, self._token, retry=retry, timeout=timeout, transport=transport)
        self._prefix = f"/v1/clients/{quote(client_slug, safe='')}"

    @classmethod
    def from_env(cls, **overrides: Any) -> RecastClient:
        """Configuration from DESIGN.md's environment variables; keyword arguments win."""
        try:
            env = settings.Settings.from_env()
        except ValueError as exc:
            raise errors.ConfigurationError(str(exc)) from None
        values: dict[str, Any] = {
            "base_url": env.base_url,
            "client_slug": env.client_slug,
            "token": env.token,
            "poll_interval": env.poll_interval,
            "report_timeout": env.report_timeout,
            "max_in_flight": env.max_in_flight,
            "reuse_horizon_days": env.reuse_horizon_days,
        }
        values.update(overrides)
        if not values["client_slug"]:
            raise errors.ConfigurationError(
                "RECAST_CLIENT_SLUG is not set: set it to your Recast client slug (the {slug} in "
                "/v1/clients/{slug}/...)"
            )
        if not values["token"]:
            raise errors.ConfigurationError(
                "RECAST_PAT is not set (API_PAT is accepted as a fallback): set it to a Recast personal access token"
            )
        return cls(**values)

    def __repr__(self) -> str:
        return f"RecastClient(base_url={self.base_url!r}, client_slug={self.client_slug!r}, token={self._token!r})"

    def __enter__(self) -> RecastClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    @property
    def rate_limited_count(self) -> int:
        """How many ``429`` answers this client has had (the in-flight adaptation reads it)."""
        return self._session.rate_limited

    @property
    def reports_path(self) -> str:
        return f"{self._prefix}/reports"

    # -- reports ----------------------------------------------------------------------------

    def get_report(self, report_id: int) -> Report:
        return Report.from_json(self._session.get_json(f"{self.reports_path}/{int(report_id)}"))

    def iter_reports(
        self, report_type: str | None = None, include_prerendered: bool = False, per_page: int = DEFAULT_PER_PAGE
    ) -> Iterator[Report]:
        """Every report (list rows: no ``form``/``results``), in the list's order, all pages, each id once."""
        params: dict[str, Any] = {}
        if report_type:
            params["report_type"] = report_type
        if include_prerendered:
            params["include_prerendered"] = "true"
        for row in iter_rows(self._session.get_json, self.reports_path, params, per_page):
            yield Report.from_json(row)

    def create_report(
        self,
        form: Mapping[str, Any],
        label: str | None = None,
        show_in_ui: bool = False,
        *,
        defer_rate_limited: bool = False,
    ) -> int:
        """Create a report named ``"<label> [rp:<fingerprint>]"``; return its id. Never blindly re-sent:
        raises ``LostCreateError`` when the answer was lost and the report cannot be found.
        ``defer_rate_limited``: a ``429`` raises ``RateLimitedError`` at once (see ``creation``)."""
        return create_report(
            self._session,
            self.reports_path,
            form,
            label=label,
            show_in_ui=show_in_ui,
            find_lost=ReportIndex(self).find_lost,
            ledger=self.ledger,
            client_slug=self.client_slug,
            defer_rate_limited=defer_rate_limited,
        )

    def download(self, report_id: int, key: str, dest: str | os.PathLike[str]) -> int:
        """Stream one CSV of a finished report into ``dest`` atomically; return the bytes written.

        Errors name the key as given (the URL path shows it percent-encoded)."""
        try:
            return download_to_file(self._session, download_path(self.reports_path, report_id, key), Path(dest))
        except errors.RecastError as exc:
            raise exc.about(f"download {key!r} of report {int(report_id)}")  # noqa: B904 - the same error, named

    # -- deployments and KPIs ---------------------------------------------------------------------

    def list_deployments(self, dashboard_slug: str | None = None) -> list[Deployment]:
        """Every deployment (summary rows, all pages), optionally of one dashboard."""
        params = {"dashboard_slug": dashboard_slug} if dashboard_slug else {}
        return [
            Deployment.from_json(row)
            for row in iter_rows(self._session.get_json, f"{self._prefix}/deployments", params)
        ]

    def get_deployment(self, deployment_id: int) -> Deployment:
        """One deployment's detail: dates, channel labels, context variables."""
        return Deployment.from_json(_unwrap(self._session.get_json(f"{self._prefix}/deployments/{int(deployment_id)}")))

    def active_deployments(self) -> dict[str, Deployment]:
        """Per dashboard, its active deployment's summary (see ``active_by_dashboard``)."""
        return active_by_dashboard(self.list_deployments())

    def list_kpis(self) -> list[Kpi]:
        return [Kpi.from_json(row) for row in iter_rows(self._session.get_json, f"{self._prefix}/kpis")]

    def get_kpi(self, kpi_id: str) -> Kpi:
        """One KPI by its id (a UUID string)."""
        return Kpi.from_json(_unwrap(self._session.get_json(f"{self._prefix}/kpis/{quote(str(kpi_id), safe='')}")))

    # -- submit, reuse, wait ----------------------------------------------------------------------

    def find_reusable(
        self, form: Mapping[str, Any], index: ReportIndex | None = None, *, deployment: Deployment | None = None
    ) -> Report | None:
        """An identical report in flight or succeeded on the deployment's latest model (see ``reuse``).

        ``deployment``: the one the form names, if the caller holds it (saves a GET)."""
        return (index or ReportIndex(self, [deployment] if deployment else ())).find(form)

    def submit(
        self,
        form: Mapping[str, Any],
        label: str | None = None,
        force_new: bool = False,
        *,
        index: ReportIndex | None = None,
        show_in_ui: bool = False,
        deployment: Deployment | None = None,
        defer_rate_limited: bool = False,
    ) -> Submission:
        """Reuse an identical report when there is one (unless ``force_new``), else create one.

        Lookup order: the ledger, the name tag in the list, an identical form in the list.
        ``defer_rate_limited``: a create refused with ``429`` raises at once (see ``create_report``)."""
        if not force_new:
            report = self.find_reusable(form, index, deployment=deployment)
            if report is not None:
                logger.info("reusing report %s (%s) for %s", report.id, report.status, form.get("report_type"))
                return Submission(report.id, reused=True, report=report)
        report_id = self.create_report(form, label, show_in_ui=show_in_ui, defer_rate_limited=defer_rate_limited)
        if index is not None:
            index.remember(form, report_id)
        return Submission(report_id, reused=False)

    def poller(self, on_progress: Callable[[Report], None] | None = None) -> ReportPoller:
        """An empty ``ReportPoller`` with this client's cadence, deadline, clock and sleep."""
        return ReportPoller(
            self.get_report,
            poll_interval=self.poll_interval,
            report_timeout=self.report_timeout,
            clock=self.clock,
            sleep=self.sleep,
            on_progress=on_progress,
        )

    def iter_completed(
        self, report_ids: Iterable[int], on_progress: Callable[[Report], None] | None = None
    ) -> Iterator[Report]:
        """Yield each report as it succeeds (others keep computing); raise on the first failure."""
        poller = self.poller(on_progress)
        for report_id in report_ids:
            poller.add(int(report_id))
        while len(poller):
            for result in poller.poll():
                yield _success(result)

    def wait(self, report_ids: Iterable[int], on_progress: Callable[[Report], None] | None = None) -> dict[int, Report]:
        """Poll all reports together until every one succeeded; ``{id: report with downloads}``."""
        ids = [int(i) for i in report_ids]
        done = {report.id: report for report in self.iter_completed(ids, on_progress)}
        return {report_id: done[report_id] for report_id in ids}


def _success(result: PollResult) -> Report:
    if result.error is not None:
        raise result.error
    assert result.report is not None
    return result.report


def active_by_dashboard(deployments: Iterable[Deployment]) -> dict[str, Deployment]:
    """The active deployment of each dashboard: one marked active before one that does not say, then
    newest ``model_date``, then highest id. Only ``active: false`` is left out: a deployment listed
    without the field (some accounts list only ``id`` and ``name``) counts, under its dashboard or,
    without a slug, its id as text (``Deployment.dashboard``)."""
    best: dict[str, Deployment] = {}
    for deployment in deployments:
        if deployment.active is False:
            continue
        current = best.get(deployment.dashboard)
        if current is None or _rank(deployment) > _rank(current):
            best[deployment.dashboard] = deployment
    return dict(sorted(best.items()))


def _rank(deployment: Deployment) -> tuple:
    made = parse_timestamp(deployment.model_date)
    return (deployment.active is True, made is not None, made.timestamp() if made else 0.0, deployment.id)


def _unwrap(body: Any) -> Mapping[str, Any]:
    """Show endpoints answer bare; tolerate a ``{"data": {...}}`` wrapper all the same."""
    if isinstance(body, dict) and "id" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body
