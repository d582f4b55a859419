"""Backoff with full jitter, an overall deadline and ``Retry-After``.

Why full jitter: many Dagster steps hit the same rate limit at once; random delays in
``[0, min(cap, base * 2**attempt)]`` spread them out instead of retrying in lock-step.
Why a deadline rather than a retry count: what a run can afford is time, not attempts.
Sleep and clock are injectable so tests run in milliseconds.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable

import httpx

# Statuses worth retrying for an idempotent request; every other 4xx is the caller's mistake.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

# Transport errors that prove the request never reached the server: safe to re-send anything.
NOT_SENT_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry; ``sleep``/``clock``/``rng`` are injectable for tests."""

    base: float = 0.5
    cap: float = 30.0
    deadline: float = 120.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap <= 0 or self.deadline < 0 or self.max_retry_after < 0:
            raise ValueError("retry base and cap must be positive, deadline and max_retry_after >= 0")

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.cap, self.base * (2 ** min(attempt, 60)))
        return self.rng.uniform(0.0, ceiling)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The server's ``Retry-After`` (capped) when given, otherwise the jittered backoff."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return self.backoff(attempt)

    def start(self) -> Backoff:
        return Backoff(self)


class Backoff:
    """The retry state of one logical call: counts attempts and guards the overall deadline."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.started = policy.clock()
        self.retries = 0
        self.last_delay = 0.0

    @property
    def elapsed(self) -> float:
        return self.policy.clock() - self.started

    def next_delay(self, retry_after: float | None = None) -> float | None:
        """Delay before the next attempt, or None when it would pass the deadline."""
        delay = self.policy.delay(self.retries, retry_after)
        if self.elapsed + delay > self.policy.deadline:
            return None
        return delay

    def wait(self, retry_after: float | None = None) -> bool:
        """Sleep before the next attempt; False (without sleeping) when the deadline forbids it."""
        delay = self.next_delay(retry_after)
        if delay is None:
            return False
        self.sleep(delay)
        return True

    def sleep(self, delay: float) -> None:
        self.last_delay = delay
        self.retries += 1
        if delay > 0:
            self.policy.sleep(delay)
