"""Shared pytest fixtures: simulators on loopback ports.

``simulator``: a fresh simulator per test (latency 0.1 s, no jitter, token
``gr_test_secret_token_123``, slug ``acme``, seed 7).
``simulator_factory(**overrides)``: start more simulators with other ``SimulatorConfig`` fields
(e.g. ``faults={"rate_limit_burst": 2}``); all are stopped when the test ends.
``demo_project``: the folder ``recast-pipeline demo`` left, made once per session (per xdist worker);
tests that use it carry ``pytest.mark.xdist_group("demo")`` (under ``--dist loadgroup`` the demo
runs once; pytest 9.2 with xdist 3.8 ignores groups, pytest-xdist#1386: then at most once per
worker), and work on ``demo_project.copy(...)``.
"""

from __future__ import annotations

import pytest

from e2e_helpers import DemoProject, run_demo
from fakes import FAST, simulator_pool
from recast_pipeline.recast import RecastClient

TEST_TOKEN = "gr_test_secret_token_123"
TEST_SLUG = "acme"
TEST_SIMULATOR_DEFAULTS = dict(token=TEST_TOKEN, client_slug=TEST_SLUG, latency=0.1, jitter=0.0, seed=7)


@pytest.fixture
def simulator_factory():
    with simulator_pool(TEST_SIMULATOR_DEFAULTS) as start:
        yield start


@pytest.fixture
def connect():
    """``connect(sim, **overrides)``: a fast-retrying client for a simulator, closed after the test."""
    made = []

    def connect(sim, **overrides) -> RecastClient:
        client = RecastClient(sim.base_url, sim.client_slug, overrides.pop("token", sim.token), **{**FAST, **overrides})
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()


@pytest.fixture
def simulator(simulator_factory):
    return simulator_factory()


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> DemoProject:
    return run_demo(tmp_path_factory.mktemp("demo_project"))
