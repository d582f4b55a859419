"""Shared pytest fixtures: simulators on loopback ports.

``simulator``: a fresh simulator per test (latency 0.1 s, no jitter, token
``gr_test_secret_token_123``, slug ``acme``, seed 7).
``simulator_factory(**overrides)``: start more simulators with other ``SimulatorConfig`` fields
(e.g. ``faults={"rate_limit_burst": 2}``); all are stopped when the test ends.
"""

from __future__ import annotations

import pytest

from recast_pipeline.simulator import SimulatorConfig, serve_in_thread

TEST_TOKEN = "gr_test_secret_token_123"
TEST_SLUG = "acme"
TEST_SIMULATOR_DEFAULTS = dict(token=TEST_TOKEN, client_slug=TEST_SLUG, latency=0.1, jitter=0.0, seed=7)


@pytest.fixture
def simulator_factory():
    started = []

    def start(**overrides):
        server = serve_in_thread(SimulatorConfig(**{**TEST_SIMULATOR_DEFAULTS, **overrides}))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def simulator(simulator_factory):
    return simulator_factory()
