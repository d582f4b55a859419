"""Typed errors of the Recast API layer.

Every error a caller can act on has its own class, so an asset can tell "fix your token" from
"Recast is down, retry later" from "this report failed on Recast's side". HTTP errors keep the
method, path, status and an excerpt of the body for debugging, and never the token: bodies are
scrubbed of bearer tokens before they are stored.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

BODY_EXCERPT_CHARS = 500

# ``gr_…`` is the documented shape of a Recast personal access token; scrub any that a server echoes.
_TOKEN_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"),
    re.compile(r"\bgr_[A-Za-z0-9_\-]+"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove the given secrets and anything that looks like a bearer token from ``text``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _TOKEN_PATTERNS[0].sub(r"\1***", text)
    return _TOKEN_PATTERNS[1].sub("gr_***", text)


def body_excerpt(body: str | bytes | None, secrets: Iterable[str] = ()) -> str:
    """A short, token-free excerpt of a response body for error messages."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    body = " ".join(body.split())
    if len(body) > BODY_EXCERPT_CHARS:
        body = body[:BODY_EXCERPT_CHARS] + "…"
    return redact(body, secrets)


class RecastError(Exception):
    """Base of every error raised by the Recast API layer."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        body: str = "",
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.body = body
        super().__init__(self._render())

    def _render(self) -> str:
        text = self.message
        if self.method and self.path:
            where = f"{self.method} {self.path}"
            text += f" [{where} -> {self.status}]" if self.status is not None else f" [{where}]"
        if self.body:
            text += f": {self.body}"
        return text

    def about(self, subject: str) -> RecastError:
        """Prefix the message with what was being done (``download 'x' of report 7``); returns self."""
        if not self.message.startswith(subject):
            self.message = f"{subject}: {self.message}"
            Exception.__init__(self, self._render())
        return self

    def __reduce__(self):  # keep pickling (multiprocess executors) working with keyword-only fields
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[RecastError], state: dict[str, Any]) -> RecastError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, error._render())
    return error


class ConfigurationError(RecastError):
    """The client is not configured (missing slug or token, bad numbers in the environment)."""


class ApiError(RecastError):
    """The API answered with an HTTP error status (subclasses name the common ones)."""


class AuthenticationError(ApiError):
    """401/403: the token is missing, wrong, expired, or lacks access to this client slug."""


class NotFoundError(ApiError):
    """404: no such report, download key, deployment or KPI (or a wrong client slug)."""


class ValidationError(ApiError):
    """422: the API rejected the form; ``messages`` holds what the server said, one per problem."""

    def __init__(self, message: str, *, messages: Iterable[str] = (), **kwargs: Any) -> None:
        self.messages = tuple(messages)
        if self.messages:
            message = f"{message}: " + "; ".join(self.messages)
        super().__init__(message, **kwargs)


class RateLimitedError(ApiError):
    """429 that outlasted the retry deadline; ``retry_after`` is the server's hint in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ExpiredLinkError(ApiError):
    """A signed download URL on another host refused us (401/403/410): usually it expired."""


class LostCreateError(RecastError):
    """A create's answer was lost and the report it may have made could not be found.

    Not re-sent: a second POST could make a duplicate report (minutes of Recast compute)."""

    def __init__(self, fingerprint: str, report_type: str | None, cause: str) -> None:
        self.fingerprint = fingerprint
        self.report_type = report_type
        super().__init__(
            f"A report ({report_type or 'report'}, fingerprint {fingerprint}) may exist on Recast: its create "
            f"was sent but the answer was lost ({cause}), and it could not be found in the ledger or the report "
            "list. It was not sent again, to avoid a duplicate. Re-run later to pick it up once Recast lists it, "
            "or force a new report (force_new=True) if you are sure none was made."
        )


class ServerError(ApiError):
    """5xx that outlasted the retry deadline (or was not safe to retry)."""


class TransportError(RecastError):
    """The request did not complete: connection refused, timeout, broken connection."""


class IncompleteDownloadError(RecastError):
    """A CSV body ended early or did not match its Content-Length; nothing was written."""

    def __init__(self, message: str, *, expected: int | None = None, received: int = 0, **kwargs: Any) -> None:
        self.expected = expected
        self.received = received
        super().__init__(message, **kwargs)


class ReportError(RecastError):
    """A report could not be brought to success (base of the three report outcomes below)."""

    def __init__(self, message: str, *, report_id: int, **kwargs: Any) -> None:
        self.report_id = report_id
        super().__init__(message, **kwargs)


class ReportFailedError(ReportError):
    """Recast finished the report with status ``error``."""

    def __init__(self, report_id: int, form: Mapping[str, Any] | None = None, name: str = "") -> None:
        self.form = dict(form or {})
        self.name = name
        report_type = self.form.get("report_type", "report")
        form_text = json.dumps(self.form, sort_keys=True, default=str)
        super().__init__(
            f"Recast report {report_id} ({report_type}) finished with status 'error'; "
            f"check the form in the Recast UI or re-run it. Form: {form_text}",
            report_id=report_id,
        )


class ReportTimeoutError(ReportError):
    """The report was still running when its deadline passed (it may still finish later)."""

    def __init__(self, report_id: int, deadline: float, status: str = "", last_error: str | None = None) -> None:
        self.deadline = deadline
        self.last_status = status
        self.last_error = last_error
        if last_error:  # the polls failed: say so instead of claiming the report was still running
            seen = f"last seen {status}, then every poll failed" if status else "every poll failed"
            what = f"could not be followed for {deadline:g} s: {seen} ({last_error}); it may have finished"
        else:
            what = f"was still {status or 'running'} after {deadline:g} s; it may still finish"
        super().__init__(
            f"Recast report {report_id} {what}: re-running will resume it instead of creating another "
            "(raise RECAST_REPORT_TIMEOUT to wait longer)",
            report_id=report_id,
        )


class UnknownStatusError(ReportError):
    """The report has a status this client does not know; refusing to guess what it means."""

    def __init__(self, report_id: int, status: str) -> None:
        self.report_status = status
        super().__init__(
            f"Recast report {report_id} has unknown status {status!r} (expected ready, processing, success or error)",
            report_id=report_id,
        )
