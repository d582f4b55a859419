"""One reused ``httpx.Client`` with bearer auth, per-call logging, GET retries and typed errors.

Why a separate layer: the endpoint methods of ``RecastClient`` then read like the API table,
while the rules that make a client safe for a slow, rate-limited SaaS (which calls may be
retried, how long, what becomes which error, what may be logged) live in one place.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import contextmanager
from typing import Any, Iterator, Mapping

import httpx

from recast_pipeline.recast import errors
from recast_pipeline.recast.messages import server_messages
from recast_pipeline.recast.retry import RETRYABLE_STATUSES, Backoff, RetryPolicy, parse_retry_after

logger = logging.getLogger("recast_pipeline.recast")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0, read=60.0)


class _NoQueryInHttpxLogs(logging.Filter):
    """httpx logs every request's full URL at INFO; a signed download URL's query is a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.copy_with(query=None) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_NoQueryInHttpxLogs())


class Secret:
    """Holds the token so that repr/str/logging of any object holding it shows ``***``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class _BearerAuth(httpx.Auth):
    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


class ApiSession:
    """Sends requests, logs one line per call, retries idempotent ones, maps statuses to errors."""

    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        retry: RetryPolicy,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry
        self.rate_limited = 0  # 429 answers so far
        self._token = token
        self._origin = _origin(httpx.URL(base_url))
        self._plain_options: dict[str, Any] = dict(
            timeout=timeout, transport=transport, follow_redirects=False, headers={"User-Agent": "recast-pipeline"}
        )
        self._plain: httpx.Client | None = None
        self._http = httpx.Client(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            auth=_BearerAuth(token),
            headers={"Accept": "application/json", "User-Agent": "recast-pipeline"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()
        if self._plain is not None and self._plain_options["transport"] is None:
            self._plain.close()

    def same_origin(self, url: httpx.URL) -> bool:
        """Whether ``url`` is on the API's own origin (scheme, host, port): only there goes the token."""
        return _origin(url) == self._origin

    def shown(self, url: httpx.URL | str) -> str:
        """How a URL appears in logs and errors: API paths with their query; elsewhere host and path
        only, because a signed URL's query string is a credential too."""
        url = httpx.URL(url)
        if not url.is_absolute_url or self.same_origin(url):
            return url.raw_path.decode("ascii", errors="replace")
        return f"{url.scheme}://{url.host}{url.path}"

    def _plain_client(self) -> httpx.Client:
        """A separate client without auth or base URL, for redirect targets on other origins."""
        if self._plain is None:
            self._plain = httpx.Client(**self._plain_options)
        return self._plain

    # -- one attempt -------------------------------------------------------------------------

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        external: bool = False,
    ) -> httpx.Response:
        """One attempt, logged with method, path, status and duration; raises ``httpx.TransportError``.

        ``external``: ``path`` is an absolute URL on another origin, sent without the token."""
        http = self._plain_client() if external else self._http
        request = http.build_request(method, path, params=params, json=json_body, headers=headers)
        shown = self.shown(request.url)
        started = time.monotonic()
        try:
            response = http.send(request, stream=stream)
        except httpx.TransportError as exc:
            logger.warning(
                "%s %s failed after %.3fs: %s", method, shown, time.monotonic() - started, self.scrub(repr(exc))
            )
            raise
        if response.status_code == 429:
            self.rate_limited += 1  # read by the in-flight adaptation (``concurrency``)
        level = logging.DEBUG if response.status_code < 400 else logging.INFO
        logger.log(level, "%s %s -> %s in %.3fs", method, shown, response.status_code, time.monotonic() - started)
        return response

    # -- retried calls ----------------------------------------------------------------------

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """An idempotent call, retried on 429/5xx/transport errors until the deadline; body read."""
        with self.open(method, path, params=params) as response:
            response.read()
        return response

    def get_json(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        response = self.call("GET", path, params=params)
        return self.decode_json(response, "GET", path)

    @contextmanager
    def open(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        external: bool = False,
    ) -> Iterator[httpx.Response]:
        """A streamed response of an idempotent call that is not an error (retries happen before
        yielding; a redirect is yielded as it is). ``external`` as in ``send``."""
        backoff = self.retry.start()
        shown = self.shown(path)
        while True:
            try:
                response = self.send(method, path, params=params, headers=headers, stream=True, external=external)
            except httpx.TransportError as exc:
                if self.backoff_or_give_up(backoff, method, shown, reason=type(exc).__name__):
                    continue
                raise self.transport_error(exc, method, shown, backoff) from exc
            if response.status_code in RETRYABLE_STATUSES:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if self.backoff_or_give_up(backoff, method, shown, str(response.status_code), retry_after, response):
                    continue
            if response.is_error:
                try:
                    response.read()
                finally:
                    response.close()
                raise self.error_for(response, backoff)
            try:
                yield response
            finally:
                response.close()
            return

    def backoff_or_give_up(
        self,
        backoff: Backoff,
        method: str,
        path: str,
        reason: str,
        retry_after: float | None = None,
        response: httpx.Response | None = None,
    ) -> bool:
        """Sleep before a retry (closing ``response``) and return True, or False at the deadline."""
        delay = backoff.next_delay(retry_after)
        if delay is None:
            return False
        if response is not None:
            response.close()
        logger.warning("%s %s: %s, retry %d in %.2fs", method, path, reason, backoff.retries + 1, delay)
        backoff.sleep(delay)
        return True

    # -- errors ------------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        return errors.redact(text, [self._token.reveal()])

    def transport_error(
        self,
        exc: httpx.TransportError,
        method: str,
        path: str,
        backoff: Backoff | None = None,
        what: str = "Could not reach Recast",
    ) -> errors.TransportError:
        tries = (
            f" after {backoff.retries + 1} attempts over {backoff.elapsed:.1f}s" if backoff and backoff.retries else ""
        )
        detail = self.scrub(str(exc) or type(exc).__name__)
        return errors.TransportError(f"{what} ({type(exc).__name__}: {detail}){tries}", method=method, path=path)

    def error_for(self, response: httpx.Response, backoff: Backoff | None = None) -> errors.ApiError:
        """The typed error for an HTTP error response (its body must have been read)."""
        method, path, status = response.request.method, self.shown(response.request.url), response.status_code
        text = _body_text(response)
        where: dict[str, Any] = dict(
            method=method, path=path, status=status, body=errors.body_excerpt(text, [self._token.reveal()])
        )
        tries = (
            f" (gave up after {backoff.retries + 1} attempts over {backoff.elapsed:.1f}s)"
            if backoff and backoff.retries
            else ""
        )
        if status in (401, 403, 410) and not self.same_origin(response.request.url):
            return errors.ExpiredLinkError(
                f"The download link was refused (HTTP {status}): it may have expired", **where
            )
        if status in (401, 403):
            return errors.AuthenticationError(
                f"Recast rejected the credentials (HTTP {status}): check RECAST_PAT and RECAST_CLIENT_SLUG", **where
            )
        if status == 404:
            return errors.NotFoundError("Not found on Recast (HTTP 404)", **where)
        if status == 422:
            messages = [self.scrub(m) for m in server_messages(text)]
            return errors.ValidationError(
                "Recast rejected the request as invalid (HTTP 422)", messages=messages, **where
            )
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return errors.RateLimitedError(
                f"Recast rate limit hit (HTTP 429){_wait_hint(retry_after, backoff)}{tries}",
                retry_after=retry_after,
                **where,
            )
        if status >= 500:
            return errors.ServerError(f"Recast server error (HTTP {status}){tries}", **where)
        return errors.ApiError(f"Recast answered HTTP {status}", **where)

    def decode_json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise errors.ApiError(
                "Recast answered with a body that is not JSON",
                method=method,
                path=path,
                status=response.status_code,
                body=errors.body_excerpt(response.text, [self._token.reveal()]),
            ) from None


def _wait_hint(retry_after: float | None, backoff: Backoff | None) -> str:
    """Why a 429 was not waited out: the server's Retry-After against what the deadline leaves."""
    if retry_after is None:
        return ""
    hint = f"; Recast asked to wait {retry_after:g} s (Retry-After)"
    if (
        backoff is not None
        and backoff.elapsed + min(retry_after, backoff.policy.max_retry_after) > backoff.policy.deadline
    ):
        hint += f", longer than the retry deadline of {backoff.policy.deadline:g} s allows"
    return hint


def _body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except httpx.ResponseNotRead:
        return ""


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)
