"""Find an existing report that can stand in for a new one.

Why: a report costs Recast minutes of compute and the user a wait. Before creating one we look for
an identical report that is still computing (a crashed or retried run resumes it) or that
succeeded after the deployment's latest model refresh (its numbers are still current). Errored
reports are never reused.

"Identical" means: our fingerprint tag in the name, or, for reports we did not create (made in the
UI, or pre-rendered by Recast), the same canonical form. "Latest model refresh" is the creation
time of the deployment's newest pre-rendered report (Recast re-renders them on every refresh).

List rows carry no ``form``, so the index lists once per report type and fetches details only
for the few candidates that need them, caching everything for the whole batch.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from recast_pipeline.recast.errors import NotFoundError
from recast_pipeline.recast.fingerprint import canonical_form, form_fingerprint, parse_tag
from recast_pipeline.recast.models import FINAL_STATUSES, RUNNING_STATUSES, Report

if TYPE_CHECKING:
    from recast_pipeline.recast.client import RecastClient

KNOWN_STATUSES = RUNNING_STATUSES | FINAL_STATUSES


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (``Z`` accepted, naive taken as UTC), else None."""
    if not value:
        return None
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class ReportIndex:
    """Reuse candidates from one pass over the report list per report type, for a whole batch.

    Build one per batch (``ReportIndex(client)``; each report type is listed on first use, or
    up front with ``report_types``), call ``find(form)`` per request and ``remember(form, id)``
    after creating a report so identical requests later in the batch share it.
    """

    def __init__(self, client: "RecastClient", report_types: Iterable[str | None] = ()) -> None:
        self._client = client
        self._rows: dict[str | None, list[Report]] = {}
        self._prerendered: dict[int, Report] = {}
        self._details: dict[int, Report] = {}
        self._refreshes: dict[int, datetime] = {}
        self._all_prerendered_listed = False
        self._created: dict[str, int] = {}
        for report_type in dict.fromkeys(report_types):
            self._load(report_type)

    # -- listing ------------------------------------------------------------------------------

    def _load(self, report_type: str | None) -> list[Report]:
        if report_type not in self._rows:
            rows = list(self._client.iter_reports(report_type=report_type, include_prerendered=True))
            self._rows[report_type] = rows
            self._prerendered.update((r.id, r) for r in rows if r.prerendered)
            if report_type is None:
                self._all_prerendered_listed = True
        return self._rows[report_type]

    def _detail(self, report_id: int, *, refresh: bool = False) -> Report:
        if refresh or report_id not in self._details:
            self._details[report_id] = self._client.get_report(report_id)
        return self._details[report_id]

    # -- model refreshes ----------------------------------------------------------------------

    def latest_refresh(self, deployment_id: int | None) -> datetime | None:
        """Creation time of the deployment's newest pre-rendered report (None: never refreshed)."""
        if deployment_id is None:
            return None
        if deployment_id not in self._refreshes and not self._resolve_refreshes(deployment_id):
            if not self._all_prerendered_listed:
                self._load(None)
                self._resolve_refreshes(deployment_id)
        return self._refreshes.get(deployment_id)

    def _resolve_refreshes(self, deployment_id: int) -> bool:
        """Walk pre-rendered rows newest first, learning each deployment's newest one, until found."""
        rows = sorted(self._prerendered.values(), key=_newest_first)
        for row in rows:
            created = parse_timestamp(row.created_at)
            if created is None:
                continue
            try:
                owner = row.deployment_id if row.form else self._detail(row.id).deployment_id
            except NotFoundError:
                continue
            if owner is not None and owner not in self._refreshes:
                self._refreshes[owner] = created
            if owner == deployment_id:
                return True
        return False

    # -- lookups ------------------------------------------------------------------------------

    def remember(self, form: Mapping[str, Any], report_id: int) -> None:
        """Record a report created in this batch so identical requests reuse it."""
        self._created[form_fingerprint(form)] = int(report_id)

    def find(self, form: Mapping[str, Any]) -> Report | None:
        """An identical report in flight or succeeded since the latest refresh (fresh detail), or None."""
        fingerprint = form_fingerprint(form)
        created_id = self._created.get(fingerprint)
        if created_id is not None:
            report = self._detail(created_id, refresh=True)
            if report.status in KNOWN_STATUSES - {"error"}:
                return report
        candidates = [
            row
            for row in self._load(form.get("report_type"))
            if row.status in KNOWN_STATUSES - {"error"} and parse_tag(row.name) in (fingerprint, None)
        ]
        if not candidates:
            return None
        refreshed = self.latest_refresh(canonical_form(form).get("deployment_id"))
        for row in sorted(candidates, key=_preferred_first):
            if not _created_since(row, refreshed):
                continue
            if parse_tag(row.name) == fingerprint:
                report = self._detail(row.id, refresh=True)
            else:
                cached = row.id in self._details
                report = self._detail(row.id)
                if form_fingerprint(report.form) != fingerprint:
                    continue
                if cached:
                    report = self._detail(row.id, refresh=True)
            if report.status in KNOWN_STATUSES - {"error"}:
                return report
        return None


def _created_since(row: Report, refreshed: datetime | None) -> bool:
    if refreshed is None:
        return True
    created = parse_timestamp(row.created_at)
    return created is not None and created >= refreshed


def _newest_first(row: Report) -> tuple:
    created = parse_timestamp(row.created_at)
    return (-(created.timestamp()) if created else float("inf"), -row.id)


def _preferred_first(row: Report) -> tuple:
    """Finished reports first (no wait), then the newest."""
    return (0 if row.status == "success" else 1, *_newest_first(row))
