"""Backoff, deadline and Retry-After parsing (pure functions, fake clock: no real sleeping)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from fakes import FakeClock

from recast_pipeline.recast.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after


def policy(clock: FakeClock, **kwargs) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, rng=random.Random(1), **kwargs)


def test_retry_after_as_seconds():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after("1.5") == 1.5


def test_retry_after_as_http_date():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert header.endswith("GMT")
    assert parse_retry_after(header, now=now) == pytest.approx(42.0)


def test_retry_after_in_the_past_means_now():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0.0
    assert parse_retry_after("-5") == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Mon, 99 Foo 2024"])
def test_retry_after_unusable_is_none(value):
    assert parse_retry_after(value) is None


def test_retryable_statuses_are_exactly_the_documented_ones():
    assert RETRYABLE_STATUSES == {429, 500, 502, 503, 504}


def test_full_jitter_stays_within_the_exponential_ceiling_and_the_cap():
    p = RetryPolicy(base=0.5, cap=4.0, rng=random.Random(3))
    for attempt in range(10):
        ceiling = min(4.0, 0.5 * 2**attempt)
        delays = [p.backoff(attempt) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling / 2  # jitter actually spreads over the range


def test_retry_after_wins_over_backoff_but_is_capped():
    p = RetryPolicy(max_retry_after=10.0)
    assert p.delay(0, retry_after=3.0) == 3.0
    assert p.delay(5, retry_after=3600.0) == 10.0


def test_backoff_sleeps_until_the_deadline_then_refuses():
    clock = FakeClock()
    backoff = policy(clock, base=1.0, cap=2.0, deadline=10.0).start()
    while backoff.wait():
        pass
    assert clock.now <= 10.0
    assert backoff.retries == len(clock.sleeps) > 3


def test_a_retry_after_beyond_the_deadline_is_not_slept():
    clock = FakeClock()
    backoff = policy(clock, deadline=5.0, max_retry_after=60.0).start()
    assert backoff.wait(retry_after=30.0) is False
    assert clock.sleeps == []


def test_invalid_policy_rejected():
    with pytest.raises(ValueError):
        RetryPolicy(base=0)
