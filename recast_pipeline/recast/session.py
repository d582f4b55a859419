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
from recast_pipeline.recast.retry import RETRYABLE_STATUSES, Backoff, RetryPolicy, parse_retry_after

logger = logging.getLogger("recast_pipeline.recast")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0, read=60.0)


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
        self._token = token
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
    ) -> httpx.Response:
        """One attempt, logged with method, path, status and duration; raises ``httpx.TransportError``."""
        request = self._http.build_request(method, path, params=params, json=json_body, headers=headers)
        shown = display_path(request)
        started = time.monotonic()
        try:
            response = self._http.send(request, stream=stream)
        except httpx.TransportError as exc:
            logger.warning("%s %s failed after %.3fs: %s", method, shown, time.monotonic() - started, self.scrub(repr(exc)))
            raise
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
    ) -> Iterator[httpx.Response]:
        """A streamed, successful response of an idempotent call (retries happen before yielding)."""
        backoff = self.retry.start()
        while True:
            try:
                response = self.send(method, path, params=params, headers=headers, stream=True)
            except httpx.TransportError as exc:
                if self.backoff_or_give_up(backoff, method, path, reason=type(exc).__name__):
                    continue
                raise self.transport_error(exc, method, path, backoff) from exc
            if response.status_code in RETRYABLE_STATUSES:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if self.backoff_or_give_up(backoff, method, path, str(response.status_code), retry_after, response):
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
        tries = f" after {backoff.retries + 1} attempts over {backoff.elapsed:.1f}s" if backoff and backoff.retries else ""
        detail = self.scrub(str(exc) or type(exc).__name__)
        return errors.TransportError(f"{what} ({type(exc).__name__}: {detail}){tries}", method=method, path=path)

    def error_for(self, response: httpx.Response, backoff: Backoff | None = None) -> errors.ApiError:
        """The typed error for an HTTP error response (its body must have been read)."""
        method, path, status = response.request.method, display_path(response.request), response.status_code
        text = _body_text(response)
        where = dict(method=method, path=path, status=status, body=errors.body_excerpt(text, [self._token.reveal()]))
        tries = f" (gave up after {backoff.retries + 1} attempts over {backoff.elapsed:.1f}s)" if backoff and backoff.retries else ""
        if status in (401, 403):
            return errors.AuthenticationError(
                f"Recast rejected the credentials (HTTP {status}): check RECAST_PAT and RECAST_CLIENT_SLUG", **where
            )
        if status == 404:
            return errors.NotFoundError("Not found on Recast (HTTP 404)", **where)
        if status == 422:
            messages = [self.scrub(m) for m in server_messages(text)]
            return errors.ValidationError("Recast rejected the request as invalid (HTTP 422)", messages=messages, **where)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return errors.RateLimitedError(
                f"Recast rate limit hit (HTTP 429){_wait_hint(retry_after, backoff)}{tries}", retry_after=retry_after, **where
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
    if backoff is not None and backoff.elapsed + min(retry_after, backoff.policy.max_retry_after) > backoff.policy.deadline:
        hint += f", longer than the retry deadline of {backoff.policy.deadline:g} s allows"
    return hint


def _body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except httpx.ResponseNotRead:
        return ""


def display_path(request: httpx.Request) -> str:
    """Path and query of a request, as shown in logs and errors (never headers)."""
    return request.url.raw_path.decode("ascii", errors="replace")


def server_messages(text: str) -> list[str]:
    """The problems a 422 body lists, as ``"field: message"`` strings, whatever the body's shape."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return [" ".join(text.split())[:500]] if text and text.strip() else []
    found: list[str] = []
    _collect_messages(data, "", found)
    if not found and isinstance(data, dict) and isinstance(data.get("error"), str):
        found.append(data["error"])
    return list(dict.fromkeys(found))


def _collect_messages(value: Any, field: str, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(_prefixed(field, value))
    elif isinstance(value, list):
        for item in value:
            _collect_messages(item, field, found)
    elif isinstance(value, dict):
        for wrapper in ("errors", "details", "detail"):
            if value.get(wrapper):  # a structured list beats the summary message beside it
                _collect_messages(value[wrapper], field, found)
                return
        named = value.get("field") or value.get("loc") or value.get("name")
        text = value.get("message") or value.get("msg")
        if isinstance(text, str):
            label = ".".join(map(str, named)) if isinstance(named, list) else (str(named) if named else field)
            found.append(_prefixed(label, text))
            return
        for key, item in value.items():
            if key not in ("status", "code", "status_code", "type", "error"):
                _collect_messages(item, f"{field}.{key}" if field else key, found)


def _prefixed(field: str, message: str) -> str:
    """``"field: message"``, unless the message already starts with the field's name."""
    return message if not field or message.startswith(field) else f"{field}: {message}"
