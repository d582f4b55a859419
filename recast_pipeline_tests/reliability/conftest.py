"""Fixtures of the reliability suite.

Every simulator runs on loopback with ``CANARY_TOKEN``; ``no_token_leaks`` (autouse) then checks,
after every test of the suite, that the token is in no captured log record, no Dagster event of
a run the test made, no child process output and no file under the test's tmp folder.
"""

from __future__ import annotations

import logging

import pytest
from fakes import simulator_pool

from .helpers import CANARY_TOKEN, CHILD_OUTPUTS, RUN_RESULTS, SLUG, Pipeline
from .leaks import leaks_in_files, leaks_in_results

SIMULATOR_DEFAULTS = dict(token=CANARY_TOKEN, client_slug=SLUG, latency=0.2, jitter=0.0, seed=11)


@pytest.fixture
def sim_factory():
    with simulator_pool(SIMULATOR_DEFAULTS) as start:
        yield start


@pytest.fixture
def sim(sim_factory):
    return sim_factory()


@pytest.fixture
def pipeline(sim, tmp_path):
    return Pipeline(sim, tmp_path / "data")


@pytest.fixture(autouse=True)
def no_token_leaks(caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    RUN_RESULTS.clear()
    CHILD_OUTPUTS.clear()
    yield
    records = [r for r in caplog.records if CANARY_TOKEN in r.getMessage() or CANARY_TOKEN in str(r.exc_text or "")]
    assert not records, f"token in log records: {[r.name for r in records]}"
    assert CANARY_TOKEN not in caplog.text
    assert not leaks_in_results(RUN_RESULTS)
    assert not [text for text in CHILD_OUTPUTS if CANARY_TOKEN in text]
    assert not leaks_in_files(tmp_path)
