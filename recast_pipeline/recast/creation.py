"""Report creation that never creates the same report twice.

Why: a create whose answer is lost (read timeout, 5xx from a proxy) may or may not have made a
report on Recast's side, and every report costs minutes of compute. So a create is re-sent only
when the server provably did not act on it (connection never made, or 429). The ledger gets an
intent before the POST and the report id the moment the create returns. After an ambiguous
failure the report is looked for (``find_lost``: the list, by tag or identical form); when it
cannot be found, ``LostCreateError`` says so instead of risking a duplicate, and the ledger keeps
the pending intent so the next run looks again before anything is sent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

import httpx

from recast_pipeline.recast import errors
from recast_pipeline.recast.fingerprint import canonical_form, form_fingerprint, name_for
from recast_pipeline.recast.ledger import CreateLedger
from recast_pipeline.recast.retry import NOT_SENT_ERRORS, RETRYABLE_STATUSES, parse_retry_after
from recast_pipeline.recast.session import ApiSession

logger = logging.getLogger("recast_pipeline.recast")

# A report created moments ago may carry a server timestamp a little behind our clock.
CLOCK_SKEW = timedelta(minutes=5)

FindLost = Callable[[Mapping[str, Any], datetime], "int | None"]


class _Ambiguous(Exception):
    """The create was sent and may have been acted on; ``cause`` says what went wrong."""

    def __init__(self, cause: errors.RecastError) -> None:
        super().__init__(cause.message)
        self.cause = cause


def create_report(
    session: ApiSession,
    path: str,
    form: Mapping[str, Any],
    *,
    label: str | None,
    show_in_ui: bool,
    find_lost: FindLost,
    ledger: CreateLedger | None = None,
    client_slug: str = "",
    defer_rate_limited: bool = False,
) -> int:
    """POST the form (``report_type`` stays inside it) named with its fingerprint tag; return the id.

    ``defer_rate_limited``: raise ``RateLimitedError`` on the first ``429`` instead of waiting it
    out, for a caller with reports of its own in flight: Recast is full, and the caller waits for
    one of them to finish (and lowers its in-flight limit) rather than block in retries."""
    fingerprint = form_fingerprint(form)
    if ledger is not None:
        ledger.intend(client_slug, fingerprint, form.get("report_type"), canonical_form(form).get("deployment_id"))
    started = datetime.now(timezone.utc)
    try:
        body = {"name": name_for(form, label), "show_in_ui": bool(show_in_ui), "form": dict(form)}
        report_id = _post(session, path, body, retry_rate_limited=not defer_rate_limited)
    except _Ambiguous as lost:
        session.backoff_or_give_up(session.retry.start(), "POST", path, f"outcome unknown ({lost.cause.message})")
        report_id = _look_for(find_lost, form, fingerprint, started - CLOCK_SKEW, lost.cause)
        logger.info("a create of %s was lost in transit; resuming report %s it made", fingerprint, report_id)
    except errors.RecastError:
        if ledger is not None:  # refused or never sent: nothing exists on Recast
            ledger.forget(client_slug, fingerprint)
        raise
    if ledger is not None:
        ledger.record(client_slug, fingerprint, report_id)
    return report_id


def _look_for(
    find_lost: FindLost, form: Mapping[str, Any], fingerprint: str, since: datetime, cause: errors.RecastError
) -> int:
    reason = cause.message
    try:
        found = find_lost(form, since)
    except errors.RecastError as exc:
        found, reason = None, f"{reason}; looking for it failed too: {exc.message}"
    if found is None:
        raise errors.LostCreateError(fingerprint, form.get("report_type"), reason) from cause
    return found


def _post(session: ApiSession, path: str, body: dict[str, Any], *, retry_rate_limited: bool = True) -> int:
    """Send the create, re-sending only what provably never reached Recast; raise ``_Ambiguous`` otherwise."""
    backoff = session.retry.start()
    while True:
        try:
            response = session.send("POST", path, json_body=body)
        except NOT_SENT_ERRORS as exc:  # nothing reached the server: re-sending is safe
            if session.backoff_or_give_up(backoff, "POST", path, type(exc).__name__):
                continue
            raise session.transport_error(exc, "POST", path, backoff) from exc
        except httpx.TransportError as exc:  # the server may have created it
            raise _Ambiguous(session.transport_error(exc, "POST", path, backoff)) from exc
        if response.is_success:
            return _created_id(session, response, path)
        if response.status_code == 429:  # refused before creating anything: re-sending is safe
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_rate_limited and session.backoff_or_give_up(backoff, "POST", path, "429", retry_after):
                continue
            raise session.error_for(response, backoff)
        if response.status_code in RETRYABLE_STATUSES:  # a 5xx may come after the report was made
            raise _Ambiguous(session.error_for(response, backoff))
        raise session.error_for(response, backoff)


def _created_id(session: ApiSession, response: httpx.Response, path: str) -> int:
    try:
        body = session.decode_json(response, "POST", path)
    except errors.ApiError as exc:
        raise _Ambiguous(exc) from None
    data = body.get("data", body) if isinstance(body, dict) else None
    if not isinstance(data, dict) or "id" not in data:
        raise _Ambiguous(
            errors.ApiError(
                "Recast created a report but sent no id", method="POST", path=path, status=response.status_code
            )
        )
    return int(data["id"])
