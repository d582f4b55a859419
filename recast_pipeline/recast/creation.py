"""Report creation that never creates the same report twice.

Why: a create whose response is lost (read timeout, 5xx from a proxy) may or may not have made a
report on Recast's side, and every report costs minutes of compute. So a create is re-sent
blindly only when the server provably did not act on it (connection never made, or 429). After
an ambiguous failure we first list reports and look for the fingerprint tag we put in the name;
only when none is there is the create sent again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping

import httpx

from recast_pipeline.recast import errors
from recast_pipeline.recast.fingerprint import form_fingerprint, name_for, parse_tag
from recast_pipeline.recast.models import Report
from recast_pipeline.recast.retry import NOT_SENT_ERRORS, RETRYABLE_STATUSES, parse_retry_after
from recast_pipeline.recast.reuse import parse_timestamp
from recast_pipeline.recast.session import ApiSession

logger = logging.getLogger("recast_pipeline.recast")

# A report created moments ago may carry a server timestamp a little behind our clock.
CLOCK_SKEW = timedelta(minutes=5)

ListReports = Callable[..., Iterable[Report]]


def create_report(
    session: ApiSession,
    path: str,
    form: Mapping[str, Any],
    label: str | None,
    show_in_ui: bool,
    list_reports: ListReports,
) -> int:
    """POST the form (``report_type`` stays inside it) named with its fingerprint tag; return the id."""
    fingerprint = form_fingerprint(form)
    body = {"name": name_for(form, label), "show_in_ui": bool(show_in_ui), "form": dict(form)}
    started = datetime.now(timezone.utc)
    backoff = session.retry.start()
    while True:
        try:
            response = session.send("POST", path, json_body=body)
        except NOT_SENT_ERRORS as exc:  # nothing reached the server: re-sending is safe
            if session.backoff_or_give_up(backoff, "POST", path, type(exc).__name__):
                continue
            raise session.transport_error(exc, "POST", path, backoff) from exc
        except httpx.TransportError as exc:  # the server may have created it
            failure: errors.RecastError = session.transport_error(exc, "POST", path, backoff)
        else:
            if response.is_success:
                return _created_id(session, response, path)
            if response.status_code == 429:  # refused before creating anything: re-sending is safe
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if session.backoff_or_give_up(backoff, "POST", path, "429", retry_after):
                    continue
                raise session.error_for(response, backoff)
            if response.status_code not in RETRYABLE_STATUSES:
                raise session.error_for(response, backoff)
            failure = session.error_for(response, backoff)
        if not session.backoff_or_give_up(backoff, "POST", path, f"outcome unknown ({failure.message})"):
            raise failure
        found = find_created(list_reports, form, fingerprint, since=started - CLOCK_SKEW)
        if found is not None:
            logger.info("a create of %s was lost in transit; resuming report %s it made", fingerprint, found)
            return found


def find_created(list_reports: ListReports, form: Mapping[str, Any], fingerprint: str, since: datetime) -> int | None:
    """The newest report with our tag that a lost create may have made: running, or created since ``since``."""
    matches = []
    for row in list_reports(report_type=form.get("report_type")):
        if parse_tag(row.name) != fingerprint or row.status == "error":
            continue
        created = parse_timestamp(row.created_at)
        if row.running or (created is not None and created >= since):
            matches.append((created or since, row.id))
    return max(matches)[1] if matches else None


def _created_id(session: ApiSession, response: httpx.Response, path: str) -> int:
    body = session.decode_json(response, "POST", path)
    data = body.get("data", body) if isinstance(body, dict) else None
    if not isinstance(data, dict) or "id" not in data:
        raise errors.ApiError("Recast created a report but sent no id", method="POST", path=path, status=response.status_code)
    return int(data["id"])
