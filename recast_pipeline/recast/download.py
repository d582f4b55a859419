"""Streamed, atomic CSV downloads.

Why atomic: a CSV that stops half-way still parses, so a truncated body would silently load half
a table. The body goes to a temporary file beside the destination and is renamed into place only
when it is complete (length checked against ``Content-Length``); otherwise it raises and leaves
no file behind. A broken or short body is retried like any idempotent GET, within the deadline.

Recast may answer with a redirect to a signed object-store URL. It is followed (bounded hops) by
a separate request without the token when it leaves the API's origin; a link the store refuses
(expired) sends us back to the API for a fresh one, a bounded number of times. Signed URLs are
logged as host and path only: their query string is a credential.
"""

from __future__ import annotations

import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import httpx

from recast_pipeline.recast import errors
from recast_pipeline.recast.session import ApiSession

logger = logging.getLogger("recast_pipeline.recast")

CHUNK_BYTES = 1 << 16
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
MAX_LINK_REFRESHES = 2
CSV_HEADERS = {"Accept": "text/csv"}


def download_path(reports_path: str, report_id: int, key: str) -> str:
    """The download URL path; the key is one path segment whatever characters it holds.

    A key of ``.`` or ``..`` is percent-encoded whole: written plainly, URL normalization (httpx's,
    a proxy's) would read it as a dot-segment and fetch the report or the report list instead."""
    segment = quote(key, safe="")
    if key in (".", ".."):
        segment = "%2E" * len(key)
    return f"{reports_path}/{int(report_id)}/downloads/{segment}"


def download_to_file(session: ApiSession, path: str, dest: Path) -> int:
    """Stream ``path`` into ``dest`` atomically; return the number of bytes written."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    backoff = session.retry.start()
    refreshes = 0
    while True:
        try:
            return _attempt(session, path, dest)
        except errors.ExpiredLinkError as exc:
            if refreshes >= MAX_LINK_REFRESHES:
                raise
            refreshes += 1
            logger.warning("GET %s: %s; asking Recast for a fresh link", path, exc.message)
        except (httpx.TransportError, _BrokenBody, errors.IncompleteDownloadError) as exc:
            if session.backoff_or_give_up(backoff, "GET", path, reason=type(exc).__name__):
                continue
            if isinstance(exc, _BrokenBody):  # Recast answered, then the body broke off: say so
                what = f"Download broke off after {exc.written}{exc.of} bytes; nothing was written"
                raise session.transport_error(exc.cause, "GET", path, backoff, what=what) from exc.cause
            if isinstance(exc, httpx.TransportError):
                raise session.transport_error(exc, "GET", path, backoff) from exc
            raise


class _BrokenBody(Exception):
    """The connection failed while the body streamed (the server was reached and answered)."""

    def __init__(self, cause: httpx.TransportError, written: int, declared: str | None):
        super().__init__(str(cause))
        self.cause = cause
        self.written = written
        self.of = f" of {declared}" if declared and declared.strip().isdigit() else ""


def _attempt(session: ApiSession, path: str, dest: Path) -> int:
    handle = tempfile.NamedTemporaryFile(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part", delete=False)
    temp = Path(handle.name)
    try:
        with handle, _followed(session, path) as response:
            written = 0
            try:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    handle.write(chunk)
                    written += len(chunk)
            except httpx.TransportError as exc:
                raise _BrokenBody(exc, written, response.headers.get("Content-Length")) from exc
            _check_length(response, path, written)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, dest)
        return written
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextmanager
def _followed(session: ApiSession, path: str) -> Iterator[httpx.Response]:
    """The final response for ``path``, redirects followed; other origins get no token."""
    url, external = path, False
    for _ in range(MAX_REDIRECTS + 1):
        with session.open("GET", url, headers=CSV_HEADERS, external=external) as response:
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                yield response
                return
            target = response.url.join(location)
            external = not session.same_origin(target)
            url = str(target) if external else target.raw_path.decode("ascii")
            logger.debug(
                "GET %s redirected (%s) to %s", session.shown(response.url), response.status_code, session.shown(target)
            )
    raise errors.ApiError(f"Recast redirected the download more than {MAX_REDIRECTS} times", method="GET", path=path)


def _check_length(response: httpx.Response, path: str, written: int) -> None:
    """Compare the body with ``Content-Length``: bytes on the wire if compressed, else bytes written."""
    declared = response.headers.get("Content-Length")
    if declared is None or not declared.strip().isdigit():
        return
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    expected = int(declared)
    received = written if encoding in ("", "identity") else response.num_bytes_downloaded
    if received != expected:
        raise errors.IncompleteDownloadError(
            f"Download ended after {received} of {expected} bytes; nothing was written",
            method="GET",
            path=path,
            status=response.status_code,
            expected=expected,
            received=received,
        )
